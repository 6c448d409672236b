package import Hummingbird
package import PortalAuth
package import PortalCore
import PortalDomain

/// Our extensions for the portal and scripts: the export checklist and the lineage chain.
package struct LineageController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("images/:imageID/export-check", use: exportCheck)
        group.get("images/:imageID/lineage", use: lineage)
    }

    @Sendable func exportCheck(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        return Self.checklist(id, try await useCases.lineage.exportChecklist(id, for: context.principal))
    }

    @Sendable func lineage(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let image = try await useCases.catalog.show(id, for: context.principal).image
        return Self.lineage(image, try await useCases.lineage.lineage(of: id, for: context.principal))
    }

    /// `{"image_id", "exportable", "checks": [{"check", "title", "passed", "reason"}]}`.
    static func checklist(_ id: ImageID, _ results: [ExportCheck.Result]) -> Response {
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

    /// `{"image_id", "origin", "ancestors": [...]}`.
    static func lineage(_ image: Image, _ chain: [LineageStep]) -> Response {
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.field("image_id", image.id.rawValue)
        json.key("origin")
        write(image.origin, into: &json)
        json.key("ancestors")
        json.beginArray()
        for step in chain { write(step, into: &json) }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    /// One ancestor; another tenant's image the caller may not see shows only that it exists in the chain.
    static func write(_ step: LineageStep, into json: inout JSONWriter) {
        json.beginObject()
        if step.hidden {
            json.field("hidden", true)
        } else {
            json.field("image_id", step.imageID.rawValue)
            json.field("name", step.name)
            json.field("owner", step.owner.rawValue)
            json.field("status", step.status.rawValue)
            json.key("origin")
            write(step.origin, into: &json)
        }
        json.endObject()
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
