import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCore
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

/// The image IDs of a v2 list response.
func listedIDs(_ response: TestResponse) -> [String] {
    (response.json?["images"]?.array ?? []).compactMap { $0["id"]?.string }
}
