import Foundation
import TOMLKit

/// Reads the parts of a canvas out of its TOML table, checking types and keys, with errors that
/// point at the file's lines (`CanvasSource` locates them).
struct CanvasReader {
    let path: String
    let source: CanvasSource

    static let brushKeys = ["cell", "class", "photo", "at", "stamp", "region", "mix", "strength"]

    func error(_ location: SourceLocation?, _ message: String) -> CanvasError {
        CanvasError(path, at: location, message)
    }

    /// Fails on a key of `table` (named `name`, "" for the top level) not in `allowed`.
    func checkKeys(of table: TOMLTable, in name: String, allowed: [String], at location: SourceLocation? = nil) throws {
        for key in table.keys where !allowed.contains(key) {
            let place = location.map { source.location(of: key, within: $0) } ?? source.location(ofKey: key, in: name)
            let within = name.isEmpty ? "at the top level" : "in [\(name)]"
            throw error(place, "unknown key '\(key)' \(within); expected " + allowed.joined(separator: ", "))
        }
    }

    func string(_ table: TOMLTable, _ key: String, in name: String) throws -> String {
        guard let value = table[key] else {
            throw error(nil, "missing `\(key) = \"...\"`" + (name.isEmpty ? "" : " in [\(name)]"))
        }
        guard let string = value.string else {
            throw error(source.location(ofKey: key, in: name), "`\(key)` must be a string, not a \(value.type)")
        }
        return string
    }

    // MARK: Brushes

    /// The `[brushes]` table, in the order the file defines them.
    func brushes(_ root: TOMLTable, folder: URL) throws -> [BrushDefinition] {
        guard let value = root["brushes"] else {
            throw error(nil, "missing the [brushes] table: one entry per grid character, e.g. `s = { class = \"seashore\" }`")
        }
        guard let table = value.table else {
            throw error(source.location(ofKey: "brushes", in: ""), "`brushes` must be a table, not a \(value.type)")
        }
        let brushes = try table.keys.map { key -> BrushDefinition in
            let location = source.location(ofKey: key, in: "brushes")
            guard key.count == 1, let character = key.first else {
                throw error(location, "brush '\(key)': a brush is named by the single character that paints it in the grid")
            }
            guard character != Canvas.freeCell, !character.isWhitespace else {
                throw error(location, "'\(character)' cannot name a brush: '.' marks a free cell and spaces are not cells")
            }
            guard let definition = table[key]?.table else {
                throw error(location, "brush '\(key)' must be a table such as `\(key) = { class = \"seashore\" }`")
            }
            let strength = try number(definition, "strength", brush: character, at: location) ?? 1
            guard strength > 0, strength.isFinite else {
                throw error(location.map { source.location(of: "strength", within: $0) }, "brush '\(key)': strength must be positive")
            }
            return BrushDefinition(character: character,
                                   source: try brushSource(definition, brush: character, at: location, folder: folder, inMix: false),
                                   strength: strength, location: location)
        }
        return brushes.sorted { ($0.location?.line ?? .max, $0.character) < ($1.location?.line ?? .max, $1.character) }
    }

