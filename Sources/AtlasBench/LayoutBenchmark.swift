import ArgumentParser
import ArrayFiles
import Foundation
import Layout

/// `atlas-bench layout`: our UMAP and t-SNE against umap-learn and openTSNE (from PyPI, in
/// .deps/venv-layout) on the same files in the same run: seconds of the first call in a fresh
/// process, the process's peak memory, trustworthiness and kNN label accuracy.
struct LayoutBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layout",
        abstract: "UMAP and t-SNE against umap-learn and openTSNE: time, peak memory, trustworthiness, kNN accuracy.",
        discussion: """
            Creates .deps/venv-layout (Benchmarks/layout/make-venv) and the inputs in \
            .deps/layout-bench (Benchmarks/layout/make_data.py: scikit-learn's digits and seeded \
            synthetic ReLU-like clusters, N x 512) when missing. Every layout runs in its own \
            process, one at a time; each is scored by Benchmarks/layout/evaluate.py \
            (trustworthiness k = 10 on a fixed 5,000-point subsample, leave-one-out 10-NN label \
            accuracy in the layout).
            """,
        subcommands: [LayoutBenchmarkTable.self, LayoutBenchmarkWorker.self],
        defaultSubcommand: LayoutBenchmarkTable.self)
}

struct LayoutBenchmarkTable: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "table", abstract: "Run the benchmark and print the table (the default).")

    @Option(help: "UMAP inputs: digits and/or synthetic sizes (N: 50 clusters in 512 dimensions; hard-N: 200 clusters in 96).")
    var umap = "digits,10000,50000,100000"

    @Option(help: "t-SNE inputs: digits and/or synthetic sizes (empty for none).")
    var tsne = "digits,10000"

    @Option(help: "UMAP settings: neighbours/min-dist/metric, as umap-learn's n_neighbors, min_dist, metric.")
    var umapSettings = "20/0.01/cosine"

    @Option(help: "t-SNE settings: perplexity/metric.")
    var tsneSettings = "30/cosine"

    @Flag(help: "Run only our layouts.")
    var noAnchors = false

    @Option(parsing: .unconditional, help: "Random seed for every layout.")
    var seed = 0

    func run() throws {
        let repo = try Repository.find()
        let python = repo.path(".deps/venv-layout/bin/python")
        try repo.run(["bash", repo.path("Benchmarks/layout/make-venv")])
        let data = repo.path(".deps/layout-bench")
        // Synthetic inputs: N (50 clusters, 512 dimensions) or hard-N (200 clusters, 96 dimensions).
        let sizes = Set((umap + "," + tsne).split(separator: ",").map(String.init).filter { Int($0) != nil || $0.hasPrefix("hard-") }).sorted()
        try repo.run([python, repo.path("Benchmarks/layout/make_data.py"), data] + sizes)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("atlas-layout-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        let umapParts = umapSettings.split(separator: "/").map(String.init)
        let tsneParts = tsneSettings.split(separator: "/").map(String.init)
        guard umapParts.count == 3, tsneParts.count == 2 else {
            throw ValidationError("--umap-settings is neighbours/min-dist/metric, --tsne-settings is perplexity/metric")
        }
        let umapArguments = ["--neighbors", umapParts[0], "--min-dist", umapParts[1], "--metric", umapParts[2], "--seed", "\(seed)"]
        let tsneArguments = ["--perplexity", tsneParts[0], "--metric", tsneParts[1], "--seed", "\(seed)"]
        let me = try executablePath()
        emit("layout benchmark: \(ProcessInfo.processInfo.activeProcessorCount) cores; UMAP \(umapSettings), t-SNE \(tsneSettings); seconds = first call in a fresh process; "
            + "umap-learn unseeded on all cores (a random_state would make it single-threaded), its warm call (a second fit in the same process) apart")
        emit("input          method  implementation   seconds   peak MB   trust   kNN acc   anchor/ours time  memory  trust diff")
        for (method, list, arguments, metric) in [("umap", umap, umapArguments, umapParts[2]), ("tsne", tsne, tsneArguments, tsneParts[1])] {
            for name in list.split(separator: ",").map(String.init) where !name.isEmpty {
                let stem = Int(name) != nil ? "clusters-\(name)" : name  // digits, or hard-N
                let input = "\(data)/\(stem).npy", labels = "\(data)/\(stem)-labels.npy"
                let ours = try measure(repo, [me, "layout", "worker", method, input, "\(scratch)/ours.npy"] + arguments,
                                       python: python, input: input, labels: labels, output: "\(scratch)/ours.npy", metric: metric)
                printRow(name, method, "atlas (Swift)", ours, anchor: nil)
                guard !noAnchors else { continue }
                let anchorName = method == "umap" ? "umap-learn" : "openTSNE"
                let anchor = try measure(repo, [python, repo.path("Benchmarks/layout/anchor.py"), method, input, "\(scratch)/anchor.npy"] + arguments,
                                         python: python, input: input, labels: labels, output: "\(scratch)/anchor.npy", metric: metric)
                printRow(name, method, anchorName, anchor, anchor: nil)
                printRow(name, method, "ratio", ours, anchor: anchor)
                if let warm = anchor.warmSeconds {
                    var warmAnchor = anchor
                    warmAnchor.seconds = warm
                    printRow(name, method, anchorName + " warm", warmAnchor, anchor: nil)
                    printRow(name, method, "ratio, warm", ours, anchor: warmAnchor)
                }
            }
        }
    }

    private struct Result {
        var seconds: Double
        /// The anchor's second call in the same process, where it reports one.
        var warmSeconds: Double? = nil
        var peakMB: Double
        var trustworthiness: Double
        var knnAccuracy: Double
    }

    private func measure(_ repo: Repository, _ command: [String], python: String, input: String, labels: String,
                         output: String, metric: String) throws -> Result {
        let timing = try JSONSerialization.jsonObject(with: Data(repo.run(command).utf8)) as? [String: Double] ?? [:]
        let quality = try JSONSerialization.jsonObject(
            with: Data(repo.run([python, repo.path("Benchmarks/layout/evaluate.py"), input, labels, output, metric]).utf8)) as? [String: Double] ?? [:]
        return Result(seconds: timing["seconds"] ?? .nan, warmSeconds: timing["warm_seconds"], peakMB: timing["peak_rss_mb"] ?? .nan,
                      trustworthiness: quality["trustworthiness"] ?? .nan, knnAccuracy: quality["knn_accuracy"] ?? .nan)
    }

    private func printRow(_ name: String, _ method: String, _ label: String, _ result: Result, anchor: Result?) {
        let head = name.padding(toLength: 15, withPad: " ", startingAt: 0) + method.padding(toLength: 8, withPad: " ", startingAt: 0)
            + label.padding(toLength: 15, withPad: " ", startingAt: 0)
        if let anchor {
            emit(head + String(repeating: " ", count: 46)
                  + String(format: "%9.1fx %8.1fx %+10.4f", anchor.seconds / result.seconds, anchor.peakMB / result.peakMB,
                           result.trustworthiness - anchor.trustworthiness))
        } else {
            emit(head + String(format: "%9.2f %9.0f %7.4f %9.4f", result.seconds, result.peakMB, result.trustworthiness, result.knnAccuracy))
        }
    }

    private func executablePath() throws -> String {
        let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("cannot find this program's own executable to run the Swift layouts in a fresh process")
        }
        return path
    }
}

