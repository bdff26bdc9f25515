// swift-tools-version:6.0
import PackageDescription

// Build flags. Every target builds for this CPU (`-target-cpu native`): without a target CPU,
// Swift's SIMD types compile to scalar calls. Release builds of the hot numeric modules, and of
// them only, are `-Ounchecked` (no overflow or array-bounds checks): Tensor (the oneDNN glue and
// the Swift kernels beside it), Optvis (transforms, the FFT parameterisation, Adam), Layout
// (nearest neighbours, UMAP and t-SNE) and Search (scoring every position of an index: 10-19%
// fewer queries/s when checked), whose inputs are arrays the pipeline made itself, checked where
// they entered. Every module that reads files or arguments from users (ArrayFiles, Imaging,
// Dataset, Models' checkpoint readers, Paint's canvas parser, the CLI) keeps Swift's checks, so
// that a hostile file meets a trap at worst, never a silent out-of-bounds read. Search's shard
// readers (IndexFolder, MappedIndex) and InvertedFile's readers of ivf.json, its .npy tables and
// lists.bin are the exceptions: they validate every size and number explicitly (index.json and
// ivf.json through `outOfBounds`, tested and fuzzed) and read through unsafe pointers, which no
// build mode checks. The cost of checking, measured with atlas-bench: docs/benchmarks.md.
let native: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native"])]
let hot: [SwiftSetting] = native + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "atlas",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "atlas", targets: ["AtlasCLI"]),
        .executable(name: "atlas-bench", targets: ["AtlasBench"]),
        .library(name: "AtlasKit", targets: ["ArrayFiles", "Dataset", "Tensor", "Imaging", "Models", "ONNX", "Optvis", "Layout", "Render",
                                                    "Collect", "Palette", "Judge", "Paint", "Search", "InvertedFile", "Analysis"]),
    ],
    dependencies: [
        // Pinned to exact versions: an application builds with the dependencies it was tested with.
        // (Package.resolved is not committed: the build machines resolve these URLs from local
        // mirrors whose commit ids differ from GitHub's, so a resolved file pins nothing portable.)
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // System libraries from Debian: module maps only.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CWebP", path: "Sources/CWebP"),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // .npy arrays and atomic file writes, shared by every stage that touches disk.
        .target(name: "ArrayFiles", dependencies: ["CZlib"], swiftSettings: native),
        // In pipeline order, each target depending only on those above it:
        // tensors, images, photo sets -> models -> visualisation, layout, pictures -> the stages after
        // the network -> the CLI.
        .target(name: "Tensor", dependencies: ["CDNNL"], swiftSettings: hot),
        // libpng and libjpeg report errors by longjmp, which Swift cannot catch: small C wrappers.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png")]),
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG", "CWebP", "ArrayFiles"], swiftSettings: native),
        .target(name: "Dataset", dependencies: ["ArrayFiles", "CZlib"],
                resources: [.copy("Resources/demo-manifest.tsv")], swiftSettings: native),
        .target(name: "Models", dependencies: ["ArrayFiles", "Tensor", "Imaging"],
                resources: [.copy("Resources/imagenet_classes.txt")], swiftSettings: native),
        // TOML files users write (canvases, model cards): a syntax check before TOMLKit's parser.
        .target(name: "TOMLFiles", swiftSettings: native),
        // Users' own classifiers: ONNX files (read with swift-protobuf's generated code) mapped onto
        // the same graph executor, and the model card that says how pixels are normalised.
        .target(name: "ONNX", dependencies: ["ArrayFiles", "Tensor", "Models", "TOMLFiles",
                                             .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                                             .product(name: "TOMLKit", package: "TOMLKit")],
                exclude: ["Proto/onnx.proto", "Proto/README.md"], swiftSettings: native),
        .target(name: "Optvis", dependencies: ["Tensor", "CFFTW"], swiftSettings: hot),
        // UMAP's epoch kernel in C (clang's vector extensions; Sources/CLayoutKernels/UMAPEpoch.c
        // says why), optimised in debug builds too so that tests run at its real speed.
        .target(name: "CLayoutKernels", cSettings: [.unsafeFlags(["-O3", "-march=native", "-ffp-contract=off"])]),
        .target(name: "Layout", dependencies: ["CLayoutKernels"], swiftSettings: hot),
        .target(name: "Render", dependencies: ["CCairo", "ArrayFiles", "Imaging"], swiftSettings: native),
        // The atlas pipeline after the network: photos -> activations -> palette -> painting, search.
        .target(name: "Collect", dependencies: ["ArrayFiles", "Dataset", "Imaging", "Tensor", "Models", "Optvis"], swiftSettings: native),
        .target(name: "Palette", dependencies: ["ArrayFiles", "Tensor", "Models", "Optvis", "Layout", "Render", "Collect", "Imaging"],
                swiftSettings: native),
        // A second network that reads regions of an image: what a painting shows to a network that did not paint it.
        .target(name: "Judge", dependencies: ["Models", "Imaging"], swiftSettings: native),
        .target(name: "Paint", dependencies: ["ArrayFiles", "Tensor", "Models", "Optvis", "Render", "Palette", "Imaging", "Judge",
                                              "TOMLFiles", .product(name: "TOMLKit", package: "TOMLKit")], swiftSettings: native),
        .target(name: "Search", dependencies: ["ArrayFiles", "Dataset", "Tensor", "Models", "Render", "Palette", "Paint",
                                               "Imaging", "Collect"], swiftSettings: hot),
        // Search at scale: an index's inverted file (coarse lists, product-quantised codes) for
        // candidates, scored exactly by Search.
        // Optimised in debug builds too: its k-means runs on SIMD16 types, which unoptimised code
        // calls element by element (the tests' small builds took 30 s instead of 1).
        .target(name: "InvertedFile", dependencies: ["Search", "ArrayFiles", "Optvis"],
                swiftSettings: hot + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "Analysis", dependencies: ["Collect", "Imaging", "Layout", "Models", "Optvis", "Palette", "Render", "Tensor"],
                swiftSettings: native),
        // The web studio: a Hummingbird server over the same library calls as the CLI, and its page.
        .target(name: "Studio", dependencies: ["ArrayFiles", "Imaging", "Models", "ONNX", "Optvis", "Render", "Collect", "Palette", "Judge", "Paint",
                                               "Search", "InvertedFile", .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "NIOCore", package: "swift-nio")],
                resources: [.copy("Resources/index.html"), .copy("Resources/studio.js"), .copy("Resources/studio.css")],
                swiftSettings: native),
        .target(name: "PaintArguments", dependencies: ["Paint", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "SearchArguments", dependencies: ["InvertedFile", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "AtlasCLI",
            dependencies: ["ArrayFiles", "Dataset", "Tensor", "Imaging", "Models", "Optvis", "Layout", "Render",
                           "ONNX", "Collect", "Palette", "Judge", "Paint", "PaintArguments", "Search", "InvertedFile", "SearchArguments", "Analysis", "Studio",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: native),
        .executableTarget(
            name: "AtlasBench",
            dependencies: ["ArrayFiles", "Dataset", "Tensor", "Imaging", "Models", "ONNX", "Optvis", "Layout", "Render",
                           "Collect", "Palette", "Judge", "Paint", "PaintArguments", "Search", "InvertedFile", "SearchArguments", "Analysis",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: native),

        // What every test target shares: the repository's files, the Python references, the real
        // networks and a tiny random one, finite differences.
        .target(name: "TestSupport", dependencies: ["Tensor", "Optvis", "Models"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], swiftSettings: native),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], swiftSettings: native),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Imaging", "Tensor", "ArrayFiles", "Optvis", "TestSupport"], swiftSettings: native),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "Models", "Tensor", "Optvis", "ArrayFiles", "TestSupport"], swiftSettings: native),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "ArrayFiles", "TestSupport"], swiftSettings: native),
        .testTarget(name: "OptvisTests", dependencies: ["Optvis", "Tensor", "TestSupport"], swiftSettings: native),
        .testTarget(name: "LayoutTests", dependencies: ["Layout", "CLayoutKernels", "ArrayFiles"], swiftSettings: native),
        .testTarget(name: "ArrayFilesTests", dependencies: ["ArrayFiles", "TestSupport"], swiftSettings: native),
        .testTarget(name: "CollectTests", dependencies: ["Collect", "Models", "Tensor", "ArrayFiles", "Imaging", "TestSupport"], swiftSettings: native),
        .testTarget(name: "PaletteTests", dependencies: ["Palette", "Analysis", "Collect", "Models", "Tensor", "ArrayFiles", "Imaging", "Render", "TestSupport"],
                    swiftSettings: native),
        .testTarget(name: "PaintTests", dependencies: ["Paint", "Judge", "Palette", "Models", "Tensor", "ArrayFiles", "Imaging", "Analysis", "Dataset",
                                                       "TOMLFiles", .product(name: "TOMLKit", package: "TOMLKit"), "TestSupport"], swiftSettings: native),
        // The atlas executable as a user runs it (swift build puts it beside the tests).
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "ArrayFiles"]),
        .testTarget(name: "StudioTests", dependencies: ["Studio", "Search", "Palette", "TestSupport",
                                                        .product(name: "HummingbirdTesting", package: "hummingbird")],
                    swiftSettings: native),
        .testTarget(name: "SearchTests", dependencies: ["Search", "InvertedFile", "Paint", "Palette", "Models", "Tensor", "ArrayFiles", "Imaging", "Dataset", "TestSupport"],
                    swiftSettings: native),
    ]
)
