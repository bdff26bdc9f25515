/// The stages a layout goes through, in order.
public enum LayoutStage: String, Sendable {
    case neighbors = "neighbours"
    case graph
    case affinities
    case initialisation
    case optimisation
}

/// A progress report: `completed` of `total` steps of `stage` are done.
public struct LayoutProgress: Sendable {
    public let stage: LayoutStage
    public let completed: Int
    public let total: Int
    /// A short note, e.g. "NN-descent iteration 3: 12,345 updates".
    public let detail: String

    public init(stage: LayoutStage, completed: Int, total: Int, detail: String = "") {
        self.stage = stage
        self.completed = completed
        self.total = total
        self.detail = detail
    }
}

/// Called by the layouts as they progress; the library itself never prints.
public typealias ProgressHandler = @Sendable (LayoutProgress) -> Void
