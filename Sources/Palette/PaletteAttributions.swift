import ArrayFiles

/// How much to trust a palette's class labels (ALGORITHMS.md section 2: in early layers the
/// attributions are small and labels unreliable, and the tools should say so).
///
/// The rule: an attribution is a linear estimate of what the activation at one position adds to
/// the class's logit. A cell's mean attribution to its top class under `reliableAttribution` =
/// 0.01 means its average sample changes that class's odds by less than e^0.01 ~ 1%: its label
/// is unreliable, and a palette whose median cell's is has unreliable labels as a whole. (On the
/// demo set, MobileNetV2's features.6 cells fall under it, features.13 and later ones above.)
extension Palette {
    /// The smallest top-class mean attribution (in logits) for which a label is trusted.
    public static let reliableAttribution: Float = 0.01

    /// Each cell's mean attribution to class `index` (0 where no attribution was recorded). Reads
    /// `attributions.npy`; a palette without it falls back to the classes listed in palette.json.
    public func attributions(toClass index: Int) throws -> [Float] {
        guard let classes = description.attributedClasses else {
            return description.cells.map { cell in cell.classes.first { $0.index == index }?.attribution ?? 0 }
        }
        let file = path(Self.attributionsFile)
        let matrix = try NPY.read(file)
        guard matrix.shape == [description.cells.count, classes.count] else {
            throw PaletteError("\(file): expected [\(description.cells.count), \(classes.count)] (cells x attributed classes), "
                + "got \(matrix.shape)")
        }
        guard let column = classes.firstIndex(of: index) else { return Array(repeating: 0, count: description.cells.count) }
        return (0..<description.cells.count).map { matrix.values[$0 * classes.count + column] }
    }

    /// The median over the cells of their top class's mean attribution.
    public var medianTopAttribution: Float {
        let tops = description.cells.map { $0.classes.first?.attribution ?? 0 }.sorted()
        guard !tops.isEmpty else { return 0 }
        return tops.count % 2 == 1 ? tops[tops.count / 2] : (tops[tops.count / 2 - 1] + tops[tops.count / 2]) / 2
    }

    /// Whether the palette's labels as a whole can be trusted (see the rule above).
    public var labelsAreReliable: Bool { medianTopAttribution >= Self.reliableAttribution }

    /// A sentence for users when the labels cannot be trusted, or nil.
    public var unreliableLabelsWarning: String? {
        guard !labelsAreReliable else { return nil }
        return "attributions are small at \(description.layer) (median top class \(String(format: "%.3g", medianTopAttribution)) "
            + "logit, under \(Self.reliableAttribution)): class labels are unreliable here"
    }
}

extension PaletteCell {
    /// Whether the cell's top class has a mean attribution of at least `Palette.reliableAttribution`.
    public var hasReliableLabel: Bool { (classes.first?.attribution ?? 0) >= Palette.reliableAttribution }
}
