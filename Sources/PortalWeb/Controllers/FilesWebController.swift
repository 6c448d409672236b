import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalDomain
import PortalStorage

/// Files: the tenant's containers and objects.
struct FilesWebController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.files), use: containers)
        group.post(RouterPath(stringLiteral: Paths.files), use: createContainer)
        group.get("/files/:container", use: objects)
        group.post("/files/:container/delete", use: deleteContainer)
        group.post("/files/:container/upload", use: upload)
        group.get("/files/:container/object", use: download)
        group.post("/files/:container/object/delete", use: deleteObject)
    }

    private func tenant(_ context: WebContext) throws -> TenantID {
        guard let tenant = context.principal.tenantID else { throw DomainError.forbidden("Staff accounts have no files; use a tenant account.") }
        return tenant
    }

    private func container(_ context: WebContext) -> String {
        let raw = context.parameters.get("container") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    @Sendable func containers(_ request: Request, context: WebContext) async throws -> Response {
        let containers = try await services.objects.containers(of: try tenant(context))
        let model = FilesPage.Model(
            chrome: Chrome(context, title: "Files", section: "Files"),
            containers: containers.map {
                FilesPage.ContainerRow(name: $0.name, href: Paths.container($0.name), objects: $0.objectCount, bytes: ByteFormat.size($0.bytes), modified: Format.date($0.lastModified))
            }, hasContainers: !containers.isEmpty)
        return try renderer.page("files/containers", model)
    }

    @Sendable func createContainer(_ request: Request, context: WebContext) async throws -> Response {
        guard let name = context.form["name"] else { throw DomainError.invalid("Name the container.") }
        let created = try await services.objects.createContainer(name, for: try tenant(context))
        return Response.redirect(to: Paths.container(name), flash: [created ? .success("Created container \(name).") : .info("Container \(name) already exists.")], jar: jar)
    }

    @Sendable func objects(_ request: Request, context: WebContext) async throws -> Response {
        let tenant = try tenant(context)
        let name = container(context)
        guard let summary = try await services.objects.container(name, of: tenant) else { throw DomainError.notFound("No container '\(name.prefix(256))'.") }
        let entries = try await services.objects.list(name, of: tenant, ObjectListing(limit: 1000))
        let rows = entries.compactMap { entry -> FilesPage.ObjectRow? in
            guard case .object(let object) = entry else { return nil }
            return FilesPage.ObjectRow(
                name: object.name, href: Paths.object(name, object.name), size: ByteFormat.size(object.size), etag: object.etag, modified: Format.date(object.lastModified),
                exportedFrom: object.sourceImage?.rawValue, csrf: context.session.csrf, deleteAction: Paths.container(name, "object/delete"))
        }
        let model = FilesPage.ObjectsModel(
            chrome: Chrome(context, title: name, section: "Files"), name: name, objects: rows, hasObjects: !rows.isEmpty, count: summary.objectCount,
            bytes: ByteFormat.size(summary.bytes), uploadAction: Paths.container(name, "upload") + "?_csrf=" + Paths.segment(context.session.csrf),
            deleteAction: Paths.container(name, "delete"), maxSize: ByteFormat.size(services.settings.uploadSizeCap))
        return try renderer.page("files/objects", model)
    }

    @Sendable func deleteContainer(_ request: Request, context: WebContext) async throws -> Response {
        let name = container(context)
        try await services.objects.deleteContainer(name, of: try tenant(context))
        return Response.redirect(to: Paths.files, flash: [.success("Deleted container \(name).")], jar: jar)
    }

    /// `multipart/form-data` with an optional `name` field, then the file, streamed.
    @Sendable func upload(_ request: Request, context: WebContext) async throws -> Response {
        let tenant = try tenant(context)
        let name = container(context)
        guard let type = request.headers[.contentType], let boundary = MultipartReader<RequestBody>.boundary(from: type) else {
            throw DomainError.unsupportedMediaType("Upload the file with the form (multipart/form-data).")
        }
        let reader = MultipartReader(body: request.body, boundary: boundary)
        var objectName: String?
        var stored: StoredObject?
        while let part = try await reader.nextPart() {
            if part.name == "file", let filename = part.filename {
                let finalName = objectName.flatMap { $0.isEmpty ? nil : $0 } ?? filename
                stored = try await services.objects.put(
                    reader.partBody, container: name, name: finalName, contentType: part.contentType ?? "application/octet-stream", expectedETag: nil, for: tenant)
            } else if part.name == "name" {
                objectName = try await reader.readText(limit: 1024).trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                _ = try await reader.readText()
            }
        }
        guard let stored else { throw DomainError.invalid("Choose a file to upload.") }
        return Response.redirect(to: Paths.container(name), flash: [.success("Uploaded \(stored.name) (\(ByteFormat.size(stored.size))).")], jar: jar, for: request)
    }

    @Sendable func download(_ request: Request, context: WebContext) async throws -> Response {
        let tenant = try tenant(context)
        guard let objectName = Form(fields: QueryItems.parse(request.uri.query))["name"] else { throw DomainError.invalid("Which object?") }
        let (object, path) = try await services.objects.open(container(context), objectName, of: tenant)
        let filename = (objectName.split(separator: "/").last.map(String.init) ?? "download").filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        var headers: HTTPFields = [
            .contentType: "application/octet-stream", .contentLength: String(object.size), .eTag: object.etag,
            .contentDisposition: "attachment; filename=\"\(filename.isEmpty ? "download" : filename)\"",
        ]
        headers[.lastModified] = Timestamp.httpDate(object.lastModified)
        guard object.size > 0 else { return Response(status: .ok, headers: headers) }
        let chunks = try FileChunks(path: path, length: object.size)
        return Response(status: .ok, headers: headers, body: .streaming(chunks, length: object.size))
    }

    @Sendable func deleteObject(_ request: Request, context: WebContext) async throws -> Response {
        let name = container(context)
        guard let objectName = context.form["name"] else { throw DomainError.invalid("Which object?") }
        try await services.objects.delete(name, objectName, of: try tenant(context))
        return Response.redirect(to: Paths.container(name), flash: [.success("Deleted \(objectName).")], jar: jar)
    }
}

/// Files pages.
enum FilesPage {
    struct ContainerRow {
        let name: String
        let href: String
        let objects: Int
        let bytes: String
        let modified: String
    }

    struct Model {
        let chrome: Chrome
        let containers: [ContainerRow]
        let hasContainers: Bool
    }

    struct ObjectRow {
        let name: String
        let href: String
        let size: String
        let etag: String
        let modified: String
        let exportedFrom: String?
        let csrf: String
        let deleteAction: String
    }

    struct ObjectsModel {
        let chrome: Chrome
        let name: String
        let objects: [ObjectRow]
        let hasObjects: Bool
        let count: Int
        let bytes: String
        let uploadAction: String
        let deleteAction: String
        let maxSize: String
    }
}
