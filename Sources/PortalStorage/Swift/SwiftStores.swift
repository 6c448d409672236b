import AsyncHTTPClient
import Foundation
import Logging
package import NIOCore
import NIOHTTP1
package import PortalCore
import PortalDomain

/// The Swift-backed stores of a cluster.
package struct SwiftStores: Sendable {
    package let blobs: SwiftBlobStore
    package let objects: SwiftObjectStore

    /// Authenticates and makes sure the service's containers exist.
    package static func open(_ configuration: SwiftConfiguration) async throws -> SwiftStores {
        let client = SwiftClient(configuration: configuration)
        let blobs = SwiftBlobStore(client: client)
        let account = try await client.serviceAccount().url
        for container in [blobs.imagesContainer, blobs.disksContainer, blobs.segmentsContainer] {
            try await client.call(.PUT, account + "/" + SwiftClient.escape(container), what: "creating container \(container)")
        }
        return SwiftStores(blobs: blobs, objects: SwiftObjectStore(client: client))
    }
}

/// Image data and server disks in the service's own Swift account, named by ID: every blob is a
/// Static Large Object (one manifest, segments of the configured size under `<prefix>-segments`),
/// written segment by segment as the data streams in and published — the manifest written — only
/// once it is complete and accepted, and never over an existing blob.
package struct SwiftBlobStore: BlobStore {
    let client: SwiftClient
    var prefix: String { client.configuration.containerPrefix }
    var imagesContainer: String { prefix + "-images" }
    var disksContainer: String { prefix + "-disks" }
    var segmentsContainer: String { prefix + "-segments" }

    func location(_ key: BlobKey) -> (container: String, name: String, segments: String) {
        switch key {
        case .image(let id): (imagesContainer, id.rawValue, "image/\(id.rawValue)")
        case .serverDisk(let id): (disksContainer, id.rawValue, "disk/\(id.rawValue)")
        }
    }

    package func write<Body: AsyncSequence>(
        _ body: Body, to key: BlobKey, sha512: Bool, accept: @Sendable (BlobFacts) throws -> Void
    ) async throws -> BlobFacts where Body.Element == ByteBuffer {
        let account = try await client.serviceAccount().url
        let (container, name, segmentPrefix) = location(key)
        let source = UploadSource(body, sha512: sha512)
        let segments = try await client.uploadSegments(
            source, account: account, container: segmentsContainer, prefix: "\(segmentPrefix)/\(UUID().uuidString.lowercased())",
            segmentSize: client.configuration.segmentSize)
        let facts = await source.facts()
        do {
            try accept(facts)
            try await publish(segments, facts: facts, account: account, container: container, name: name, key: key)
            return facts
        } catch {
            await client.deleteSegments(segments, account: account)
            throw error
        }
    }

    /// Writes the manifest (or, for no data at all, an empty object) at the blob's name, refusing to
    /// replace one that exists.
    private func publish(_ segments: [Segment], facts: BlobFacts, account: String, container: String, name: String, key: BlobKey) async throws {
        let headers = [("If-None-Match", "*"), ("X-Object-Meta-Portal-Md5", facts.md5)]
        if facts.size == 0 {
            await client.deleteSegments(segments, account: account)
            let status = try await client.call(
                .PUT, SwiftClient.objectURL(account, container, name), headers: headers, body: ByteBuffer(), expected: [201, 412], what: "PUT of \(key)"
            ).status
            if status == .preconditionFailed { throw BlobExists(key) }
            return
        }
        if try await client.putManifest(segments, account: account, container: container, name: name, headers: headers) == .preconditionFailed {
            throw BlobExists(key)
        }
    }

    package func read(_ key: BlobKey, offset: Int64, length: Int64) async throws -> ByteStream {
        let account = try await client.serviceAccount().url
        let (container, name, _) = location(key)
        return try await client.read(SwiftClient.objectURL(account, container, name), offset: offset, length: length)
    }

    /// A copy that shares nothing with its source: each segment is copied inside Swift (no byte passes
    /// through this instance), then a manifest of the copies is written.
    package func copy(_ source: BlobKey, to destination: BlobKey) async throws {
        let account = try await client.serviceAccount().url
        let from = location(source)
        let to = location(destination)
        guard let segments = try await client.manifestSegments(account: account, container: from.container, name: from.name) else {
            throw StoreFailure("copy of \(source): it has no data")
        }
        let upload = "\(to.segments)/\(UUID().uuidString.lowercased())"
        var copies: [Segment] = []
        do {
            for (index, segment) in segments.enumerated() {
                let name = "\(upload)/\(String(format: "%08d", index + 1))"
                try await client.call(
                    .PUT, SwiftClient.objectURL(account, segmentsContainer, name), headers: [("X-Copy-From", segment.path), ("Content-Length", "0")],
                    body: ByteBuffer(), expected: [201], what: "copy of segment \(segment.path)")
                copies.append(Segment(path: "/\(segmentsContainer)/\(name)", etag: segment.etag, size: segment.size))
            }
            let md5 = try await client.call(.HEAD, SwiftClient.objectURL(account, from.container, from.name), what: "HEAD of \(source)")
                .headers.first(name: "X-Object-Meta-Portal-Md5") ?? ""
            try await publish(
                copies, facts: BlobFacts(size: copies.reduce(0) { $0 + $1.size }, md5: md5, sha512: nil), account: account, container: to.container,
                name: to.name, key: destination)
        } catch {
            await client.deleteSegments(copies, account: account)
            throw error
        }
    }

    /// Removes the blob and every segment ever written for it (those of uploads that died half way too).
    package func remove(_ key: BlobKey) async {
        // Not cut short by a cancelled caller (a client that went away): see `SwiftClient.deleteSegments`.
        await Task.detached { await removeNow(key) }.value
    }

    /// Deletes the manifest, then lists the segments under the blob's prefix and deletes them, until a
    /// listing comes back empty: a segment whose listing entry lags its write (Swift updates container
    /// listings just after the write, and later still when a container server is busy) is found by a
    /// later round. Gives up after a few rounds, and says so in the log.
    private func removeNow(_ key: BlobKey) async {
        let (container, name, segmentPrefix) = location(key)
        for round in 0..<6 {
            if round > 1 { try? await Task.sleep(for: .milliseconds(250 << min(round, 4))) }
            do {
                let account = try await client.serviceAccount().url
                try await client.call(.DELETE, SwiftClient.objectURL(account, container, name), expected: [204, 404], what: "DELETE of \(key)")
                let segments = try await client.allNames(account: account, container: segmentsContainer, prefix: segmentPrefix + "/")
                if segments.isEmpty { return }
                for segment in segments {
                    try await client.call(.DELETE, SwiftClient.objectURL(account, segmentsContainer, segment), expected: [204, 404], what: "DELETE of a segment")
                }
            } catch {
                client.logger.warning("removing a blob from Swift failed; trying again", metadata: ["key": "\(key)", "error": "\(error)"])
            }
        }
        client.logger.error("could not remove every segment of a blob from Swift", metadata: ["key": "\(key)"])
    }
}

