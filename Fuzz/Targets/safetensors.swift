// safetensors: the checkpoint reader on safetensors (a JSON header, then raw data), from the bytes in memory:
// TorchCheckpoint.decode, which TorchCheckpoint.load(_:) calls on the file's contents (it picks the
// format by the first bytes; the corpus holds this format's files). Internal, hence @testable
// (scripts/fuzz builds debug, which enables testing).
@testable import Models

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? TorchCheckpoint.decode(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
