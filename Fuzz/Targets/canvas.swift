// canvas: a .canvas file (TOML) as Paint.Canvas.load(_:) reads it: bytes that are not UTF-8 are
// refused there before parsing (an error, so nothing to run); UTF-8 text goes to
// Canvas(parsing:path:), which checks the TOML syntax itself before TOMLKit (toml++) sees it.
import Foundation
import Paint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(data: Data(bytes: data, count: size), encoding: .utf8) else { return 0 }
    _ = try? Canvas(parsing: text, path: "/nonexistent/fuzz.canvas")
    return 0
}
