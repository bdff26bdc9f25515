import Tensor

/// One differentiable scalar per batch item, computed from a tensor (a layer's NCHW activation, or
/// the image): the building block of an `Objective`.
public protocol ObjectiveTerm: Sendable {
    /// The value for each batch item of `input`, and the gradient of their sum with respect to
    /// `input`.
    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor)
}
