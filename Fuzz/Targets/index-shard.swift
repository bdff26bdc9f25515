// index-shard: reading an index's shards as IndexFolder.load(_:) does, given the manifest's
// entries: IndexFolder.grids(of:in:contents:) (internal, hence @testable; scripts/fuzz builds debug,
// which enables testing). The input is index.json, a zero byte (JSON holds none), then the bytes
// of the shard; every shard the manifest names has those bytes. So the fuzzer varies both the
// entries (offsets, rows, columns, channels, shard numbers) and the shard they point into.
import Foundation
@testable import Search

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let (json, shard) = twoPartInput(data, size)
    // As IndexManifest.read(from:kind:) decodes and checks it (that reader is index-manifest's target).
    guard let manifest = try? JSONDecoder().decode(IndexManifest.self, from: json),
          manifest.format == IndexManifest.currentFormat else { return 0 }
    _ = try? IndexFolder.grids(of: manifest, in: "/nonexistent/index") { _ in shard }
    return 0
}
