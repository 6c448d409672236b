package import Foundation
package import Hummingbird
import HummingbirdTesting
package import HTTPTypes
import Logging
import NIOCore
package import PortalApp
import PortalAuth
package import PortalDomain
package import PortalStorage

/// A fresh world for one test: an in-memory database, a temporary data directory, a fixed clock,
/// and helpers that create tenants, staff, tokens and images through the real repositories.
package struct TestWorld: Sendable {
    package let dependencies: AppDependencies
    package let configuration: AppConfiguration

    /// The repository root (templates/ and Public/ live there).
    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A world with default settings (or the given ones).
    package init(settings: StorageSettings = StorageSettings()) throws {
        dependencies = try AppDependencies.testing(settings: settings)
        var configuration = AppConfiguration()
        configuration.resourcesDirectory = Self.repositoryRoot
        configuration.dataDirectory = dependencies.files.root
        configuration.rejectedMembersLoseAccess = settings.access.rejectedMembersLoseAccess
        configuration.supportMayDownload = settings.access.supportMayDownload
        configuration.memberQuota = settings.memberQuota
        configuration.uploadSizeCap = settings.uploadSizeCap
        self.configuration = configuration
    }

    /// The time the fixed clock shows.
    package var now: Date { dependencies.clock.now() }

    /// The command-line operator.
    package var operatorActor: Actor { .cli("test") }

    /// Creates a tenant account.
    @discardableResult
    package func tenant(_ ddi: String, name: String = "") async throws -> TenantID {
        let id = try TenantID.parse(ddi)
        _ = try await dependencies.accounts.addTenant(id, name: name.isEmpty ? "Tenant \(ddi)" : name, actor: operatorActor)
        return id
    }

    /// Issues a tenant token; returns the principal, its token ID and the secret.
    package func token(_ tenant: TenantID, role: TenantRole = .member) async throws -> Credential {
        let issued = try await dependencies.accounts.issue(for: .tenant(tenant, role: role), label: "test", expiresAt: nil, actor: operatorActor)
        return Credential(principal: issued.info.principal, tokenID: issued.info.id, secret: issued.secret)
    }

    /// Creates a staff account and issues its token.
    package func staff(_ name: String, role: StaffRole) async throws -> Credential {
        let staffName = try StaffName.parse(name)
        _ = try await dependencies.accounts.addStaff(staffName, role: role, actor: operatorActor)
        let issued = try await dependencies.accounts.issue(for: .staff(staffName), label: "test", expiresAt: nil, actor: operatorActor)
        return Credential(principal: issued.info.principal, tokenID: issued.info.id, secret: issued.secret)
    }

    /// A queued image owned by `owner`.
    package func queuedImage(
        by owner: Credential, name: String = "image", visibility: Visibility = .shared, diskFormat: DiskFormat = .raw,
        properties: [String: String] = [:]
    ) async throws -> Image {
        try await dependencies.images.create(
            ImageDraft(name: name, visibility: visibility, diskFormat: diskFormat, containerFormat: .bare, properties: properties),
            origin: .upload, actor: owner.actor)
    }

    /// An active image with `data`, owned by `owner`.
    package func activeImage(
        by owner: Credential, name: String = "image", visibility: Visibility = .shared, data: [UInt8] = Array("hello image".utf8),
        properties: [String: String] = [:]
    ) async throws -> Image {
        let image = try await queuedImage(by: owner, name: name, visibility: visibility, properties: properties)
        return try await dependencies.imageData.upload(
            [ByteBuffer(bytes: data)].async, to: image.id, declaredSize: nil, declaredChecksum: nil, actor: owner.actor)
    }

    /// The application, as `serve` builds it.
    package func application() async throws -> some ApplicationProtocol {
        try await buildApplication(configuration: configuration, dependencies: dependencies, logger: Logger(label: "test"))
    }
}

/// A principal with its token.
package struct Credential: Sendable {
    package let principal: Principal
    package let tokenID: TokenID
    package let secret: String

    /// An actor for direct repository calls.
    package var actor: Actor { Actor(principal: principal, tokenID: tokenID, requestID: "req-test") }

    /// The header API requests authenticate with.
    package var headers: HTTPFields { [.xAuthToken: secret] }

    /// The tenant, for tenant credentials.
    package var tenant: TenantID? { principal.tenantID }
}

extension Array where Element: Sendable {
    /// An array as an async sequence (request bodies in tests).
    package var async: AsyncArraySequence<Self> { AsyncArraySequence(self) }
}

/// An async sequence over an array.
package struct AsyncArraySequence<Base: Collection & Sendable>: AsyncSequence, Sendable where Base.Element: Sendable {
    package typealias Element = Base.Element
    let base: Base

    package init(_ base: Base) { self.base = base }

    package struct AsyncIterator: AsyncIteratorProtocol {
        var index: Base.Index
        let base: Base
        package mutating func next() async -> Base.Element? {
            guard index < base.endIndex else { return nil }
            defer { index = base.index(after: index) }
            return base[index]
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(index: base.startIndex, base: base) }
}
