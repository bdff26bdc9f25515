import Optvis

/// The transformation robustness of a painting, applied afresh at every step. Much milder than
/// the icons' (`standardTransforms`), because here every layer position has its own target: a
/// transform that moves content by a cell's width (`cellPixels`, the layer's stride at the
/// default size) scores a cell against its neighbour's brush and blurs the grid.
/// - pad by a quarter cell (grey) and crop back at a random offset: a jitter of at most +-1/4
///   cell (4 px at stride 16), enough to keep the optimiser from fitting pixel-exact noise to
///   the network's stride pattern;
/// - a random scale within +-2% about the centre (at 224 px the border cells move by 2 px at
///   most), for some robustness to scale without shifting the border cells into their
///   neighbours;
/// - no rotation: even 5 degrees moves the corners of a 224-px image by 10 px, most of a cell.
public func paintTransforms(height: Int, width: Int, cellPixels: Int) -> TransformPipeline {
    let shift = max(1, cellPixels / 4)
    return TransformPipeline([
        Pad(shift, value: 0.5),
        Jitter(2 * shift),
        RandomScale([0.98, 0.99, 1, 1.01, 1.02]),
        CropOrPad(height: height, width: width),
    ])
}
