import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalDomain
import PortalStorage
import Testing
import TestSupport

extension TestClientProtocol {
    /// Sends one request as `credential` (anonymously when nil). `json` sets a JSON body (and its
    /// Content-Type unless `headers` names one); `bytes` sets a raw body.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, as credential: Credential?, headers: HTTPFields = [:], json: String? = nil,
        bytes: [UInt8]? = nil
    ) async throws -> TestResponse {
        var fields = credential?.headers ?? [:]
        for field in headers { fields[field.name] = field.value }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(string: json)
            if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        }
        if let bytes { body = ByteBuffer(bytes: bytes) }
        return try await execute(uri: uri, method: method, headers: fields, body: body)
    }
}

extension TestResponse {
    /// The body parsed as JSON (nil when it is not JSON).
    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) }
    /// The body as UTF-8 text.
    var text: String { String(buffer: body) }
    /// The body's bytes.
    var bytes: [UInt8] { Array(body.readableBytesView) }
    /// The `message` of a Glance error body.
    var errorMessage: String? { json?["error"]?["message"]?.string }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var bool: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    var int: Int64? {
        if case .int(let number) = self { return number }
        return nil
    }

    var isNull: Bool { self == .null }
}

extension HTTPField.Name {
    static let acceptPatch = HTTPField.Name.literal("Accept-Patch")
    static let purgeProps = HTTPField.Name.literal("X-Glance-Registry-Purge-Props")

    /// A v1 metadata header (`x-image-meta-<name>`).
    static func meta(_ name: String) -> HTTPField.Name { HTTPField.Name("x-image-meta-" + name) ?? .literal("x-image-meta-invalid") }
}

/// The media type of v2.1 JSON patches.
let patchMediaType = "application/openstack-images-v2.1-json-patch"

/// The people of a sharing story (the same cast as the storage tests), in one world.
struct Cast {
    let world: TestWorld
    /// The producer, tenant 1001 (role member), and the same tenant with an admin-role token.
    let owner: Credential
    let ownerAdmin: Credential
    /// Consumers 2002, 2003, 2004.
    let consumer: Credential
    let otherConsumer: Credential
    let thirdConsumer: Credential
    /// Tenant 3003, related to nothing.
    let stranger: Credential
    /// Tenant 4004 with an admin-role token.
    let tenantAdmin: Credential
    let staffAdmin: Credential
    let support: Credential

    init(settings: StorageSettings = StorageSettings()) async throws {
        let world = try TestWorld(settings: settings)
        self.world = world
        let producer = try await world.tenant("1001")
        owner = try await world.token(producer)
        ownerAdmin = try await world.token(producer, role: .admin)
        consumer = try await world.token(try await world.tenant("2002"))
        otherConsumer = try await world.token(try await world.tenant("2003"))
        thirdConsumer = try await world.token(try await world.tenant("2004"))
        stranger = try await world.token(try await world.tenant("3003"))
        tenantAdmin = try await world.token(try await world.tenant("4004"), role: .admin)
        staffAdmin = try await world.staff("ops", role: .admin)
        support = try await world.staff("help", role: .support)
    }

    var images: any ImageRepository { world.dependencies.images }

    /// An active image of the owner (created with the admin token so any visibility is allowed).
    func image(_ name: String = "image", visibility: Visibility = .shared, data: [UInt8] = Array("hello image".utf8), properties: [String: String] = [:]) async throws -> Image {
        try await world.activeImage(by: ownerAdmin, name: name, visibility: visibility, data: data, properties: properties)
    }

    /// Adds `member` to `image` as the owner, then sets its status as the member.
    func share(_ image: Image, with member: Credential, status: MemberStatus = .pending) async throws {
        let memberID = try #require(member.tenant)
        _ = try await images.addMember(memberID.rawValue, to: image.id, canShare: false, sharePrivate: false, actor: owner.actor)
        if status != .pending {
            _ = try await images.setStatus(status.rawValue, member: memberID.rawValue, of: image.id, actor: member.actor)
        }
    }

    /// Changes an image's visibility as the owner's admin token.
    func setVisibility(_ image: Image, _ visibility: Visibility) async throws {
        _ = try await images.update(image.id, actor: ownerAdmin.actor) { _ throws(DomainError) in [.visibility(visibility)] }
    }
}

/// Deterministic bytes that no format inspector mistakes for a disk format.
func sampleBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// The image IDs of a v2 list response.
func listedIDs(_ response: TestResponse) -> [String] {
    (response.json?["images"]?.array ?? []).compactMap { $0["id"]?.string }
}
