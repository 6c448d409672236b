import Foundation
package import PortalDomain

#if canImport(Glibc)
import Glibc
#endif

/// The layout of the data directory:
///
/// ```
/// data/portal.sqlite                      the database (WAL)
/// data/images/<2-hex>/<image-uuid>        image data, immutable once active
/// data/objects/<ddi>/<2-hex>/<blob-uuid>  object data (names live in the database, never in paths)
/// data/servers/<server-uuid>.disk         server disks of the local compute provider
/// data/tmp/<uuid>                         uploads in progress; emptied at every start
/// data/secrets/session-keys               HMAC keys for session cookies (0600)
/// ```
package struct DataDirectory: Sendable {
    /// The root, absolute.
    package let root: String

    /// Uses `root` (made absolute against the current directory).
    package init(root: String) {
        if root.hasPrefix("/") {
            self.root = root
        } else {
            self.root = FileManager.default.currentDirectoryPath + "/" + root
        }
    }

    package var databasePath: String { root + "/portal.sqlite" }
    package var imagesPath: String { root + "/images" }
    package var objectsPath: String { root + "/objects" }
    package var serversPath: String { root + "/servers" }
    package var tmpPath: String { root + "/tmp" }
    package var secretsPath: String { root + "/secrets" }

    /// Where an image's data lives.
    package func imagePath(_ id: ImageID) -> String {
        "\(imagesPath)/\(id.rawValue.prefix(2))/\(id.rawValue)"
    }

    /// Where an object's blob lives. `blob` is a generated UUID, never a client-chosen name.
    package func objectPath(tenant: TenantID, blob: String) -> String {
        "\(objectsPath)/\(tenant.rawValue)/\(blob.prefix(2))/\(blob)"
    }

    /// Where a server's disk lives.
    package func serverDiskPath(_ id: ServerID) -> String {
        "\(serversPath)/\(id.rawValue).disk"
    }

    /// A fresh temporary path under `tmp/`.
    package func newTemporaryPath() -> String {
        "\(tmpPath)/\(UUID().uuidString.lowercased())"
    }

    /// Creates the directories (0700) if missing. Safe while a server runs on the same directory.
    package func createDirectories() throws {
        for path in [root, imagesPath, objectsPath, serversPath, tmpPath, secretsPath] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }

    /// Removes leftovers from `tmp/`: nothing there survives a restart. Only the server calls this, at start.
    package func clearTemporaryFiles() {
        let manager = FileManager.default
        for leftover in (try? manager.contentsOfDirectory(atPath: tmpPath)) ?? [] {
            try? manager.removeItem(atPath: tmpPath + "/" + leftover)
        }
    }
}

/// Small POSIX file operations with errors that say what failed.
package enum FileOps {
    /// A failed file operation.
    package struct Failure: Error, CustomStringConvertible {
        package let operation: String
        package let path: String
        package let code: Int32
        package var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
        /// True when the disk is full.
        package var isNoSpace: Bool { code == ENOSPC || code == EDQUOT }
    }

    static func check(_ result: Int32, _ operation: String, _ path: String) throws {
        if result != 0 { throw Failure(operation: operation, path: path, code: errno) }
    }

    /// Makes sure the directory that will hold `path` exists.
    package static func ensureParent(of path: String) throws {
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Renames `from` to `to` atomically and makes the rename durable (fsync of the directory).
    package static func moveIntoPlace(_ from: String, _ to: String) throws {
        try ensureParent(of: to)
        try check(rename(from, to), "rename", to)
        syncDirectory(of: to)
    }

    /// Publishes a finished temporary file at `to` without ever replacing a file there: a hard
    /// link (which fails when `to` exists), then the temporary name goes. Durable once it returns.
    /// - Returns: false when `to` already exists (nothing changed).
    package static func publish(_ from: String, to: String) throws -> Bool {
        try ensureParent(of: to)
        if link(from, to) == 0 {
            unlink(from)
            syncDirectory(of: to)
            return true
        }
        if errno == EEXIST { return false }
        guard errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOTSUP else {
            throw Failure(operation: "link", path: to, code: errno)
        }
        // A file system without hard links: check, then rename (not atomic against a racing writer).
        if access(to, F_OK) == 0 { return false }
        try moveIntoPlace(from, to)
        return true
    }

    /// Gives `to` the same contents as `from`: a hard link when possible (data is immutable),
    /// otherwise a copy, written to a temporary file first and fsynced. Never replaces a file.
    /// - Returns: false when `to` already exists.
    package static func cloneFile(_ from: String, to: String, temporary: String) throws -> Bool {
        try ensureParent(of: to)
        if link(from, to) == 0 {
            syncDirectory(of: to)
            return true
        }
        if errno == EEXIST { return false }
        guard errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOTSUP else {
            throw Failure(operation: "link", path: to, code: errno)
        }
        try copyFile(from, to: temporary)
        let published = try publish(temporary, to: to)
        if !published { unlink(temporary) }
        return published
    }

    /// Copies a file and fsyncs the copy.
    package static func copyFile(_ from: String, to: String) throws {
        let source = open(from, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw Failure(operation: "open", path: from, code: errno) }
        defer { close(source) }
        let destination = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard destination >= 0 else { throw Failure(operation: "open", path: to, code: errno) }
        var ok = false
        defer {
            close(destination)
            if !ok { unlink(to) }
        }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let count = read(source, buffer, size)
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "read", path: from, code: errno)
            }
            if count == 0 { break }
            try writeAll(destination, UnsafeRawBufferPointer(start: buffer, count: count), path: to)
        }
        try check(fsync(destination), "fsync", to)
        ok = true
    }

    /// Writes every byte, retrying short writes.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(fd, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", path: path, code: errno)
            }
            remaining -= written
            base += written
        }
    }

    /// glibc's `sync_file_range`, looked up once (its prototype needs _GNU_SOURCE, which Swift's
    /// Glibc module does not define). Nil where the platform lacks it; callers then rely on fsync alone.
    private static let syncFileRangeFunction: (@convention(c) (Int32, off_t, off_t, UInt32) -> Int32)? = {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, off_t, off_t, UInt32) -> Int32).self)
    }()

    /// Starts (and with the wait flags, waits for) writeback of a byte range; a no-op where unsupported.
    package static func syncFileRange(_ fd: Int32, offset: Int64, count: Int64, flags: UInt32) {
        _ = syncFileRangeFunction?(fd, off_t(offset), off_t(count), flags)
    }

    /// Removes a file if it exists.
    package static func remove(_ path: String) {
        unlink(path)
    }

    /// Size of a file, if it exists.
    package static func size(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    private static func syncDirectory(of path: String) {
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        let fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
