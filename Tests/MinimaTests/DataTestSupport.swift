import Foundation
import Linalg
import Minima
@testable import MinimaCore
@testable import MinimaData

/// Small deterministic images: pixel value of image i, byte k is (7·i + 3·k + label) mod 256.
enum TestImages {
    static func set(count: Int, channels: Int, height: Int, width: Int, classes: Int, names: [String]? = nil) -> ImageSet {
        let size = channels * height * width
        let labels = (0..<count).map { $0 % classes }
        var pixels = [UInt8](repeating: 0, count: count * size)
        for i in 0..<count { for k in 0..<size { pixels[i * size + k] = UInt8((7 * i + 3 * k + labels[i]) % 256) } }
        return ImageSet(channels: channels, height: height, width: width, pixels: pixels, labels: labels,
                        classNames: names ?? (0..<classes).map(String.init))
    }

    /// A spec reading the MNIST folder `folder`, without the cache.
    static func mnistSpec(_ folder: TemporaryFolder) -> DataSpec {
        var spec = DataSpec()
        spec.source = .mnist
        spec.path = folder.path
        spec.cache = false
        return spec
    }

    /// Writes MNIST's four IDX files (gzipped or raw) for `train` and `test` into `folder`.
    static func writeMNIST(_ train: ImageSet, _ test: ImageSet, into folder: TemporaryFolder, gzip: Bool) {
        for (prefix, set) in [("train", train), ("t10k", test)] {
            let images = IDX.encode(set.pixels, shape: [set.count, set.height, set.width])
            let labels = IDX.encode(set.labels.map { UInt8($0) }, shape: [set.count])
            _ = folder.write(gzip ? Gzip.compress(images) : images, "\(prefix)-images-idx3-ubyte" + (gzip ? ".gz" : ""))
            _ = folder.write(gzip ? Gzip.compress(labels) : labels, "\(prefix)-labels-idx1-ubyte" + (gzip ? ".gz" : ""))
        }
    }
}

/// The message of the `MinimaError` thrown by `body`, or nil if it did not throw one.
func minimaError(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as MinimaError { return error.description } catch { return "other error: \(error)" }
    return nil
}

/// Equality without printing megabytes of pixels when it fails.
func same(_ a: ImageSet?, _ b: ImageSet?) -> Bool { a == b }
