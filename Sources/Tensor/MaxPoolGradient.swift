/// How the backward pass treats max pooling.
public enum MaxPoolGradient: Sendable, Hashable {
    /// The true gradient: each output's gradient goes to the input that was its window's maximum
    /// (the first one, in row-major order, on a tie), as PyTorch's. Feature visualization uses it.
    case exact
    /// Max forward, average-pool backward: each output's gradient is spread evenly over its
    /// kernel × kernel window, padding counted (padded positions take their share and drop it),
    /// as captum's MaxPool2dRelaxed. Attribution uses it: the exact gradient is noisy there
    /// (Carter et al., Activation Atlases).
    case relaxed
}
