import Foundation
package import Hummingbird
package import PortalAuth
import PortalDomain

/// The versions document at `/image` and `/image/` (300 Multiple Choices, no token needed).
package struct VersionsController: Sendable {
    /// An operator-set public base URL (e.g. `https://images.example.com`), or nil to use the request's own.
    let publicBaseURL: String?

    package init(publicBaseURL: String?) { self.publicBaseURL = publicBaseURL }

    /// v2.7 is the newest level implemented (community visibility, os_hidden, multihash);
    /// v1 is served and deprecated, as in Glance.
    static let versions: [(id: String, path: String, status: String)] =
        [("v2.7", "v2", "CURRENT")]
        + ["v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"].map { ($0, "v2", "SUPPORTED") }
        + [("v1.1", "v1", "DEPRECATED"), ("v1.0", "v1", "DEPRECATED")]

    package func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.get(use: index)
        // Glance answers the explicit `/versions` with 200: the glance CLI negotiates there.
        group.get("versions") { request, context in try await index(request, context: context, status: .ok) }
    }

    @Sendable func index(_ request: Request, context: PortalRequestContext) async throws -> Response {
        try await index(request, context: context, status: .multipleChoices)
    }

    func index(_ request: Request, context: PortalRequestContext, status: HTTPResponse.Status) async throws -> Response {
        let base = (publicBaseURL ?? Self.origin(of: request)) + "/image/"
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("versions")
        json.beginArray()
        for version in Self.versions {
            json.beginObject()
            json.field("id", version.id)
            json.field("status", version.status)
            json.key("links")
            json.beginArray()
            json.beginObject()
            json.field("rel", "self")
            json.field("href", base + version.path + "/")
            json.endObject()
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json, status: status)
    }

    /// `scheme://host:port` of the request itself.
    static func origin(of request: Request) -> String {
        let scheme = request.head.scheme ?? "http"
        let host = request.head.authority ?? "127.0.0.1"
        let safeHost = host.allSatisfy { $0.isLetter || $0.isNumber || ".-:[]_".contains($0) } ? host : "127.0.0.1"
        return "\(scheme)://\(safeHost)"
    }
}
