import Tensor

extension Tensor {
    /// Checks that `self` has `shape`, naming `what` otherwise.
    func expectShape(_ shape: [Int], _ what: String) throws {
        guard self.shape == shape else {
            throw OptvisError("\(what): expected shape \(shape), got \(self.shape)")
        }
    }

    /// Checks a non-empty NCHW shape and returns its dimensions.
    func imageDimensions(_ what: String) throws -> (batch: Int, channels: Int, height: Int, width: Int) {
        guard rank == 4, shape.allSatisfy({ $0 > 0 }) else {
            throw OptvisError("\(what): expected a non-empty NCHW tensor, got shape \(shape)")
        }
        return (shape[0], shape[1], shape[2], shape[3])
    }
}
