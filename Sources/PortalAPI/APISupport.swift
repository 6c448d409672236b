import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalDomain

/// Small request helpers shared by the API controllers.
enum APISupport {
    /// The ID in the path parameter `name` (a malformed one is a 404, like an unknown one).
    static func id<ID: UUIDIdentifier>(_ context: AuthenticatedContext, _ name: String) throws -> ID {
        try ID.fromPath(context.parameters.get(name) ?? "")
    }

    /// The image ID in the path.
    static func imageID(_ context: AuthenticatedContext) throws -> ImageID { try id(context, "imageID") }

    /// A path parameter, percent-decoded.
    static func parameter(_ context: AuthenticatedContext, _ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The request body as any JSON value (400 when it is not JSON; 413 over 1 MiB).
    static func json(_ request: Request, context: AuthenticatedContext) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw DomainError.invalid("Body expected in request.") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw DomainError.invalid("The request body is not valid JSON.")
        }
    }

    /// The request body as a JSON object.
    static func jsonObject(_ request: Request, context: AuthenticatedContext) async throws -> [String: JSONValue] {
        guard case .object(let object) = try await json(request, context: context) else {
            throw DomainError.invalid("The request body must be a JSON object.")
        }
        return object
    }

    /// The media type of the request, lower-cased, without parameters.
    static func mediaType(_ request: Request) -> String? {
        guard let value = request.headers[.contentType] else { return nil }
        return value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// The data of an upload must be `application/octet-stream` (415 otherwise).
    static func requireOctetStream(_ request: Request) throws {
        if let type = mediaType(request), type != "application/octet-stream" {
            throw DomainError.unsupportedMediaType("Image data must be sent as application/octet-stream, not \(type.prefix(64)).")
        }
    }

    /// A string member of a JSON body, with Glance's messages for a missing or mistyped one.
    static func string(_ body: [String: JSONValue], _ key: String, missing: String, mistyped: String) throws -> String {
        guard let value = body[key] else { throw DomainError.invalid(missing) }
        guard case .string(let text) = value else { throw DomainError.invalid(mistyped) }
        return text
    }

    /// An empty response with a status.
    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status)
    }
}
