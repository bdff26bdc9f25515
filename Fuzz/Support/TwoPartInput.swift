import Foundation

/// A harness input of two files: the first up to the first zero byte (JSON holds none), the
/// second after it (empty when there is no zero byte).
func twoPartInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> (first: Data, second: Data) {
    let input = UnsafeBufferPointer(start: data, count: size)
    let split = input.firstIndex(of: 0) ?? size
    return (Data(input[..<split]), Data(input[min(split + 1, size)...]))
}
