/// A TOML 1.0 syntax check that runs before TOMLKit sees a canvas file or a model card. TOMLKit bundles toml++
/// 3.4.0, whose parser asserts (and aborts the process, release builds included) on some
/// malformed input instead of reporting it: a table header whose name starts with a character
/// no key starts with (`[{settings]`), a value position holding `}` or `,` (`[1, }2]`), a date
/// followed by something that is not a time (`1979-05-27 1`). This check walks the whole
/// grammar (keys, strings, numbers, dates and times, arrays, inline tables, headers, comments)
/// and reports the first problem with its line and column, so that toml++ only ever parses
/// well-formed text. It accepts everything TOML 1.0 does (and a time without seconds, as
/// toml++ does).
public struct TOMLSyntax {
    /// A syntax problem, 1-based.
    public struct Problem: Error {
        public let line: Int
        public let column: Int
        public let message: String
    }

    private let text: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    private init(_ text: String) {
        self.text = Array(text.unicodeScalars)
    }

    /// Throws the first syntax problem of `text`, if any.
    public static func check(_ text: String) throws {
        var syntax = TOMLSyntax(text)
        try syntax.document()
    }

    // MARK: Reading

    private var current: Unicode.Scalar? { index < text.count ? text[index] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < text.count ? text[index + offset] : nil
    }

    private mutating func advance() {
        guard let scalar = current else { return }
        index += 1
        if scalar == "\n" {
            (line, column) = (line + 1, 1)
        } else {
            column += 1
        }
    }

    private mutating func advance(_ count: Int) {
        for _ in 0..<count { advance() }
    }

    private func fail(_ message: String) -> Problem {
        Problem(line: line, column: column, message: message)
    }

