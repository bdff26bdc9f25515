import Tensor

/// What feature visualization maximises: a weighted sum of terms, each reading one layer's
/// activation or the image, each for the whole batch or for one item of it. Objectives compose as
/// in lucid: `a + b`, `a - b`, `0.5 * a`, `-a`, `Objective.sum(list)`; `a.forItem(i)` targets
/// one image of the batch. The value is per batch item: an item's value is the sum of the
/// weighted terms that apply to it, and the render loop maximises their sum.
public struct Objective: Sendable, CustomStringConvertible {
    /// Where a term reads its input.
    public enum Source: Hashable, Sendable, CustomStringConvertible {
        /// The activation of the named layer, NCHW.
        case layer(String)
        /// The activation of the named layer for one region of the (transformed) image, cut out
        /// and resized: what the network sees of that region alone.
        case layerOfRegion(String, ImageRegion)
        /// The parameterized image, [N, 3, H, W] in [0, 1], before the random transforms.
        case image

        public var description: String {
            switch self {
            case .layer(let name): name
            case .layerOfRegion(let name, let region): "\(name) of \(region)"
            case .image: "image"
            }
        }
    }

    struct Part: Sendable {
        var weight: Float
        var item: Int?
        let source: Source
        let term: any ObjectiveTerm
        let name: String
    }

    private(set) var parts: [Part]

    /// An objective of one term; `name` is for descriptions.
    public init(_ term: some ObjectiveTerm, on source: Source, item: Int? = nil, name: String) {
        parts = [Part(weight: 1, item: item, source: source, term: term, name: name)]
    }

    private init(parts: [Part]) {
        self.parts = parts
    }

    /// The sources the terms read, in order of first appearance.
    public var sources: [Source] {
        parts.reduce(into: []) { sources, part in if !sources.contains(part.source) { sources.append(part.source) } }
    }

    public var description: String {
        parts.map { part in
            let weight = part.weight == 1 ? "" : "\(part.weight) * "
            let item = part.item.map { "[item \($0)]" } ?? ""
            return "\(weight)\(part.name)(\(part.source))\(item)"
        }.joined(separator: " + ")
    }

    /// The value per batch item of the terms that read `source`, and the gradient of their sum
    /// with respect to `input` (the tensor at `source`, batch first). A fully connected layer's
    /// output [N, C] is read as [N, C, 1, 1]: one position, so channel, neuron and direction
    /// terms apply to logits as to any 1x1 layer.
    public func evaluate(_ input: Tensor, at source: Source) throws -> (values: [Float], gradient: Tensor) {
        guard let batch = input.shape.first, batch > 0, input.rank == 2 || input.rank == 4 else {
            throw OptvisError("objective on \(source): expected a batch-first tensor [N, C, H, W] or [N, C], got shape \(input.shape)")
        }
        let shape = input.shape
        let input = input.rank == 2 ? try Tensor(shape: shape + [1, 1], values: input.values) : input
        let itemSize = input.count / batch
        var values = [Float](repeating: 0, count: batch)
        var gradient = [Float](repeating: 0, count: input.count)
        for part in parts where part.source == source {
            let range = try part.item.map { item in
                guard item >= 0, item < batch else {
                    throw OptvisError("objective \(part.name) on \(source) targets batch item \(item), but the batch has \(batch)")
                }
                return item..<item + 1
            } ?? 0..<batch
            let (termValues, termGradient): ([Float], Tensor)
            do {
                (termValues, termGradient) = try part.term.evaluate(range.count == batch ? input : input.batchItems(range))
            } catch let error as OptvisError {
                throw OptvisError("objective \(part.name) on \(source): \(error.description)")
            }
            guard termValues.count == range.count, termGradient.count == range.count * itemSize else {
                throw OptvisError("objective \(part.name) on \(source) gave \(termValues.count) values and \(termGradient.count) gradient entries for \(range.count) items of shape \(input.shape.dropFirst())")
            }
            for (i, value) in termValues.enumerated() { values[range.lowerBound + i] += part.weight * value }
            let offset = range.lowerBound * itemSize
            for (i, g) in termGradient.values.enumerated() { gradient[offset + i] += part.weight * g }
        }
        return (values, try Tensor(shape: shape, values: gradient))
    }

    /// This objective for batch item `item` only; terms already targeted at another item drop out.
    public func forItem(_ item: Int) -> Objective {
        Objective(parts: parts.compactMap { part in
            guard part.item == nil || part.item == item else { return nil }
            var targeted = part
            targeted.item = item
            return targeted
        })
    }

    /// The objective with no terms (value 0).
    public static let zero = Objective(parts: [])

    public static func sum(_ objectives: some Sequence<Objective>) -> Objective {
        objectives.reduce(.zero, +)
    }

    public static func + (a: Objective, b: Objective) -> Objective {
        Objective(parts: a.parts + b.parts)
    }

    public static func * (weight: Float, objective: Objective) -> Objective {
        Objective(parts: objective.parts.map { part in
            var scaled = part
            scaled.weight *= weight
            return scaled
        })
    }

    public static func * (objective: Objective, weight: Float) -> Objective {
        weight * objective
    }

    public static prefix func - (objective: Objective) -> Objective {
        -1 * objective
    }

    public static func - (a: Objective, b: Objective) -> Objective {
        a + -b
    }
}
