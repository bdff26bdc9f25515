import Dataset
import XCTest

final class CreditTests: XCTestCase {
    /// Both ways GCompris READMEs list files (on the "Files:" line, or on the lines after it,
    /// with fields in any order), and blocks without a licence.
    func testParsesGComprisReadmeBlocks() {
        let readme = """
            Copyright: Timothée Giet, 2018
            License: CC-BY-SA 4.0
            Files:
            question.svg
            wonders/world-map.svg

            Copyright: Kurt Kaiser
            License: CC0-1.0
            Source: https://commons.wikimedia.org/wiki/File:American_Bison_9.jpg
            Files:
            bison.webp

            Files: heron.webp
            Source: https://example.org/heron.jpg
            License: Public domain
            Copyright: Stephan Sprinz
            Comments: cropping

            Copyright: nobody
            Files: unlicensed.webp
            """
        let credits = Credit.parseGComprisReadme(readme)
        XCTAssertEqual(Set(credits.keys), ["question.svg", "wonders/world-map.svg", "bison.webp", "heron.webp"])
        XCTAssertEqual(credits["bison.webp"], Credit(licence: "CC0-1.0", copyright: "Kurt Kaiser",
                                                     origin: "https://commons.wikimedia.org/wiki/File:American_Bison_9.jpg"))
        XCTAssertEqual(credits["heron.webp"], Credit(licence: "Public Domain", copyright: "Stephan Sprinz", origin: "https://example.org/heron.jpg"))
        XCTAssertEqual(credits["wonders/world-map.svg"]?.licence, "CC-BY-SA-4.0")
    }

    func testLicenceNormalisation() {
        XCTAssertEqual(Credit.normalisedLicence(" CC-BY-SA 4.0 "), "CC-BY-SA-4.0")
        XCTAssertEqual(Credit.normalisedLicence("public domain"), "Public Domain")
        XCTAssertEqual(Credit.normalisedLicence("GPLv2+"), "GPLv2+")
    }
}
