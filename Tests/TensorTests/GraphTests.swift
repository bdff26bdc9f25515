@testable import Tensor
import CDNNL
import XCTest

/// Running graphs: layouts at the edges, residual fusion, partial runs, shapes and errors.
final class GraphTests: XCTestCase {
    private var random = SeededGenerator(seed: 11)

    func testLayoutsRoundTrip() throws {
        let engine = try Engine.cpu(), stream = try Stream(engine: engine)
        for (shape, tag) in [([2, 24, 5, 3], dnnl_nChw16c), ([1, 3, 4, 4], dnnl_nChw8c), ([3, 17, 2, 2], dnnl_nhwc)] {
            let x = random.tensor(shape)
            let plain = try dnnl_memory_desc_t.plain(shape), blocked = try dnnl_memory_desc_t(dims: shape, tag: tag)
            let source = try Memory(plain, engine: engine), middle = try Memory(blocked, engine: engine),
                back = try Memory(plain, engine: engine)
            try source.fill(with: x.values)
            try Primitive.reorder(from: plain, to: blocked, engine: engine, purpose: "test")
                .execute([dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source.handle),
                          dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: middle.handle)], on: stream)
            try Primitive.reorder(from: blocked, to: plain, engine: engine, purpose: "test")
                .execute([dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: middle.handle),
                          dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: back.handle)], on: stream)
            try stream.wait()
            XCTAssertTrue(middle.descriptor.byteCount >= x.count * 4)
            XCTAssertEqual(try back.values(), x.values, "\(shape) through format tag \(tag.rawValue)")
        }
    }

    /// An inverted residual block like MobileNetV2's: expand, depthwise, project, add the block's
    /// input: the graph input, or with `stem` a convolution of it (which the fused add may then
    /// overwrite in place).
    private func residualBlock(channels: Int, stem: Bool = false) throws
        -> (Graph, expanded: NodeID, project: NodeID, output: NodeID, reference: (Tensor) -> Tensor) {
        var graph = Graph(inputChannels: channels)
        let hidden = channels * 6
        let first = try Convolution(weights: random.tensor([channels, channels, 3, 3]), bias: nil, padding: .symmetric(1))
        let expand = try Convolution(weights: random.tensor([hidden, channels, 1, 1]), bias: random.values(hidden), activation: .relu6)
        let depthwise = try Convolution(weights: random.tensor([hidden, 1, 3, 3]), bias: random.values(hidden),
                                        padding: .symmetric(1), groups: hidden, activation: .relu6)
        let project = try Convolution(weights: random.tensor([channels, hidden, 1, 1]), bias: random.values(channels))
        let input = stem ? try graph.append(.convolution(first), graph.input, name: "stem") : graph.input
        let e = try graph.append(.convolution(expand), input, name: "block.conv.0")
        let d = try graph.append(.convolution(depthwise), e, name: "block.conv.1")
        let p = try graph.append(.convolution(project), d, name: "block.conv.2")
        let output = try graph.append(.add, input, p, name: "block")
        let reference = { (x: Tensor) -> Tensor in
            let input = stem ? Reference.convolution(x, first) : x
            return Reference.add(input, Reference.convolution(Reference.convolution(Reference.convolution(input, expand), depthwise), project))
        }
        return (graph, e, p, output, reference)
    }

    func testInPlaceResidualStillReturnsTheBlockInputAskedFor() throws {
        let (graph, _, _, output, reference) = try residualBlock(channels: 8, stem: true)
        let x = random.tensor([2, 8, 7, 7])
        let stem = try XCTUnwrap(graph.node(named: "stem"))
        let outputs = try GraphExecutor(graph).run(x, outputs: [output, stem])
        assertClose(outputs[0], reference(x), tolerance: 1e-4, "block output")
        guard case .convolution(let first) = graph[stem].operation else { return XCTFail("the stem is not a convolution") }
        assertClose(outputs[1], Reference.convolution(x, first), tolerance: 1e-5, "stem, the block's input, overwritten in place after")
    }

    func testResidualAddIsFusedAndStillExact() throws {
        let (graph, expanded, project, output, reference) = try residualBlock(channels: 8)
        let executor = try GraphExecutor(graph)
        let x = random.tensor([2, 8, 6, 6])
        let expected = reference(x)
        assertClose(try executor.run(x, outputs: [output])[0], expected, tolerance: 1e-4, "fused block output")
        // Asking for the projection itself compiles a plan without the fusion.
        let unfused = try executor.run(x, outputs: [project, output])
        assertClose(unfused[1], expected, tolerance: 1e-4, "unfused block output")
        assertClose(Reference.add(x, unfused[0]), expected, tolerance: 1e-4, "projection plus input")
        // Stopping early gives the expanded layer alone.
        XCTAssertEqual(try executor.run(x, outputs: [expanded])[0].shape, [2, 48, 6, 6])
    }

    /// A dilated convolution fused into its residual add: in place, and onto a copy where the
    /// convolution reads the skip input itself (accumulating onto its own input would overwrite
    /// what it reads).
    func testDilatedConvolutionFusedIntoItsResidualAdd() throws {
        for readsTheSkip in [false, true] {
            var graph = Graph(inputChannels: 4)
            let first = try Convolution(weights: random.tensor([8, 4, 3, 3]), bias: random.values(8), padding: .symmetric(1),
                                        activation: .relu)
            let pointwise = try Convolution(weights: random.tensor([8, 8, 1, 1]), bias: nil)
            let dilated = try Convolution(weights: random.tensor([8, 8, 3, 3]), bias: random.values(8),
                                          padding: Padding(top: 2, left: 1, bottom: 2, right: 3), dilation: 2)
            let stem = try graph.append(.convolution(first), graph.input, name: "stem")
            let before = readsTheSkip ? stem : try graph.append(.convolution(pointwise), stem, name: "before")
            let branch = try graph.append(.convolution(dilated), before, name: "branch")
            let block = try graph.append(.add, stem, branch, name: "block")
            let fusions = ResidualFusion.all(in: graph)
            XCTAssertEqual(fusions.map(\.convolution), [branch.index])
            XCTAssertEqual(fusions.map(\.inPlace), [!readsTheSkip])
            let x = random.tensor([2, 4, 6, 7])
            let stemValue = Reference.convolution(x, first)
            let branchInput = readsTheSkip ? stemValue : Reference.convolution(stemValue, pointwise)
            let expected = Reference.add(stemValue, Reference.convolution(branchInput, dilated))
            let executor = try GraphExecutor(graph)
            let what = readsTheSkip ? "reading the skip" : "after a 1x1 convolution"
            assertClose(try executor.run(x, outputs: [block])[0], expected, tolerance: 1e-4, "fused, \(what)")
            let both = try executor.run(x, outputs: [block, stem])
            assertClose(both[0], expected, tolerance: 1e-4, "fused, \(what), the stem asked for too")
            assertClose(both[1], stemValue, tolerance: 1e-5, "the stem, \(what)")
        }
    }

    func testBatchSizesEachGetTheirOwnPlanAndAgree() throws {
        let (graph, _, _, output, _) = try residualBlock(channels: 4)
        let executor = try GraphExecutor(graph)
        let x = random.tensor([3, 4, 5, 5])
        let whole = try executor.run(x, outputs: [output])[0]
        let parts = try (0..<3).map { try executor.run(x.batchItems($0..<$0 + 1), outputs: [output])[0] }
        assertClose(try Tensor.concatenatingBatches(parts), whole, tolerance: 1e-5, "batch of 3 vs 3 batches of 1")
    }

    func testShapesAndErrors() throws {
        let (graph, _, _, output, _) = try residualBlock(channels: 4)
        XCTAssertEqual(try graph.shapes(input: [5, 4, 7, 9])[output.index], [5, 4, 7, 9])
        XCTAssertThrowsError(try GraphExecutor(graph).run(random.tensor([1, 3, 7, 7]), outputs: [output])) { error in
            XCTAssertTrue("\(error)".contains("expected 4 input channels"), "\(error)")
        }
        var copy = graph
        XCTAssertThrowsError(try copy.append(.activation(.relu), graph.input, name: "block")) { error in
            XCTAssertTrue("\(error)".contains("already has a node named 'block'"), "\(error)")
        }
        XCTAssertThrowsError(try Convolution(weights: random.tensor([6, 2, 3, 3]), bias: nil, groups: 4))
        XCTAssertThrowsError(try Tensor(shape: [2, 3], values: [1, 2]))
    }

    func testNewOperationShapesAndErrors() throws {
        let weights = random.tensor([4, 3, 3, 3])
        let dilated = try Convolution(weights: weights, bias: nil, stride: 2, padding: Padding(top: 1, left: 0, bottom: 2, right: 1),
                                      dilation: 3)
        XCTAssertEqual(dilated.dilatedKernelHeight, 7)
        var graph = Graph(inputChannels: 3)
        let conv = try graph.append(.convolution(dilated), graph.input, name: "conv")
        let pool = try graph.append(.globalAveragePool, conv, name: "pool")
        let scaled = try graph.append(.multiply, conv, pool, name: "scaled")
        let flat = try graph.append(.flatten, scaled, name: "flat")
        let shapes = try graph.shapes(input: [2, 3, 9, 8])
        // (9 + 3 - 7) / 2 + 1 = 3 rows, (8 + 1 - 7) / 2 + 1 = 2 columns.
        XCTAssertEqual([conv, scaled, flat].map { shapes[$0.index] }, [[2, 4, 3, 2], [2, 4, 3, 2], [2, 24]])
        XCTAssertThrowsError(try graph.shapes(input: [1, 3, 5, 5])) { error in
            XCTAssertTrue("\(error)".contains("node 'conv'") && "\(error)".contains("smaller than the 7x7 kernel"), "\(error)")
        }
        var wrong = graph
        try wrong.append(.multiply, pool, conv, name: "swapped")
        XCTAssertThrowsError(try wrong.shapes(input: [2, 3, 9, 8])) { error in
            XCTAssertTrue("\(error)".contains("node 'swapped': cannot multiply [2, 4, 1, 1] by [2, 4, 3, 2]"), "\(error)")
        }
        var flattened = graph
        try flattened.append(.flatten, graph.input, name: "flat input")
        try flattened.append(.activation(.clip(min: 1, max: 0)), graph.input, name: "bad clip")
        XCTAssertThrowsError(try flattened.shapes(input: [2, 3, 9, 8])) { error in
            XCTAssertTrue("\(error)".contains("node 'bad clip': clip bounds must satisfy min <= max"), "\(error)")
        }
        for activation in [Activation.swish, .hardSwish] {
            XCTAssertThrowsError(try Convolution(weights: weights, bias: nil, activation: activation)) { error in
                XCTAssertTrue("\(error)".contains("cannot fuse \(activation), whose gradient needs its input"), "\(error)")
            }
        }
        XCTAssertThrowsError(try Convolution(weights: weights, bias: nil, dilation: 0))
    }
}

extension Memory {
    /// The values of a plain-layout memory.
    func values() throws -> [Float] {
        var buffer: UnsafeMutableRawPointer?
        try check(dnnl_memory_get_data_handle(handle, &buffer), "dnnl_memory_get_data_handle", for: "a test")
        return Array(UnsafeBufferPointer(start: buffer!.assumingMemoryBound(to: Float.self), count: descriptor.byteCount / 4))
    }
}
