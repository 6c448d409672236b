import AsyncHTTPClient
import Foundation
package import NIOCore
import NIOHTTP1
package import PortalCore
package import PortalDomain

/// Each tenant's file containers as that tenant's own Swift account (`AUTH_<ddi>`), names passed
/// through unchanged, so `/object/v1/AUTH_<ddi>/…` means what it means in Swift. The use cases
/// decide whose account a request may reach; this store is handed the tenant.
package struct SwiftObjectStore: ObjectStore {
    let client: SwiftClient

    /// The metadata key that records which image an exported object came from (import follows it).
    static let sourceImageHeader = "X-Object-Meta-Portal-Source-Image"
    /// The metadata key that holds a large object's content MD5 (an SLO's own ETag is not one).
    static let md5Header = "X-Object-Meta-Portal-Md5"

    func account(_ tenant: TenantID) async throws -> String { try await client.tenantAccount(tenant.rawValue) }

    package func containers(of tenant: TenantID, _ listing: ObjectListing) async throws -> [ContainerSummary] {
        let account = try await account(tenant)
        var query = "?format=json&limit=\(listing.limit)"
        for (name, value) in [("prefix", listing.prefix), ("marker", listing.marker), ("end_marker", listing.endMarker)] {
            if let value { query += "&\(name)=" + SwiftClient.escape(value) }
        }
        let answer = try await client.call(.GET, account + query, expected: [200, 204], what: "listing of account \(tenant)")
        let items = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [[String: Any]]) ?? []
        // The account's own counts trail the containers' (Swift's container updater brings them up
        // to date minutes later): each container is asked, a handful at a time, as the files
        // containers of the embedded store count at once.
        let names = items.compactMap { $0["name"] as? String }.filter { $0 != Self.segmentsContainer }
        let current = try await containerSummaries(names, of: tenant)
        return names.compactMap { current[$0] }
    }

    /// Each container's summary, from the container itself.
    func containerSummaries(_ names: [String], of tenant: TenantID) async throws -> [String: ContainerSummary] {
        var result: [String: ContainerSummary] = [:]
        for batch in stride(from: 0, to: names.count, by: 16).map({ names[$0..<min($0 + 16, names.count)] }) {
            try await withThrowingTaskGroup(of: ContainerSummary?.self) { group in
                for name in batch { group.addTask { try await container(name, of: tenant) } }
                for try await summary in group { if let summary { result[summary.name] = summary } }
            }
        }
        return result
    }

    package func container(_ name: String, of tenant: TenantID) async throws -> ContainerSummary? {
        let answer = try await client.call(.HEAD, try await account(tenant) + "/" + SwiftClient.escape(name), expected: [204, 200, 404], what: "HEAD of container")
        guard answer.status != .notFound else { return nil }
        let created = SwiftClient.headerDate(answer.headers)
        var bytes = answer.headers.first(name: "X-Container-Bytes-Used").flatMap(Int64.init) ?? 0
        if bytes > 0, try await holdsLargeObjects(name, account: try await account(tenant)) {
            // Swift counts a large object by its manifest's size; the listing gives each object's own.
            bytes = try await client.listedBytes(account: try await account(tenant), container: name)
        }
        return ContainerSummary(
            name: name, objectCount: answer.headers.first(name: "X-Container-Object-Count").flatMap(Int.init) ?? 0, bytes: bytes,
            createdAt: created, lastModified: created)
    }

    /// Whether any segment of the container's objects exists (one short listing).
    func holdsLargeObjects(_ container: String, account: String) async throws -> Bool {
        let entries = try await client.listing(account: account, container: Self.segmentsContainer, prefix: container + "/", limit: 1)
        return !(entries ?? []).isEmpty
    }

    package func createContainer(_ name: String, of tenant: TenantID) async throws -> Bool {
        let answer = try await client.call(.PUT, try await account(tenant) + "/" + SwiftClient.escape(name), expected: [201, 202], what: "PUT of container")
        return answer.status == .created
    }

    package func deleteContainer(_ name: String, of tenant: TenantID) async throws -> ContainerDeletion {
        let url = try await account(tenant) + "/" + SwiftClient.escape(name)
        let answer = try await client.call(.DELETE, url, expected: [204, 404, 409], what: "DELETE of container")
        switch answer.status {
        case .notFound: return .missing
        case .conflict: return .notEmpty(objects: try await container(name, of: tenant)?.objectCount ?? 1)
        default: return .deleted
        }
    }

    package func objects(in container: String, of tenant: TenantID, _ listing: ObjectListing) async throws -> [ListingEntry]? {
        let entries = try await client.listing(
            account: try await account(tenant), container: container, prefix: listing.prefix, delimiter: listing.delimiter, marker: listing.marker,
            endMarker: listing.endMarker, limit: listing.limit)
        guard let entries else { return nil }
        // A large object's listed hash is Swift's manifest ETag, not its content's MD5, which is in its
        // metadata: those few are asked for, a handful at a time.
        let contentMD5 = try await largeObjectMD5s(entries.filter(\.isLargeObject).map(\.name), in: container, of: tenant)
        return entries.map { entry in
            if let subdir = entry.subdir { return .subdirectory(subdir) }
            return .object(
                StoredObject(
                    container: container, name: entry.name, size: entry.bytes, etag: contentMD5[entry.name] ?? entry.hash.trimmingCharacters(in: ["\""]),
                    contentType: entry.contentType, lastModified: entry.lastModified, sourceImage: nil))
        }
    }

    /// The content MD5s of large objects, from their metadata.
    func largeObjectMD5s(_ names: [String], in container: String, of tenant: TenantID) async throws -> [String: String] {
        var result: [String: String] = [:]
        for batch in stride(from: 0, to: names.count, by: 16).map({ names[$0..<min($0 + 16, names.count)] }) {
            try await withThrowingTaskGroup(of: (String, String?).self) { group in
                for name in batch {
                    group.addTask { (name, try await object(name, in: container, of: tenant)?.etag) }
                }
                for try await (name, etag) in group { result[name] = etag }
            }
        }
        return result
    }

    package func put<Body: AsyncSequence>(
        _ body: Body, container: String, name: String, contentType: String, sourceImage: ImageID?, expected: ExpectedData, of tenant: TenantID
    ) async throws -> StoredObject? where Body.Element == ByteBuffer {
        let account = try await account(tenant)
        guard try await self.container(container, of: tenant) != nil else { return nil }
        let url = SwiftClient.objectURL(account, container, name)
        var headers = [("Content-Type", contentType)]
        if let sourceImage { headers.append((Self.sourceImageHeader, sourceImage.rawValue)) }
        let source = UploadSource(body, sha512: false)
        let segmentSize = client.configuration.segmentSize
        let upload = UUID().uuidString.lowercased()
        if let size = expected.size, size > segmentSize {
            // Too large for one object: a Static Large Object whose segments sit in the account's
            // hidden segments container, so the tenant sees one object, counted once.
            try await client.call(
                .PUT, account + "/" + SwiftClient.escape(Self.segmentsContainer), expected: [201, 202], what: "PUT of the segments container")
            let segments = try await client.uploadSegments(
                source, account: account, container: Self.segmentsContainer, prefix: Self.segmentPrefix(container, name) + upload, segmentSize: segmentSize)
            let facts = await source.facts()
            guard expected.md5 == nil || expected.md5 == facts.md5 else {
                await client.deleteSegments(segments, account: account)
                throw ChecksumMismatch(received: facts.md5)
            }
            do {
                _ = try await client.putManifest(
                    segments, account: account, container: container, name: name, headers: headers + [(Self.md5Header, facts.md5)])
            } catch {
                await client.deleteSegments(segments, account: account)
                throw error
            }
        } else {
            // One object: Swift itself checks the ETag (422 and nothing stored when it does not match).
            if let md5 = expected.md5 { headers.append(("ETag", md5)) }
            var length: HTTPClientRequest.Body.Length = .unknown
            if let size = expected.size { length = .known(size) }
            let response: HTTPClientResponse
            do {
                response = try await client.send(.PUT, url, headers: headers, body: .stream(SegmentBody(source: source, limit: .max, digest: nil), length: length))
            } catch {
                throw source.failure ?? error
            }
            _ = try await response.body.collect(upTo: 64 * 1024)
            if response.status == .unprocessableEntity { throw ChecksumMismatch(received: nil) }
            if response.status == .notFound { return nil }
            guard response.status == .created else { throw SwiftError(status: response.status, what: "PUT of object \(name)") }
        }
        // The segments of what this object replaced, and of writes to its name that never finished.
        await removeSegments(of: container, name, account: account, keeping: upload)
        let facts = await source.facts()
        return StoredObject(container: container, name: name, size: facts.size, etag: facts.md5, contentType: contentType, lastModified: Date(), sourceImage: sourceImage)
    }

    /// The hidden container of an account's large-object segments: its name starts with a control
    /// character, which no container name given to ImagePortal may hold (`ObjectNames.container`),
    /// so no tenant can list, write or delete it, and listings and usage leave it out.
    static let segmentsContainer = "\u{1}segments"

    /// Where the segments of one object's uploads go: `<container>/<name>/<upload>/<n>`.
    static func segmentPrefix(_ container: String, _ name: String) -> String { "\(container)/\(name)/" }

    /// Deletes the segments of `container/name`'s uploads other than `keeping` (only those of this very
    /// name: `<upload UUID>/<number>` right after its prefix, never those of a longer name).
    func removeSegments(of container: String, _ name: String, account: String, keeping: String?) async {
        let prefix = Self.segmentPrefix(container, name)
        guard let names = try? await client.allNames(account: account, container: Self.segmentsContainer, prefix: prefix) else { return }
        let stale = names.filter { full in
            let parts = full.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[0].count == 36 && UUID(uuidString: String(parts[0])) != nil && parts[1].count == 8
                && parts[1].allSatisfy(\.isNumber) && String(parts[0]) != keeping
        }
        await client.deleteSegments(stale.map { Segment(path: "/\(Self.segmentsContainer)/\($0)", etag: "", size: 0) }, account: account)
    }

    package func object(_ name: String, in container: String, of tenant: TenantID) async throws -> StoredObject? {
        let answer = try await client.call(
            .HEAD, SwiftClient.objectURL(try await account(tenant), container, name), expected: [200, 404], what: "HEAD of object")
        guard answer.status == .ok else { return nil }
        return Self.object(container: container, name: name, headers: answer.headers)
    }

    static func object(container: String, name: String, headers: HTTPHeaders) -> StoredObject {
        let etag = headers.first(name: md5Header) ?? headers.first(name: "Etag")?.trimmingCharacters(in: ["\""]) ?? ""
        let modified = headers.first(name: "Last-Modified").flatMap { text -> Date? in
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            return formatter.date(from: text)
        }
        return StoredObject(
            container: container, name: name, size: headers.first(name: "Content-Length").flatMap(Int64.init) ?? 0, etag: etag,
            contentType: headers.first(name: "Content-Type") ?? "application/octet-stream", lastModified: modified ?? SwiftClient.headerDate(headers),
            sourceImage: headers.first(name: sourceImageHeader).flatMap(ImageID.init(rawValue:)))
    }

    package func open(_ name: String, in container: String, of tenant: TenantID) async throws -> OpenedObject? {
        let account = try await account(tenant)
        guard let object = try await object(name, in: container, of: tenant) else { return nil }
        let client = client
        let url = SwiftClient.objectURL(account, container, name)
        return OpenedObject(object: object) { offset, length in try await client.read(url, offset: offset, length: length) }
    }

    package func deleteObject(_ name: String, in container: String, of tenant: TenantID) async throws -> Bool {
        let account = try await account(tenant)
        // The object (a large object's manifest), then its segments.
        let answer = try await client.call(.DELETE, SwiftClient.objectURL(account, container, name), expected: [204, 404], what: "DELETE of object")
        await removeSegments(of: container, name, account: account, keeping: nil)
        return answer.status != .notFound
    }

    package func usage(of tenant: TenantID) async throws -> ObjectUsage {
        // Summed over the containers, which are current (the account's own counts trail them).
        let account = try await account(tenant)
        var names: [String] = []
        for name in try await client.allNames(account: account, container: nil) where name != Self.segmentsContainer { names.append(name) }
        let summaries = try await containerSummaries(names, of: tenant).values
        return ObjectUsage(
            containers: summaries.count, objects: summaries.reduce(0) { $0 + $1.objectCount }, bytes: summaries.reduce(0) { $0 + $1.bytes })
    }
}