/// One of our layouts in this process, timed as the anchors are: prints {"seconds", "peak_rss_mb"}.
struct LayoutBenchmarkWorker: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run one layout (used by the table).",
                                                    shouldDisplay: false)

    @Argument var method: String
    @Argument var input: String
    @Argument var output: String
    @Option var neighbors = 15
    @Option var minDist = 0.1
    @Option var perplexity = 30.0
    @Option var metric = "euclidean"
    @Option var seed: UInt64 = 0
    @Flag(help: "Print each progress report to standard error with the seconds since the start.")
    var progress = false

    func run() throws {
        let array = try NPY.read(input)
        let points = try Points(count: array.rows, dimension: array.columns, values: array.values)
        guard let metric = Metric(rawValue: metric) else { throw ValidationError("unknown metric \(metric)") }
        let start = Date()
        let report: ProgressHandler? = progress ? Self.printer(since: start) : nil
        let embedding: Embedding
        if method == "umap" {
            var options = UMAPOptions()
            options.neighbors = neighbors
            options.minDist = minDist
            options.metric = metric
            options.seed = seed
            embedding = try UMAP.embed(points, options: options, progress: report)
        } else {
            var options = TSNEOptions()
            options.perplexity = perplexity
            options.metric = metric
            options.seed = seed
            embedding = try TSNE.embed(points, options: options, progress: report)
        }
        let seconds = Date().timeIntervalSince(start)
        try NPY.write(NPYArray(shape: [embedding.count, embedding.dimension], values: embedding.values), to: output)
        print("{\"seconds\": \(seconds), \"peak_rss_mb\": \(Self.peakResidentMB())}")
    }

    /// Prints each progress report to standard error with the seconds since `start`.
    static func printer(since start: Date) -> ProgressHandler {
        { step in
            let seconds = String(format: "%7.2f", Date().timeIntervalSince(start))
            let line = "[\(seconds)s] \(step.stage.rawValue) \(step.completed)/\(step.total) \(step.detail)\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// VmHWM from /proc/self/status: the most resident memory this process has held.
    static func peakResidentMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kilobytes / 1024
    }
}

/// Writes one line to standard output unbuffered, so rows appear as they are measured.
private func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The repository root (found from the current folder upwards) and running its scripts.
private struct Repository {
    let root: String

    static func find() throws -> Repository {
        var folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Benchmarks/layout/anchor.py").path) {
                return Repository(root: folder.path)
            }
            folder.deleteLastPathComponent()
        }
        throw ValidationError("run atlas-bench layout inside the atlas repository (Benchmarks/layout/ not found)")
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    /// Runs a command, passing its standard error through; returns its last line of standard output.
    @discardableResult
    func run(_ command: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(command.joined(separator: " ")) exited with status \(process.terminationStatus)")
        }
        let text = String(decoding: output, as: UTF8.self)
        return text.split(separator: "\n").last.map(String.init) ?? ""
    }
}
