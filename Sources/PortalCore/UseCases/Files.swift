import Foundation
package import NIOCore
package import PortalDomain

/// A tenant's file containers (PRODUCT "Files"), for the object API and the portal alike. Every
/// call names the account it asks for (`AUTH_<ddi>`, or nil for the caller's own) and the use case
/// decides whether the caller may reach it.
package struct Files: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// A page of the account's containers.
    package func containers(account: String?, for principal: Principal, _ listing: ObjectListing = ObjectListing()) async throws -> [ContainerSummary] {
        try await core.objects.containers(of: try FileRules.account(account, for: principal), listing)
    }

    /// The account's totals.
    package func usage(account: String?, for principal: Principal) async throws -> ObjectUsage {
        try await core.objects.usage(of: try FileRules.account(account, for: principal))
    }

    /// One container (404 when missing).
    package func container(_ name: String, account: String?, for principal: Principal) async throws -> ContainerSummary {
        guard let container = try await core.objects.container(name, of: try FileRules.account(account, for: principal)) else {
            throw Self.noContainer(name)
        }
        return container
    }

    /// Creates a container; false when it already existed.
    package func createContainer(_ name: String, account: String?, by actor: Actor) async throws -> Bool {
        let tenant = try FileRules.account(account, for: actor.principal)
        return try await core.objects.createContainer(try ObjectNames.container(name), of: tenant)
    }

    /// Deletes an empty container (404 missing, 409 not empty).
    package func deleteContainer(_ name: String, account: String?, by actor: Actor) async throws {
        switch try await core.objects.deleteContainer(name, of: try FileRules.account(account, for: actor.principal)) {
        case .deleted: return
        case .missing: throw Self.noContainer(name)
        case .notEmpty(let count): throw DomainError.conflict("Container '\(name.prefix(256))' is not empty (\(count) objects): delete its objects first.")
        }
    }

    /// A listing page of a container (404 when missing).
    package func objects(in container: String, account: String?, for principal: Principal, _ listing: ObjectListing) async throws -> [ListingEntry] {
        guard let entries = try await core.objects.objects(in: container, of: try FileRules.account(account, for: principal), listing) else {
            throw Self.noContainer(container)
        }
        return entries
    }

    /// Stores an object from a stream, at most the upload cap; an `expectedETag` (MD5 hex) that does
    /// not match is refused (422, as Swift answers) with nothing kept.
    package func put<Body: AsyncSequence>(
        _ body: Body, container: String, name: String, contentType: String, expectedETag: String?, size: Int64? = nil, account: String?, by actor: Actor
    ) async throws -> StoredObject where Body.Element == ByteBuffer {
        let tenant = try FileRules.account(account, for: actor.principal)
        let name = try ObjectNames.object(name)
        guard try await core.objects.container(container, of: tenant) != nil else { throw Self.noContainer(container) }
        try ImageRules.checkDeclaredSize(size, cap: core.settings.uploadSizeCap)
        let expected = ExpectedData(md5: expectedETag.map { $0.lowercased().trimmingCharacters(in: ["\""]) }, size: size)
        do {
            let stored = try await core.objects.put(
                GuardedBody(body, cap: core.settings.uploadSizeCap, format: nil), container: container, name: name, contentType: contentType,
                sourceImage: nil, expected: expected, of: tenant)
            guard let stored else { throw Self.noContainer(container) }
            return stored
        } catch let mismatch as ChecksumMismatch {
            let received = mismatch.received.map { " (\($0))" } ?? ""
            throw DomainError.unprocessable(
                "The ETag sent (\(expectedETag?.prefix(64) ?? "")) does not match the MD5 of the data received\(received); nothing was stored.")
        }
    }

    /// An object's metadata (404 when missing).
    package func object(_ name: String, in container: String, account: String?, for principal: Principal) async throws -> StoredObject {
        guard let object = try await core.objects.object(name, in: container, of: try FileRules.account(account, for: principal)) else {
            throw Self.noObject(name, container)
        }
        return object
    }

    /// An object's bytes, whole or one range (416 for a range it cannot satisfy).
    package func read(_ name: String, in container: String, account: String?, range: RangeRequest, for principal: Principal) async throws -> ObjectDownload {
        guard let opened = try await core.objects.open(name, in: container, of: try FileRules.account(account, for: principal)) else {
            throw Self.noObject(name, container)
        }
        let size = opened.object.size
        guard size > 0 else { return ObjectDownload(object: opened.object, range: nil, body: nil) }
        let resolved = try range.resolve(size: size)
        let offset = resolved?.lowerBound ?? 0
        let length = resolved.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        return ObjectDownload(object: opened.object, range: resolved, body: try await opened.read(offset, length))
    }

    /// Deletes an object (404 when missing).
    package func deleteObject(_ name: String, in container: String, account: String?, by actor: Actor) async throws {
        guard try await core.objects.deleteObject(name, in: container, of: try FileRules.account(account, for: actor.principal)) else {
            throw Self.noObject(name, container)
        }
    }

    static func noContainer(_ name: String) -> DomainError { .notFound("No container '\(name.prefix(256))'.") }

    static func noObject(_ name: String, _ container: String) -> DomainError {
        .notFound("No object '\(name.prefix(256))' in container '\(container.prefix(256))'.")
    }
}

/// An object's bytes to send.
package struct ObjectDownload: Sendable {
    package var object: StoredObject
    /// The range sent, when one was asked for.
    package var range: ClosedRange<Int64>?
    /// The bytes; nil for an empty object.
    package var body: ByteStream?

    /// How many bytes the response carries.
    package var length: Int64 { range.map { $0.upperBound - $0.lowerBound + 1 } ?? object.size }
}
