import Foundation

/// Where the tests find the tools scripts/setup installs into the package's Python
/// environment (`weed`, `aws`, a `python3` with prometheus_client): its `bin/` first, so
/// that `swift test` run by hand finds them as `make test` does, then PATH.
public enum Tools {
    /// `$VENV/bin` when the environment names one (the Makefile does), else the package's
    /// `.build/venv/bin`.
    public static var venvBin: String {
        if let venv = ProcessInfo.processInfo.environment["VENV"], !venv.isEmpty { return venv + "/bin" }
        // This file is Tests/SedimentTestSupport/Tools.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.path + "/.build/venv/bin"
    }
}

public func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in [Tools.venvBin] + path.split(separator: ":").map(String.init) {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
