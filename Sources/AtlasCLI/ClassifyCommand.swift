import ArgumentParser
import Dataset
import Foundation
import Models
import Tensor

extension Resizing: ExpressibleByArgument {}
extension ModelName: ExpressibleByArgument {}

/// `atlas classify`: the top classes of images.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Print the top classes of images (ImageNet's, for the built-in networks).",
        discussion: """
            Images (PNG, JPEG, WebP) are classified in batches. With --resize torchvision (the default) \
            each is prepared as torchvision does: short side resized to 256 (antialiased bilinear, as \
            PIL), centre crop 224, ImageNet mean and std (for a model card: its input size over 0.875, \
            centre crop at its input size, its mean and std); --resize none takes images that already \
            have the input size and refuses any other size. The weights default to .deps/models/<checkpoint> under \
            $ATLAS_HOME or the nearest folder above the current directory or the executable (put there by \
            scripts/setup); any weights file is checked against the checkpoint's sha256 unless --no-verify.
            """)

    @Argument(help: "Image files, or folders searched (at any depth) for PNG, JPEG and WebP files.")
    var images: [String]

    @Option(parsing: .unconditional, help: "Classes to print per image.")
    var top = 5

    @Flag(help: "Print one JSON object per image per line.")
    var json = false

    @Option(help: "How images are brought to the input size: \(Resizing.allValueStrings.joined(separator: ", ")).")
    var resize = Resizing.torchvision

    @OptionGroup var network: NetworkOptions

    @Option(parsing: .unconditional, help: "Images per batch.")
    var batchSize = 16

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be positive, got \(top)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let missing = images.first(where: { !FileManager.default.isReadableFile(atPath: $0) }) {
            throw ValidationError("\(missing): no such image file, or not readable")
        }
    }

    func run() throws {
        let classifier = try ImageClassifier(network: network.load(), labels: network.labels(), resizing: resize,
                                             batchSize: batchSize)
        let files = try images.flatMap { path -> [String] in
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
            return try ImageCollection.list(path).map(\.path)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var unreadable = 0
        try classifier.classify(files, top: top, skipped: { path, error in
            unreadable += 1
            FileHandle.standardError.write(Data("atlas: error: \(ErrorReport.describe(error))\n".utf8))
        }) { result in
            if json {
                print(String(decoding: try encoder.encode(JSONLine(image: result.image, top: result.top)), as: UTF8.self))
            } else {
                print(result.image)
                for score in result.top {
                    print("  " + String(format: "%4d  %.4f  ", score.index, score.probability) + score.label)
                }
            }
        }
        if unreadable > 0 {
            try ErrorReport.flushStandardOutput()
            throw ExitCode(1)  // each unreadable image was reported on its own line
        }
    }

    /// One image's line of `--json` output.
    private struct JSONLine: Encodable {
        let image: String
        let top: [ClassScore]
    }
}
