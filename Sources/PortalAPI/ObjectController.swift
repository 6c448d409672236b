import Foundation
package import Hummingbird
package import PortalAuth
import PortalDomain
package import PortalStorage

/// A Swift-style object API at `/object/v1/AUTH_{DDI}` for the token's own tenant
/// (another tenant's account: 403). Works with python-swiftclient (`preauthurl`/`preauthtoken`).
package struct ObjectController: Sendable {
    let objects: any ObjectRepository

    package init(objects: any ObjectRepository) { self.objects = objects }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("AUTH_{ddi}", use: listContainers)
        group.head("AUTH_{ddi}", use: headAccount)
        group.get("AUTH_{ddi}/:container", use: listObjects)
        group.head("AUTH_{ddi}/:container", use: headContainer)
        group.put("AUTH_{ddi}/:container", use: createContainer)
        group.delete("AUTH_{ddi}/:container", use: deleteContainer)
        group.get("AUTH_{ddi}/:container/**", use: getObject)
        group.head("AUTH_{ddi}/:container/**", use: headObject)
        group.put("AUTH_{ddi}/:container/**", use: putObject)
        group.delete("AUTH_{ddi}/:container/**", use: deleteObject)
    }

    // MARK: Account

    @Sendable func listContainers(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try Self.account(context)
        let containers = try await objects.containers(of: tenant, try ObjectListing.parse(QueryItems.parse(request.uri.query)))
        var headers = try await accountHeaders(tenant)
        if Self.wantsJSON(request) {
            var json = JSONWriter(capacity: 128 * (containers.count + 1))
            json.beginArray()
            for container in containers {
                json.beginObject()
                json.field("name", container.name)
                json.field("count", container.objectCount)
                json.field("bytes", container.bytes)
                json.field("last_modified", Timestamp.swiftListing(container.lastModified))
                json.endObject()
            }
            json.endArray()
            return GlanceRepresentation.jsonResponse(json, headers: headers)
        }
        headers[.contentType] = "text/plain; charset=utf-8"
        if containers.isEmpty { return Response(status: .noContent, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: containers.map { $0.name + "\n" }.joined())))
    }

    @Sendable func headAccount(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        Response(status: .noContent, headers: try await accountHeaders(try Self.account(context)))
    }

    private func accountHeaders(_ tenant: TenantID) async throws -> HTTPFields {
        let usage = try await objects.usage(of: tenant)
        return [
            .literal("X-Account-Container-Count"): String(usage.containers), .literal("X-Account-Object-Count"): String(usage.objects),
            .literal("X-Account-Bytes-Used"): String(usage.bytes),
        ]
    }

    // MARK: Containers

    @Sendable func listObjects(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try Self.account(context)
        let name = APISupport.parameter(context, "container")
        let entries = try await objects.list(name, of: tenant, try ObjectListing.parse(QueryItems.parse(request.uri.query)))
        var headers = try await containerHeaders(name, tenant)
        if Self.wantsJSON(request) {
            var json = JSONWriter(capacity: 200 * (entries.count + 1))
            json.beginArray()
            for entry in entries {
                json.beginObject()
                switch entry {
                case .object(let object):
                    json.field("name", object.name)
                    json.field("hash", object.etag)
                    json.field("bytes", object.size)
                    json.field("content_type", object.contentType)
                    json.field("last_modified", Timestamp.swiftListing(object.lastModified))
                case .subdirectory(let directory):
                    json.field("subdir", directory)
                }
                json.endObject()
            }
            json.endArray()
            return GlanceRepresentation.jsonResponse(json, headers: headers)
        }
        headers[.contentType] = "text/plain; charset=utf-8"
        if entries.isEmpty { return Response(status: .noContent, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: entries.map { $0.name + "\n" }.joined())))
    }

    @Sendable func headContainer(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try Self.account(context)
        return Response(status: .noContent, headers: try await containerHeaders(APISupport.parameter(context, "container"), tenant))
    }

    private func containerHeaders(_ name: String, _ tenant: TenantID) async throws -> HTTPFields {
        guard let container = try await objects.container(name, of: tenant) else { throw DomainError.notFound("No container '\(name.prefix(256))'.") }
        return [.literal("X-Container-Object-Count"): String(container.objectCount), .literal("X-Container-Bytes-Used"): String(container.bytes)]
    }

    @Sendable func createContainer(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let created = try await objects.createContainer(APISupport.parameter(context, "container"), for: try Self.account(context))
        return APISupport.empty(created ? .created : .accepted)
    }

    @Sendable func deleteContainer(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await objects.deleteContainer(APISupport.parameter(context, "container"), of: try Self.account(context))
        return APISupport.empty(.noContent)
    }

    // MARK: Objects

    @Sendable func putObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try Self.account(context)
        let (container, name) = try Self.objectPath(request, context)
        let stored = try await objects.put(
            request.body, container: container, name: name, contentType: request.headers[.contentType] ?? "application/octet-stream",
            expectedETag: request.headers[.eTag], for: tenant)
        return Response(status: .created, headers: [.eTag: stored.etag, .lastModified: Timestamp.httpDate(stored.lastModified), .contentLength: "0"])
    }

    @Sendable func getObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try Self.account(context)
        let (container, name) = try Self.objectPath(request, context)
        let (object, path) = try await objects.open(container, name, of: tenant)
        var headers = Self.objectHeaders(object)
        guard object.size > 0 else { return Response(status: .ok, headers: headers) }
        var range = 0...(object.size - 1)
        var status = HTTPResponse.Status.ok
        if let header = request.headers[.range] {
            guard let requested = ByteRange.parse(header) else { throw DomainError.rangeNotSatisfiable(size: object.size) }
            range = try requested.resolve(size: object.size)
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(object.size)"
        }
        let length = range.upperBound - range.lowerBound + 1
        headers[.contentLength] = String(length)
        let chunks = try FileChunks(path: path, offset: range.lowerBound, length: length)
        return Response(
            status: status, headers: headers,
            body: .streaming(chunks, length: length))
    }

    @Sendable func headObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try Self.account(context)
        let (container, name) = try Self.objectPath(request, context)
        return Response(status: .ok, headers: Self.objectHeaders(try await objects.object(container, name, of: tenant)))
    }

    @Sendable func deleteObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let tenant = try Self.account(context)
        let (container, name) = try Self.objectPath(request, context)
        try await objects.delete(container, name, of: tenant)
        return APISupport.empty(.noContent)
    }

    // MARK: Helpers

    private static func objectHeaders(_ object: StoredObject) -> HTTPFields {
        [
            .contentType: object.contentType, .contentLength: String(object.size), .eTag: object.etag,
            .lastModified: Timestamp.httpDate(object.lastModified), .xTimestamp: String(format: "%.5f", object.lastModified.timeIntervalSince1970),
            .acceptRanges: "bytes",
        ]
    }

    /// The tenant of the account in the path; only one's own account (403 otherwise).
    private static func account(_ context: AuthenticatedContext) throws -> TenantID {
        let ddi = context.parameters.get("ddi") ?? ""
        guard let tenant = context.principal.tenantID, tenant.rawValue == ddi else {
            throw DomainError.forbidden("This token may only use its own tenant's account.")
        }
        return tenant
    }

    /// Container and object names from the raw path, so names keep every '/' and are decoded once.
    private static func objectPath(_ request: Request, _ context: AuthenticatedContext) throws -> (String, String) {
        let container = APISupport.parameter(context, "container")
        let path = request.uri.path
        let prefix = "/object/v1/AUTH_\(context.parameters.get("ddi") ?? "")/"
        guard path.hasPrefix(prefix) else { throw DomainError.invalid("Malformed object path.") }
        let rest = path.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else { throw DomainError.invalid("Malformed object path.") }
        let raw = String(rest[rest.index(after: slash)...])
        return (container, try ObjectNames.object(raw.removingPercentEncoding ?? raw))
    }

    private static func wantsJSON(_ request: Request) -> Bool {
        QueryItems.parse(request.uri.query).contains { $0.name == "format" && $0.value == "json" }
            || (request.headers[.accept]?.contains("application/json") ?? false)
    }
}
