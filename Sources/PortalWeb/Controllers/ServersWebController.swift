import Foundation
import Hummingbird
import PortalAuth
import PortalCore
import PortalDomain

/// Servers of the local compute provider: list, create from an image ID, detail, snapshot, delete.
struct ServersWebController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.servers), use: list)
        group.post(RouterPath(stringLiteral: Paths.servers), use: create)
        group.get("/servers/:serverID", use: show)
        group.post("/servers/:serverID/snapshot", use: snapshot)
        group.post("/servers/:serverID/delete", use: delete)
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let servers = try await useCases.compute.servers(for: context.principal)
        let imageRef = Form(fields: QueryItems.parse(request.uri.query))["image"] ?? ""
        return try renderer.page("servers/list", ServersPage.Model(servers, imageRef: imageRef, context: context))
    }

    @Sendable func create(_ request: Request, context: WebContext) async throws -> Response {
        guard let imageRef = context.form["image"] else { throw DomainError.invalid("Paste the ID of the image to boot from.") }
        let server = try await useCases.compute.boot(name: context.form["name"] ?? "", imageRef: imageRef, by: context.actor)
        return Response.redirect(to: Paths.server(server.id), flash: [.success("Server \(server.name) is running.")], jar: jar)
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let server = try await useCases.compute.server(try context.serverID(), for: context.principal)
        return try renderer.page("servers/detail", ServerDetailPage.Model(server, context: context))
    }

    @Sendable func snapshot(_ request: Request, context: WebContext) async throws -> Response {
        let image = try await useCases.compute.snapshot(try context.serverID(), name: context.form["name"] ?? "", metadata: [:], by: context.actor)
        return Response.redirect(to: Paths.image(image.id), flash: [.success("Created image \(image.name ?? "") from the server.")], jar: jar)
    }

    @Sendable func delete(_ request: Request, context: WebContext) async throws -> Response {
        try await useCases.compute.delete(try context.serverID(), by: context.actor)
        return Response.redirect(to: Paths.servers, flash: [.success("Server deleted.")], jar: jar)
    }
}

extension WebContext {
    /// The server ID in the path (a malformed one is a 404).
    func serverID() throws -> ServerID { try ServerID.fromPath(parameters.get("serverID") ?? "") }
}
