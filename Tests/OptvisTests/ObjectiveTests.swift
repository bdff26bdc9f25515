import Optvis
import Tensor
import XCTest
import TestSupport

final class ObjectiveTests: XCTestCase {
    private let layer = "mixed"

    /// Checks an objective's gradient on `input` at `source` against central differences of the
    /// sum of its per-item values.
    private func checkObjectiveGradient(_ objective: Objective, _ input: Tensor, at source: Objective.Source,
                                        step: Float, tolerance: Double, label: String, coordinates: [Int]? = nil,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let (values, gradient) = try objective.evaluate(input, at: source)
        XCTAssertEqual(values.count, input.shape[0], file: file, line: line)
        try checkGradient(at: input.values, step: step, tolerance: tolerance, { x in
            try objective.evaluate(try Tensor(shape: input.shape, values: x), at: source).values
        }, cotangent: Array(repeating: 1, count: values.count), analytic: gradient.values, coordinates: coordinates,
           label: label, file: file, line: line)
    }

    /// Linear objectives (channel, neuron, plain direction): no truncation error, step 0.25,
    /// tolerance 1e-5 of the largest gradient.
    func testLinearObjectiveGradients() throws {
        var generator = SeededGenerator(seed: 21)
        let activation = try randomTensor([2, 5, 3, 4], using: &generator)
        let vector = generator.normal(count: 5, sd: 1)
        let objectives: [(String, Objective)] = [
            ("channel", .channel(layer, 3)),
            ("neuron", .neuron(layer, 1)),
            ("neuron at", .neuron(layer, 4, at: .at(y: 0, x: 3), item: 1)),
            ("direction", try .direction(layer, vector)),
            ("direction everywhere", try .direction(layer, vector, at: nil)),
        ]
        for (label, objective) in objectives {
            try checkObjectiveGradient(objective, activation, at: .layer(layer), step: 0.25, tolerance: 1e-5, label: label)
        }
        // A fully connected layer's [N, C] output reads as [N, C, 1, 1]: the same values, and the
        // gradient in the input's own shape.
        let logits = try randomTensor([2, 5], using: &generator)
        let square = try Tensor(shape: [2, 5, 1, 1], values: logits.values)
        for (label, objective) in objectives.prefix(2) + [("direction", try .direction(layer, vector))] {
            let (flat, flatGradient) = try objective.evaluate(logits, at: .layer(layer))
            let (expected, expectedGradient) = try objective.evaluate(square, at: .layer(layer))
            XCTAssertEqual(flat, expected, label)
            XCTAssertEqual(flatGradient.shape, [2, 5], label)
            XCTAssertEqual(flatGradient.values, expectedGradient.values, label)
        }
        XCTAssertThrowsError(try Objective.channel(layer, 0).evaluate(try Tensor(shape: [2, 5, 3], repeating: 1), at: .layer(layer)))
    }

    /// The direction-cosine objective is smooth away from the floor of 0.1. The per-item values
    /// are Floats of order 10 while a coordinate moves them by its gradient / (number of
    /// positions), so rounding (ulp(10) / 2h) dominates small steps: step 1e-2 gives rounding of
    /// order 1e-4 and truncation of order h^2 ~ 1e-4 against gradients of order 1; tolerance 2e-3.
    /// Both branches: activations near the target (cos > 0.1) and opposite it (floored).
    func testDirectionCosineGradients() throws {
        var generator = SeededGenerator(seed: 22)
        let channels = 6
        let vector = generator.normal(count: channels, sd: 3)
        let whitening = try Whitening(activations: try randomTensor([40, channels], using: &generator))
        for (sign, label) in [(Float(1), "aligned"), (-1, "opposite")] {
            // Activations along the target plus noise, at every position.
            let noise = try randomTensor([2, channels, 3, 3], sd: 0.3, using: &generator)
            let activation = try Tensor(shape: noise.shape, values: noise.values.indices.map { i in
                sign * vector[(i / 9) % channels] + noise.values[i]
            })
            for (name, objective) in [
                ("centre p4", try Objective.directionCosine(layer, vector)),
                ("everywhere p2", try Objective.directionCosine(layer, vector, at: nil, power: 2)),
                ("whitened p4", try Objective.directionCosine(layer, vector, at: .at(y: 0, x: 2), whitening: whitening)),
            ] {
                try checkObjectiveGradient(objective, activation, at: .layer(layer), step: 1e-2, tolerance: 2e-3,
                                           label: "\(label) \(name)")
            }
        }
    }

