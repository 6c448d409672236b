import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalDomain
import PortalStorage

/// Import: upload an image file from the computer (streamed), or import a container object as a task.
struct ImportController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.importPage), use: show)
        group.post(RouterPath(stringLiteral: Paths.importUpload), use: upload)
        group.post(RouterPath(stringLiteral: Paths.importObject), use: importObject)
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        guard let tenant = context.principal.tenantID else { throw DomainError.forbidden("Staff accounts do not own images; use a tenant account.") }
        let containers = try await services.objects.containers(of: tenant).map(\.name)
        let model = ImportPage.Model(
            chrome: Chrome(context, title: "Import", section: "Import"), uploadAction: Paths.importUpload + "?_csrf=" + Paths.segment(context.session.csrf),
            diskFormats: DiskFormat.allCases.map { ImagesPage.Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == .qcow2) },
            containerFormats: ContainerFormat.allCases.map { ImagesPage.Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == .bare) },
            containers: containers, hasContainers: !containers.isEmpty, maxSize: ByteFormat.size(services.settings.uploadSizeCap))
        return try renderer.page("import", model)
    }

    /// `multipart/form-data`: the fields come first (name, formats, visibility), then the file, which
    /// streams into a temporary file with its digests and format check. The image row is created, active,
    /// only once the data is safely stored: a failed upload leaves nothing behind.
    @Sendable func upload(_ request: Request, context: WebContext) async throws -> Response {
        guard let type = request.headers[.contentType], let boundary = MultipartReader<RequestBody>.boundary(from: type) else {
            throw DomainError.unsupportedMediaType("Upload the file with the form (multipart/form-data).")
        }
        let reader = MultipartReader(body: request.body, boundary: boundary)
        var fields: [String: String] = [:]
        var upload: (draft: ImageDraft, staged: StagedData)?
        do {
            while let part = try await reader.nextPart() {
                if part.filename != nil, part.name == "file" {
                    // The image is recorded only once the whole form has been read: a second file, or
                    // anything else wrong later in the form, leaves nothing behind.
                    guard upload == nil else { throw DomainError.invalid("Send one file at a time. Nothing was stored.") }
                    var draft = ImageDraft()
                    draft.name = fields["name"].flatMap { $0.isEmpty ? nil : $0 } ?? part.filename
                    draft.diskFormat = try DiskFormat.parse(fields["disk_format"] ?? "")
                    draft.containerFormat = try ContainerFormat.parse(fields["container_format"] ?? "bare")
                    draft.visibility = try Visibility.parse(fields["visibility"] ?? "shared")
                    if let description = fields["description"], !description.isEmpty { draft.properties["description"] = description }
                    let staged = try await services.imageData.stage(draft, data: reader.partBody, declaredSize: nil, declaredChecksum: nil, actor: context.actor)
                    upload = (draft, staged)
                } else {
                    guard fields.count < 16 else { throw DomainError.tooLarge("The form has too many fields.") }
                    fields[part.name] = try await reader.readText(limit: 16 * 1024)
                }
            }
        } catch {
            if let upload { FileOps.remove(upload.staged.path) }
            throw error
        }
        guard let upload else { throw DomainError.invalid("Choose a file to upload.") }
        let image: Image
        do {
            image = try await services.images.createWithData(upload.draft, origin: .upload, staged: upload.staged, actor: context.actor)
        } catch {
            FileOps.remove(upload.staged.path)
            throw error
        }
        return Response.redirect(
            to: Paths.image(image.id), flash: [.success("Uploaded \(ByteFormat.size(image.size ?? 0)); the image is active.")], jar: jar, for: request)
    }

    @Sendable func importObject(_ request: Request, context: WebContext) async throws -> Response {
        let form = context.form
        guard let container = form["container"], let object = form["object"] else { throw DomainError.invalid("Choose a container and an object name.") }
        var properties: [String: JSONValue] = ["container_format": .string(form["container_format"] ?? "bare")]
        if let name = form["name"] { properties["name"] = .string(name) }
        if let visibility = form["visibility"] { properties["visibility"] = .string(visibility) }
        let input: [String: JSONValue] = [
            "import_from": .string("\(container)/\(object)"), "import_from_format": .string(form["disk_format"] ?? ""),
            "image_properties": .object(properties),
        ]
        let task = try await services.tasks.create(type: .import, input: input, actor: context.actor)
        return Response.redirect(to: Paths.task(task.id), flash: [.info("Import started as task \(task.id).")], jar: jar)
    }
}

/// The import page.
enum ImportPage {
    struct Model {
        let chrome: Chrome
        let uploadAction: String
        let diskFormats: [ImagesPage.Option]
        let containerFormats: [ImagesPage.Option]
        let containers: [String]
        let hasContainers: Bool
        let maxSize: String
    }
}
