import Foundation
package import Hummingbird
import Mustache
package import PortalAuth

/// Renders pages from `templates/` (Mustache, HTML-escaped by default).
package struct WebRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads every `*.mustache` under `directory`.
    package init(templatesDirectory: String) async throws {
        library = try await MustacheLibrary(directory: templatesDirectory)
    }

    /// Renders a model through a template.
    func render(_ model: Any, template: String) throws -> String {
        guard library.getTemplate(named: template) != nil, let html = library.render(model, withTemplate: template) else {
            throw RenderError(template: template)
        }
        return html
    }

    /// A rendered page as a response.
    func page(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let html = try render(model, template: template)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The error page: status, a plain message, the request ID.
    package func errorPage(_ error: PresentableError, requestID: String) -> Response {
        let model = ErrorPage.Model(
            code: error.status.code, reason: error.status.reasonPhrase, message: error.message, requestID: requestID,
            signIn: error.status == .unauthorized)
        let html = (try? render(model, template: "errors/error"))
            ?? "<!doctype html><title>\(error.status.code)</title><p>\(error.status.code) \(error.status.reasonPhrase). Request ID \(requestID)</p>"
        var headers = error.headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    struct RenderError: Error, CustomStringConvertible {
        let template: String
        var description: String { "template '\(template)' is missing or failed to render" }
    }
}
