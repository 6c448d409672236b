import Foundation
package import Hummingbird
package import PortalAuth
package import PortalCore
import PortalDomain

/// Glance v2 tasks at `/image/v2/tasks`: import from and export to the tenant's containers.
package struct TasksController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

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
        let task = try await useCases.tasks.create(type, input: input, by: context.actor)
        var json = JSONWriter()
        Self.write(task, into: &json)
        return GlanceRepresentation.jsonResponse(json, status: .created, headers: [.location: "/image/v2/tasks/\(task.id)"])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        return Self.list(try await useCases.tasks.list(try TaskQuery.parse(items), for: context.principal), query: items)
    }

    /// A page of tasks with Glance's `first`, `next` and `schema` links.
    static func list(_ page: TaskPage, query items: [(name: String, value: String)]) -> Response {
        var json = JSONWriter(capacity: 512 * (page.tasks.count + 1))
        json.beginObject()
        json.key("tasks")
        json.beginArray()
        for task in page.tasks { write(task, into: &json, brief: true) }
        json.endArray()
        let kept = items.filter { $0.name != "marker" }
        json.field("first", kept.isEmpty ? "/v2/tasks" : "/v2/tasks?" + QueryItems.encode(kept))
        if let next = page.next { json.field("next", "/v2/tasks?" + QueryItems.encode(kept + [("marker", next.rawValue)])) }
        json.field("schema", "/v2/schemas/tasks")
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var json = JSONWriter()
        Self.write(try await useCases.tasks.task(try APISupport.id(context, "taskID"), for: context.principal), into: &json)
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
            json.field("input", json: .object(task.input))
            json.field("result", json: task.result.map(JSONValue.object))
            json.field("message", task.message)
        }
        json.field("created_at", Timestamp.iso8601(task.createdAt))
        json.field("updated_at", Timestamp.iso8601(task.updatedAt))
        json.field("expires_at", task.expiresAt.map(Timestamp.iso8601))
        json.field("self", "/v2/tasks/\(task.id)")
        json.field("schema", "/v2/schemas/task")
        json.endObject()
    }
}
