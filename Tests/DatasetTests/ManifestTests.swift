import Dataset
import TestSupport
import XCTest

final class ManifestTests: XCTestCase {
    private let entries = [
        ManifestEntry(path: "fish/categorization/fishes/fish1.webp", category: "fish", package: "gcompris-qt-data",
                      source: "categorization.rcc:/gcompris/src/activities/categorization/resource/images/fishes/fish1.webp",
                      credit: Credit(licence: "Public Domain", copyright: "Karelj", origin: "https://commons.wikimedia.org/wiki/File:P.jpg"),
                      width: 480, height: 320, sha256: String(repeating: "ab", count: 32), note: ""),
        ManifestEntry(path: "animals/scikit-image/chelsea.png", category: "animals", package: "scikit-image",
                      source: "skimage/data/chelsea.png", credit: Credit(licence: "CC0-1.0", copyright: "Stefan\tvan der Walt", origin: ""),
                      width: 451, height: 300, sha256: String(repeating: "01", count: 32), note: "small,uncredited"),
    ]

    func testRoundTripSortsByPathAndKeepsEveryField() throws {
        let text = Manifest.encode(entries)
        XCTAssertTrue(text.hasPrefix("path\tcategory\tpackage\tsource\tlicence\tcopyright\torigin\twidth\theight\tsha256\tnote\nanimals/"))
        var expected = [entries[1], entries[0]]
        expected[0].credit.copyright = "Stefan van der Walt"  // a tab inside a value becomes a space
        XCTAssertEqual(try Manifest.decode(text, file: "m.tsv"), expected)

        let path = try TestFiles.temporaryFolder("dataset", removedAfter: self) + "/sub/manifest.tsv"
        try Manifest.write(entries, to: path)
        XCTAssertEqual(try Manifest.read(path), expected)
    }

    func testDifferencesNameThePathAndField() {
        var changed = entries
        changed[0].sha256 = String(repeating: "cd", count: 32)
        changed[0].width = 481
        changed.remove(at: 1)
        changed.append(ManifestEntry(path: "extra.jpg", category: "x", package: "p", source: "s",
                                     credit: Credit(licence: "", copyright: "", origin: ""), width: 1, height: 1, sha256: "", note: ""))
        XCTAssertEqual(Manifest.differences(expected: entries, actual: changed), [
            "animals/scikit-image/chelsea.png: missing (listed in the manifest, not produced)",
            "extra.jpg: not in the manifest",
            "fish/categorization/fishes/fish1.webp: width is '481', the manifest says '480'",
            "fish/categorization/fishes/fish1.webp: sha256 is '\(String(repeating: "cd", count: 32))', the manifest says '\(String(repeating: "ab", count: 32))'",
        ])
        XCTAssertEqual(Manifest.differences(expected: entries, actual: entries.reversed()), [])
    }

    func testBadManifestsGiveLineNumbers() {
        XCTAssertThrowsError(try Manifest.decode("name\tsize\n", file: "m.tsv")) { XCTAssertTrue("\($0)".hasPrefix("m.tsv: line 1: expected the header"), "\($0)") }
        let header = Manifest.columns.joined(separator: "\t")
        XCTAssertThrowsError(try Manifest.decode(header + "\na\tb\n", file: "m.tsv")) { XCTAssertEqual("\($0)", "m.tsv: line 2: 2 values, expected 11") }
        XCTAssertThrowsError(try Manifest.decode(header + "\na\tb\tc\td\te\tf\tg\twide\t3\th\t\n", file: "m.tsv")) {
            XCTAssertTrue("\($0)".hasPrefix("m.tsv: line 2: width and height must be integers"), "\($0)")
        }
    }
}
