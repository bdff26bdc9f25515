/// Maps the gradient of a scalar with respect to a function's output to its gradient with respect
/// to the function's input: the vector-Jacobian product, as returned by every differentiable step
/// of Optvis and by `DifferentiableLayerModel`.
public typealias Pullback = (Tensor) throws -> Tensor

/// The network side of feature visualization: a model that can run images to a named layer and
/// pull a gradient on that layer's activation back to the images. It does its own input
/// normalisation (ImageNet mean and deviation). Declared here, below both, so that Models conforms
/// to it without knowing Optvis and Optvis renders through it without knowing Models.
public protocol DifferentiableLayerModel {
    /// Runs `images` (NCHW, RGB in [0, 1]) to `layer`; returns its activation (NCHW) and the map
    /// from dL/dActivation to dL/dImages.
    func activationWithPullback(images: Tensor, layer: String) throws -> (Tensor, Pullback)
}
