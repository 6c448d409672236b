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
        return items.map { item in
            let modified = (item["last_modified"] as? String).flatMap(SwiftClient.listingDate) ?? Date(timeIntervalSince1970: 0)
            return ContainerSummary(
                name: (item["name"] as? String) ?? "", objectCount: (item["count"] as? NSNumber)?.intValue ?? 0,
                bytes: (item["bytes"] as? NSNumber)?.int64Value ?? 0, createdAt: modified, lastModified: modified)
        }
    }

    package func container(_ name: String, of tenant: TenantID) async throws -> ContainerSummary? {
        let answer = try await client.call(.HEAD, try await account(tenant) + "/" + SwiftClient.escape(name), expected: [204, 200, 404], what: "HEAD of container")
        guard answer.status != .notFound else { return nil }
        let created = SwiftClient.headerDate(answer.headers)
        return ContainerSummary(
            name: name, objectCount: answer.headers.first(name: "X-Container-Object-Count").flatMap(Int.init) ?? 0,
            bytes: answer.headers.first(name: "X-Container-Bytes-Used").flatMap(Int64.init) ?? 0, createdAt: created, lastModified: created)
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
        return entries?.map { entry in
            if let subdir = entry.subdir { return .subdirectory(subdir) }
            return .object(
                StoredObject(
                    container: container, name: entry.name, size: entry.bytes, etag: entry.hash.trimmingCharacters(in: ["\""]),
                    contentType: entry.contentType, lastModified: entry.lastModified, sourceImage: nil))
        }
    }

    package func put<Body: AsyncSequence>(
        _ body: Body, container: String, name: String, contentType: String, sourceImage: ImageID?, expected: ExpectedData, of tenant: TenantID
    ) async throws -> StoredObject? where Body.Element == ByteBuffer {
        let account = try await account(tenant)
        guard try await self.container(container, of: tenant) != nil else { return nil }
        let url = SwiftClient.objectURL(account, container, name)
        var headers = [("Content-Type", contentType)]
        if let sourceImage { headers.append((Self.sourceImageHeader, sourceImage.rawValue)) }
        let replaced = try await client.manifestSegments(account: account, container: container, name: name) ?? []
        let source = UploadSource(body, sha512: false)
        let segmentSize = client.configuration.segmentSize
        if let size = expected.size, size > segmentSize {
            // Too large for one object: segments in `<container>_segments`, as Swift's own clients store them.
            let segmentsContainer = container + "_segments"
            try await client.call(.PUT, account + "/" + SwiftClient.escape(segmentsContainer), expected: [201, 202], what: "PUT of \(segmentsContainer)")
            let segments = try await client.uploadSegments(
                source, account: account, container: segmentsContainer, prefix: "\(name)/\(UUID().uuidString.lowercased())", segmentSize: segmentSize)
            let facts = source.facts()
            guard expected.md5 == nil || expected.md5 == facts.md5 else {
                await client.deleteSegments(segments, account: account)
                throw ChecksumMismatch(received: facts.md5)
            }
            _ = try await client.putManifest(segments, account: account, container: container, name: name, headers: headers + [(Self.md5Header, facts.md5)])
        } else {
            // One object: Swift itself checks the ETag (422 and nothing stored when it does not match).
            if let md5 = expected.md5 { headers.append(("ETag", md5)) }
            var length: HTTPClientRequest.Body.Length = .unknown
            if let size = expected.size { length = .known(size) }
            let response: HTTPClientResponse
            do {
                response = try await client.send(.PUT, url, headers: headers, body: .stream(SegmentBody(source: source, limit: .max, digest: SegmentDigest()), length: length))
            } catch {
                throw source.failure ?? error
            }
            _ = try await response.body.collect(upTo: 64 * 1024)
            if response.status == .unprocessableEntity { throw ChecksumMismatch(received: nil) }
            if response.status == .notFound { return nil }
            guard response.status == .created else { throw SwiftError(status: response.status, what: "PUT of object \(name)") }
        }
        if !replaced.isEmpty { await client.deleteSegments(replaced, account: account) }
        let facts = source.facts()
        return StoredObject(container: container, name: name, size: facts.size, etag: facts.md5, contentType: contentType, lastModified: Date(), sourceImage: sourceImage)
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
        let url = SwiftClient.objectURL(account, container, name)
        // A large object goes with its segments; `multipart-manifest=delete` is for manifests only.
        guard let segments = try await client.manifestSegments(account: account, container: container, name: name) else { return false }
        let answer = try await client.call(
            .DELETE, url + (segments.isEmpty ? "" : "?multipart-manifest=delete"), expected: [200, 204, 404], what: "DELETE of object")
        return answer.status != .notFound
    }

    package func usage(of tenant: TenantID) async throws -> ObjectUsage {
        let answer = try await client.call(.HEAD, try await account(tenant), expected: [200, 204], what: "HEAD of account")
        return ObjectUsage(
            containers: answer.headers.first(name: "X-Account-Container-Count").flatMap(Int.init) ?? 0,
            objects: answer.headers.first(name: "X-Account-Object-Count").flatMap(Int.init) ?? 0,
            bytes: answer.headers.first(name: "X-Account-Bytes-Used").flatMap(Int64.init) ?? 0)
    }
}
