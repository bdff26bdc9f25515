import Foundation

/// Decodes a hex string ("0a1b...") into bytes.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}