    /// One brush (or part of a mix): exactly one of cell, class, photo (with at), stamp (with
    /// region), mix.
    private func brushSource(_ table: TOMLTable, brush: Character, at location: SourceLocation?, folder: URL,
                             inMix: Bool) throws -> BrushSource {
        func fail(_ needle: String?, _ message: String) -> CanvasError {
            error(location.map { start in needle.map { source.location(of: $0, within: start) } ?? start },
                  "brush '\(brush)': " + message)
        }
        try checkKeys(of: table, in: "brushes.\(brush)", allowed: Self.brushKeys.filter { $0 != "strength" || !inMix }
                        + (inMix ? ["weight"] : []), at: location)
        let kinds = ["cell", "class", "photo", "stamp", "mix"].filter { table[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first else {
            throw fail(kinds.dropFirst().first, kinds.isEmpty
                ? "say what it paints: cell = [column, row], class = \"name\", photo = \"file\" with at = [row, column], "
                    + "stamp = \"file\" with region = [top, left, bottom, right], or mix = [...]"
                : "give only one of cell, class, photo, stamp and mix (found \(kinds.joined(separator: " and ")))")
        }
        if kind != "photo", table["at"] != nil { throw fail("at", "`at` goes with `photo` only") }
        if kind != "stamp", table["region"] != nil { throw fail("region", "`region` goes with `stamp` only") }
        switch kind {
        case "cell":
            let (column, row) = try pair(table, "cell", fail: fail)
            return .cell(column: column, row: row)
        case "class":
            guard let label = table["class"]?.string, !label.isEmpty else { throw fail("class", "`class` must be a class name") }
            return .label(label)
        case "photo":
            guard let photo = table["photo"]?.string, !photo.isEmpty else { throw fail("photo", "`photo` must be a file path") }
            guard table["at"] != nil else {
                throw fail("photo", "a photo brush needs `at = [row, column]`: the position in the layer's grid of the photo")
            }
            let (row, column) = try pair(table, "at", fail: fail)
            return .photo(path: resolvedPath(photo, in: folder), row: row, column: column)
        case "stamp":
            if inMix { throw fail("stamp", "a stamp paints a block of cells, so it cannot be part of a mix") }
            guard let photo = table["stamp"]?.string, !photo.isEmpty else { throw fail("stamp", "`stamp` must be a file path") }
            let format = "four integers [top, left, bottom, right]: the rows top..<bottom and columns left..<right of the "
                + "layer's grid of the photo (end-exclusive)"
            guard table["region"] != nil else { throw fail("stamp", "a stamp needs `region`, " + format) }
            guard let array = table["region"]?.array, array.count == 4 else { throw fail("region", "`region` must be " + format) }
            let numbers = (0..<4).compactMap { array[$0].int }
            guard numbers.count == 4 else { throw fail("region", "`region` must be " + format) }
            let region = CellRegion(top: numbers[0], left: numbers[1], bottom: numbers[2], right: numbers[3])
            // Compared, not subtracted: bottom - top overflows for bottom = Int.min.
            guard region.top >= 0, region.left >= 0, region.top < region.bottom, region.left < region.right else {
                throw fail("region", "region [\(numbers.map(String.init).joined(separator: ", "))] is empty or negative: "
                    + "it needs 0 <= top < bottom and 0 <= left < right")
            }
            return .stamp(path: resolvedPath(photo, in: folder), region: region)
        default:
            guard let parts = table["mix"]?.array, !parts.isEmpty else {
                throw fail("mix", "`mix` must be a non-empty list of brushes, e.g. [{ class = \"a\", weight = 2 }, { cell = [3, 4] }]")
            }
            return .mix(try parts.map { part in
                guard let partTable = part.table else { throw fail("mix", "each part of a mix must be an inline table { ... }") }
                let weight = try number(partTable, "weight", brush: brush, at: location) ?? 1
                guard weight > 0, weight.isFinite else { throw fail("weight", "mix weights must be positive") }
                return WeightedBrushSource(source: try brushSource(partTable, brush: brush, at: location, folder: folder, inMix: true),
                                           weight: weight)
            })
        }
    }

    /// `key = [a, b]` with two integers.
    private func pair(_ table: TOMLTable, _ key: String, fail: (String?, String) -> CanvasError) throws -> (Int, Int) {
        let order = key == "cell" ? "[column, row]" : "[row, column]"
        guard let array = table[key]?.array, array.count == 2, let first = array[0].int, let second = array[1].int else {
            throw fail(key, "`\(key)` must be two integers \(order)")
        }
        return (first, second)
    }

    /// An integer or float value, or nil when absent.
    private func number(_ table: TOMLTable, _ key: String, brush: Character, at location: SourceLocation?) throws -> Float? {
        guard let value = table[key] else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else {
            throw error(location.map { source.location(of: key, within: $0) }, "brush '\(brush)': `\(key)` must be a number")
        }
        return Float(number)
    }

    // MARK: Grid

    /// The grid: one row per line, one character per cell, surrounding blank lines and the
    /// indentation of each line ignored.
    func grid(_ root: TOMLTable, brushes: Set<Character>) throws -> (rows: Int, columns: Int, cells: [Character?]) {
        let text = try string(root, "grid", in: "")
        let start = source.multilineStringStart(ofKey: "grid") ?? source.location(ofKey: "grid", in: "")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        func location(line: Int, column: Int) -> SourceLocation? {
            start.map { SourceLocation(line: $0.line + line, column: (line == 0 ? $0.column : 1) + column) }
        }
        let isBlank: (Substring) -> Bool = { $0.allSatisfy(\.isWhitespace) }
        guard let first = lines.firstIndex(where: { !isBlank($0) }), let last = lines.lastIndex(where: { !isBlank($0) }) else {
            throw error(source.location(ofKey: "grid", in: ""), "the grid is empty: draw one character per cell, one line per row")
        }
        var cells: [Character?] = [], columns = 0
        for index in first...last {
            let line = lines[index]
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            let row = Array(line.dropFirst(indent).reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            guard !row.isEmpty else {
                throw error(location(line: index, column: 0), "blank line inside the grid (row \(index - first + 1)); every row needs its cells")
            }
            for (column, character) in row.enumerated() where character != Canvas.freeCell && !brushes.contains(character) {
                let known = brushes.sorted().map { "'\($0)'" }.joined(separator: ", ")
                let what = character == "\t" ? "a tab in the grid"
                    : character.isWhitespace ? "a space in the grid" : "unknown character '\(character)' in the grid"
                throw error(location(line: index, column: indent + column),
                            "\(what) (row \(index - first + 1), column \(column + 1)); the brushes are \(known), and '.' marks a free cell")
            }
            if index == first { columns = row.count }
            guard index - first < Canvas.maximumCells, row.count <= Canvas.maximumCells else {
                throw error(location(line: index, column: indent + min(row.count, Canvas.maximumCells)),
                            "the grid is larger than \(Canvas.maximumCells) cells per side, the most a \(PaintGeometry.maximumSize)-px painting "
                                + "holds at a stride of 16 px")
            }
            guard row.count == columns else {
                throw error(location(line: index, column: indent + min(row.count, columns)),
                            "ragged grid: row \(index - first + 1) has \(row.count) cells, the first row \(columns)")
            }
            cells += row.map { $0 == Canvas.freeCell ? nil : $0 }
        }
        guard cells.contains(where: { $0 != nil }) else {
            throw error(location(line: first, column: 0), "every cell of the grid is free ('.'): paint at least one")
        }
        return (last - first + 1, columns, cells)
    }

    // MARK: Settings

    func settings(_ root: TOMLTable) throws -> CanvasSettings {
        guard let value = root["settings"] else { return CanvasSettings() }
        guard let table = value.table else {
            throw error(source.location(ofKey: "settings", in: ""), "`settings` must be a table, not a \(value.type)")
        }
        try checkKeys(of: table, in: "settings", allowed: CanvasSettings.keys)
        func integer(_ key: String, minimum: Int, maximum: Int = .max, limit: String = "") throws -> Int? {
            guard let value = table[key] else { return nil }
            guard let integer = value.int, integer >= minimum else {
                throw error(source.location(ofKey: key, in: "settings"), "`\(key)` must be an integer of at least \(minimum)")
            }
            guard integer <= maximum else {
                throw error(source.location(ofKey: key, in: "settings"), "`\(key)` = \(integer) is above the limit of \(maximum)\(limit)")
            }
            return integer
        }
        var settings = CanvasSettings(steps: try integer("steps", minimum: 1, maximum: Canvas.maximumSteps,
                                                         limit: " steps (a painting of 1024 px takes about 5 s per 100 steps)"),
                                      seed: try integer("seed", minimum: 0).map(UInt64.init),
                                      size: try integer("size", minimum: 16, maximum: PaintGeometry.maximumSize,
                                                        limit: " px for the image's longer side"))
        if let value = table["cosine_power"] {
            guard let power = value.double ?? value.int.map(Double.init), power >= 0, power.isFinite else {
                throw error(source.location(ofKey: "cosine_power", in: "settings"), "`cosine_power` must be a number of at least 0")
            }
            settings.cosinePower = Float(power)
        }
        if let value = table["objective"] {
            guard let name = value.string, let objective = PaintObjective(rawValue: name) else {
                throw error(source.location(ofKey: "objective", in: "settings"),
                            "`objective` must be " + PaintObjective.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))
            }
            settings.objective = objective
        }
        if let value = table["whiten"] {
            guard let whiten = value.bool else {
                throw error(source.location(ofKey: "whiten", in: "settings"), "`whiten` must be true or false")
            }
            settings.whiten = whiten
        }
        return settings
    }
}
