// png: Imaging.decodeImage(_:name:), the decoder every photo goes through (it tells PNG, JPEG and
// WebP apart by their first bytes; the corpus holds PNGs, which the mutations mostly keep).
import Foundation
import Imaging

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? decodeImage(Data(bytes: data, count: size), name: "fuzz.png")
    return 0
}
