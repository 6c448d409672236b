import Foundation
import NIOCore
import PortalCrypto
import PortalCore
import PortalDomain
import PortalStorage
import Testing
import TestSupport

/// The upload pipeline: a body streamed into a temporary file with digests per buffer.
@Suite("Staging")
struct StagingTests {
    /// A fresh data directory for one test.
    static func directory() throws -> DataDirectory {
        let files = DataDirectory(root: FileManager.default.temporaryDirectory.appendingPathComponent("portal-staging-\(UUID().uuidString)").path)
        try files.createDirectories()
        return files
    }

    static let sizes: [Int] = [0, 1, 1023, 65_536, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17, 7 * (1 << 20) + 5]

    @Test(arguments: sizes)
    func stage_unevenBuffers_digestsAndContentMatchOneShot(_ size: Int) async throws {
        // Given data of `size` bytes arriving in buffers of uneven sizes
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let bytes = pseudoRandomBytes(size, seed: UInt64(size) + 1)
        let path = files.newTemporaryPath()
        // When it is staged with both digests
        let staged = try await Staging.stage(
                GuardedBody(unevenBuffers(bytes).async, cap: 1 << 30, format: nil), to: path, sha512: true)
        // Then the digests equal the one-shot digests, and the file holds exactly the data
        #expect(staged.path == path)
        #expect(staged.size == Int64(size))
        #expect(staged.md5 == ByteEncoding.hex(Digest.hash(.md5, bytes)))
        #expect(staged.sha512 == ByteEncoding.hex(Digest.hash(.sha512, bytes)))
        #expect(staged.facts == BlobFacts(size: Int64(size), md5: staged.md5, sha512: staged.sha512))
        #expect(FileOps.size(of: path) == Int64(size))
        #expect(contents(of: path) == bytes)
        // And the file is private to the server
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func stage_withoutSHA512_computesMD5Only() async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let bytes = pseudoRandomBytes(100_000)
        let staged = try await Staging.stage(
                GuardedBody(unevenBuffers(bytes).async, cap: 1 << 30, format: nil), to: files.newTemporaryPath(), sha512: false)
        #expect(staged.sha512 == nil)
        #expect(staged.md5 == ByteEncoding.hex(Digest.hash(.md5, bytes)))
    }

    @Test(arguments: [0, 1, 100, (1 << 20) - 1])
    func stage_exactlyAtTheCap_isAccepted(_ cap: Int) async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let staged = try await Staging.stage(
                GuardedBody(unevenBuffers(pseudoRandomBytes(cap)).async, cap: Int64(cap), format: nil), to: files.newTemporaryPath(), sha512: true)
        #expect(staged.size == Int64(cap))
    }

    @Test(arguments: [(0, 1), (100, 101), (1 << 20, 3 * (1 << 20))])
    func stage_overTheCap_isTooLargeAndLeavesNoFile(_ cap: Int, _ size: Int) async throws {
        // Given a body one byte (or megabytes) over the cap
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let path = files.newTemporaryPath()
        // When it is staged
        let error = await expectDomainError(.tooLarge) {
            try await Staging.stage(
                GuardedBody(unevenBuffers(pseudoRandomBytes(size)).async, cap: Int64(cap), format: nil), to: path, sha512: true)
        }
        // Then it is refused, saying nothing was stored, and nothing is left in tmp/
        #expect(error?.message.contains("nothing was stored") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(regularFiles(under: files.tmpPath).isEmpty)
    }

    @Test(arguments: [0, 10, 3 * (1 << 20) + 5])
    func stage_bodyFailingMidway_throwsAndLeavesNoFile(_ sentBeforeFailure: Int) async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let path = files.newTemporaryPath()
        await #expect(throws: FailingBody.ClientWentAway.self) {
            try await Staging.stage(
                GuardedBody(FailingBody(buffers: unevenBuffers(pseudoRandomBytes(sentBeforeFailure))), cap: 1 << 30, format: .raw), to: path, sha512: true)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(regularFiles(under: files.tmpPath).isEmpty)
    }

    @Test func stage_formatRefused_isInvalidAndLeavesNoFile() async throws {
        // Given random data declared as qcow2
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let path = files.newTemporaryPath()
        let error = await expectDomainError(.invalid) {
            try await Staging.stage(
                GuardedBody(unevenBuffers(pseudoRandomBytes(2 << 20)).async, cap: 1 << 30, format: .qcow2), to: path, sha512: true)
        }
        #expect(error?.message.contains("qcow2") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(regularFiles(under: files.tmpPath).isEmpty)
    }

    @Test func stage_rawDeclaredButQcow2Data_isRefused() async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        var qcow2 = [UInt8](repeating: 0, count: 4096)
        qcow2.replaceSubrange(0..<4, with: [0x51, 0x46, 0x49, 0xFB])
        qcow2[7] = 3
        let path = files.newTemporaryPath()
        let error = await expectDomainError(.invalid) {
            try await Staging.stage(
                GuardedBody(unevenBuffers(qcow2, sizes: [3, 5, 100]).async, cap: 1 << 30, format: .raw), to: path, sha512: true)
        }
        #expect(error?.message.contains("qcow2") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func stage_toAnExistingPath_failsWithoutTouchingIt() async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let path = files.newTemporaryPath()
        _ = FileManager.default.createFile(atPath: path, contents: Data("keep".utf8))
        await #expect(throws: (any Error).self) {
            try await Staging.stage(
                GuardedBody([ByteBuffer(string: "new")].async, cap: 100, format: nil), to: path, sha512: false)
        }
        #expect(contents(of: path) == Array("keep".utf8))
    }

    // MARK: Reading back

    /// (offset, length, chunk size) within a 300 000-byte file.
    static let ranges: [(Int, Int, Int)] = [
        (0, 300_000, 1 << 20), (0, 300_000, 4096), (0, 300_000, 7), (1, 10, 3), (299_990, 10, 4), (299_999, 1, 1),
        (123_456, 65_536, 1000), (0, 0, 4096), (150_000, 150_000, 65_536),
    ]

    @Test(arguments: ranges)
    func fileChunks_readsExactlyTheRange(_ offset: Int, _ length: Int, _ chunkSize: Int) async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let bytes = pseudoRandomBytes(300_000)
        let path = files.root + "/data"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        var read: [UInt8] = []
        var chunkCount = 0
        for try await chunk in try FileChunks(path: path, offset: Int64(offset), length: Int64(length), chunkSize: chunkSize) {
            #expect(chunk.readableBytes <= chunkSize)
            read += chunk.readableBytesView
            chunkCount += 1
        }
        #expect(read == Array(bytes[offset..<(offset + length)]))
        #expect(chunkCount == (length + chunkSize - 1) / chunkSize)
    }

    @Test func fileChunks_fileShorterThanRecorded_throws() async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let path = files.root + "/short"
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 100))
        await #expect(throws: FileOps.Failure.self) {
            for try await _ in try FileChunks(path: path, length: 200, chunkSize: 64) {}
        }
    }

    @Test func fileChunks_missingFile_throwsAtOpen() throws {
        #expect(throws: FileOps.Failure.self) { try FileChunks(path: "/nonexistent/portal/file", length: 1) }
    }

    @Test func fileChunks_keepReadingAfterTheFileIsUnlinked() async throws {
        let files = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        let bytes = pseudoRandomBytes(10_000)
        let path = files.root + "/data"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let chunks = try FileChunks(path: path, length: 10_000, chunkSize: 1000)
        FileOps.remove(path)
        var read: [UInt8] = []
        for try await chunk in chunks { read += chunk.readableBytesView }
        #expect(read == bytes)
    }
}
