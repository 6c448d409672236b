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
        let data = useCases.imageData
        let (_, staged) = try await UploadForm.read(
            request,
            store: { fields, filename, _, body in
                try await data.stage(try ImportPage.draft(fields, filename: filename), data: body, declared: DeclaredData(), by: context.actor)
            },
            discard: { await data.discard($0) })
        let image = try await data.record(staged, by: context.actor)
        return Response.redirect(
            to: Paths.image(image.id), flash: [.success("Uploaded \(ByteFormat.size(image.size ?? 0)); the image is active.")], jar: jar, for: request)
    }

    @Sendable func importObject(_ request: Request, context: WebContext) async throws -> Response {
        let task = try await useCases.tasks.create(.import, input: try ImportPage.taskInput(context.form), by: context.actor)
        return Response.redirect(to: Paths.task(task.id), flash: [.info("Import started as task \(task.id).")], jar: jar)
    }
}
