import Tensor

/// One layer as seen from outside: its name and the geometry of its output for an input size.
public struct LayerInfo: Sendable, Equatable {
    public let name: String
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Input size over the layer's size (1 for the input, 32 for MobileNetV2's last block; the
    /// input size itself for the pooled and fully connected layers).
    public let stride: Int

    public init(name: String, channels: Int, height: Int, width: Int, stride: Int) {
        (self.name, self.channels, self.height, self.width, self.stride) = (name, channels, height, width, stride)
    }
}

/// A classifier: a graph of named layers, how its input is made, and an executor that runs it.
/// Not safe to share between threads (it owns a `GraphExecutor`).
public final class Network {
    public let name: String
    public let graph: Graph
    /// The side of the square input the network was trained on (224).
    public let inputSize: Int
    public let normalization: InputNormalization
    public let logits: NodeID
    public let probabilities: NodeID
    /// The checkpoint the weights came from.
    public let weightsPath: String
    private let executor: GraphExecutor

    /// How gradients pass ReLU and ReLU6 in every pullback (`.exact` unless set): feature
    /// visualization of channels sets `.redirected`, as lucid's `render_vis` does.
    public var activationGradient: ActivationGradient {
        get { executor.activationGradient }
        set { executor.activationGradient = newValue }
    }

    /// A network of `graph`, checked to run on a square input of `inputSize`; `weightsPath` names
    /// the file it came from in errors.
    public init(name: String, graph: Graph, inputSize: Int, normalization: InputNormalization, logits: NodeID,
         probabilities: NodeID, weightsPath: String) throws {
        do {
            _ = try graph.shapes(input: [1, 3, inputSize, inputSize])
        } catch {
            throw ModelError("\(weightsPath): the weights do not fit \(name): \(error)")
        }
        (self.name, self.graph, self.inputSize, self.normalization) = (name, graph, inputSize, normalization)
        (self.logits, self.probabilities, self.weightsPath) = (logits, probabilities, weightsPath)
        executor = try GraphExecutor(graph)
    }

    /// Every layer but the input, in order, with its output size for a square input of `size`
    /// (by default the network's own).
    public func layers(inputSize size: Int? = nil) throws -> [LayerInfo] {
        let side = size ?? inputSize
        let shapes = try graph.shapes(input: [1, 3, side, side])
        return zip(graph.nodes, shapes).dropFirst().map { node, shape in
            let height = shape.count == 4 ? shape[2] : 1, width = shape.count == 4 ? shape[3] : 1
            return LayerInfo(name: node.name, channels: shape[1], height: height, width: width, stride: side / height)
        }
    }

    /// The layer called `name`; the error names the closest layers there are, and the top-level
    /// ones (`features.K`, not `features.K.conv.J`).
    public func layer(named name: String) throws -> NodeID {
        guard let node = graph.node(named: name) else {
            let names = graph.nodes.dropFirst().map(\.name), close = closeNames(to: name, among: names)
            let topLevel = names.filter { $0.split(separator: ".").count <= 2 }
            throw ModelError("\(self.name) has no layer '\(name)'"
                + (close.isEmpty ? "" : "; did you mean " + close.joined(separator: ", ") + "?")
                + " Its top-level layers are " + topLevel.joined(separator: ", ") + "; `atlas layers` lists them all.")
        }
        return node
    }

    /// Runs a preprocessed NCHW batch as far as needed and returns the named layers' outputs
    /// (NCHW, or [N, classes] for the logits and probabilities).
    public func forward(_ batch: Tensor, to layerNames: [String]) throws -> [Tensor] {
        try executor.run(batch, outputs: layerNames.map(layer(named:)))
    }

    /// Runs a preprocessed NCHW batch to the named layer and returns its output and the map from
    /// dL/d(output) to dL/d(batch) (reverse mode through the network's own backward primitives).
    public func forwardWithPullback(_ batch: Tensor, to layerName: String) throws -> (Tensor, (Tensor) throws -> Tensor) {
        let (output, pullback) = try executor.runWithPullback(batch, to: layer(named: layerName), gradientsAt: [graph.input])
        return (output, { try pullback($0)[0] })
    }

    /// Runs a preprocessed NCHW batch to `outputName` and returns its output and the map from
    /// dL/d(output) to dL/d(layer) for each of `layerNames` (layers the output depends on), in
    /// order: attribution pulls the logits back to an intermediate layer this way, with
    /// `maxPoolGradient: .relaxed` (by default the executor's).
    public func forwardWithPullback(_ batch: Tensor, to outputName: String, gradientsAt layerNames: [String],
                                    maxPoolGradient: MaxPoolGradient? = nil) throws -> (Tensor, (Tensor) throws -> [Tensor]) {
        try executor.runWithPullback(batch, to: layer(named: outputName), gradientsAt: layerNames.map(layer(named:)),
                                     maxPoolGradient: maxPoolGradient)
    }

    /// The name of the logits layer (the input to the softmax).
    public var logitsName: String { graph.nodes[logits.index].name }

    /// Class probabilities [N, classes] for a preprocessed NCHW batch.
    public func probabilities(of batch: Tensor) throws -> Tensor {
        try executor.run(batch, outputs: [probabilities])[0]
    }
}