    /// The direction-cosine value, written out from the article's definition:
    /// (a.v)^(n+1) / (|a| |v|)^n, with the cosine floored at 0.1.
    func testDirectionCosineValueFollowsTheArticle() throws {
        var generator = SeededGenerator(seed: 23)
        let activation = try randomTensor([1, 4, 3, 3], using: &generator)
        let vector: [Float] = [2, -1, 0.5, 3]
        let a = (0..<4).map { Double(activation[0, $0, 1, 1]) }
        let norm = vector.map { Double($0 * $0) }.reduce(0, +).squareRoot()
        let dot = zip(a, vector).map { $0 * Double($1) }.reduce(0, +) / norm
        let cosine = max(0.1, dot / (1e-4 + a.map { $0 * $0 }.reduce(0, +).squareRoot()))
        let value = try Objective.directionCosine(layer, vector, power: 4).evaluate(activation, at: .layer(layer)).values[0]
        XCTAssertEqual(Double(value), dot * pow(cosine, 4), accuracy: 1e-6 * max(1, abs(dot)))
    }

    /// Painting: the grid objective is the sum of the direction-cosine objectives at its painted
    /// cells, and its gradient matches finite differences (as above: step 1e-2, tolerance 2e-3).
    func testDirectionGrid() throws {
        var generator = SeededGenerator(seed: 24)
        let (channels, height, width) = (4, 2, 3)
        let activation = try randomTensor([2, channels, height, width], mean: 0.5, using: &generator)
        let targets: [[Float]?] = (0..<(height * width)).map { cell in
            cell % 2 == 0 ? generator.normal(count: channels, sd: 2).map { abs($0) + 1 } : nil
        }
        let whitening = try Whitening(activations: try randomTensor([30, channels], using: &generator))
        let grid = try Objective.directionGrid(layer, targets: targets, height: height, width: width, whitening: whitening)
        let separately = try Objective.sum(targets.enumerated().compactMap { cell, target in
            try target.map { try Objective.directionCosine(layer, $0, at: .at(y: cell / width, x: cell % width), whitening: whitening) }
        })
        let gridValues = try grid.evaluate(activation, at: .layer(layer)).values
        let sumValues = try separately.evaluate(activation, at: .layer(layer)).values
        for (a, b) in zip(gridValues, sumValues) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        try checkObjectiveGradient(grid, activation, at: .layer(layer), step: 1e-2, tolerance: 2e-3, label: "grid")
        XCTAssertThrowsError(try grid.evaluate(try randomTensor([1, channels, 3, 3], using: &generator), at: .layer(layer)))
        XCTAssertThrowsError(try Objective.directionGrid(layer, targets: [nil, nil], height: 1, width: 2))
    }

    /// L2 is smooth: step 1e-2, truncation of order h^2 / |x - c| ~ 1e-4, tolerance 1e-3. Total
    /// variation is piecewise linear: pixels that are distinct multiples of 0.05 keep every
    /// difference 5 steps (h = 1e-2) away from the kink at 0, where finite differences are exact
    /// but for the Float rounding of values of order 10 (ulp / 2h ~ 1e-4).
    func testImageRegulariserGradientsAndValues() throws {
        var generator = SeededGenerator(seed: 25)
        let image = try randomTensor([2, 3, 4, 5], sd: 0.3, mean: 0.5, using: &generator)
        try checkObjectiveGradient(.l2(constant: 0.5), image, at: .image, step: 1e-2, tolerance: 1e-3, label: "L2")
        var levels = (0..<image.count).map { Float($0) * 0.05 }
        levels.shuffle(using: &generator)
        try checkObjectiveGradient(.totalVariation(), try Tensor(shape: image.shape, values: levels), at: .image,
                                   step: 1e-2, tolerance: 1e-3, label: "TV")

        let small = try Tensor(shape: [1, 1, 2, 3], values: [0, 1, 3, 2, 2, 2])
        // |1-0| + |3-1| + |2-2| + |2-2| across, |2-0| + |2-1| + |2-3| down.
        XCTAssertEqual(try Objective.totalVariation().evaluate(small, at: .image).values, [7])
        XCTAssertEqual(try Objective.l2(constant: 1, epsilon: 0).evaluate(small, at: .image).values[0],
                       Float((1 + 0 + 4 + 1 + 1 + 1 as Double).squareRoot()), accuracy: 1e-6)
    }

