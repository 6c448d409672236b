package import Hummingbird
package import PortalAuth
package import PortalCore
import PortalDomain

/// Image data: streamed uploads (`PUT .../file`) and downloads with single ranges (`GET .../file`).
package struct ImageDataController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.put("images/:imageID/file", use: upload)
        group.get("images/:imageID/file", use: download)
        group.rejectOtherMethods("images/:imageID/file", allowed: [.get, .put])
    }

    @Sendable func upload(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        try APISupport.requireOctetStream(request)
        var declared = DeclaredData()
        if let text = request.headers[.xOpenstackImageSize] {
            guard let size = Int64(text), size >= 0 else { throw DomainError.invalid("Invalid or missing image size in request headers.") }
            declared.size = size
        }
        _ = try await useCases.imageData.upload(request.body, to: id, declared: declared, by: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func download(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let range = RangeRequest(header: request.headers[.range])
        guard let download = try await useCases.imageData.download(try APISupport.imageID(context), range: range, for: context.principal) else {
            return APISupport.empty(.noContent)
        }
        return GlanceRepresentation.download(download)
    }
}
