// swift-tools-version:6.0
import PackageDescription

/// Release builds run unchecked and for this CPU: without a target CPU, Swift's SIMD types
/// compile to scalar calls.
let fast: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "native"]),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "atlas",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "atlas", targets: ["AtlasCLI"]),
        .executable(name: "atlas-bench", targets: ["AtlasBench"]),
        .library(name: "AtlasKit", targets: ["ArrayFiles", "Dataset", "Tensor", "Imaging", "Models", "Optvis", "Layout", "Render",
                                                    "Collect", "Palette", "Judge", "Paint", "Search", "Analysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries from Debian: module maps only.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CWebP", path: "Sources/CWebP"),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // .npy arrays and atomic file writes, shared by every stage that touches disk.
        .target(name: "ArrayFiles", swiftSettings: fast),
        // images -> tensors -> models -> layout -> render -> CLI
        .target(name: "Tensor", dependencies: ["CDNNL"], swiftSettings: fast),
        // libpng and libjpeg report errors by longjmp, which Swift cannot catch: small C wrappers.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png")]),
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG", "CWebP", "ArrayFiles"], swiftSettings: fast),
        .target(name: "Models", dependencies: ["ArrayFiles", "Tensor", "Imaging"],
                resources: [.copy("Resources/imagenet_classes.txt")], swiftSettings: fast),
        .target(name: "Dataset", dependencies: ["ArrayFiles", "CZlib"],
                resources: [.copy("Resources/demo-manifest.tsv")], swiftSettings: fast),
        .target(name: "Optvis", dependencies: ["Tensor", "CFFTW"], swiftSettings: fast),
        .target(name: "Layout", swiftSettings: fast),
        .target(name: "Render", dependencies: ["CCairo", "ArrayFiles", "Imaging"], swiftSettings: fast),
        // The atlas pipeline after the network: photos -> activations -> palette -> painting, search.
        .target(name: "Collect", dependencies: ["ArrayFiles", "Dataset", "Imaging", "Tensor", "Models", "Optvis"], swiftSettings: fast),
        .target(name: "Palette", dependencies: ["ArrayFiles", "Tensor", "Models", "Optvis", "Layout", "Render", "Collect", "Imaging"],
                swiftSettings: fast),
        // A second network that reads regions of an image: what a painting shows to a network that did not paint it.
        .target(name: "Judge", dependencies: ["Models", "Imaging"], swiftSettings: fast),
        .target(name: "Paint", dependencies: ["ArrayFiles", "Tensor", "Models", "Optvis", "Render", "Palette", "Imaging", "Judge",
                                              .product(name: "TOMLKit", package: "TOMLKit")], swiftSettings: fast),
        .target(name: "Search", dependencies: ["ArrayFiles", "Dataset", "Tensor", "Models", "Render", "Palette", "Paint",
                                               "Imaging", "Collect"], swiftSettings: fast),
        .target(name: "Analysis", dependencies: ["Collect", "Imaging", "Layout", "Models", "Optvis", "Palette", "Render", "Tensor"],
                swiftSettings: fast),
        .target(name: "PaintArguments", dependencies: ["Paint", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "AtlasCLI",
            dependencies: ["ArrayFiles", "Dataset", "Tensor", "Imaging", "Models", "Optvis", "Layout", "Render",
                           "Collect", "Palette", "Judge", "Paint", "PaintArguments", "Search", "Analysis",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: fast),
        .executableTarget(
            name: "AtlasBench",
            dependencies: ["ArrayFiles", "Dataset", "Tensor", "Imaging", "Models", "Optvis", "Layout", "Render",
                           "Collect", "Palette", "Judge", "Paint", "PaintArguments", "Search", "Analysis",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: fast),

        // What every test target shares: the repository's files, the Python references, the real
        // networks and a tiny random one, finite differences.
        .target(name: "TestSupport", dependencies: ["Tensor", "Optvis", "Models"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], swiftSettings: fast),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Imaging", "Tensor", "ArrayFiles", "Optvis", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "ArrayFiles", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "OptvisTests", dependencies: ["Optvis", "Tensor", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "LayoutTests", dependencies: ["Layout", "ArrayFiles"], swiftSettings: fast),
        .testTarget(name: "ArrayFilesTests", dependencies: ["ArrayFiles", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "CollectTests", dependencies: ["Collect", "Models", "Tensor", "ArrayFiles", "Imaging", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "PaletteTests", dependencies: ["Palette", "Analysis", "Collect", "Models", "Tensor", "ArrayFiles", "Imaging", "Render", "TestSupport"],
                    swiftSettings: fast),
        .testTarget(name: "PaintTests", dependencies: ["Paint", "Judge", "Palette", "Models", "Tensor", "ArrayFiles", "Imaging", "Analysis", "Dataset",
                                                       .product(name: "TOMLKit", package: "TOMLKit"), "TestSupport"], swiftSettings: fast),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Paint", "Palette", "Models", "Tensor", "ArrayFiles", "Imaging", "TestSupport"],
                    swiftSettings: fast),
    ]
)
