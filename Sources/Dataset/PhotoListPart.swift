/// Part K of N (1-based) of a sorted photo list, for runs on several machines (`--shard K/N`):
/// the contiguous block of images `firstImage ..< firstImage + imageCount`, the same on every
/// machine that lists the same photos.
public struct PhotoListPart: Codable, Sendable, Equatable {
    public var index: Int
    public var count: Int
    public var firstImage: Int
    public var imageCount: Int

    /// Part `index` of `count` of `total` photos: photos total (K-1) / N ..< total K / N.
    public init(index: Int, count: Int, total: Int) {
        (self.index, self.count) = (index, count)
        firstImage = total * (index - 1) / count
        imageCount = total * index / count - firstImage
    }

    public var images: Range<Int> { firstImage..<firstImage + imageCount }

    /// "K/N".
    public var name: String { "\(index)/\(count)" }
}
