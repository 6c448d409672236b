import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalDomain

/// Small request helpers shared by the API controllers.
enum APISupport {
    /// The image ID in the path. A malformed ID is answered like an unknown one (404), as Glance
    /// does: openstacksdk's `find_image` relies on that to fall back to a search by name.
    static func imageID(_ context: AuthenticatedContext, _ name: String = "imageID") throws -> ImageID {
        let text = context.parameters.get(name) ?? ""
        guard let id = ImageID(rawValue: text) else { throw DomainError.notFound("No image with ID \(text.prefix(64)).") }
        return id
    }

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

    /// An empty response with a status.
    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status)
    }
}