    private func describe(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "the end of the file" }
        switch scalar {
        case "\n": return "the end of the line"
        case "\r": return "a carriage return"
        case "\t": return "a tab"
        default: return scalar.properties.generalCategory == .control ? "control character U+\(String(scalar.value, radix: 16, uppercase: true))" : "'\(scalar)'"
        }
    }

    private func starts(with prefix: String) -> Bool {
        var offset = 0
        for scalar in prefix.unicodeScalars {
            guard peek(offset) == scalar else { return false }
            offset += 1
        }
        return true
    }

    private mutating func skipSpaces() {
        while current == " " || current == "\t" { advance() }
    }

    /// A comment up to (not including) the end of the line: no control characters but tab.
    private mutating func comment() throws {
        guard current == "#" else { return }
        advance()
        while let scalar = current, scalar != "\n" {
            if scalar == "\r", peek(1) == "\n" { return }
            if isForbiddenControl(scalar) { throw fail("\(describe(scalar)) in a comment") }
            advance()
        }
    }

    /// The end of a line: optional spaces and comment, then a newline (LF or CRLF) or the end.
    private mutating func endOfLine(after what: String) throws {
        skipSpaces()
        try comment()
        switch current {
        case nil: return
        case "\n": advance()
        case "\r" where peek(1) == "\n": advance(2)
        default: throw fail("expected the end of the line after \(what), found \(describe(current))")
        }
    }

    /// Spaces, newlines and comments (inside arrays).
    private mutating func skipSpacesNewlinesAndComments() throws {
        while true {
            skipSpaces()
            try comment()
            if current == "\n" {
                advance()
            } else if current == "\r", peek(1) == "\n" {
                advance(2)
            } else {
                return
            }
        }
    }

    private func isForbiddenControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F
    }

    // MARK: Document

    private mutating func document() throws {
        if current == "\u{FEFF}" { advance() }
        while current != nil {
            try skipSpacesNewlinesAndComments()
            guard let scalar = current else { return }
            if scalar == "[" {
                let isArray = peek(1) == "["
                advance(isArray ? 2 : 1)
                skipSpaces()
                try key(in: isArray ? "an array-of-tables header" : "a table header")
                skipSpaces()
                guard current == "]", !isArray || peek(1) == "]" else {
                    throw fail("expected '\(isArray ? "]]" : "]")' to close the header, found \(describe(current))")
                }
                advance(isArray ? 2 : 1)
                try endOfLine(after: "the header")
            } else {
                try keyValue()
                try endOfLine(after: "a value")
            }
        }
    }

    /// `key = value`.
    private mutating func keyValue() throws {
        try key(in: "a key")
        skipSpaces()
        guard current == "=" else { throw fail("expected '=' after the key, found \(describe(current))") }
        advance()
        skipSpaces()
        try value()
    }

    /// A dotted key: simple keys (bare, or quoted) separated by dots.
    private mutating func key(in context: String) throws {
        while true {
            switch current {
            case "\"":
                try string(quote: "\"", multiline: false)
            case "'":
                try string(quote: "'", multiline: false)
            case let scalar? where isBareKeyScalar(scalar):
                while let scalar = current, isBareKeyScalar(scalar) { advance() }
            default:
                throw fail("expected \(context) (letters, digits, '-', '_', or a quoted name), found \(describe(current))")
            }
            skipSpaces()
            guard current == "." else { return }
            advance()
            skipSpaces()
        }
    }

    private func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
    }

    // MARK: Values

    private mutating func value(depth: Int = 0) throws {
        guard depth < 128 else { throw fail("values nested more than 128 deep") }
        switch current {
        case "\"":
            try string(quote: "\"", multiline: starts(with: "\"\"\""))
        case "'":
            try string(quote: "'", multiline: starts(with: "'''"))
        case "[":
            try array(depth: depth)
        case "{":
            try inlineTable(depth: depth)
        case "t" where starts(with: "true"), "f" where starts(with: "false"):
            advance(current == "t" ? 4 : 5)
        case let scalar? where ("0"..."9").contains(scalar) || scalar == "+" || scalar == "-" || scalar == "i" || scalar == "n":
            try numberOrDate()
        default:
            throw fail("expected a value (a string, number, boolean, date, array or inline table), found \(describe(current))")
        }
    }

    private mutating func array(depth: Int) throws {
        advance()  // [
        while true {
            try skipSpacesNewlinesAndComments()
            if current == "]" {
                advance()
                return
            }
            try value(depth: depth + 1)
            try skipSpacesNewlinesAndComments()
            switch current {
            case ",": advance()
            case "]":
                advance()
                return
            default: throw fail("expected ',' or ']' in an array, found \(describe(current))")
            }
        }
    }

    /// `{ key = value, ... }` on one line, no trailing comma (TOML 1.0).
    private mutating func inlineTable(depth: Int) throws {
        advance()  // {
        skipSpaces()
        if current == "}" {
            advance()
            return
        }
        while true {
            skipSpaces()
            try key(in: "a key in an inline table")
            skipSpaces()
            guard current == "=" else { throw fail("expected '=' after the key, found \(describe(current))") }
            advance()
            skipSpaces()
            try value(depth: depth + 1)
            skipSpaces()
            switch current {
            case ",": advance()
            case "}":
                advance()
                return
            default: throw fail("expected ',' or '}' in an inline table (which stays on one line), found \(describe(current))")
            }
        }
    }

    // MARK: Strings

    /// A string: basic (`"`, escapes) or literal (`'`, none), on one line or multi-line (the
    /// delimiter tripled; up to two more quotes before the closing three belong to the string).
    private mutating func string(quote: Unicode.Scalar, multiline: Bool) throws {
        let (startLine, startColumn) = (line, column)
        let delimiter = String(repeating: String(quote), count: 3)
        advance(multiline ? 3 : 1)
        if multiline { skipFirstNewline() }
        while true {
            guard let scalar = current else {
                throw Problem(line: startLine, column: startColumn, message: "this string is not closed")
            }
            if multiline, starts(with: delimiter) {
                var quotes = 3
                while peek(quotes) == quote, quotes < 5 { quotes += 1 }
                advance(quotes)
                return
            }
            if !multiline, scalar == quote {
                advance()
                return
            }
            if quote == "\"", scalar == "\\" {
                advance()
                try escape(multiline: multiline)
                continue
            }
            if scalar == "\n" || (scalar == "\r" && peek(1) == "\n") {
                guard multiline else { throw fail("a one-line string ends at the end of the line: close it with \(quote)") }
                advance(scalar == "\r" ? 2 : 1)
                continue
            }
            if isForbiddenControl(scalar) {
                throw fail("\(describe(scalar)) in a string" + (quote == "\"" ? " (write it as an escape)" : ""))
            }
            advance()
        }
    }

    private mutating func escape(multiline: Bool) throws {
        switch current {
        case "b", "t", "n", "f", "r", "\"", "\\", "e":
            advance()
        case "u", "U":
            let digits = current == "u" ? 4 : 8
            advance()
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let scalar = current, let digit = Int(String(scalar), radix: 16) else {
                    throw fail("expected \(digits) hexadecimal digits in a Unicode escape, found \(describe(current))")
                }
                value = value * 16 + UInt32(digit)
                advance()
            }
            guard Unicode.Scalar(value) != nil else { throw fail("the escape names no Unicode scalar value") }
        case " " where multiline, "\t" where multiline, "\n" where multiline, "\r" where multiline:
            // A line-ending backslash: spaces, then a newline, then any whitespace.
            skipSpaces()
            guard current == "\n" || (current == "\r" && peek(1) == "\n") else {
                throw fail("a backslash followed by spaces must end the line")
            }
            while current == " " || current == "\t" || current == "\n" || (current == "\r" && peek(1) == "\n") {
                advance(current == "\r" ? 2 : 1)
            }
        default:
            throw fail("unknown escape '\\\(current.map { String($0) } ?? "")' (use \\\\ for a backslash)")
        }
    }

    /// A newline right after a multi-line string's opening delimiter is not part of it.
    private mutating func skipFirstNewline() {
        if current == "\n" {
            advance()
        } else if current == "\r", peek(1) == "\n" {
            advance(2)
        }
    }

    // MARK: Numbers, dates and times

    /// A number, boolean-free bare value: integer (decimal, 0x, 0o, 0b), float, inf, nan, or an
    /// offset/local date-time, date or time.
    private mutating func numberOrDate() throws {
        let (startLine, startColumn) = (line, column)
        var token = ""
        while let scalar = current, isValueScalar(scalar) {
            token.unicodeScalars.append(scalar)
            advance()
        }
        // A date followed by a space and a time is one date-time.
        if isDate(token), current == " ", let next = peek(1), ("0"..."9").contains(next) {
            let saved = (index, line, column)
            advance()
            var time = ""
            while let scalar = current, isValueScalar(scalar) {
                time.unicodeScalars.append(scalar)
                advance()
            }
            guard isTimeWithOffset(time) else {
                (index, line, column) = saved
                throw Problem(line: line, column: column + 1, message: "after the date \(token), expected a time such as 07:32:00, found '\(time)'")
            }
            return
        }
        guard isNumber(token) || isDate(token) || isDateTime(token) || isTime(token) else {
            throw Problem(line: startLine, column: startColumn,
                          message: token.isEmpty ? "expected a value, found \(describe(current))"
                              : "'\(token)' is not a number, date or time")
        }
    }

    private func isValueScalar(_ scalar: Unicode.Scalar) -> Bool {
        isBareKeyScalar(scalar) || scalar == "+" || scalar == "." || scalar == ":"
    }

    private func isNumber(_ token: String) -> Bool {
        var body = Substring(token)
        if body.hasPrefix("0x") { return digits(body.dropFirst(2), hexadecimal: true) }
        if body.hasPrefix("0o") { return digits(body.dropFirst(2), allowed: { ("0"..."7").contains($0) }) }
        if body.hasPrefix("0b") { return digits(body.dropFirst(2), allowed: { $0 == "0" || $0 == "1" }) }
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if body == "inf" || body == "nan" { return true }
        // integer part, optional fraction, optional exponent.
        let exponentStart = body.firstIndex { $0 == "e" || $0 == "E" }
        let mantissa = exponentStart.map { body[..<$0] } ?? body
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let integer = parts.first, digits(integer) else { return false }
        if integer.count > 1, integer.first == "0" { return false }
        if parts.count == 2, !digits(parts[1]) { return false }
        if let exponentStart {
            var exponent = body[body.index(after: exponentStart)...]
            if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
            return digits(exponent)
        }
        return true
    }

    /// Digits with single underscores between them.
    private func digits(_ text: Substring, hexadecimal: Bool = false, allowed: ((Character) -> Bool)? = nil) -> Bool {
        let isDigit = allowed ?? { hexadecimal ? $0.isHexDigit : ("0"..."9").contains($0) }
        guard let first = text.first, let last = text.last, isDigit(first), isDigit(last) else { return false }
        var previousUnderscore = false
        for character in text {
            if character == "_" {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if isDigit(character) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    private func fixedDigits(_ text: Substring, _ count: Int) -> Bool {
        text.count == count && text.allSatisfy { ("0"..."9").contains($0) }
    }

    /// YYYY-MM-DD.
    private func isDate(_ token: String) -> Bool {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && fixedDigits(parts[0], 4) && fixedDigits(parts[1], 2) && fixedDigits(parts[2], 2)
    }

    /// HH:MM, HH:MM:SS or HH:MM:SS.fraction.
    private func isTime(_ token: String) -> Bool {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), fixedDigits(parts[0], 2), fixedDigits(parts[1], 2) else { return false }
        guard parts.count == 3 else { return true }
        let seconds = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        return fixedDigits(seconds[0], 2) && (seconds.count == 1 || (seconds.count == 2 && digits(seconds[1])))
    }

    /// A time with an optional offset: Z, or +HH:MM / -HH:MM.
    private func isTimeWithOffset(_ token: String) -> Bool {
        if token.hasSuffix("Z") || token.hasSuffix("z") { return isTime(String(token.dropLast())) }
        if let sign = token.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            return isTime(String(token[..<sign])) && isTime(String(token[token.index(after: sign)...]))
                && token[token.index(after: sign)...].count == 5
        }
        return isTime(token)
    }

    /// A date, 'T' or 't', a time with an optional offset.
    private func isDateTime(_ token: String) -> Bool {
        guard let separator = token.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return isDate(String(token[..<separator])) && isTimeWithOffset(String(token[token.index(after: separator)...]))
    }
}
