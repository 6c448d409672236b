import Foundation
package import Hummingbird
package import PortalAuth
import PortalDomain
package import PortalStorage

/// Glance v2 images: create, show, list, update (JSON patch), delete, deactivate/reactivate, tags.
package struct ImagesController: Sendable {
    let images: any ImageRepository

    package init(images: any ImageRepository) { self.images = images }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("images", use: list)
        group.post("images", use: create)
        group.get("images/:imageID", use: show)
        group.patch("images/:imageID", use: update)
        group.delete("images/:imageID", use: delete)
        group.post("images/:imageID/actions/deactivate", use: deactivate)
        group.post("images/:imageID/actions/reactivate", use: reactivate)
        group.put("images/:imageID/tags/:tag", use: addTag)
        group.delete("images/:imageID/tags/:tag", use: removeTag)
        group.rejectOtherMethods("images", allowed: [.get, .post])
        group.rejectOtherMethods("images/:imageID", allowed: [.get, .patch, .delete])
        group.rejectOtherMethods("images/:imageID/actions/deactivate", allowed: [.post])
        group.rejectOtherMethods("images/:imageID/actions/reactivate", allowed: [.post])
        group.rejectOtherMethods("images/:imageID/tags/:tag", allowed: [.put, .delete])
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let draft = try ImageRules.draft(fromV2: try await APISupport.jsonObject(request, context: context))
        let image = try await images.create(draft, origin: .upload, actor: context.actor)
        let location = VersionsController.origin(of: request) + "/image/v2/images/\(image.id)"
        return GlanceRepresentation.image(image, status: .created, headers: [.location: location])
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        GlanceRepresentation.image(try await images.find(try APISupport.imageID(context), for: context.principal).image)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        let page = try await images.list(try ImageListQuery.parse(items), for: context.principal)
        var json = JSONWriter(capacity: 64 + page.images.count * 900)
        json.beginObject()
        json.key("images")
        json.beginArray()
        for image in page.images { GlanceRepresentation.write(image, into: &json) }
        json.endArray()
        let kept = items.filter { $0.name != "marker" }
        json.field("first", kept.isEmpty ? "/v2/images" : "/v2/images?" + QueryItems.encode(kept))
        if let next = page.nextMarker {
            json.field("next", "/v2/images?" + QueryItems.encode(kept + [("marker", next.rawValue)]))
        }
        json.field("schema", "/v2/schemas/images")
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let draft10: Bool
        switch APISupport.mediaType(request) {
        case "application/openstack-images-v2.1-json-patch": draft10 = true
        case "application/openstack-images-v2.0-json-patch": draft10 = false
        default:
            throw DomainError.unsupportedMediaType(
                "Image PATCH expects Content-Type one of: application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch")
        }
        let operations = try ImageRules.patchOperations(from: try await APISupport.json(request, context: context), draft10: draft10)
        let image = try await images.update(id, actor: context.actor) { current throws(DomainError) in
            try ImageRules.changes(from: operations, current: current)
        }
        return GlanceRepresentation.image(image)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await images.delete(try APISupport.imageID(context), actor: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func deactivate(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await images.deactivate(try APISupport.imageID(context), actor: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func reactivate(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await images.reactivate(try APISupport.imageID(context), actor: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func addTag(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await images.addTag(APISupport.parameter(context, "tag"), to: try APISupport.imageID(context), actor: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func removeTag(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await images.removeTag(APISupport.parameter(context, "tag"), from: try APISupport.imageID(context), actor: context.actor)
        return APISupport.empty(.noContent)
    }
}
