package import Hummingbird
package import PortalAuth
import PortalDomain
package import PortalStorage

/// Glance v2 image members: the producer adds and removes, the consumer answers.
package struct MembersController: Sendable {
    let images: any ImageRepository

    package init(images: any ImageRepository) { self.images = images }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("images/:imageID/members", use: list)
        group.post("images/:imageID/members", use: create)
        group.get("images/:imageID/members/:memberID", use: show)
        group.put("images/:imageID/members/:memberID", use: update)
        group.delete("images/:imageID/members/:memberID", use: delete)
        group.rejectOtherMethods("images/:imageID/members", allowed: [.get, .post])
        group.rejectOtherMethods("images/:imageID/members/:memberID", allowed: [.get, .put, .delete])
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let body = try await APISupport.jsonObject(request, context: context)
        guard let value = body["member"] else { throw DomainError.invalid("Member to be added not specified") }
        guard case .string(let candidate) = value else { throw DomainError.invalid("Expected a member in the form: {\"member\": \"tenant_id\"}") }
        guard !candidate.isEmpty else { throw DomainError.invalid("Member can't be empty") }
        let member = try await images.addMember(candidate, to: id, canShare: false, sharePrivate: false, actor: context.actor)
        return GlanceRepresentation.member(member)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        GlanceRepresentation.members(try await images.members(of: try APISupport.imageID(context), for: context.principal))
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let member = try await images.member(APISupport.parameter(context, "memberID"), of: try APISupport.imageID(context), for: context.principal)
        return GlanceRepresentation.member(member)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let body = try await APISupport.jsonObject(request, context: context)
        guard let value = body["status"] else { throw DomainError.invalid("Status not specified") }
        guard case .string(let status) = value else { throw DomainError.invalid("Expected a status in the form: {\"status\": \"status\"}") }
        let member = try await images.setStatus(status, member: APISupport.parameter(context, "memberID"), of: id, actor: context.actor)
        return GlanceRepresentation.member(member)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await images.removeMember(APISupport.parameter(context, "memberID"), from: try APISupport.imageID(context), requireShared: true, actor: context.actor)
        return APISupport.empty(.noContent)
    }
}

/// Our extensions for the portal and scripts: the export checklist and the lineage chain.
package struct LineageController: Sendable {
    let images: any ImageRepository

    package init(images: any ImageRepository) { self.images = images }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("images/:imageID/export-check", use: exportCheck)
        group.get("images/:imageID/lineage", use: lineage)
    }

    @Sendable func exportCheck(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let results = try await images.exportChecklist(id, for: context.principal)
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.field("image_id", id.rawValue)
        json.field("exportable", results.allSatisfy(\.passed))
        json.key("checks")
        json.beginArray()
        for result in results {
            json.beginObject()
            json.field("check", result.item.rawValue)
            json.field("title", result.item.title)
            json.field("passed", result.passed)
            json.field("reason", result.reason)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func lineage(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let view = try await images.find(id, for: context.principal)
        let chain = try await images.lineage(of: id, for: context.principal)
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.field("image_id", id.rawValue)
        json.key("origin")
        LineageController.write(view.image.origin, into: &json)
        json.key("ancestors")
        json.beginArray()
        for step in chain {
            json.beginObject()
            if step.hidden {
                // Another tenant's image the caller may not see: only that it exists in the chain.
                json.field("hidden", true)
            } else {
                json.field("image_id", step.imageID.rawValue)
                json.field("name", step.name)
                json.field("owner", step.owner.rawValue)
                json.field("status", step.status.rawValue)
                json.key("origin")
                LineageController.write(step.origin, into: &json)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    static func write(_ origin: ImageOrigin, into json: inout JSONWriter) {
        json.beginObject()
        json.field("type", origin.kind)
        switch origin {
        case .upload: break
        case .importObject(let container, let object, let source):
            json.field("container", container)
            json.field("object", object)
            json.field("exported_from", source?.rawValue)
        case .snapshot(let server, let boot):
            json.field("server_id", server.rawValue)
            json.field("boot_image_id", boot.rawValue)
        case .copy(let of):
            json.field("copy_of", of.rawValue)
        }
        json.endObject()
    }
}
