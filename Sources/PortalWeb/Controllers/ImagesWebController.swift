import Foundation
import Hummingbird
import PortalAuth
import PortalCore
import PortalDomain

/// The image pages: lists with tabs, detail, sharing, answering, editing, boot, export, download.
struct ImagesWebController: WebController {
    let services: WebServices
    let renderer: WebRenderer

    func addRoutes(to group: RouterGroup<WebContext>) {
        group.get(RouterPath(stringLiteral: Paths.images), use: list)
        group.get("/images/:imageID", use: show)
        group.get("/images/:imageID/download", use: download)
        group.post("/images/:imageID/share", use: share)
        group.post("/images/:imageID/members/remove", use: removeMember)
        group.post("/images/:imageID/status", use: answer)
        group.post("/images/:imageID/edit", use: edit)
        group.post("/images/:imageID/delete", use: delete)
        group.post("/images/:imageID/deactivate", use: deactivate)
        group.post("/images/:imageID/reactivate", use: reactivate)
        group.post("/images/:imageID/boot", use: boot)
        group.post("/images/:imageID/export", use: export)
    }

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let list = try ImagesPage.Request(query: request.uri.query, for: context.principal)
        let page = try await useCases.catalog.list(list.query, for: context.principal)
        return try renderer.page("images/list", ImagesPage.Model(page, request: list, context: context))
    }

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let details = try await useCases.imageDetails(try context.imageID(), for: context.principal)
        return try renderer.page("images/detail", ImageDetailPage.Model(details, context: context))
    }

    // MARK: Owner actions

    /// Shares with tenant IDs typed in, and with held accounts ticked (optionally accepting for them).
    @Sendable func share(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        let form = try ShareForm(context.form, session: context.session, requestID: context.requestID)
        let outcome = try await useCases.sharing.share(id, with: form.targets, by: context.actor, options: form.options)
        return Response.redirect(to: Paths.image(id), flash: ShareForm.flashes(outcome, session: context.session), jar: jar)
    }

    @Sendable func removeMember(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        guard let member = context.form["member"] else { throw DomainError.invalid("Which member?") }
        try await useCases.sharing.removeMember(member, from: id, by: context.actor, api: .v2)
        return Response.redirect(to: Paths.image(id), flash: [.success("Removed \(member); its access ended at once.")], jar: jar)
    }

    @Sendable func edit(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        let changes = try EditForm.changes(context.form)
        _ = try await useCases.catalog.update(id, by: context.actor) { _ throws(DomainError) in changes }
        return Response.redirect(to: Paths.image(id), flash: [.success("Saved.")], jar: jar)
    }

    @Sendable func delete(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        try await useCases.lifecycle.delete(id, by: context.actor)
        return Response.redirect(to: Paths.images, flash: [.success("Deleted image \(id).")], jar: jar)
    }

    @Sendable func deactivate(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        _ = try await useCases.lifecycle.deactivate(id, by: context.actor)
        return Response.redirect(to: Paths.image(id), flash: [.success("Deactivated: its data cannot be downloaded or booted until reactivated.")], jar: jar)
    }

    @Sendable func reactivate(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        _ = try await useCases.lifecycle.reactivate(id, by: context.actor)
        return Response.redirect(to: Paths.image(id), flash: [.success("Reactivated.")], jar: jar)
    }

    // MARK: Member actions

    @Sendable func answer(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        guard let tenant = context.principal.tenantID else { throw DomainError.forbidden("Only tenants answer shares.") }
        let member = try await useCases.sharing.answer(id, member: tenant.rawValue, status: context.form["status"] ?? "", by: context.actor)
        let flash = Flash.success(ShareForm.answered(member.status))
        return Response.redirect(to: SessionController.back(context.form, fallback: Paths.image(id)), flash: [flash], jar: jar)
    }

    // MARK: Both

    @Sendable func boot(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        let name = context.form["name"] ?? "server-\(id.rawValue.prefix(8))"
        let server = try await useCases.compute.boot(name: name, imageRef: id.rawValue, by: context.actor)
        return Response.redirect(to: Paths.server(server.id), flash: [.success("Server \(server.name) is running from image \(id).")], jar: jar)
    }

    @Sendable func export(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        guard let container = context.form["container"] else { throw DomainError.invalid("Choose a container to export into.") }
        let input: [String: JSONValue] = ["image_uuid": .string(id.rawValue), "receiving_swift_container": .string(container)]
        let task = try await useCases.tasks.create(.export, input: input, by: context.actor)
        return Response.redirect(to: Paths.task(task.id), flash: [.info("Export started as task \(task.id).")], jar: jar)
    }

    @Sendable func download(_ request: Request, context: WebContext) async throws -> Response {
        let id = try context.imageID()
        guard let download = try await useCases.imageData.download(id, range: .whole, for: context.principal) else {
            throw DomainError.conflict("This image has no data yet.")
        }
        let image = download.image
        let file = Downloads.filename(image.name ?? id.rawValue, fallback: id.rawValue) + "." + (image.diskFormat?.rawValue ?? "img")
        return Downloads.response(download.body, length: download.size, filename: file)
    }
}

