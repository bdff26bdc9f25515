import Foundation
@testable import Paint
import TOMLFiles
import TOMLKit
import XCTest

/// The canvas parser on mutated files: every input parses or fails with a `CanvasError` whose
/// place, when it has one, is inside the file; nothing crashes or hangs. toml++ (inside TOMLKit)
/// aborts on some malformed TOML, so `TOMLSyntax` checks the syntax first: it must refuse what
/// toml++ would abort on and accept all valid TOML.
final class CanvasFuzzTests: XCTestCase {
    private static let seedText = """
        title = "fuzz"
        palette = "p"
        grid = '''
        ss.kk
        ss.kk
        wwwww
        '''
        [brushes]
        s = { stamp = "cat.png", region = [3, 4, 5, 6] }
        k = { photo = "cat.png", at = [1, 2], strength = 2 }
        w = { mix = [{ class = "tabby", weight = 2 }, { cell = [0, 1] }] }
        [settings]
        steps = 8
        size = 160
        """

    /// Pieces that mutations splice in: TOML syntax, brush keys, grid characters, numbers.
    private static let pieces = ["[", "]", "{", "}", "=", "\"", "'''", ",", ".", "s", "k", "w", "\n", " ", "-1", "0", "99999999999",
                                 "region = [0, 0, 0, 0]", "stamp = \"x\"", "at = [1]", "cell = [1, 2]", "class = \"\"",
                                 "[brushes]", "[settings]", "size = 0", "é", "\u{0}", "1e999", "nan"]

    /// Inputs on which toml++ 3.4.0 aborts (found by this test's mutations), refused with a place.
    func testWhatTomlPlusPlusAbortsOnIsRefusedWithAPlace() {
        for (text, line, column, words) in [
            ("a = 1\n[{settings]\n", 2, 2, "expected a table header"),
            ("a = [1, }2]\n", 1, 9, "expected a value"),
            ("a = { b = [0,}\n", 1, 14, "expected a value"),
            ("a = [0,1979-05-27 1]\n", 1, 19, "expected a time"),
            ("[\nrushes]\n", 1, 2, "expected a table header"),
            ("[[[a]]]\n", 1, 3, "expected a"),
        ] {
            XCTAssertThrowsError(try TOMLSyntax.check(text), text) { error in
                guard let problem = error as? TOMLSyntax.Problem else { return XCTFail("\(error)") }
                XCTAssertEqual([problem.line, problem.column], [line, column], "\(text): \(problem.message)")
                XCTAssertTrue(problem.message.contains(words), problem.message)
            }
        }
    }

    /// Valid TOML of every kind (checked by Python's tomllib too) passes, and TOMLKit parses it.
    func testValidTOMLOfEveryKindPasses() throws {
        let text = #"""
            # a comment
            title = "fuzz \"quoted\" \u00e9 \\ tab\t" # trailing comment
            palette = 'C:\literal'
            "quoted key" = 1
            a.b . c = 2
            'lit key'.x = +3_000
            grid = '''
            ss.kk
             ss'kk''
            '''
            text = """
            line one \
               continued
            two "" quotes ""\""""
            [brushes]
            k = { photo = "cat.png", at = [1, 2,], strength = 2.5e-1 }
            w = { mix = [{ class = "tabby", weight = 2 }, { cell = [0, 1] }] }
            [settings]
            numbers = [ 0x1F, 0o17, 0b101, -0.0, inf, -inf, nan, 1e10, 6.626e-34, 1_000.5 ,
              # comment inside an array
              3 ]
            dates = [1979-05-27T07:32:00Z, 1979-05-27 07:32:00.999-07:00, 1979-05-27T07:32:00, 1979-05-27, 07:32:00, 00:32:00.5]
            empty = {}
            nested = [[1, 2], ["a", 'b'], [{x = 1}], []]
            bools = [true, false]
            [[fruits]]
            name = "apple"
            [x.y."z w"]
            v = 1
            """#
        XCTAssertNoThrow(try TOMLSyntax.check(text))
        XCTAssertNoThrow(try TOMLTable(string: text))
    }

    func testMutatedCanvasesParseOrFailWithAPlace() throws {
        // A fixed linear congruential sequence: the same mutations on every run.
        var seed: UInt64 = 0x5eed
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        let folder = NSTemporaryDirectory()
        var (parsed, failed) = (0, 0)
        for _ in 0..<3000 {
            var characters = Array(Self.seedText)
            for _ in 0..<(1 + next(4)) {
                let at = next(characters.count + 1)
                switch next(3) {
                case 0: characters.insert(contentsOf: Self.pieces[next(Self.pieces.count)], at: at)
                case 1: if at < characters.count { characters.removeSubrange(at..<min(characters.count, at + 1 + next(8))) }
                default: if at < characters.count { characters[at] = Array(Self.pieces[next(Self.pieces.count)]).first ?? " " }
                }
            }
            let text = String(characters)
            do {
                _ = try Canvas(parsing: text, path: folder + "fuzz.canvas")
                parsed += 1
            } catch let error as CanvasError {
                failed += 1
                if let location = error.place {
                    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
                    XCTAssertTrue((1...max(lines, 1) + 1).contains(location.line), "line \(location.line) of \(lines): \(error)\n\(text)")
                    XCTAssertGreaterThanOrEqual(location.column, 1, "\(error)")
                }
                XCTAssertFalse(error.problem.isEmpty)
            } catch {
                XCTFail("not a CanvasError: \(error)\n\(text)")
            }
        }
        print("mutated canvases: \(parsed) parsed, \(failed) refused")
        XCTAssertGreaterThan(parsed, 0)
        XCTAssertGreaterThan(failed, 0)
    }
}
