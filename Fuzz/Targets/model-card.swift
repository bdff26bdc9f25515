// model-card: a model card (TOML) as ModelCard(contentsOf:) reads it: bytes that are not UTF-8 are
// refused there before parsing; UTF-8 text goes to ModelCard(parsing:path:), which checks the
// TOML syntax itself before TOMLKit (toml++) sees it.
import Foundation
import ONNX

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(data: Data(bytes: data, count: size), encoding: .utf8) else { return 0 }
    _ = try? ModelCard(parsing: text, path: "/nonexistent/fuzz.toml")
    return 0
}
