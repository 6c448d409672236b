import Foundation
import Hummingbird
import NIOCore
import PortalAuth
import PortalCore
import PortalDomain

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
        let containers = try await useCases.files.containers(account: nil, for: context.principal).map(\.name)
        return try renderer.page("import", ImportPage.Model(containers: containers, uploadLimit: services.settings.uploadSizeCap, context: context))
    }

    /// `multipart/form-data`: the fields come first (name, formats, visibility), then the file, which
    /// streams into the image store with its digests and format check. The image is recorded, active,
    /// only once the whole form has been read: a second file, or anything wrong later in the form,
    /// leaves nothing behind.
    @Sendable func upload(_ request: Request, context: WebContext) async throws -> Response {
        let reader = try MultipartReader<RequestBody>(request)
        var fields: [String: String] = [:]
        var staged: StagedImage?
        do {
            while let part = try await reader.nextPart() {
                if part.filename != nil, part.name == "file" {
                    guard staged == nil else { throw DomainError.invalid("Send one file at a time. Nothing was stored.") }
                    let draft = try ImportPage.draft(fields, filename: part.filename)
                    staged = try await useCases.imageData.stage(draft, data: reader.partBody, declared: DeclaredData(), by: context.actor)
                } else {
                    guard fields.count < 16 else { throw DomainError.tooLarge("The form has too many fields.") }
                    fields[part.name] = try await reader.readText(limit: 16 * 1024)
                }
            }
        } catch {
            if let staged { await useCases.imageData.discard(staged) }
            throw error
        }
        guard let staged else { throw DomainError.invalid("Choose a file to upload.") }
        let image = try await useCases.imageData.record(staged, by: context.actor)
        return Response.redirect(
            to: Paths.image(image.id), flash: [.success("Uploaded \(ByteFormat.size(image.size ?? 0)); the image is active.")], jar: jar, for: request)
    }

    @Sendable func importObject(_ request: Request, context: WebContext) async throws -> Response {
        let task = try await useCases.tasks.create(.import, input: try ImportPage.taskInput(context.form), by: context.actor)
        return Response.redirect(to: Paths.task(task.id), flash: [.info("Import started as task \(task.id).")], jar: jar)
    }
}
