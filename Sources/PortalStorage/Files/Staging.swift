import Dispatch
import Foundation
package import NIOCore
package import PortalCore
import PortalCrypto
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Data staged in a temporary file: durable (fsynced), hashed, inspected, not yet in place.
package struct StagedData: Sendable {
    /// The temporary file; move it into place or remove it.
    package let path: String
    package let size: Int64
    /// MD5, lower-case hex.
    package let md5: String
    /// SHA-512, lower-case hex (nil when not requested).
    package let sha512: String?

    /// What the store learned about the data.
    package var facts: BlobFacts { BlobFacts(size: size, md5: md5, sha512: sha512) }
}

/// Streams a body into a temporary file.
///
/// Each batch of network buffers (about 1 MiB) goes to three serial queues at once: MD5, SHA-512
/// and the file writer, so the digests never serialise the stream; at most a few batches are in
/// flight, which bounds memory whatever the image size. On success the file is fsynced; on any
/// failure (client abort, a guard on the body refusing it, disk error) the file is removed.
package enum Staging {
    /// Batch size handed to the workers.
    static let batchBytes = 1 << 20
    /// Batches in flight at once (memory bound: about batchBytes × this).
    static let batchesInFlight = 6

    /// Stages `body` into `path` (which must not exist), computing MD5 and, when asked, SHA-512.
    package static func stage<Body: AsyncSequence>(_ body: Body, to path: String, sha512: Bool) async throws -> StagedData
    where Body.Element == ByteBuffer {
        let pipeline = try Pipeline(path: path, sha512: sha512)
        do {
            var batch: [ByteBuffer] = []
            var batchSize = 0
            for try await buffer in body {
                let count = buffer.readableBytes
                if count == 0 { continue }
                batch.append(buffer)
                batchSize += count
                if batchSize >= batchBytes {
                    try await pipeline.submit(batch)
                    batch = []
                    batchSize = 0
                }
            }
            if !batch.isEmpty { try await pipeline.submit(batch) }
            return try await pipeline.finish()
        } catch {
            await pipeline.abandon()
            throw error
        }
    }

    /// The three worker queues and the bookkeeping between them.
    final class Pipeline: @unchecked Sendable {
        // Each digest is touched only on its own serial queue; `fd` only on the write queue
        // (and closed after the group drains), so the unchecked Sendable is upheld by confinement.
        private let path: String
        private let fd: Int32
        private let md5 = Digest(.md5)
        private let sha: Digest?
        private let md5Queue = DispatchQueue(label: "portal.staging.md5")
        private let shaQueue = DispatchQueue(label: "portal.staging.sha512")
        private let writeQueue = DispatchQueue(label: "portal.staging.write")
        private let group = DispatchGroup()
        private let credits = AsyncCredits(Staging.batchesInFlight)
        private let failure = Mutex<(any Error)?>(nil)
        private var size: Int64 = 0
        /// Bytes written so far, and the start of the range not yet handed to the disk (write queue only).
        private var written: Int64 = 0
        private var flushedUpTo: Int64 = 0
        /// Writeback is started every this many bytes, so the disk works while the data still arrives.
        private static let writebackChunk: Int64 = 8 << 20
        // <fcntl.h>'s SYNC_FILE_RANGE_* flags (macros Swift does not import).
        private static let rangeWaitBefore: UInt32 = 1
        private static let rangeWrite: UInt32 = 2
        private static let rangeWaitAfter: UInt32 = 4

        init(path: String, sha512: Bool) throws {
            self.path = path
            sha = sha512 ? Digest(.sha512) : nil
            try FileOps.ensureParent(of: path)
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw FileOps.Failure(operation: "open", path: path, code: errno) }
        }

        func submit(_ batch: [ByteBuffer]) async throws {
            await credits.acquire()
            if let error = failure.withLock({ $0 }) {
                credits.release()
                throw error
            }
            size += Int64(batch.reduce(0) { $0 + $1.readableBytes })
            let jobs = Countdown(sha == nil ? 2 : 3) { [credits] in credits.release() }
            group.enter()
            md5Queue.async { [md5, group] in
                for buffer in batch { buffer.withUnsafeReadableBytes { md5.update($0) } }
                jobs.done()
                group.leave()
            }
            if let sha {
                group.enter()
                shaQueue.async { [group] in
                    for buffer in batch { buffer.withUnsafeReadableBytes { sha.update($0) } }
                    jobs.done()
                    group.leave()
                }
            }
            group.enter()
            writeQueue.async { [self] in
                if failure.withLock({ $0 }) == nil {
                    do {
                        for buffer in batch {
                            try buffer.withUnsafeReadableBytes { try FileOps.writeAll(fd, $0, path: path) }
                            written += Int64(buffer.readableBytes)
                        }
                        startWriteback()
                    } catch {
                        failure.withLock { $0 = $0 ?? error }
                    }
                }
                jobs.done()
                group.leave()
            }
        }

        /// Hands finished 8 MiB ranges to the disk (`SYNC_FILE_RANGE_WRITE`) and waits for the one
        /// before, so flushing overlaps receiving, dirty memory stays bounded, and a disk slower than
        /// the network slows the upload down instead of piling up. The final fsync still makes it durable.
        private func startWriteback() {
            while written - flushedUpTo >= Self.writebackChunk {
                let start = flushedUpTo
                FileOps.syncFileRange(fd, offset: start, count: Self.writebackChunk, flags: Self.rangeWrite)
                if start >= Self.writebackChunk {
                    FileOps.syncFileRange(
                        fd, offset: start - Self.writebackChunk, count: Self.writebackChunk,
                        flags: Self.rangeWaitBefore | Self.rangeWrite | Self.rangeWaitAfter)
                }
                flushedUpTo += Self.writebackChunk
            }
        }

        func finish() async throws -> StagedData {
            await drain()
            if let error = failure.withLock({ $0 }) { throw error }
            try await onWriteQueue { [fd, path] in try FileOps.check(fsync(fd), "fsync", path) }
            close(fd)
            return StagedData(
                path: path, size: size, md5: ByteEncoding.hex(md5.finalize()), sha512: sha.map { ByteEncoding.hex($0.finalize()) })
        }

        func abandon() async {
            await drain()
            close(fd)
            unlink(path)
        }

        private func drain() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                group.notify(queue: .global()) { continuation.resume() }
            }
        }

        private func onWriteQueue(_ work: @escaping @Sendable () throws -> Void) async throws {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                writeQueue.async {
                    do {
                        try work()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}

/// Calls `completion` after `done()` has been called `count` times.
final class Countdown: Sendable {
    private let remaining: Mutex<Int>
    private let completion: @Sendable () -> Void

    init(_ count: Int, completion: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.completion = completion
    }

    func done() {
        let last = remaining.withLock { value -> Bool in
            value -= 1
            return value == 0
        }
        if last { completion() }
    }
}

/// A counting semaphore for async code: at most `limit` holders at once.
final class AsyncCredits: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(_ limit: Int) { state = Mutex(State(available: limit)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}
