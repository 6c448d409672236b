import Foundation
package import Hummingbird
import NIOCore
package import PortalAuth
import PortalDomain
package import PortalStorage

/// Glance v1 images (seed 003): metadata in headers, data in the same request, over the very
/// same records and rules as v2 and the portal.
package struct V1ImagesController: Sendable {
    let images: any ImageRepository
    let data: ImageDataService

    package init(images: any ImageRepository, data: ImageDataService) {
        self.images = images
        self.data = data
    }

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
        let page = try await images.list(query, for: context.principal)
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
            if let type = APISupport.mediaType(request), type != "application/octet-stream" {
                throw DomainError.unsupportedMediaType("Image data must be sent as application/octet-stream, not \(type.prefix(64)).")
            }
            if let id = draft.id, (try? await images.find(id, for: context.principal)) != nil {
                throw DomainError.conflict("An image with ID \(id) already exists.")
            }
            image = try await data.create(draft, data: request.body, declaredSize: declared.size, declaredChecksum: declared.checksum, actor: context.actor)
        } else {
            guard declared.checksum == nil, (declared.size ?? 0) == 0 else {
                throw DomainError.invalid("x-image-meta-size and x-image-meta-checksum describe data: send them together with the data.")
            }
            image = try await images.create(draft, origin: .upload, actor: context.actor)
        }
        return Self.detail(image, status: .created, headers: [.location: VersionsController.origin(of: request) + "/image/v1/images/\(image.id)"])
    }

    @Sendable func head(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let image = try await images.find(try APISupport.imageID(context), for: context.principal).image
        return Response(status: .ok, headers: V1Mapping.headers(for: image))
    }

    @Sendable func get(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let image = try await images.find(id, for: context.principal).image
        guard let download = try await data.download(id, range: nil, for: context.principal) else {
            // No data yet: the metadata alone, as Glance v1 answers for a queued image.
            var headers = V1Mapping.headers(for: image)
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers)
        }
        return ImageDataController.response(for: download, headers: V1Mapping.headers(for: download.image))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let metadata = V1Mapping.metadata(from: request.headers)
        let purge = request.headers[.literal("X-Glance-Registry-Purge-Props")]?.lowercased() == "true"
        let declared = try V1Mapping.declared(metadata)
        let withData = Self.hasBody(request)
        if !withData, declared.checksum != nil {
            throw DomainError.invalid("x-image-meta-checksum describes data: send it together with the data.")
        }
        let changes: ImageChanges = { current throws(DomainError) in try V1Mapping.changes(metadata, purge: purge, current: current) }
        let image: Image
        if withData {
            if let type = APISupport.mediaType(request), type != "application/octet-stream" {
                throw DomainError.unsupportedMediaType("Image data must be sent as application/octet-stream, not \(type.prefix(64)).")
            }
            // Metadata and data land together, or neither does.
            image = try await data.upload(
                request.body, to: id, declaredSize: declared.size, declaredChecksum: declared.checksum, applying: changes, actor: context.actor)
        } else {
            image = try await images.update(id, actor: context.actor, changes: changes)
        }
        return Self.detail(image, status: .ok)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await images.delete(try APISupport.imageID(context), actor: context.actor)
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

/// Glance v1 memberships (seed 003): `can_share`, whole-list replacement, shared-images.
package struct V1MembersController: Sendable {
    let images: any ImageRepository

    package init(images: any ImageRepository) { self.images = images }

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
        let members = try await images.membersV1(of: try APISupport.imageID(context), for: context.principal)
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
        guard let member = try await images.membersV1(of: id, for: context.principal).first(where: { $0.memberID.rawValue == target }) else {
            throw DomainError.notFound("\(target.prefix(64)) not found in the member list of the image \(id).")
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
        var canShare: Bool?
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        if body.readableBytes > 0 {
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) else {
                throw DomainError.invalid("Expected no body, or {\"member\": {\"can_share\": true|false}}.")
            }
            if case .object(let member)? = object["member"], let value = member["can_share"] {
                guard case .bool(let flag) = value else { throw DomainError.invalid("can_share must be true or false.") }
                canShare = flag
            }
        }
        try await images.putMemberV1(APISupport.parameter(context, "memberID"), on: id, canShare: canShare, actor: context.actor)
        return Response(status: .noContent)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await images.removeMember(APISupport.parameter(context, "memberID"), from: try APISupport.imageID(context), requireShared: false, actor: context.actor)
        return Response(status: .noContent)
    }

    /// Replaces the whole list: `{"memberships": [{"member_id", "can_share"?}, ...]}`.
    @Sendable func replace(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let body = try await APISupport.jsonObject(request, context: context)
        guard case .array(let items)? = body["memberships"] else {
            throw DomainError.invalid("Expected {\"memberships\": [{\"member_id\": ..., \"can_share\": ...}, ...]}.")
        }
        var entries: [(member: String, canShare: Bool?)] = []
        for item in items {
            guard case .object(let entry) = item, case .string(let member)? = entry["member_id"] else {
                throw DomainError.invalid("Each membership needs a member_id.")
            }
            var canShare: Bool?
            if let value = entry["can_share"] {
                guard case .bool(let flag) = value else { throw DomainError.invalid("can_share must be true or false.") }
                canShare = flag
            }
            entries.append((member, canShare))
        }
        try await images.replaceMembersV1(on: id, with: entries, actor: context.actor)
        return Response(status: .noContent)
    }

    @Sendable func sharedImages(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try TenantID.parse(APISupport.parameter(context, "tenant"))
        let shared = try await images.sharedImages(with: tenant, for: context.principal)
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
