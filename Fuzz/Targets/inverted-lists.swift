// inverted-lists: reading an index's inverted file as InvertedFile.init does: ivf.json decoded and
// bounds-checked (InvertedManifest), then lists.bin's size, magic and list offsets
// (InvertedFile.offsets(in:manifest:path:index:), internal, hence @testable). The input is ivf.json,
// a zero byte (JSON holds none), then the bytes of lists.bin. (The entries' position numbers are
// checked where a search uses them, and every code byte reads inside the 256-wide lookup table.)
import ArrayFiles
import Foundation
@testable import InvertedFile

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let (json, lists) = twoPartInput(data, size)
    guard let manifest = try? InvertedManifest.decode(json, path: "ivf.json", kind: "inverted file manifest") else { return 0 }
    lists.withUnsafeBytes { _ = try? InvertedFile.offsets(in: $0, manifest: manifest, path: "lists.bin", index: "index") }
    return 0
}
