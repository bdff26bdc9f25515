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

/// What `atlas collect merge` and `atlas index merge` take: the folders of parts 1 to N (any
/// order) of one sharded run, and the folder to write the whole to.
struct MergeArguments: ParsableArguments {
    @Argument(help: "The folders of the parts (any order).")
    var parts: [String]

    @Option(name: .shortAndLong, help: "The folder to write the merged whole to.")
    var output: String

    func validate() throws {
        guard !parts.isEmpty else { throw ValidationError("give the folders of the parts to merge") }
    }
}
