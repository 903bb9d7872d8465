import Foundation

/// Writes files so that no reader ever sees half of one: the bytes go to a temporary file in
/// the same folder, which is then renamed over the destination (rename is atomic on POSIX, and
/// on NFS within one folder). The temporary name is unique to the writer (host, process and a
/// random part), so concurrent writers of one file, in one process or on several hosts sharing
/// the folder, never write into each other's temporary file.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw MinimaError.invalidFile(path: folder.path, message: "cannot create folder (\(error.localizedDescription))")
        }
        let unique = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(unique)")
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw MinimaError.invalidFile(path: path, message: "cannot write (\(error.localizedDescription))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw MinimaError.invalidFile(path: path, message: "cannot move into place (\(reason))")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
