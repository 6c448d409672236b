import Foundation
package import Hummingbird
package import PortalAuth
import PortalDomain
package import PortalStorage

/// The compute subset at `/compute/v2.1`: servers of the built-in local provider, and snapshots.
package struct ComputeController: Sendable {
    let compute: any ComputeRepository

    package init(compute: any ComputeRepository) { self.compute = compute }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("servers", use: list)
        group.get("servers/detail", use: detail)
        group.post("servers", use: create)
        group.get("servers/:serverID", use: show)
        group.delete("servers/:serverID", use: delete)
        group.post("servers/:serverID/action", use: action)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let body = try await APISupport.jsonObject(request, context: context)
        guard case .object(let server)? = body["server"] else { throw DomainError.invalid("Expected a body of the form {\"server\": {\"name\": ..., \"imageRef\": ...}}.") }
        guard case .string(let name)? = server["name"] else { throw DomainError.invalid("A server needs a 'name'.") }
        guard case .string(let imageRef)? = server["imageRef"] else { throw DomainError.invalid("A server needs an 'imageRef' (the ID of the image to boot from).") }
        let created = try await compute.create(name: name, imageRef: imageRef, actor: context.actor)
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
        let tenant = try ComputeRules.requireTenant(context.principal)
        let servers = try await compute.servers(of: tenant)
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
        let server = try await compute.server(try Self.serverID(context), for: context.principal)
        var json = JSONWriter()
        json.beginObject()
        json.key("server")
        Self.write(server, into: &json)
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await compute.delete(try Self.serverID(context), actor: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func action(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try Self.serverID(context)
        let body = try await APISupport.jsonObject(request, context: context)
        guard case .object(let createImage)? = body["createImage"] else {
            throw DomainError.invalid("Unsupported server action: this compute provider supports createImage.")
        }
        guard case .string(let name)? = createImage["name"] else { throw DomainError.invalid("createImage needs a 'name'.") }
        var metadata: [String: String] = [:]
        if let value = createImage["metadata"] {
            guard case .object(let object) = value else { throw DomainError.invalid("createImage 'metadata' must be an object of strings.") }
            for (key, item) in object {
                guard case .string(let text) = item else { throw DomainError.invalid("createImage metadata '\(key.prefix(64))' must be a string.") }
                metadata[key] = text
            }
        }
        let image = try await compute.snapshot(id, name: name, metadata: metadata, actor: context.actor)
        var json = JSONWriter()
        json.beginObject()
        json.field("image_id", image.id.rawValue)
        json.endObject()
        return GlanceRepresentation.jsonResponse(json, status: .accepted, headers: [.location: "/image/v2/images/\(image.id)"])
    }

    private static func serverID(_ context: AuthenticatedContext) throws -> ServerID {
        let text = context.parameters.get("serverID") ?? ""
        guard let id = ServerID(rawValue: text) else { throw DomainError.notFound("No server with ID \(text.prefix(64)).") }
        return id
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

/// Glance v2 tasks at `/image/v2/tasks`: import from and export to the tenant's containers.
package struct TasksController: Sendable {
    let tasks: any TaskRepository

    package init(tasks: any TaskRepository) { self.tasks = tasks }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("tasks", use: list)
        group.post("tasks", use: create)
        group.get("tasks/:taskID", use: show)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let body = try await APISupport.jsonObject(request, context: context)
        guard case .string(let typeText)? = body["type"], let type = TaskType(rawValue: typeText) else {
            throw DomainError.invalid("A task needs a 'type': import or export.")
        }
        guard case .object(let input)? = body["input"] else { throw DomainError.invalid("A task needs an 'input' object.") }
        let task = try await tasks.create(type: type, input: input, actor: context.actor)
        var json = JSONWriter()
        Self.write(task, into: &json)
        return GlanceRepresentation.jsonResponse(json, status: .created, headers: [.location: "/image/v2/tasks/\(task.id)"])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        let page = try await tasks.list(try TaskQuery.parse(items), for: context.principal)
        var json = JSONWriter(capacity: 512 * (page.tasks.count + 1))
        json.beginObject()
        json.key("tasks")
        json.beginArray()
        for task in page.tasks { Self.write(task, into: &json, brief: true) }
        json.endArray()
        let kept = items.filter { $0.name != "marker" }
        json.field("first", kept.isEmpty ? "/v2/tasks" : "/v2/tasks?" + QueryItems.encode(kept))
        if let next = page.next { json.field("next", "/v2/tasks?" + QueryItems.encode(kept + [("marker", next.rawValue)])) }
        json.field("schema", "/v2/schemas/tasks")
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let text = context.parameters.get("taskID") ?? ""
        guard let id = TaskID(rawValue: text) else { throw DomainError.notFound("No task with ID \(text.prefix(64)).") }
        var json = JSONWriter()
        Self.write(try await tasks.task(id, for: context.principal), into: &json)
        return GlanceRepresentation.jsonResponse(json)
    }

    /// Glance's task shape (the list omits input, result and message, as Glance does).
    static func write(_ task: PortalTask, into json: inout JSONWriter, brief: Bool = false) {
        json.beginObject()
        json.field("id", task.id.rawValue)
        json.field("type", task.type.rawValue)
        json.field("status", task.status.rawValue)
        json.field("owner", task.owner.rawValue)
        if !brief {
            json.key("input")
            writeJSON(.object(task.input), into: &json)
            json.key("result")
            if let result = task.result { writeJSON(.object(result), into: &json) } else { json.null() }
            json.field("message", task.message)
        }
        json.field("created_at", Timestamp.iso8601(task.createdAt))
        json.field("updated_at", Timestamp.iso8601(task.updatedAt))
        json.field("expires_at", task.expiresAt.map(Timestamp.iso8601))
        json.field("self", "/v2/tasks/\(task.id)")
        json.field("schema", "/v2/schemas/task")
        json.endObject()
    }

    static func writeJSON(_ value: JSONValue, into json: inout JSONWriter) {
        switch value {
        case .null: json.null()
        case .bool(let flag): json.bool(flag)
        case .int(let number): json.int(number)
        case .double(let number): json.string(String(number))
        case .string(let text): json.string(text)
        case .array(let items):
            json.beginArray()
            for item in items { writeJSON(item, into: &json) }
            json.endArray()
        case .object(let object):
            json.beginObject()
            for (key, item) in object.sorted(by: { $0.key < $1.key }) {
                json.key(key)
                writeJSON(item, into: &json)
            }
            json.endObject()
        }
    }
}
