#if canImport(Glibc)
import Glibc
#endif

/// Hands the pages of freed heap memory back to the system (glibc's malloc_trim). Freed
/// blocks below malloc's mmap threshold stay resident otherwise, and a later large allocation
/// is added on top of them: at 1,000,000 points the epochs' 448 MB edge schedule was.
func releaseFreedMemory() {
    #if canImport(Glibc)
    // malloc_trim is declared in <malloc.h>, which the Glibc module does not import: looked up
    // by name (and skipped where the C library has none).
    typealias Trim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(nil, "malloc_trim") { _ = unsafeBitCast(symbol, to: Trim.self)(0) }
    #endif
}
