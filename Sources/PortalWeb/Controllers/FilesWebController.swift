import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalCore
import PortalDomain

/// Files: the active tenant's containers and objects.
struct FilesWebController: WebController {
    let services: WebServices
    let renderer: WebRenderer
    var files: Files { useCases.files }

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.files), use: containers)
        group.post(RouterPath(stringLiteral: Paths.files), use: createContainer)
        group.get("/files/:container", use: objects)
        group.post("/files/:container/delete", use: deleteContainer)
        group.post("/files/:container/upload", use: upload)
        group.get("/files/:container/object", use: download)
        group.post("/files/:container/object/delete", use: deleteObject)
    }

    @Sendable func containers(_ request: Request, context: WebContext) async throws -> Response {
        let containers = try await files.containers(account: nil, for: context.principal)
        return try renderer.page("files/containers", FilesPage.Model(containers, context: context))
    }

    @Sendable func createContainer(_ request: Request, context: WebContext) async throws -> Response {
        guard let name = context.form["name"] else { throw DomainError.invalid("Name the container.") }
        let created = try await files.createContainer(name, account: nil, by: context.actor)
        return Response.redirect(to: Paths.container(name), flash: [created ? .success("Created container \(name).") : .info("Container \(name) already exists.")], jar: jar)
    }

    @Sendable func objects(_ request: Request, context: WebContext) async throws -> Response {
        let name = context.container()
        let summary = try await files.container(name, account: nil, for: context.principal)
        let entries = try await files.objects(in: name, account: nil, for: context.principal, ObjectListing(limit: 1000))
        return try renderer.page("files/objects", ContainerPage.Model(summary, entries: entries, uploadLimit: services.settings.uploadSizeCap, context: context))
    }

    @Sendable func deleteContainer(_ request: Request, context: WebContext) async throws -> Response {
        let name = context.container()
        try await files.deleteContainer(name, account: nil, by: context.actor)
        return Response.redirect(to: Paths.files, flash: [.success("Deleted container \(name).")], jar: jar)
    }

    /// `multipart/form-data` with an optional `name` field, then the file, streamed.
    @Sendable func upload(_ request: Request, context: WebContext) async throws -> Response {
        let name = context.container()
        let (_, stored) = try await UploadForm.read(
            request, fieldLimit: 1024,
            store: { fields, filename, contentType, body in
                try await files.put(
                    body, container: name, name: fields["name"]?.nonEmpty ?? filename, contentType: contentType ?? "application/octet-stream",
                    expectedETag: nil, account: nil, by: context.actor)
            },
            discard: { try? await files.deleteObject($0.name, in: name, account: nil, by: context.actor) })
        return Response.redirect(to: Paths.container(name), flash: [.success("Uploaded \(stored.name) (\(ByteFormat.size(stored.size))).")], jar: jar, for: request)
    }

    @Sendable func download(_ request: Request, context: WebContext) async throws -> Response {
        guard let objectName = Form(fields: QueryItems.parse(request.uri.query))["name"] else { throw DomainError.invalid("Which object?") }
        let download = try await files.read(objectName, in: context.container(), account: nil, range: .whole, for: context.principal)
        let object = download.object
        let filename = Downloads.filename(objectName.split(separator: "/").last.map(String.init) ?? "download", fallback: "download")
        return Downloads.response(
            download.body, length: object.size, filename: filename, headers: [.eTag: object.etag, .lastModified: Timestamp.httpDate(object.lastModified)])
    }

    @Sendable func deleteObject(_ request: Request, context: WebContext) async throws -> Response {
        let name = context.container()
        guard let objectName = context.form["name"] else { throw DomainError.invalid("Which object?") }
        try await files.deleteObject(objectName, in: name, account: nil, by: context.actor)
        return Response.redirect(to: Paths.container(name), flash: [.success("Deleted \(objectName).")], jar: jar)
    }
}

extension WebContext {
    /// The container name in the path, percent-decoded.
    func container() -> String {
        let raw = parameters.get("container") ?? ""
        return raw.removingPercentEncoding ?? raw
    }
}

extension String {
    /// Nil for an empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
