import Foundation
import PortalDomain
import Testing

// Shared, immutable fixtures for the PortalDomain suites: fixed tenants, staff, dates and an image
// builder, and a way to read a rule's refusal as the HTTP status the one error table gives it.

/// Well-known tenants (DDIs) used across the suites.
enum Tenants {
    /// The producer: owns the images under test.
    static let owner = TenantID(rawValue: "1001")!
    /// A consumer the owner shares with.
    static let consumer = TenantID(rawValue: "2002")!
    /// A second consumer.
    static let consumer2 = TenantID(rawValue: "3003")!
    /// A tenant with no relation to the image.
    static let stranger = TenantID(rawValue: "4004")!
    /// A tenant whose token has the admin role (Glance's `is_admin`), not the owner.
    static let otherAdmin = TenantID(rawValue: "5005")!
}

/// Well-known staff names.
enum Staff {
    static let alice = StaffName(rawValue: "alice")!
    static let bob = StaffName(rawValue: "bob")!
}

/// Well-known principals.
enum Principals {
    static let owner = Principal.tenant(Tenants.owner, role: .member)
    static let ownerAdmin = Principal.tenant(Tenants.owner, role: .admin)
    static let consumer = Principal.tenant(Tenants.consumer, role: .member)
    static let consumer2 = Principal.tenant(Tenants.consumer2, role: .member)
    static let stranger = Principal.tenant(Tenants.stranger, role: .member)
    static let tenantAdmin = Principal.tenant(Tenants.otherAdmin, role: .admin)
    static let staffAdmin = Principal.staff(Staff.alice, role: .admin)
    static let support = Principal.staff(Staff.bob, role: .support)
}

/// Fixed instants: rules take `now` as a parameter, so tests never read the clock.
enum Instants {
    /// 2023-11-14T22:13:20Z.
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    /// One minute later.
    static let t1 = Date(timeIntervalSince1970: 1_700_000_060)
}

/// Fixed image IDs.
enum ImageIDs {
    static let subject = ImageID(rawValue: "11111111-1111-4111-8111-111111111111")!
    static let base = ImageID(rawValue: "22222222-2222-4222-8222-222222222222")!
    static let middle = ImageID(rawValue: "33333333-3333-4333-8333-333333333333")!
    static let other = ImageID(rawValue: "44444444-4444-4444-8444-444444444444")!
    static let server = ServerID(rawValue: "55555555-5555-4555-8555-555555555555")!
}

/// An image with sensible defaults: active, shared, owned by `Tenants.owner`, created at `Instants.t0`.
func makeImage(
    id: ImageID = ImageIDs.subject, name: String? = "subject", owner: TenantID = Tenants.owner, status: ImageStatus = .active,
    visibility: Visibility = .shared, diskFormat: DiskFormat? = .qcow2, containerFormat: ContainerFormat? = .bare,
    size: Int64? = 1024, checksum: String? = "0123456789abcdef0123456789abcdef", protected: Bool = false, tags: [String] = [],
    properties: [String: String] = [:], origin: ImageOrigin = .upload
) -> Image {
    Image(
        id: id, name: name, owner: owner, status: status, visibility: visibility, diskFormat: diskFormat,
        containerFormat: containerFormat, size: size, checksum: checksum, protected: protected, tags: tags, properties: properties,
        origin: origin, createdAt: Instants.t0, updatedAt: Instants.t0)
}

/// A member record of `tenant` on `image`.
func makeMember(
    _ tenant: TenantID, of image: ImageID = ImageIDs.subject, status: MemberStatus = .pending, canShare: Bool = false
) -> Member {
    Member(imageID: image, memberID: tenant, status: status, canShare: canShare, createdAt: Instants.t0, updatedAt: Instants.t0)
}

extension DomainError {
    /// The HTTP status the error table gives this refusal (as documented on `DomainError`).
    var statusCode: Int {
        switch self {
        case .invalid: 400
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .tooLarge: 413
        case .unsupportedMediaType: 415
        case .rangeNotSatisfiable: 416
        case .rateLimited: 429
        case .unprocessable: 422
        }
    }
}

/// Runs a rule and answers 200 when it succeeds, or the HTTP status of its refusal.
func status<T>(_ body: () throws(DomainError) -> T) -> Int {
    do {
        _ = try body()
        return 200
    } catch {
        return error.statusCode
    }
}

/// Runs a rule that is expected to refuse and returns its error (nil, and a recorded issue, when it succeeds).
func refusal<T>(_ body: () throws(DomainError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> DomainError? {
    do {
        let value = try body()
        Issue.record("Expected a refusal, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Decodes a JSON literal written in a test (a malformed literal is a bug in the test itself).
func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    } catch {
        Issue.record("Bad JSON literal in test: \(text): \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// Decodes a JSON object literal written in a test.
func jsonObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: JSONValue] {
    guard case .object(let object) = json(text, sourceLocation: sourceLocation) else {
        Issue.record("Not a JSON object literal: \(text)", sourceLocation: sourceLocation)
        return [:]
    }
    return object
}
