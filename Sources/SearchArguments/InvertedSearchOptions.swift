import ArgumentParser
import InvertedFile

/// How much of an inverted file a search reads, as command-line options, shared by `atlas
/// search` and `atlas-bench search --synthetic` (docs/search.md, "A million images").
public struct InvertedSearchOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Inverted-file lists scanned per query cell (default: 1/64 of the lists, at least 8).")
    public var probe: Int?

    @Option(name: .customLong("per-cell"), parsing: .unconditional, help: "Positions each query cell keeps from the inverted file.")
    public var perCell = InvertedSearch.Settings().perCell

    @Option(parsing: .unconditional, help: "Candidate photos scored exactly after the inverted file.")
    public var candidates = InvertedSearch.Settings().candidates

    public init() {}

    public func validate() throws {
        for (name, value) in [("--probe", probe ?? 1), ("--per-cell", perCell), ("--candidates", candidates)] where value <= 0 {
            throw ValidationError("\(name) must be positive, got \(value)")
        }
    }

    public var settings: InvertedSearch.Settings { .init(probe: probe, perCell: perCell, candidates: candidates) }
}