/// The share form: tenant IDs typed in, held accounts ticked, "accept for my account too",
/// "make it shared".
struct ShareForm {
    var targets: [String]
    var options: ShareOptions

    /// Reads the form; a held account this session does not hold is refused (403).
    init(_ form: Form, session: WebSession, requestID: String) throws {
        targets = (form["members"] ?? "").split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }).map(String.init)
        var acceptFor: [Actor] = []
        for key in form.values("held") {
            guard let account = session.verified.first(where: { $0.key == key }), let tenant = account.principal.tenantID else {
                throw DomainError.forbidden("This session does not hold that account.")
            }
            targets.append(tenant.rawValue)
            if form.flag("accept_for_held") { acceptFor.append(Actor(principal: account.principal, tokenID: account.tokenID, requestID: requestID)) }
        }
        guard !targets.isEmpty else { throw DomainError.invalid("Enter at least one tenant ID to share with.") }
        options = ShareOptions(makeShared: form.flag("make_shared") ? "Shared from the portal, which made the private image shared." : nil, acceptFor: acceptFor)
    }

    /// What the next page says about the outcome.
    static func flashes(_ outcome: ShareOutcome, session: WebSession) -> [Flash] {
        var flashes: [Flash] = []
        if !outcome.shared.isEmpty {
            flashes.append(.success("Shared with \(outcome.shared.map(\.memberID.rawValue).joined(separator: ", ")); each starts as pending."))
        }
        if outcome.madeShared { flashes.append(.info("The image is now shared (it was private).")) }
        for tenant in outcome.accepted {
            let label = session.verified.first { $0.principal.tenantID == tenant }?.label ?? tenant.rawValue
            flashes.append(.success("Accepted for \(label)."))
        }
        if !outcome.refused.isEmpty {
            let shown = outcome.refused.prefix(5).map { "\($0.candidate.prefix(32)): \($0.error.message)" }.joined(separator: " ")
            flashes.append(.error("Not shared — " + shown + (outcome.refused.count > 5 ? " …and \(outcome.refused.count - 5) more." : "")))
        }
        return flashes
    }

    /// What a member reads after answering.
    static func answered(_ status: MemberStatus) -> String {
        switch status {
        case .accepted: "Accepted: the image is in your list under Shared with me."
        case .rejected: "Rejected: the image is hidden from your lists. You can still change your mind."
        case .pending: "Marked to remind you later: the image waits under Pending."
        }
    }
}

/// The edit form: name, visibility, protection and minimums, as image changes.
enum EditForm {
    static func changes(_ form: Form) throws(DomainError) -> [ImageChange] {
        var changes: [ImageChange] = [.name(form["name"]), .protected(form.flag("protected"))]
        if let visibility = form["visibility"] { changes.append(.visibility(try Visibility.parse(visibility))) }
        if let text = form["min_disk"] {
            guard let value = Int(text) else { throw .invalid("Minimum disk must be a whole number of GB.") }
            changes.append(.minDisk(value))
        }
        if let text = form["min_ram"] {
            guard let value = Int(text) else { throw .invalid("Minimum RAM must be a whole number of MB.") }
            changes.append(.minRam(value))
        }
        return changes
    }
}

/// Downloads the portal serves as attachments (image data, objects).
enum Downloads {
    /// A file name safe for `Content-Disposition`: letters, digits, '-', '_' and '.'.
    static func filename(_ name: String, fallback: String) -> String {
        let safe = name.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        return safe.isEmpty ? fallback : safe
    }

    /// The streamed attachment.
    static func response(_ body: ByteStream?, length: Int64, filename: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.contentType] = "application/octet-stream"
        headers[.contentLength] = String(length)
        guard let body else { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .streaming(body, length: length))
    }
}

extension WebContext {
    /// The image ID in the path (a malformed one is a 404).
    func imageID() throws -> ImageID { try ImageID.fromPath(parameters.get("imageID") ?? "") }
}
