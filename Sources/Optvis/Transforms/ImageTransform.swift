import Tensor

/// A differentiable, possibly random, change to a batch of NCHW images (lucid's transformation
/// robustness). A transform is linear in the image for a given random draw, and its pullback is
/// the exact adjoint of that linear map.
public protocol ImageTransform: Sendable {
    /// Applies the transform, with one random draw from `generator` for the whole batch, and
    /// returns the transformed images and the map from their gradient to the input's.
    func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback)
}
