import Foundation

/// The networks atlas can build, by the name the command line uses.
public enum ModelName: String, CaseIterable, Sendable {
    case mobileNetV2 = "mobilenet_v2"
    case efficientNetLite0 = "efficientnet_lite0"
    case inceptionV1 = "inception_v1"

    /// The checkpoint the model loads by default (`scripts/setup` installs those with a sha256).
    public var weightsFile: WeightsFile {
        switch self {
        case .mobileNetV2:
            WeightsFile(fileName: "mobilenet_v2-b0353104.pth",
                        sha256: "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889")
        case .efficientNetLite0:
            WeightsFile(fileName: "efficientnet-lite0-57934424.pth",
                        sha256: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")
        case .inceptionV1:
            WeightsFile(fileName: "inception5h.pth", sha256: nil, source: InceptionV1.weightsSource)
        }
    }

    /// The names of the model's classes, in the order of its outputs.
    public func labels() throws -> [String] {
        switch self {
        case .mobileNetV2, .efficientNetLite0: try ImageNetLabels.load()
        case .inceptionV1: InceptionV1.labels
        }
    }

    /// Builds the network from a checkpoint, after checking its sha256 against `weightsFile`
    /// unless `verify` is false (for a retrained or converted copy).
    public func load(weightsAt path: String, verify: Bool = true) throws -> Network {
        if verify { try weightsFile.verify(path) }
        let weights = try TorchCheckpoint.load(path)
        switch self {
        case .mobileNetV2: return try MobileNetV2.network(from: weights)
        case .efficientNetLite0: return try EfficientNetLite0.network(from: weights)
        case .inceptionV1: return try InceptionV1.network(from: weights)
        }
    }
}