/// One entry of a Swift container listing.
struct SwiftListingEntry: Sendable {
    var name: String
    var subdir: String?
    var bytes: Int64
    var hash: String
    var contentType: String
    var lastModified: Date
    /// A Static Large Object (its listed hash is not its content's MD5).
    var isLargeObject: Bool
}

extension SwiftClient {
    /// One page of a container listing (JSON), or nil when the container does not exist.
    func listing(
        account: String, container: String, prefix: String? = nil, delimiter: String? = nil, marker: String? = nil, endMarker: String? = nil,
        limit: Int = 10_000
    ) async throws -> [SwiftListingEntry]? {
        var query = "?format=json&limit=\(limit)"
        for (name, value) in [("prefix", prefix), ("delimiter", delimiter), ("marker", marker), ("end_marker", endMarker)] {
            if let value, !value.isEmpty { query += "&\(name)=" + Self.escape(value) }
        }
        let answer = try await call(.GET, account + "/" + Self.escape(container) + query, expected: [200, 204, 404], what: "listing of \(container)")
        if answer.status == .notFound { return nil }
        let items = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [[String: Any]]) ?? []
        return items.map { item in
            SwiftListingEntry(
                name: (item["name"] as? String) ?? "", subdir: item["subdir"] as? String, bytes: (item["bytes"] as? NSNumber)?.int64Value ?? 0,
                hash: (item["hash"] as? String) ?? "", contentType: (item["content_type"] as? String) ?? "application/octet-stream",
                lastModified: (item["last_modified"] as? String).flatMap(Self.listingDate) ?? Date(timeIntervalSince1970: 0),
                isLargeObject: item["slo_etag"] != nil)
        }
    }

    /// Swift's listing times: `2026-12-03T10:45:00.123456`, in UTC.
    static func listingDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = text.contains(".") ? "yyyy-MM-dd'T'HH:mm:ss.SSSSSS" : "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.date(from: text)
    }

    /// A `Last-Modified` or `X-Timestamp` header as a date.
    static func headerDate(_ headers: HTTPHeaders) -> Date {
        if let stamp = headers.first(name: "X-Timestamp").flatMap(Double.init) { return Date(timeIntervalSince1970: stamp) }
        return Date(timeIntervalSince1970: 0)
    }
}
