import Foundation

/// Minima's version, and the git commit of the checkout it was built from when that is known.
public enum MinimaVersion {
    public static let string = "0.1.0"

    /// The commit of the git checkout holding the running executable (found by walking up from
    /// the executable's folder to a `.git` directory and reading `HEAD`), or nil.
    public static let gitCommit: String? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            let git = dir.appendingPathComponent(".git")
            if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines) {
                guard head.hasPrefix("ref: ") else { return head }
                let ref = String(head.dropFirst(5))
                if let commit = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) {
                    return commit.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                if let packed = try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8),
                   let line = packed.split(separator: "\n").first(where: { $0.hasSuffix(" " + ref) }) {
                    return String(line.prefix(40))
                }
                return nil
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()
}
