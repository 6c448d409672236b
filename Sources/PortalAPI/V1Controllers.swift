import Foundation
package import Hummingbird
import NIOCore
package import PortalAuth
import PortalDomain
package import PortalCore

/// Glance v1 images: metadata in headers, data in the same request, over the very
/// same records and rules as v2 and the portal.
package struct V1ImagesController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("images", use: listBrief)
        group.get("images/detail", use: listDetail)
        group.post("images", use: create)
        group.head("images/:imageID", use: head)
        group.get("images/:imageID", use: get)
        group.put("images/:imageID", use: update)
        group.delete("images/:imageID", use: delete)
        group.rejectOtherMethods("images", allowed: [.get, .post])
        group.rejectOtherMethods("images/:imageID", allowed: [.get, .put, .delete])
    }

    /// A v1 request carries data when it has a body: chunked, or a non-zero Content-Length.
    static func hasBody(_ request: Request) -> Bool {
        if let encoding = request.headers[.transferEncoding], encoding.lowercased().contains("chunked") { return true }
        return (request.headers[.contentLength].flatMap(Int64.init) ?? 0) > 0
    }

    @Sendable func listBrief(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await list(request, context: context, detailed: false)
    }

    @Sendable func listDetail(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await list(request, context: context, detailed: true)
    }

    private func list(_ request: Request, context: AuthenticatedContext, detailed: Bool) async throws -> Response {
        let query = try V1Mapping.listQuery(QueryItems.parse(request.uri.query))
        let page = try await useCases.catalog.list(query, for: context.principal)
        var json = JSONWriter(capacity: 64 + page.images.count * 600)
        json.beginObject()
        json.key("images")
        json.beginArray()
        for image in page.images {
            if detailed { V1Mapping.writeDetail(image, into: &json) } else { V1Mapping.writeBrief(image, into: &json) }
        }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let metadata = V1Mapping.metadata(from: request.headers)
        let draft = try V1Mapping.draft(metadata)
        let declared = try V1Mapping.declared(metadata)
        let image: Image
        if Self.hasBody(request) {
            try APISupport.requireOctetStream(request)
            image = try await useCases.imageData.create(draft, data: request.body, declared: declared, by: context.actor)
        } else {
            try V1Mapping.requireNoDataFacts(declared)
            image = try await useCases.catalog.create(draft, by: context.actor)
        }
        return Self.detail(image, status: .created, headers: [.location: VersionsController.origin(of: request) + "/image/v1/images/\(image.id)"])
    }

    @Sendable func head(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let image = try await useCases.catalog.show(try APISupport.imageID(context), for: context.principal).image
        return Response(status: .ok, headers: V1Mapping.headers(for: image))
    }

    @Sendable func get(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let image = try await useCases.catalog.show(id, for: context.principal).image
        guard let download = try await useCases.imageData.download(id, range: .whole, for: context.principal) else {
            // No data yet: the metadata alone, as Glance v1 answers for a queued image.
            var headers = V1Mapping.headers(for: image)
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers)
        }
        return GlanceRepresentation.download(download, headers: V1Mapping.headers(for: download.image))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let metadata = V1Mapping.metadata(from: request.headers)
        let purge = request.headers[.literal("X-Glance-Registry-Purge-Props")]?.lowercased() == "true"
        let declared = try V1Mapping.declared(metadata)
        let changes: ImageChanges = { current throws(DomainError) in try V1Mapping.changes(metadata, purge: purge, current: current) }
        guard Self.hasBody(request) else {
            guard declared.checksum == nil else { throw DomainError.invalid("x-image-meta-checksum describes data: send it together with the data.") }
            return Self.detail(try await useCases.catalog.update(id, by: context.actor, changes: changes), status: .ok)
        }
        try APISupport.requireOctetStream(request)
        // Metadata and data land together, or neither does.
        let image = try await useCases.imageData.upload(request.body, to: id, declared: declared, applying: changes, by: context.actor)
        return Self.detail(image, status: .ok)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await useCases.lifecycle.delete(try APISupport.imageID(context), by: context.actor)
        return Response(status: .ok)
    }

    static func detail(_ image: Image, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("image")
        V1Mapping.writeDetail(image, into: &json)
        json.endObject()
        return GlanceRepresentation.jsonResponse(json, status: status, headers: headers)
    }
}

/// Glance v1 memberships: `can_share`, whole-list replacement, shared-images.
package struct V1MembersController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("images/:imageID/members", use: list)
        group.put("images/:imageID/members", use: replace)
        group.get("images/:imageID/members/:memberID", use: show)
        group.put("images/:imageID/members/:memberID", use: put)
        group.delete("images/:imageID/members/:memberID", use: delete)
        group.get("shared-images/:tenant", use: sharedImages)
        group.rejectOtherMethods("images/:imageID/members", allowed: [.get, .put])
        group.rejectOtherMethods("images/:imageID/members/:memberID", allowed: [.get, .put, .delete])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let members = try await useCases.sharing.members(of: try APISupport.imageID(context), for: context.principal, api: .v1)
        var json = JSONWriter(capacity: 64 * (members.count + 1))
        json.beginObject()
        json.key("members")
        json.beginArray()
        for member in members { Self.write(member, into: &json) }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let target = APISupport.parameter(context, "memberID")
        guard let member = try await useCases.sharing.members(of: id, for: context.principal, api: .v1).first(where: { $0.memberID.rawValue == target }) else {
            throw MemberRules.notFound(target, image: id)
        }
        var json = JSONWriter()
        json.beginObject()
        json.key("member")
        Self.write(member, into: &json)
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    /// Adds a member or updates its `can_share`; idempotent; 204.
    @Sendable func put(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let canShare = try V1Mapping.canShare(fromBody: try await request.body.collect(upTo: context.maxUploadSize))
        try await useCases.sharing.putMemberV1(APISupport.parameter(context, "memberID"), on: id, canShare: canShare, by: context.actor)
        return Response(status: .noContent)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await useCases.sharing.removeMember(APISupport.parameter(context, "memberID"), from: try APISupport.imageID(context), by: context.actor, api: .v1)
        return Response(status: .noContent)
    }

    /// Replaces the whole list: `{"memberships": [{"member_id", "can_share"?}, ...]}`.
    @Sendable func replace(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let entries = try V1Mapping.memberships(from: try await APISupport.jsonObject(request, context: context))
        try await useCases.sharing.replaceMembersV1(on: id, with: entries, by: context.actor)
        return Response(status: .noContent)
    }

    @Sendable func sharedImages(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try TenantID.parse(APISupport.parameter(context, "tenant"))
        return Self.sharedImages(try await useCases.sharing.sharedImagesV1(of: tenant, for: context.principal))
    }

    /// `{"shared_images": [{"image_id", "can_share"}]}`.
    static func sharedImages(_ shared: [Member]) -> Response {
        var json = JSONWriter(capacity: 80 * (shared.count + 1))
        json.beginObject()
        json.key("shared_images")
        json.beginArray()
        for entry in shared {
            json.beginObject()
            json.field("image_id", entry.imageID.rawValue)
            json.field("can_share", entry.canShare)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return GlanceRepresentation.jsonResponse(json)
    }

    static func write(_ member: Member, into json: inout JSONWriter) {
        json.beginObject()
        json.field("member_id", member.memberID.rawValue)
        json.field("can_share", member.canShare)
        json.endObject()
    }
}
