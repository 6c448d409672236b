package import Hummingbird
package import PortalAuth
import PortalDomain
package import PortalCore

/// `GET /audit/v1/events`: the append-only audit trail. Tenants read the events about their own
/// images, memberships and actions; support and admin staff read all. Nothing changes or deletes events.
package struct AuditController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("events", use: list)
        // The trail is append-only: nothing changes or deletes events through the API.
        group.rejectOtherMethods("events", allowed: [.get])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        let page = try await useCases.audit.events(try AuditQuery.parse(items), for: context.principal)
        var json = JSONWriter(capacity: 400 * (page.events.count + 1))
        json.beginObject()
        json.key("events")
        json.beginArray()
        for event in page.events { Self.write(event, into: &json) }
        json.endArray()
        if let next = page.next {
            json.field("next", "/audit/v1/events?" + QueryItems.encode(items.filter { $0.name != "marker" } + [("marker", String(next))]))
        }
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    static func write(_ event: AuditEvent, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id")
        json.optionalInt(event.id)
        json.field("at", Timestamp.iso8601(event.at))
        json.field("type", event.type.rawValue)
        json.field("actor", event.actor)
        json.field("actor_tenant", event.actorTenant?.rawValue)
        json.field("actor_staff", event.actorStaff?.rawValue)
        json.field("token_id", event.tokenID?.rawValue)
        json.field("request_id", event.requestID)
        json.field("image_id", event.imageID?.rawValue)
        json.field("image_owner", event.imageOwner?.rawValue)
        json.field("other_tenant", event.otherTenant?.rawValue)
        json.field("before", json: event.before.map(JSONValue.object))
        json.field("after", json: event.after.map(JSONValue.object))
        json.field("detail", event.detail)
        json.endObject()
    }
}
