package import PortalCore
package import HTTPTypes
package import Hummingbird
import NIOHTTP1
package import PortalDomain

extension DomainError {
    /// The one table from domain errors to HTTP statuses, shared by the API and the portal.
    package var status: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .rangeNotSatisfiable: .rangeNotSatisfiable
        case .rateLimited: .tooManyRequests
        case .unprocessable: .unprocessableContent
        }
    }
}

/// What an error means to a caller: a status and a message safe to show.
package struct PresentableError: Sendable {
    package var status: HTTPResponse.Status
    package var message: String
    /// Extra response headers (e.g. `Content-Range` on 416, `Accept-Patch` on 415).
    package var headers: HTTPFields
    /// True for errors the server caused (logged at `.error`).
    package var isServerError: Bool { status.code >= 500 }

    /// Classifies any error: domain errors and Hummingbird's HTTP errors keep their meaning;
    /// anything else is a 500 whose details are logged, never shown.
    package init(_ error: any Error) {
        headers = [:]
        switch error {
        case let domain as DomainError:
            status = domain.status
            message = domain.message
            if case .rangeNotSatisfiable(let size) = domain { headers[.contentRange] = "bytes */\(size)" }
            if case .unsupportedMediaType = domain, let patch = HTTPField.Name("Accept-Patch") {
                headers[patch] = "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch"
            }
        case let http as HTTPError:
            status = http.status
            message = http.body ?? Self.defaultMessage(http.status)
            headers = http.headers
        case let response as any HTTPResponseError:
            status = response.status
            message = Self.defaultMessage(response.status)
        case let store as StoreFailure where store.isNoSpace:
            status = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
            message = "The server's storage is full; nothing was stored. Try again later."
        case is DecodingError:
            status = .badRequest
            message = "The request body is not valid JSON of the expected shape."
        case let parser as HTTPParserError where parser == .invalidEOFState:
            // The client went away part way through its body: its fault, and nothing was kept.
            status = .badRequest
            message = "The request body ended before it was complete (the connection closed); nothing was stored."
        default:
            status = .internalServerError
            message = "The server failed to complete the request. The request ID identifies it in the server's log."
        }
    }

    /// A status-specific default message.
    package static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "The request is malformed."
        case 401: "This request needs valid credentials."
        case 403: "You are not allowed to do this."
        case 404: "The resource could not be found."
        case 405: "This method is not allowed on this resource."
        case 413: "The request body is too large."
        case 415: "The request body's media type is not supported here."
        default: status.reasonPhrase
        }
    }
}


extension ResponseBody {
    /// Streams bytes as a response body of a known length (image and object downloads).
    package static func streaming(_ chunks: ByteStream, length: Int64) -> ResponseBody {
        ResponseBody(contentLength: Int(length)) { writer in
            for try await chunk in chunks { try await writer.write(chunk) }
            try await writer.finish(nil)
        }
    }
}
