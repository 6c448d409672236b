import Foundation
package import Hummingbird
package import PortalAuth
import PortalDomain
package import PortalCore

/// The compute subset at `/compute/v2.1`: servers of the built-in local provider, and snapshots.
package struct ComputeController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("servers", use: list)
        group.get("servers/detail", use: detail)
        group.post("servers", use: create)
        group.get("servers/:serverID", use: show)
        group.delete("servers/:serverID", use: delete)
        group.post("servers/:serverID/action", use: action)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let (name, imageRef) = try Self.bootRequest(try await APISupport.jsonObject(request, context: context))
        let created = try await useCases.compute.boot(name: name, imageRef: imageRef, by: context.actor)
        var json = JSONWriter()
        json.beginObject()
        json.key("server")
        json.beginObject()
        json.field("id", created.id.rawValue)
        Self.links(created, into: &json)
        json.endObject()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json, status: .accepted, headers: [.location: "/compute/v2.1/servers/\(created.id)"])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await listing(context, detailed: false)
    }

    @Sendable func detail(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await listing(context, detailed: true)
    }

    private func listing(_ context: AuthenticatedContext, detailed: Bool) async throws -> Response {
        let servers = try await useCases.compute.servers(for: context.principal)
        var json = JSONWriter(capacity: 256 * (servers.count + 1))
        json.beginObject()
        json.key("servers")
        json.beginArray()
        for server in servers {
            if detailed {
                Self.write(server, into: &json)
            } else {
                json.beginObject()
                json.field("id", server.id.rawValue)
                json.field("name", server.name)
                Self.links(server, into: &json)
                json.endObject()
            }
        }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let server = try await useCases.compute.server(try APISupport.id(context, "serverID"), for: context.principal)
        var json = JSONWriter()
        json.beginObject()
        json.key("server")
        Self.write(server, into: &json)
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await useCases.compute.delete(try APISupport.id(context, "serverID"), by: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func action(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id: ServerID = try APISupport.id(context, "serverID")
        let (name, metadata) = try Self.createImageRequest(try await APISupport.jsonObject(request, context: context))
        let image = try await useCases.compute.snapshot(id, name: name, metadata: metadata, by: context.actor)
        var json = JSONWriter()
        json.beginObject()
        json.field("image_id", image.id.rawValue)
        json.endObject()
        return GlanceRepresentation.jsonResponse(json, status: .accepted, headers: [.location: "/image/v2/images/\(image.id)"])
    }

    /// `{"server": {"name": ..., "imageRef": ...}}`.
    static func bootRequest(_ body: [String: JSONValue]) throws(DomainError) -> (name: String, imageRef: String) {
        guard case .object(let server)? = body["server"] else { throw .invalid("Expected a body of the form {\"server\": {\"name\": ..., \"imageRef\": ...}}.") }
        guard case .string(let name)? = server["name"] else { throw .invalid("A server needs a 'name'.") }
        guard case .string(let imageRef)? = server["imageRef"] else { throw .invalid("A server needs an 'imageRef' (the ID of the image to boot from).") }
        return (name, imageRef)
    }

    /// `{"createImage": {"name": ..., "metadata": {...}}}`: Nova's snapshot action, the only one this provider has.
    static func createImageRequest(_ body: [String: JSONValue]) throws(DomainError) -> (name: String, metadata: [String: String]) {
        guard case .object(let createImage)? = body["createImage"] else {
            throw .invalid("Unsupported server action: this compute provider supports createImage.")
        }
        guard case .string(let name)? = createImage["name"] else { throw .invalid("createImage needs a 'name'.") }
        var metadata: [String: String] = [:]
        if let value = createImage["metadata"] {
            guard case .object(let object) = value else { throw .invalid("createImage 'metadata' must be an object of strings.") }
            for (key, item) in object {
                guard case .string(let text) = item else { throw .invalid("createImage metadata '\(key.prefix(64))' must be a string.") }
                metadata[key] = text
            }
        }
        return (name, metadata)
    }

    private static func links(_ server: Server, into json: inout JSONWriter) {
        json.key("links")
        json.beginArray()
        json.beginObject()
        json.field("rel", "self")
        json.field("href", "/compute/v2.1/servers/\(server.id)")
        json.endObject()
        json.endArray()
    }

    static func write(_ server: Server, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", server.id.rawValue)
        json.field("name", server.name)
        json.field("status", server.status)
        json.field("tenant_id", server.tenant.rawValue)
        json.key("image")
        json.beginObject()
        json.field("id", server.imageID.rawValue)
        json.endObject()
        json.key("flavor")
        json.beginObject()
        json.field("original_name", "local")
        json.endObject()
        json.field("disk_bytes", server.diskSize)
        json.key("addresses")
        json.beginObject()
        json.endObject()
        json.key("metadata")
        json.beginObject()
        json.endObject()
        json.field("created", Timestamp.iso8601(server.createdAt))
        json.field("updated", Timestamp.iso8601(server.updatedAt))
        links(server, into: &json)
        json.endObject()
    }
}
