import Foundation
import Judge
import Models
import ONNX
import Paint
import Palette

/// The studio's paintings: a queue that paints one canvas at a time on a thread of its own,
/// each job's progress, the image as it forms, and the results of the last finished ones.
public final class PaintQueue: @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `order` and `nextID` (and every job's fields) are only read or
    // written while `lock` is held; `networks` and `modelDigests` only on `worker`.
    enum State: String, Codable, Sendable {
        case queued, running, done, failed, cancelled

        var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
    }

    /// What a job needs: the canvas resolved against its palette, and the settings.
    struct Order: Sendable {
        let canvasText: String
        let title: String
        let resolved: ResolvedCanvas
        let palette: Palette
        let options: PaintOptions
    }

    /// A job as `GET /api/jobs/{id}` reports it (URLs filled in by the routes).
    struct Status: Sendable {
        let id: Int
        let title: String
        let state: State
        let step: Int
        let steps: Int
        let error: String?
        let hasPreview: Bool
    }

    private final class Job: @unchecked Sendable {
        // @unchecked Sendable: its `var`s are only read or written while the queue's lock is held.
        let id: Int
        let order: Order
        var state = State.queued
        var step = 0
        var error: String?
        var cancelRequested = false
        var files: [String: Data] = [:]

        init(id: Int, order: Order) { (self.id, self.order) = (id, order) }
    }

    let maximumQueued: Int
    let kept: Int
    /// The image as it forms is sent at most this often (and at the first step).
    let previewInterval: TimeInterval = 0.5

    private let lock = NSLock()
    private var jobs: [Int: Job] = [:]
    private var order: [Int] = []
    private var nextID = 1
    private let worker = DispatchQueue(label: "atlas.studio.paint", qos: .userInitiated)
    private var networks: [String: (network: Network, judge: RegionJudge?)] = [:]
    /// Users' own models, by the name their palettes record.
    private let modelCards: [String: ModelCard]
    /// Their ONNX files' sha256, hashed once each (on `worker`).
    private var modelDigests: [String: String] = [:]

    /// At most `maximumQueued` paintings wait; the files of the last `kept` finished ones are kept.
    /// Palettes of `modelCards`' models paint with them (the built-in models need no card).
    public init(maximumQueued: Int = 8, kept: Int = 32, modelCards: [ModelCard] = []) {
        (self.maximumQueued, self.kept) = (maximumQueued, kept)
        self.modelCards = Dictionary(modelCards.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Queues a painting; fails with 429 when `maximumQueued` already wait.
    func submit(_ order: Order) throws -> Int {
        let job: Job = try locked {
            let waiting = jobs.values.filter { $0.state == .queued }.count
            guard waiting < maximumQueued else {
                throw StudioError(.tooManyRequests, "\(waiting) paintings are already waiting (at most \(maximumQueued)); "
                    + "wait for one to finish or cancel one")
            }
            let job = Job(id: nextID, order: order)
            nextID += 1
            jobs[job.id] = job
            self.order.append(job.id)
            forgetOldJobs()
            return job
        }
        worker.async { self.run(job) }
        return job.id
    }

    func status(_ id: Int) -> Status? {
        locked { jobs[id].map(status) }
    }

    /// Cancels a queued or running painting (a running one stops at its next step).
    func cancel(_ id: Int) -> Status? {
        locked {
            guard let job = jobs[id] else { return nil }
            if job.state == .queued { job.state = .cancelled }
            if job.state == .running { job.cancelRequested = true }
            return status(job)
        }
    }

    /// A file of a job: `preview.png`, `image.png`, `sheet.png`, `report.json` or `canvas.toml`.
    func file(_ id: Int, _ name: String) -> Data? {
        locked {
            guard let job = jobs[id] else { return nil }
            return name == "canvas.toml" ? Data(job.order.canvasText.utf8) : job.files[name]
        }
    }

    private func status(_ job: Job) -> Status {
        Status(id: job.id, title: job.order.title, state: job.state, step: job.step, steps: job.order.options.steps,
               error: job.error, hasPreview: job.files["preview.png"] != nil)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Drops the files of finished jobs beyond the last `kept` (called with the lock held).
    private func forgetOldJobs() {
        let finished = order.filter { jobs[$0]?.state.isFinal == true }
        for id in finished.dropLast(kept) {
            jobs[id] = nil
        }
        order.removeAll { jobs[$0] == nil }
    }

    /// Paints `job` (on `worker`).
    private func run(_ job: Job) {
        let proceed: Bool = locked {
            guard job.state == .queued else { return false }
            job.state = .running
            return true
        }
        guard proceed else { return }
        do {
            let (network, judge) = try tools(for: job.order.palette)
            var lastPreview = Date.distantPast
            let outcome = try PaintOutcome(painting: job.order.resolved, palette: job.order.palette, network: network, judge: judge,
                                           options: job.order.options, title: job.order.title) { progress in
                let cancelled: Bool = self.locked {
                    job.step = progress.step + 1
                    return job.cancelRequested
                }
                if cancelled { throw CancellationError() }
                if Date().timeIntervalSince(lastPreview) >= self.previewInterval {
                    lastPreview = Date()
                    let preview = try progress.image().pngData()
                    self.locked { job.files["preview.png"] = preview }
                }
            }
            let files = ["image.png": try outcome.painting.image.pngData(), "sheet.png": try outcome.sheet.png(),
                         "report.json": try outcome.report.json()]
            locked {
                job.files.merge(files) { $1 }
                job.files["preview.png"] = files["image.png"]
                job.state = .done
            }
        } catch is CancellationError {
            locked { job.state = .cancelled }
        } catch {
            locked {
                job.state = .failed
                job.error = "\(error)"
            }
        }
        locked { forgetOldJobs() }
    }

    /// The palette's network and a judge that did not paint, loaded once (on `worker`).
    private func tools(for palette: Palette) throws -> (Network, RegionJudge?) {
        let name = palette.description.model
        let network: Network
        if let card = modelCards[name] {
            let digest = try modelDigests[name] ?? ONNXModel.sha256(card: card)
            modelDigests[name] = digest
            try palette.check(model: name, weightsSHA256: digest)
            if let loaded = networks[name] { return loaded }
            network = try ONNXModel.load(card: card)
        } else if let model = ModelName(rawValue: name) {
            try palette.check(model: name, weightsSHA256: model.weightsFile.sha256)
            if let loaded = networks[name] { return loaded }
            network = try model.load(weightsAt: model.weightsFile.defaultPath())
        } else {
            throw StudioError(.badRequest, "\(palette.folder): palette of model '\(name)', which atlas does not know; "
                + "start the studio with --model CARD.toml for your own ONNX model")
        }
        let loaded = (network, try RegionJudge.installedDefault(painter: network.name))
        networks[name] = loaded
        return loaded
    }
}
