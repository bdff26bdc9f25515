// palette-json: a palette's palette.json as Palette.load reads it, PaletteDescription.read(from:kind:)
// (JSONDecoder, then the format check), on the input written to a scratch file.
import Palette

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = ScratchFolder.write(data, size, as: PaletteDescription.fileName)
    _ = try? PaletteDescription.read(from: path, kind: "palette description")
    return 0
}
