import Foundation

/// The networks atlas can build, by the name the command line uses.
public enum ModelName: String, CaseIterable, Sendable {
    case mobileNetV2 = "mobilenet_v2"

    /// The checkpoint `scripts/setup` installs for the model.
    public var weightsFile: WeightsFile {
        switch self {
        case .mobileNetV2:
            WeightsFile(fileName: "mobilenet_v2-b0353104.pth",
                        sha256: "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889")
        }
    }

    /// Builds the network from a checkpoint, after checking its sha256 against `weightsFile`
    /// unless `verify` is false (for a retrained or converted copy).
    public func load(weightsAt path: String, verify: Bool = true) throws -> Network {
        if verify { try weightsFile.verify(path) }
        let weights = try TorchCheckpoint.load(path)
        switch self {
        case .mobileNetV2: return try MobileNetV2.network(from: weights)
        }
    }
}