    /// Block colours: a quadratic penalty, so central differences are exact but for Float
    /// rounding (step 0.1, tolerance 1e-4); blocks of unequal size (7 rows in 3 blocks), a free
    /// block, and the value by hand.
    func testBlockColoursGradientAndValue() throws {
        var generator = SeededGenerator(seed: 26)
        let image = try randomTensor([2, 3, 7, 4], sd: 0.3, mean: 0.5, using: &generator)
        let targets: [[Float]?] = [[0.1, 0.2, 0.3], nil, [0.9, 0.5, 0.1], [0.5, 0.5, 0.5], [0, 0, 1], [1, 1, 1]]
        try checkObjectiveGradient(try .blockColours(targets, rows: 3, columns: 2), image, at: .image, step: 0.1,
                                   tolerance: 1e-4, label: "block colours")
        // One channel, 2x2 pixels in 1x2 blocks: means 0.5 and 2.5 against targets 0 and 3.
        let small = try Tensor(shape: [1, 1, 2, 2], values: [0, 2, 1, 3])
        XCTAssertEqual(try Objective.blockColours([[0], [3]], rows: 1, columns: 2).evaluate(small, at: .image).values[0], 0.5,
                       accuracy: 1e-6)
        XCTAssertThrowsError(try Objective.blockColours([[0]], rows: 1, columns: 2))
    }

    /// Lucid's penalize_boundary_complexity (negated) in numpy: the 5 x 5 blur of _tf_blur as a
    /// zero-padded convolution divided by the convolution of ones, a border mask of width 3. Its
    /// gradient: the penalty is quadratic, so central differences are exact but for Float
    /// rounding; step 0.1, tolerance 1e-4, at 100 random coordinates.
    func testBoundaryComplexityMatchesLucidAndItsGradient() throws {
        var generator = SeededGenerator(seed: 27)
        let image = try randomTensor([2, 3, 9, 8], sd: 0.3, mean: 0.5, using: &generator)
        let objective = Objective.boundaryComplexity(width: 3)
        let values = try objective.evaluate(image, at: .image).values
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        x = np.fromfile(d + "/arg0.bin", dtype=np.float32).reshape(2, 3, 9, 8).astype(np.float64)
        k = np.full((5, 5), 0.5); k[1:-1, 1:-1] = 1.0
        def conv(p):
            padded = np.pad(p, 2)
            return np.array([[np.sum(padded[y:y + 5, x:x + 5] * k) for x in range(p.shape[1])] for y in range(p.shape[0])])
        ones = conv(np.ones((9, 8)))
        mask = np.ones((9, 8)); mask[3:-3, 3:-3] = 0
        out = [sum(np.sum(mask * ((conv(x[n, c]) / ones - x[n, c]) ** 2 + 0.8 * (x[n, c] - 0.5) ** 2)) for c in range(3))
               for n in range(2)]
        np.array(out, dtype=np.float32).tofile(d + "/out.bin")
        """
        let reference = try Python.numpy(script, arrays: [image.values])
        for (a, b) in zip(values, reference) { XCTAssertEqual(a, b, accuracy: 1e-5 * b) }
        try checkObjectiveGradient(objective, image, at: .image, step: 0.1, tolerance: 1e-4, label: "boundary",
                                   coordinates: sampleCoordinates(100, of: image.count, using: &generator))
    }

    /// Weights, sums and batch targeting combine as in lucid; a term for item i leaves the other
    /// items' values and gradients untouched.
    func testCompositionAndBatchTargeting() throws {
        var generator = SeededGenerator(seed: 26)
        let activation = try randomTensor([3, 4, 2, 2], using: &generator)
        let source = Objective.Source.layer(layer)
        func values(_ objective: Objective) throws -> [Float] { try objective.evaluate(activation, at: source).values }
        let a = Objective.channel(layer, 0), b = Objective.neuron(layer, 2)
        let combined = 2 * a - b * 0.5 + Objective.channel(layer, 1, item: 2)
        let expected = try zip(zip(values(a), values(b)), values(.channel(layer, 1))).enumerated().map { item, triple in
            2 * triple.0.0 - 0.5 * triple.0.1 + (item == 2 ? triple.1 : 0)
        }
        for (value, e) in zip(try values(combined), expected) { XCTAssertEqual(value, e, accuracy: 1e-5) }

        let targeted = combined.forItem(1)
        let (targetedValues, gradient) = try targeted.evaluate(activation, at: source)
        XCTAssertEqual(targetedValues[0], 0)
        XCTAssertEqual(targetedValues[2], 0)
        XCTAssertEqual(targetedValues[1], expected[1], accuracy: 1e-5)
        XCTAssertTrue(try gradient.batchItems(0..<1).values.allSatisfy { $0 == 0 })
        XCTAssertTrue(try gradient.batchItems(2..<3).values.allSatisfy { $0 == 0 })
        XCTAssertEqual(targeted.sources, [source])
        XCTAssertEqual((a + .totalVariation()).sources, [source, .image])
        XCTAssertThrowsError(try Objective.channel(layer, 0, item: 5).evaluate(activation, at: source))
        XCTAssertThrowsError(try Objective.channel(layer, 9).evaluate(activation, at: source))
    }
}
