import Foundation
package import Hummingbird
package import PortalAuth
package import PortalCore
import PortalDomain

/// A Swift-style object API at `/object/v1/AUTH_{DDI}` for the token's own tenant (another
/// tenant's account: 403). Works with python-swiftclient (`preauthurl`/`preauthtoken`).
package struct ObjectController: Sendable {
    let useCases: UseCases
    var files: Files { useCases.files }

    package init(useCases: UseCases) { self.useCases = useCases }

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
        let account = Self.account(context)
        let containers = try await files.containers(account: account, for: context.principal, try Self.listing(request))
        let headers = Self.headers(try await files.usage(account: account, for: context.principal))
        return Self.listing(containers, names: \.name, json: Self.write, request: request, headers: headers)
    }

    @Sendable func headAccount(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        Response(status: .noContent, headers: Self.headers(try await files.usage(account: Self.account(context), for: context.principal)))
    }

    // MARK: Containers

    @Sendable func listObjects(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let (account, name) = (Self.account(context), APISupport.parameter(context, "container"))
        let entries = try await files.objects(in: name, account: account, for: context.principal, try Self.listing(request))
        let headers = Self.headers(try await files.container(name, account: account, for: context.principal))
        return Self.listing(entries, names: \.name, json: Self.write, request: request, headers: headers)
    }

    @Sendable func headContainer(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let container = try await files.container(APISupport.parameter(context, "container"), account: Self.account(context), for: context.principal)
        return Response(status: .noContent, headers: Self.headers(container))
    }

    @Sendable func createContainer(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let created = try await files.createContainer(APISupport.parameter(context, "container"), account: Self.account(context), by: context.actor)
        return APISupport.empty(created ? .created : .accepted)
    }

    @Sendable func deleteContainer(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await files.deleteContainer(APISupport.parameter(context, "container"), account: Self.account(context), by: context.actor)
        return APISupport.empty(.noContent)
    }

    // MARK: Objects

    @Sendable func putObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let (container, name) = try Self.objectPath(request, context)
        let stored = try await files.put(
            request.body, container: container, name: name, contentType: request.headers[.contentType] ?? "application/octet-stream",
            expectedETag: request.headers[.eTag], size: request.headers[.contentLength].flatMap(Int64.init), account: Self.account(context),
            by: context.actor)
        return Response(status: .created, headers: [.eTag: stored.etag, .lastModified: Timestamp.httpDate(stored.lastModified), .contentLength: "0"])
    }

    @Sendable func getObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let (container, name) = try Self.objectPath(request, context)
        let download = try await files.read(
            name, in: container, account: Self.account(context), range: RangeRequest(header: request.headers[.range]), for: context.principal)
        var headers = Self.headers(download.object)
        headers[.contentLength] = String(download.length)
        var status = HTTPResponse.Status.ok
        if let range = download.range {
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(download.object.size)"
        }
        guard let body = download.body else { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: .streaming(body, length: download.length))
    }

    @Sendable func headObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let (container, name) = try Self.objectPath(request, context)
        return Response(status: .ok, headers: Self.headers(try await files.object(name, in: container, account: Self.account(context), for: context.principal)))
    }

    @Sendable func deleteObject(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let (container, name) = try Self.objectPath(request, context)
        try await files.deleteObject(name, in: container, account: Self.account(context), by: context.actor)
        return APISupport.empty(.noContent)
    }

    // MARK: Requests

    /// The account the path names (`AUTH_<ddi>`); the use case decides whether the caller may reach it.
    static func account(_ context: AuthenticatedContext) -> String { context.parameters.get("ddi") ?? "" }

    static func listing(_ request: Request) throws -> ObjectListing { try ObjectListing.parse(QueryItems.parse(request.uri.query)) }

    /// Container and object names from the raw path, so names keep every '/' and are decoded once.
    static func objectPath(_ request: Request, _ context: AuthenticatedContext) throws -> (String, String) {
        let container = APISupport.parameter(context, "container")
        let prefix = "/object/v1/AUTH_\(account(context))/"
        let path = request.uri.path
        guard path.hasPrefix(prefix), let slash = path.dropFirst(prefix.count).firstIndex(of: "/") else {
            throw DomainError.invalid("Malformed object path.")
        }
        let raw = String(path[path.index(after: slash)...])
        return (container, try ObjectNames.object(raw.removingPercentEncoding ?? raw))
    }

    // MARK: Responses

    /// A listing as Swift answers it: JSON when asked for (`format=json` or `Accept`), otherwise one
    /// name per line, 204 when empty.
    static func listing<Entry>(
        _ entries: [Entry], names: (Entry) -> String, json write: (Entry, inout JSONWriter) -> Void, request: Request, headers: HTTPFields
    ) -> Response {
        let wantsJSON =
            QueryItems.parse(request.uri.query).contains { $0.name == "format" && $0.value == "json" }
            || (request.headers[.accept]?.contains("application/json") ?? false)
        if wantsJSON {
            var json = JSONWriter(capacity: 200 * (entries.count + 1))
            json.beginArray()
            for entry in entries { write(entry, &json) }
            json.endArray()
            return GlanceRepresentation.jsonResponse(json, headers: headers)
        }
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        if entries.isEmpty { return Response(status: .noContent, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: entries.map { names($0) + "\n" }.joined())))
    }

    static func write(_ container: ContainerSummary, into json: inout JSONWriter) {
        json.beginObject()
        json.field("name", container.name)
        json.field("count", container.objectCount)
        json.field("bytes", container.bytes)
        json.field("last_modified", Timestamp.swiftListing(container.lastModified))
        json.endObject()
    }

    static func write(_ entry: ListingEntry, into json: inout JSONWriter) {
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

    static func headers(_ usage: ObjectUsage) -> HTTPFields {
        [
            .literal("X-Account-Container-Count"): String(usage.containers), .literal("X-Account-Object-Count"): String(usage.objects),
            .literal("X-Account-Bytes-Used"): String(usage.bytes),
        ]
    }

    static func headers(_ container: ContainerSummary) -> HTTPFields {
        [.literal("X-Container-Object-Count"): String(container.objectCount), .literal("X-Container-Bytes-Used"): String(container.bytes)]
    }

    static func headers(_ object: StoredObject) -> HTTPFields {
        [
            .contentType: object.contentType, .contentLength: String(object.size), .eTag: object.etag,
            .lastModified: Timestamp.httpDate(object.lastModified), .xTimestamp: String(format: "%.5f", object.lastModified.timeIntervalSince1970),
            .acceptRanges: "bytes",
        ]
    }
}
