// collection-json: a collection run's collection.json as every stage after `atlas collect` reads
// it, SampleSet.readHeader(_:) (CollectionHeader.read(from:kind:)), on the input written to a
// scratch folder.
import Collect

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = ScratchFolder.write(data, size, as: CollectionHeader.fileName)
    _ = try? SampleSet.readHeader(ScratchFolder.path)
    return 0
}
