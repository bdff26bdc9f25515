/// Up to three of `names` within a small edit distance of `name` (a typo, a wrong layer
/// number), closest first, file order among equals.
public func closeNames(to name: String, among names: [String]) -> [String] {
    let target = Array(name.utf8)
    let limit = max(2, target.count / 4)
    return names.enumerated()
        .map { (index: $0.offset, name: $0.element, distance: editDistance(target, Array($0.element.utf8))) }
        .filter { $0.distance <= limit }
        .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }
        .prefix(3)
        .map(\.name)
}

/// Levenshtein distance: insertions, deletions and substitutions of bytes.
private func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in stride(from: 1, through: a.count, by: 1) {
        current[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
