// index-manifest: an index's index.json as IndexFolder reads it, IndexFolder.manifest(in:)
// (IndexManifest.read(from:kind:)), on the input written to a scratch folder.
import Search

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = ScratchFolder.write(data, size, as: IndexManifest.fileName)
    _ = try? IndexFolder.manifest(in: ScratchFolder.path)
    return 0
}
