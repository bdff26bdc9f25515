import ArgumentParser

/// `--shard K/N`: part K of N (1-based) of a photo list, for a run on several machines.
struct ShardOption: ExpressibleByArgument {
    let index: Int
    let count: Int

    init?(argument: String) {
        let numbers = argument.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard numbers.count == 2, let index = numbers[0], let count = numbers[1], count >= 1, (1...count).contains(index) else {
            return nil
        }
        (self.index, self.count) = (index, count)
    }

    static let help = "Only part K of N (1-based: K/N with 1 <= K <= N) of the sorted photo list, for a run on several machines."
}
