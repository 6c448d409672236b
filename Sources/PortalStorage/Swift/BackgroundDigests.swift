import Dispatch
import NIOCore
import PortalCrypto

/// Digests of a stream computed on threads of their own, one serial queue per digest, so that hashing
/// an upload overlaps sending it on (as the file store's staging pipeline does). At most
/// `BackgroundDigests.buffersInFlight` buffers wait to be hashed: a slower digest slows the upload
/// down instead of piling buffers up in memory.
///
/// `@unchecked Sendable`: each `Digest` is touched only on its own serial queue.
final class BackgroundDigests: @unchecked Sendable {
    static let buffersInFlight = 64

    private let workers: [(digest: Digest, queue: DispatchQueue)]
    private let credits = AsyncCredits(BackgroundDigests.buffersInFlight)

    init(_ algorithms: [DigestAlgorithm]) {
        workers = algorithms.map { (Digest($0), DispatchQueue(label: "portal.swift.digest")) }
    }

    /// Hands a buffer to every digest (in order); waits only while too many buffers are waiting.
    func update(_ buffer: ByteBuffer) async {
        await credits.acquire()
        let jobs = Countdown(workers.count) { [credits] in credits.release() }
        for worker in workers {
            worker.queue.async {
                buffer.withUnsafeReadableBytes { worker.digest.update($0) }
                jobs.done()
            }
        }
    }

    /// Each digest, hex, once everything handed in has been hashed. Call once.
    func finish() async -> [String] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
            let results = ResultSlots(count: workers.count)
            let jobs = Countdown(workers.count) { continuation.resume(returning: results.values) }
            for (index, worker) in workers.enumerated() {
                worker.queue.async {
                    results.set(index, ByteEncoding.hex(worker.digest.finalize()))
                    jobs.done()
                }
            }
        }
    }
}

/// Results filled in from several queues.
private final class ResultSlots: @unchecked Sendable {
    // Each slot is written by one queue; `values` is read after all of them are done (Countdown).
    private var slots: [String]
    init(count: Int) { slots = Array(repeating: "", count: count) }
    func set(_ index: Int, _ value: String) { slots[index] = value }
    var values: [String] { slots }
}
