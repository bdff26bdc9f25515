// onnx-model: an ONNX file as ONNXModel.load reads it, from the bytes in memory: the protobuf
// decoded (swift-protobuf), initializers decoded and checked, then the graph imported (shape
// arithmetic folded, operators mapped) and checked for the input size. External data is looked
// up beside /dev/shm/atlas-fuzz-<pid>/model.onnx. Internal, hence @testable (a debug build).
import Foundation
@testable import ONNX

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = try? ONNXFile(data: Data(bytes: data, count: size), path: ScratchFolder.path + "/model.onnx") else { return 0 }
    var importer = try? GraphImporter(file: file)
    _ = try? importer?.run()
    return 0
}
