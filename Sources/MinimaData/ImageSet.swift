import MinimaCore
/// Labelled images as a loader reads them, before any preprocessing: `n` images of
/// `channels × height × width` unsigned bytes each, stored planar (all of channel 0, then
/// channel 1, …; CIFAR-10's layout), one image after the other, and a class index per image.
public struct ImageSet: Sendable, Equatable {
    /// Channels (1 grey, 3 RGB), height and width of every image.
    public var channels: Int
    public var height: Int
    public var width: Int
    /// `n · channels · height · width` bytes, image after image, each planar.
    public var pixels: [UInt8]
    /// Class index of each image, in `0..<classNames.count`.
    public var labels: [Int]
    /// Class names in index order (digits for MNIST, CIFAR-10's names, or folder names).
    public var classNames: [String]

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int], classNames: [String]) {
        precondition(pixels.count == labels.count * channels * height * width, "pixel count does not match the labels")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
    }

    /// Number of images `N`.
    public var count: Int { labels.count }
    /// Bytes per image: `d0 = channels · height · width` before pooling or projection.
    public var imageSize: Int { channels * height * width }

    /// Images per class, in class-index order.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for l in labels where l >= 0 && l < counts.count { counts[l] += 1 }
        return counts
    }

    /// This set followed by `other` (same image size and classes; e.g. train + test).
    public func appending(_ other: ImageSet) -> ImageSet {
        precondition(other.channels == channels && other.height == height && other.width == width,
                     "image sizes differ")
        return ImageSet(channels: channels, height: height, width: width, pixels: pixels + other.pixels,
                        labels: labels + other.labels, classNames: classNames)
    }

    /// Several image sets of one size joined in order, with one allocation (not one per join).
    public static func concatenated(_ sets: [ImageSet]) -> ImageSet {
        precondition(!sets.isEmpty, "nothing to concatenate")
        let first = sets[0]
        var pixels: [UInt8] = []
        pixels.reserveCapacity(sets.reduce(0) { $0 + $1.pixels.count })
        var labels: [Int] = []
        labels.reserveCapacity(sets.reduce(0) { $0 + $1.labels.count })
        for s in sets {
            precondition(s.channels == first.channels && s.height == first.height && s.width == first.width, "image sizes differ")
            pixels.append(contentsOf: s.pixels)
            labels.append(contentsOf: s.labels)
        }
        return ImageSet(channels: first.channels, height: first.height, width: first.width, pixels: pixels,
                        labels: labels, classNames: first.classNames)
    }

    /// The images with the given indices, in that order.
    public func selecting(_ indices: [Int]) -> ImageSet {
        let size = imageSize
        var out = [UInt8](repeating: 0, count: indices.count * size)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    (dst.baseAddress! + k * size).update(from: src.baseAddress! + i * size, count: size)
                }
            }
        }
        return ImageSet(channels: channels, height: height, width: width, pixels: out,
                        labels: indices.map { labels[$0] }, classNames: classNames)
    }
}

/// The splits a loader found: a training set and, where the format has one, a test set.
public struct ImageSplits: Sendable {
    public var train: ImageSet
    public var test: ImageSet?
    /// The files the splits were read from (their sizes and dates key the cache).
    public var files: [String]
}
