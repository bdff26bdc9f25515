import Models
import Tensor

/// Samples in the row layout of a shard: per sample, the activation vector, the kept classes
/// and their attributions (best first), and where it came from.
public struct SampleRows: Sendable, Equatable {
    /// [count, channels].
    public var activations: [Float] = []
    /// [count, topK]: class indices.
    public var classes: [Int] = []
    /// [count, topK]: attributions, descending along each row.
    public var attributions: [Float] = []
    /// [count, 3]: image index, layer row, layer column.
    public var origins: [Int] = []

    public var count: Int { origins.count / 3 }

    public init() {}

    mutating func append(_ other: SampleRows) {
        activations += other.activations
        classes += other.classes
        attributions += other.attributions
        origins += other.origins
    }
}

/// Attribution of activation vectors to classes: a_c = h . dlogit_c/dh, the activation h at a
/// position of the layer dotted with the gradient there of class c's logit (ALGORITHMS.md §2).
///
/// The approximation: the exact attribution vector has one entry per class (1000 backward
/// passes per batch). Instead each batch item's K classes with the largest logits are the
/// candidates, and K backward passes (the k-th seeds every item with a one-hot on its own k-th
/// candidate) give dlogit_c/dh at every position at once. Each sample keeps those K classes,
/// sorted by its own attribution. A class outside the image's top K by logit is never among a
/// sample's classes, even where its attribution at that position would be larger; for labels
/// and class filters, which look at the classes an image is about, that is what matters.
/// Max pooling is backpropagated relaxed (max forward, average-pool backward), as the article
/// does; MobileNetV2 has no max pooling.
public enum Attribution {
    /// The samples at `positions[b]` of batch item b of the preprocessed `input`, with origins
    /// naming `imageIndices[b]`, and attributions to the item's `topK` classes by logit.
    public static func samples(of input: Tensor, network: Network, layer: String, positions: [[GridPosition]],
                               imageIndices: [Int], topK: Int) throws -> SampleRows {
        let batch = input.shape[0]
        guard positions.count == batch, imageIndices.count == batch else {
            throw CollectError("attribution: \(batch) batch items but \(positions.count) position lists and \(imageIndices.count) image indices")
        }
        let (logits, pullback) = try network.forwardWithPullback(input, to: network.logitsName, gradientsAt: [layer],
                                                                 maxPoolGradient: .relaxed)
        let activations = try network.forward(input, to: [layer])[0]
        let classCount = logits.shape[1]
        guard (1...classCount).contains(topK) else {
            throw CollectError("--top-k \(topK): \(network.name) has \(classCount) classes; keep between 1 and \(classCount)")
        }
        let (channels, height, width) = (activations.shape[1], activations.shape[2], activations.shape[3])
        for position in positions.joined() where !(0..<height).contains(position.row) || !(0..<width).contains(position.column) {
            throw CollectError("attribution: position \(position) is outside the \(height)x\(width) grid of \(layer)")
        }
        let candidates = (0..<batch).map { item in
            topClasses(Array(logits.values[item * classCount..<(item + 1) * classCount]), count: topK)
        }

        // attributions[item][sample][k]: the attribution of the sample to the item's k-th candidate.
        var attributions = positions.map { $0.map { _ in [Float](repeating: 0, count: topK) } }
        for k in 0..<topK {
            var seed = [Float](repeating: 0, count: batch * classCount)
            for item in 0..<batch { seed[item * classCount + candidates[item][k]] = 1 }
            let gradient = try pullback(Tensor(shape: logits.shape, values: seed))[0]
            for item in 0..<batch {
                for (sample, position) in positions[item].enumerated() {
                    attributions[item][sample][k] = dot(activations.values, gradient.values,
                                                        start: (item * channels * height + position.row) * width + position.column,
                                                        count: channels, stride: height * width)
                }
            }
        }

        var rows = SampleRows()
        for item in 0..<batch {
            for (sample, position) in positions[item].enumerated() {
                let start = (item * channels * height + position.row) * width + position.column
                rows.activations += (0..<channels).map { activations.values[start + $0 * height * width] }
                let order = (0..<topK).sorted { a, b in
                    let (x, y) = (attributions[item][sample][a], attributions[item][sample][b])
                    return x != y ? x > y : candidates[item][a] < candidates[item][b]
                }
                rows.classes += order.map { candidates[item][$0] }
                rows.attributions += order.map { attributions[item][sample][$0] }
                rows.origins += [imageIndices[item], position.row, position.column]
            }
        }
        return rows
    }

    /// The indices of the `count` largest values, largest first (ties: the lower index first).
    static func topClasses(_ values: [Float], count: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(count))
    }

    /// sum over i < count of a[start + i * stride] * b[start + i * stride], accumulated in Double.
    private static func dot(_ a: [Float], _ b: [Float], start: Int, count: Int, stride: Int) -> Float {
        var sum: Double = 0
        for i in 0..<count { sum += Double(a[start + i * stride]) * Double(b[start + i * stride]) }
        return Float(sum)
    }
}
