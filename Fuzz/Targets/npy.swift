// npy: ArrayFiles' .npy reader, NPY.decode(_:path:), on the input's bytes.
import ArrayFiles
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? NPY.decode(Data(bytes: data, count: size), path: "fuzz.npy")
    return 0
}
