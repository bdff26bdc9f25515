/// What a kept cell says about its samples: the mean raw activation and the mean attribution to
/// each class (ALGORITHMS.md sections 2 and 5).
public enum CellSummary {
    /// The mean of the rows `members` of `activations` [N, channels].
    public static func meanVector(of members: [Int], activations: [Float], channels: Int) -> [Float] {
        var sum = [Double](repeating: 0, count: channels)
        for sample in members {
            let base = sample * channels
            for c in 0..<channels { sum[c] += Double(activations[base + c]) }
        }
        let count = Double(max(members.count, 1))
        return sum.map { Float($0 / count) }
    }

    /// The mean attribution to each of `classCount` classes over `members`: each sample
    /// contributes the attributions of its top-K classes (`classes`, `attributions` [N, topK])
    /// and 0 for the classes it does not list.
    public static func meanAttributions(of members: [Int], classes: [Int], attributions: [Float], topK: Int,
                                        classCount: Int) throws -> [Float] {
        var sum = [Double](repeating: 0, count: classCount)
        for sample in members {
            for k in 0..<topK {
                let index = classes[sample * topK + k]
                guard (0..<classCount).contains(index) else {
                    throw PaletteError("sample \(sample) lists class \(index), outside the \(classCount) classes of the model")
                }
                sum[index] += Double(attributions[sample * topK + k])
            }
        }
        let count = Double(max(members.count, 1))
        return sum.map { Float($0 / count) }
    }

    /// The `count` classes with the largest values of `attributions` (one per class), best
    /// first, ties by class index; only classes with a positive attribution.
    public static func topClasses(_ attributions: [Float], labels: [String], count: Int) -> [ClassAttribution] {
        attributions.indices
            .filter { attributions[$0] > 0 }
            .sorted { (attributions[$0], -$0) > (attributions[$1], -$1) }
            .prefix(count)
            .map { ClassAttribution(index: $0, label: $0 < labels.count ? labels[$0] : "class \($0)", attribution: attributions[$0]) }
    }
}
