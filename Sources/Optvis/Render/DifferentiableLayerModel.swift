import Tensor

/// The network side of feature visualization: a model that can run images to a named layer and
/// pull a gradient on that layer's activation back to the images. It does its own input
/// normalisation (ImageNet mean and deviation).
public protocol DifferentiableLayerModel {
    /// Runs `images` (NCHW, RGB in [0, 1]) to `layer`; returns its activation (NCHW) and the map
    /// from dL/dActivation to dL/dImages.
    func activationWithPullback(images: Tensor, layer: String) throws -> (Tensor, Pullback)
}
