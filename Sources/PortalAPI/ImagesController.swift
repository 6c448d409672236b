import Foundation
package import Hummingbird
package import PortalAuth
package import PortalCore
import PortalDomain

/// Glance v2 images: create, show, list, update (JSON patch), delete, deactivate/reactivate, tags.
package struct ImagesController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

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
        let image = try await useCases.catalog.create(draft, by: context.actor)
        let location = VersionsController.origin(of: request) + "/image/v2/images/\(image.id)"
        return GlanceRepresentation.image(image, status: .created, headers: [.location: location])
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        GlanceRepresentation.image(try await useCases.catalog.show(try APISupport.imageID(context), for: context.principal).image)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        let page = try await useCases.catalog.list(try ImageListQuery.parse(items), for: context.principal)
        return GlanceRepresentation.imageList(page, query: items)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let operations = try ImageRules.patchOperations(
            from: try await APISupport.json(request, context: context), draft10: try GlanceRepresentation.patchDialect(request))
        let image = try await useCases.catalog.update(id, by: context.actor) { current throws(DomainError) in
            try ImageRules.changes(from: operations, current: current)
        }
        return GlanceRepresentation.image(image)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await useCases.lifecycle.delete(try APISupport.imageID(context), by: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func deactivate(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await useCases.lifecycle.deactivate(try APISupport.imageID(context), by: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func reactivate(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await useCases.lifecycle.reactivate(try APISupport.imageID(context), by: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func addTag(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await useCases.catalog.addTag(APISupport.parameter(context, "tag"), to: try APISupport.imageID(context), by: context.actor)
        return APISupport.empty(.noContent)
    }

    @Sendable func removeTag(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await useCases.catalog.removeTag(APISupport.parameter(context, "tag"), from: try APISupport.imageID(context), by: context.actor)
        return APISupport.empty(.noContent)
    }
}
