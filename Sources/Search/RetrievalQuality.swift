/// Measures of a ranking against known relevant images (the proofs in docs/search.md).
public enum RetrievalQuality {
    /// Image numbers by score, best first; ties by number, images without a score last.
    public static func ranking(_ scores: [Float?]) -> [Int] {
        scores.indices.sorted { a, b in
            switch (scores[a], scores[b]) {
            case let (x?, y?): x > y || (x == y && a < b)
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a < b
            }
        }
    }

    /// The fraction of the first `k` ranked images that are relevant.
    public static func precision(at k: Int, ranking: [Int], relevant: Set<Int>) -> Double {
        let top = ranking.prefix(k)
        return top.isEmpty ? 0 : Double(top.filter(relevant.contains).count) / Double(k)
    }
}
