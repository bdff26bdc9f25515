extension CollectionHeader {
    /// Fails unless the collection in `folder` was made with `model` and the checkpoint whose
    /// sha256 is `weightsSHA256`, naming both.
    public func check(model: String, weightsSHA256: String, folder: String) throws {
        guard self.model == model, self.weightsSHA256 == weightsSHA256 else {
            throw CollectError("\(folder) was collected with \(self.model) (weights \(self.weightsSHA256.prefix(12))…), not the "
                + "loaded \(model) (weights \(weightsSHA256.prefix(12))…): pass --model/--weights to match")
        }
    }
}

extension SampleSet {
    /// The samples at `indices` (each in 0..<count), in that order, with the same header.
    public func subset(_ indices: [Int]) throws -> SampleSet {
        guard let bad = indices.first(where: { !(0..<count).contains($0) }) else {
            let (c, k) = (channels, topK)
            return try SampleSet(header: header,
                                 activations: indices.flatMap { activations[$0 * c..<($0 + 1) * c] },
                                 classes: indices.flatMap { classes[$0 * k..<($0 + 1) * k] },
                                 attributions: indices.flatMap { attributions[$0 * k..<($0 + 1) * k] },
                                 origins: indices.flatMap { origins[$0 * 3..<$0 * 3 + 3] })
        }
        throw CollectError("sample \(bad) is outside the \(count) samples of the collection")
    }

    /// A class activation atlas's samples (ALGORITHMS.md 7): every sample whose most attributed
    /// class is `classIndex`, then the others with the largest positive attribution to it (among
    /// each sample's kept top classes), up to `maximum` in all; in collection order.
    public func samples(ofClass classIndex: Int, maximum: Int = 3000) -> [Int] {
        var first: [Int] = [], others: [(index: Int, attribution: Float)] = []
        for sample in 0..<count {
            let base = sample * topK
            guard let slot = (0..<topK).first(where: { classes[base + $0] == classIndex }), attributions[base + slot] > 0 else {
                continue
            }
            let topSlot = (0..<topK).max { attributions[base + $0] < attributions[base + $1] }!
            if classes[base + topSlot] == classIndex {
                first.append(sample)
            } else {
                others.append((sample, attributions[base + slot]))
            }
        }
        let chosen = first.prefix(maximum) + others.sorted { $0.attribution > $1.attribution }.prefix(max(0, maximum - first.count)).map(\.index)
        return chosen.sorted()
    }

    /// The classes some sample keeps with a positive attribution, for suggesting names.
    public var attributedClassIndices: Set<Int> {
        Set(zip(classes, attributions).filter { $0.1 > 0 }.map(\.0))
    }
}
