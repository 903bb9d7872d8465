import Foundation
import MinimaCore

/// A binary task made from a multi-class data set: which classes get the negative label
/// (−1, or 0 with `--labels 01`) and which the positive one (+1); samples of other classes are
/// left out. The paper's CIFAR-10 task is `0-4:5-9` (docs/theory.md §4).
///
/// Syntax of `--classes`:
/// - `A:B`: group A → negative, group B → positive. A group is a comma list of class indices,
///   index ranges `a-b` and class names (`cat,dog`); either group may be `rest` (every class
///   not in the other group).
/// - `K` (one group, no colon): class K → positive against the rest, the same as `rest:K`.
/// - `parity`: even class indices → negative, odd → positive.
/// - `halves` (the default): the first ⌊C/2⌋ of the C classes → negative, the others → positive
///   (`0-4:5-9` for ten classes).
public struct ClassSplit: Equatable, Sendable {
    /// Classes labelled negative and positive, ascending.
    public var negative: [Int]
    public var positive: [Int]

    /// `+1`/`true` for a positive class, `false` for a negative one, nil for a class left out.
    public func isPositive(_ label: Int) -> Bool? {
        if positive.contains(label) { return true }
        if negative.contains(label) { return false }
        return nil
    }

    /// Parses `text` against the data set's `classNames`; `field` names the input in errors.
    public static func parse(_ text: String, classNames: [String], field: InputField = .classes) throws -> ClassSplit {
        let count = classNames.count
        func fail(_ message: String) -> MinimaError { .invalidValue(field: field, message: message) }
        let spec = text.trimmingCharacters(in: .whitespaces)
        switch spec {
        case "parity":
            return ClassSplit(negative: Array(stride(from: 0, to: count, by: 2)), positive: Array(stride(from: 1, to: count, by: 2)))
        case "halves", "":
            return ClassSplit(negative: Array(0..<(count / 2)), positive: Array((count / 2)..<count))
        default: break
        }
        let groups = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard groups.count <= 2 else {
            throw fail("'\(text)' has \(groups.count - 1) colons; expected NEGATIVE:POSITIVE (e.g. 0-4:5-9), one class, parity or halves")
        }
        let (first, second) = groups.count == 2 ? (groups[0], groups[1]) : ("rest", groups[0])
        guard !(first == "rest" && second == "rest") else { throw fail("'\(text)': only one group may be 'rest'") }
        let range = "classes are 0–\(count - 1)" + (classNames.allSatisfy({ Int($0) != nil }) ? "" : " or \(classNames.joined(separator: ", "))")
        func members(_ group: String) throws -> [Int] {
            var out: [Int] = []
            for raw in group.split(separator: ",", omittingEmptySubsequences: false) {
                let item = raw.trimmingCharacters(in: .whitespaces)
                guard !item.isEmpty else { throw fail("'\(text)' has an empty class entry (\(range))") }
                if let named = classNames.firstIndex(of: item), Int(item) == nil {
                    out.append(named)
                } else if let k = Int(item) {
                    guard k >= 0 && k < count else { throw fail("class \(k) does not exist (\(range))") }
                    out.append(k)
                } else if let dash = item.dropFirst().firstIndex(of: "-"),
                          let lo = Int(item[..<dash]), let hi = Int(item[item.index(after: dash)...]) {
                    guard lo <= hi else { throw fail("range \(item) is empty (write the smaller class first)") }
                    guard lo >= 0 && hi < count else { throw fail("range \(item) names classes that do not exist (\(range))") }
                    out += Array(lo...hi)
                } else {
                    throw fail("class '\(item)' does not exist (\(range))")
                }
            }
            var seen = Set<Int>()
            for k in out where !seen.insert(k).inserted {
                throw fail("class \(k) (\(classNames[k])) is named twice in '\(text)'")
            }
            return out
        }
        var negative = first == "rest" ? [] : try members(first)
        var positive = second == "rest" ? [] : try members(second)
        if let twice = negative.first(where: positive.contains) {
            throw fail("class \(twice) (\(classNames[twice])) is named in both groups of '\(text)'")
        }
        if first == "rest" { negative = (0..<count).filter { !positive.contains($0) } }
        if second == "rest" { positive = (0..<count).filter { !negative.contains($0) } }
        guard !negative.isEmpty, !positive.isEmpty else {
            throw fail("'\(text)' leaves one side without classes (\(range))")
        }
        return ClassSplit(negative: negative.sorted(), positive: positive.sorted())
    }
}
