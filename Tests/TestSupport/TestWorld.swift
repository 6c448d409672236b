package import Foundation
package import Hummingbird
import HummingbirdTesting
package import HTTPTypes
import Logging
import NIOCore
package import PortalApp
import PortalAuth
package import PortalCore
package import PortalDomain
import PortalStorage

/// A fresh world for one test: its own stores (an in-memory database and a temporary data directory,
/// or with `PORTAL_TEST_BACKEND=postgres+swift` a schema of the real PostgreSQL and containers and
/// accounts of the real Swift that is running), a fixed clock, and helpers that create tenants, staff,
/// tokens and images through the real use cases.
package struct TestWorld: Sendable {
    package let dependencies: AppDependencies
    /// What `serve` would be given; a test may change it before building the application.
    package var configuration: AppConfiguration

    /// The repository root (templates/ and Public/ live there).
    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A world with default settings (or the given ones), on the backend under test.
    package init(settings: CoreSettings = .standard, clock: PortalClock? = nil) async throws {
        dependencies = try await TestBackend.current.dependencies(settings: settings, clock: clock)
        var configuration = AppConfiguration()
        configuration.resourcesDirectory = Self.repositoryRoot
        configuration.dataDirectory = dependencies.files.root
        configuration.rejectedMembersLoseAccess = settings.access.rejectedMembersLoseAccess
        configuration.supportMayDownload = settings.access.supportMayDownload
        configuration.memberQuota = settings.memberQuota
        configuration.uploadSizeCap = settings.uploadSizeCap
        self.configuration = configuration
    }

    /// The time the clock shows.
    package var now: Date { dependencies.clock.now() }

    /// The use cases, as every API and the portal call them.
    package var useCases: UseCases { dependencies.useCases }

    /// The command-line operator.
    package var operatorActor: Actor { .cli("test") }

    /// Creates a tenant account.
    @discardableResult
    package func tenant(_ ddi: String, name: String = "") async throws -> TenantID {
        let id = try TenantID.parse(ddi)
        _ = try await useCases.accounts.addTenant(id, name: name.isEmpty ? "Tenant \(ddi)" : name, by: operatorActor)
        return id
    }

    /// Issues a tenant token; returns the principal, its token ID and the secret.
    package func token(_ tenant: TenantID, role: TenantRole = .member) async throws -> Credential {
        let issued = try await useCases.accounts.issueToken(for: .tenant(tenant, role: role), label: "test", expiresAt: nil, by: operatorActor)
        return Credential(principal: issued.info.principal, tokenID: issued.info.id, secret: issued.secret)
    }

    /// Creates a staff account and issues its token.
    package func staff(_ name: String, role: StaffRole) async throws -> Credential {
        let staffName = try StaffName.parse(name)
        _ = try await useCases.accounts.addStaff(staffName, role: role, by: operatorActor)
        let issued = try await useCases.accounts.issueToken(for: .staff(staffName), label: "test", expiresAt: nil, by: operatorActor)
        return Credential(principal: issued.info.principal, tokenID: issued.info.id, secret: issued.secret)
    }

    /// A queued image owned by `owner`.
    package func queuedImage(
        by owner: Credential, name: String = "image", visibility: Visibility = .shared, diskFormat: DiskFormat = .raw,
        properties: [String: String] = [:]
    ) async throws -> Image {
        try await useCases.catalog.create(
            ImageDraft(name: name, visibility: visibility, diskFormat: diskFormat, containerFormat: .bare, properties: properties), by: owner.actor)
    }

    /// An active image with `data`, owned by `owner`.
    package func activeImage(
        by owner: Credential, name: String = "image", visibility: Visibility = .shared, data: [UInt8] = Array("hello image".utf8),
        properties: [String: String] = [:]
    ) async throws -> Image {
        let image = try await queuedImage(by: owner, name: name, visibility: visibility, properties: properties)
        return try await useCases.imageData.upload([ByteBuffer(bytes: data)].async, to: image.id, declared: DeclaredData(), by: owner.actor)
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

extension CoreSettings {
    /// Settings for a test: the defaults, with the given changes.
    package static func testing(access: AccessSettings = .standard, memberQuota: Int = MemberRules.defaultQuota, uploadSizeCap: Int64 = 1 << 40) -> CoreSettings {
        CoreSettings(access: access, memberQuota: memberQuota, uploadSizeCap: uploadSizeCap)
    }
}

extension TestWorld {
    /// The actor of a tenant's own member token, for fixtures that act as the tenant.
    package func tenantActor(_ tenant: TenantID) -> Actor {
        Actor(principal: .tenant(tenant, role: .member), tokenID: nil, requestID: "req-test")
    }

    /// Creates a container in a tenant's account, through the files use case.
    @discardableResult
    package func createContainer(_ name: String, for tenant: TenantID) async throws -> Bool {
        try await useCases.files.createContainer(name, account: nil, by: tenantActor(tenant))
    }

    /// Stores an object in a tenant's account, through the files use case.
    @discardableResult
    package func putObject<Body: AsyncSequence>(
        _ body: Body, container: String, name: String, contentType: String = "application/octet-stream", expectedETag: String? = nil,
        for tenant: TenantID
    ) async throws -> StoredObject where Body.Element == ByteBuffer {
        try await useCases.files.put(
            body, container: container, name: name, contentType: contentType, expectedETag: expectedETag, account: nil, by: tenantActor(tenant))
    }

    /// A listing page of a tenant's container.
    package func listObjects(_ container: String, of tenant: TenantID, _ listing: ObjectListing = ObjectListing()) async throws -> [ListingEntry] {
        try await useCases.files.objects(in: container, account: nil, for: tenantActor(tenant).principal, listing)
    }

    /// An object's bytes, read whole.
    package func objectBytes(_ name: String, in container: String, of tenant: TenantID) async throws -> (object: StoredObject, bytes: [UInt8]) {
        let download = try await useCases.files.read(name, in: container, account: nil, range: .whole, for: tenantActor(tenant).principal)
        var bytes: [UInt8] = []
        if let body = download.body {
            for try await buffer in body { bytes += buffer.readableBytesView }
        }
        return (download.object, bytes)
    }
}
