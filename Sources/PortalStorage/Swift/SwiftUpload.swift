import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PortalCore
import PortalCrypto
import Synchronization

/// The bytes of one upload, pulled from the request body on behalf of the segment uploads that carry
/// it to Swift, one after the other, with MD5 (and SHA-512) computed as the bytes pass.
///
/// `@unchecked Sendable`: the segments read it strictly one after the other, never at once.
final class UploadSource<Base: AsyncSequence>: @unchecked Sendable where Base.Element == ByteBuffer {
    private var iterator: Base.AsyncIterator
    private var pending: ByteBuffer?
    private(set) var finished = false
    /// What the request body threw (a client that went away, a guard that refused the data).
    private(set) var failure: (any Error)?
    private let digests: BackgroundDigests
    private let sha512: Bool
    private(set) var total: Int64 = 0
    private var finalFacts: BlobFacts?

    init(_ base: Base, sha512: Bool) {
        iterator = base.makeAsyncIterator()
        self.sha512 = sha512
        digests = BackgroundDigests(sha512 ? [.md5, .sha512] : [.md5])
    }

    /// Up to `max` bytes; nil once the body has ended.
    func next(max: Int64) async throws -> ByteBuffer? {
        guard var buffer = try await peek() else { return nil }
        if Int64(buffer.readableBytes) > max, let head = buffer.readSlice(length: Int(max)) {
            pending = buffer
            buffer = head
        } else {
            pending = nil
        }
        await digests.update(buffer)
        total += Int64(buffer.readableBytes)
        return buffer
    }

    /// The next bytes without taking them; nil (and `finished`) once the body has ended.
    @discardableResult
    func peek() async throws -> ByteBuffer? {
        if let pending { return pending }
        guard !finished else { return nil }
        do {
            while let buffer = try await iterator.next() {
                if buffer.readableBytes == 0 { continue }
                pending = buffer
                return buffer
            }
        } catch {
            failure = error
            throw error
        }
        finished = true
        return nil
    }

    /// The facts of everything read, once it has all been read (the digests are finalized once).
    func facts() async -> BlobFacts {
        if let finalFacts { return finalFacts }
        let hex = await digests.finish()
        let facts = BlobFacts(size: total, md5: hex[0], sha512: sha512 ? hex[1] : nil)
        finalFacts = facts
        return facts
    }
}

/// One segment's share of an upload, as a request body: at most `limit` bytes, its own MD5 kept.
struct SegmentBody<Base: AsyncSequence>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let source: UploadSource<Base>
    let limit: Int64
    /// The segment's own MD5, when its ETag is to be checked (nil for a plain object, which Swift checks).
    let digest: SegmentDigest?

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: UploadSource<Base>
        var remaining: Int64
        let digest: SegmentDigest?

        mutating func next() async throws -> ByteBuffer? {
            guard remaining > 0, let buffer = try await source.next(max: remaining) else { return nil }
            remaining -= Int64(buffer.readableBytes)
            await digest?.update(buffer)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source, remaining: limit, digest: digest) }
}

/// A segment's MD5 (hashed in the background) and size.
final class SegmentDigest: Sendable {
    private let digests = BackgroundDigests([.md5])
    private let size = Mutex<Int64>(0)

    func update(_ buffer: ByteBuffer) async {
        size.withLock { $0 += Int64(buffer.readableBytes) }
        await digests.update(buffer)
    }

    func finish() async -> (md5: String, size: Int64) {
        (await digests.finish()[0], size.withLock { $0 })
    }
}

/// A segment as an SLO manifest lists it.
struct Segment: Sendable {
    var path: String
    var etag: String
    var size: Int64
}

extension SwiftClient {
    /// Streams an upload into segments of `<account>/<container>/<prefix>/00000001…`, each checked
    /// against Swift's ETag; on any failure the segments written are deleted and the body's own error,
    /// if it had one, is what is thrown.
    func uploadSegments<Base: AsyncSequence>(
        _ source: UploadSource<Base>, account: String, container: String, prefix: String, segmentSize: Int64
    ) async throws -> [Segment] where Base.Element == ByteBuffer {
        var segments: [Segment] = []
        do {
            repeat {
                let name = "\(prefix)/\(String(format: "%08d", segments.count + 1))"
                let digest = SegmentDigest()
                let response = try await send(
                    .PUT, Self.objectURL(account, container, name),
                    body: .stream(SegmentBody(source: source, limit: segmentSize, digest: digest), length: .unknown))
                _ = try await response.body.collect(upTo: 64 * 1024)
                let (md5, size) = await digest.finish()
                guard response.status == .created else { throw SwiftError(status: response.status, what: "PUT of segment \(name)") }
                guard response.headers.first(name: "Etag")?.trimmingCharacters(in: ["\""]) == md5 else {
                    throw StoreFailure("Swift stored segment \(name) with another checksum than the data sent")
                }
                segments.append(Segment(path: "/\(container)/\(name)", etag: md5, size: size))
                try await source.peek()
            } while !source.finished
            return segments
        } catch {
            await deleteSegments(segments, account: account)
            throw source.failure ?? error
        }
    }

    /// Deletes segments (missing ones are fine), even when the caller's task was cancelled (a client
    /// that went away): clean-up must not be cut short with it.
    func deleteSegments(_ segments: [Segment], account: String) async {
        guard !segments.isEmpty else { return }
        await Task.detached { [self] in
            for segment in segments {
                _ = try? await call(.DELETE, account + Self.escape(segment.path, keepingSlashes: true), expected: [204, 404], what: "DELETE of segment")
            }
        }.value
    }

    /// Writes the SLO manifest of `segments` at `<account>/<container>/<name>`.
    func putManifest(
        _ segments: [Segment], account: String, container: String, name: String, headers: [(String, String)]
    ) async throws -> HTTPResponseStatus {
        let manifest = segments.map { ["path": $0.path, "etag": $0.etag, "size_bytes": $0.size] as [String: any Sendable] }
        let json = try JSONSerialization.data(withJSONObject: manifest)
        return try await call(
            .PUT, Self.objectURL(account, container, name) + "?multipart-manifest=put", headers: headers, body: ByteBuffer(bytes: json),
            expected: [201, 412], what: "PUT of the manifest of \(name)"
        ).status
    }

    /// The segments an SLO manifest lists (empty for an object that is not one).
    func manifestSegments(account: String, container: String, name: String) async throws -> [Segment]? {
        let answer = try await call(
            .GET, Self.objectURL(account, container, name) + "?multipart-manifest=get&format=raw", expected: [200, 404], what: "GET of a manifest")
        guard answer.status == .ok else { return nil }
        guard answer.headers.first(name: "X-Static-Large-Object")?.lowercased() == "true" else { return [] }
        let items = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [[String: Any]]) ?? []
        return items.compactMap { item in
            guard let path = item["path"] as? String, let etag = item["etag"] as? String, let size = (item["size_bytes"] as? NSNumber)?.int64Value else {
                return nil
            }
            return Segment(path: path, etag: etag, size: size)
        }
    }

    /// A ranged GET, its body streamed.
    func read(_ url: String, offset: Int64, length: Int64) async throws -> ByteStream {
        guard length > 0 else { return .empty }
        let response = try await send(.GET, url, headers: [("Range", "bytes=\(offset)-\(offset + length - 1)")])
        guard response.status == .ok || response.status == .partialContent else {
            _ = try? await response.body.collect(upTo: 64 * 1024)
            throw SwiftError(status: response.status, what: "GET of \(url)")
        }
        return ByteStream(response.body)
    }
}
