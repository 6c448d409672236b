import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalCore
import PortalDomain

/// Activity: the audit events the active account may read (its images, memberships, actions;
/// staff: everything), filtered, paged, and downloadable as CSV.
struct ActivityController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.activity), use: list)
        group.get(RouterPath(stringLiteral: Paths.activityCSV), use: csv)
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        var query = try AuditQuery.parse(items)
        query.limit = 50
        let page = try await useCases.audit.events(query, for: context.principal)
        return try renderer.page("activity", ActivityPage.Model(page, query: items, context: context))
    }

    /// The filtered events as CSV, up to 10,000 rows, newest first.
    @Sendable func csv(_ request: Request, context: WebContext) async throws -> Response {
        let events = try await useCases.audit.export(try AuditQuery.parse(QueryItems.parse(request.uri.query)), for: context.principal, limit: 10_000)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"activity.csv\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: ActivityCSV.document(events))))
    }
}
