#if canImport(Glibc)
import Glibc
#endif

/// Files that hold secrets (credentials files, config files with Kafka passwords) should
/// be readable by their owner alone.
public enum FilePermissions {
    /// The mode of every file an archive creates: the messages, the index and the state
    /// beside them are the owner's alone, whatever the umask (which can only take bits away).
    public static let ownerOnlyFile: mode_t = 0o600
    /// The mode of every directory an archive creates.
    public static let ownerOnlyDirectory: mode_t = 0o700

    /// The mode bits that let others than the owner read or write `path`, or nil when
    /// there are none (or the file cannot be stat'ed: reading it will say why).
    public static func openToOthers(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let open = UInt32(info.st_mode) & 0o077
        return open == 0 ? nil : UInt32(info.st_mode) & 0o777
    }

    /// The warning to log for `path`, naming its mode and the fix; nil when it is private.
    public static func warning(for path: String, holding what: String) -> String? {
        guard let mode = openToOthers(path) else { return nil }
        return "\(path) holds \(what) and others than its owner can read it (mode \(String(mode, radix: 8))): chmod 600 \(path)"
    }
}
