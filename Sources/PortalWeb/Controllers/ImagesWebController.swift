import Foundation
import Hummingbird
import PortalAuth
import PortalDomain
import PortalStorage

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

    // MARK: List

    static let tabs: [(key: String, label: String)] = [
        ("mine", "My images"), ("shared", "Shared with me"), ("pending", "Pending"), ("rejected", "Rejected"), ("public", "Public"),
    ]

    @Sendable func list(_ request: Request, context: WebContext) async throws -> Response {
        let items = QueryItems.parse(request.uri.query)
        let form = Form(fields: items)
        let tab = Self.tabs.map(\.key).contains(form["tab"] ?? "") ? form["tab"] ?? "mine" : "mine"
        var query = ImageListQuery()
        query.limit = 20
        switch tab {
        case "shared":
            query.onlySharedWithCaller = true
            query.memberStatus = .accepted
        case "pending":
            query.onlySharedWithCaller = true
            query.memberStatus = .pending
        case "rejected":
            query.onlySharedWithCaller = true
            query.memberStatus = .rejected
        case "public":
            query.visibility = .only(.public)
        default:
            if let tenant = context.principal.tenantID { query.owners = [tenant.rawValue] }
            query.visibility = .all
        }
        query.nameContains = form["name"]
        if let status = form["status"] { query.statuses = [status] }
        if let format = form["disk_format"] { query.diskFormats = [format] }
        let sort = form["sort"] ?? "newest"
        switch sort {
        case "oldest": query.sort = [(.createdAt, .asc)]
        case "name": query.sort = [(.name, .asc)]
        case "largest": query.sort = [(.size, .desc)]
        default: query.sort = [(.createdAt, .desc)]
        }
        if let marker = form["marker"] {
            guard let id = ImageID(rawValue: marker) else { throw DomainError.invalid("That page link is not valid.") }
            query.marker = id
        }
        let page = try await services.images.list(query, for: context.principal)
        let kept = items.filter { $0.name != "marker" }
        let answerable = tab == "pending" || tab == "rejected" || tab == "shared"
        let returnPath = Paths.images + (kept.isEmpty ? "" : "?" + QueryItems.encode(kept))
        let rows = page.images.map { image in
            ImagesPage.Row(
                image: ImageRow(image), answerable: answerable, showPending: tab == "rejected" || tab == "shared", showAccept: tab != "shared",
                showReject: tab != "rejected", csrf: context.session.csrf, accountKey: context.session.active.key, returnPath: returnPath)
        }
        func option(_ value: String, _ label: String, _ current: String?) -> ImagesPage.Option {
            ImagesPage.Option(value: value, label: label, selected: value == (current ?? ""))
        }
        let model = ImagesPage.Model(
            chrome: Chrome(context, title: "Images", section: "Images"),
            tabs: Self.tabs.map { ImagesPage.Tab(label: $0.label, href: Paths.images + "?tab=" + $0.key, current: $0.key == tab) },
            tab: tab, tabTitle: Self.tabs.first { $0.key == tab }?.label ?? "", name: form["name"] ?? "",
            statuses: [option("", "Any status", form["status"])] + ["queued", "saving", "active", "deactivated"].map { option($0, $0, form["status"]) },
            formats: [option("", "Any format", form["disk_format"])] + DiskFormat.allCases.map { option($0.rawValue, $0.rawValue, form["disk_format"]) },
            sorts: [("newest", "Newest first"), ("oldest", "Oldest first"), ("name", "Name"), ("largest", "Largest first")].map { option($0.0, $0.1, sort) },
            rows: rows, hasRows: !rows.isEmpty, answerable: answerable, emptyMessage: Self.emptyMessage(tab),
            nextHref: page.nextMarker.map { Paths.images + "?" + QueryItems.encode(kept + [("marker", $0.rawValue)]) },
            firstHref: query.marker == nil ? nil : returnPath)
        return try renderer.page("images/list", model)
    }

    static func emptyMessage(_ tab: String) -> String {
        switch tab {
        case "shared": "No accepted shares. Images other accounts share with you appear under Pending until you accept them."
        case "pending": "Nothing is waiting for your answer."
        case "rejected": "You have not rejected any shares."
        case "public": "No public images."
        default: "You have no images yet. Import one, or snapshot a server."
        }
    }

    // MARK: Detail

    @Sendable func show(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        let view = try await services.images.find(id, for: context.principal)
        let image = view.image
        let principal = context.principal
        let isOwner = principal.tenantID == image.owner
        let lineage = try await services.images.lineage(of: id, for: principal)
        var members: [Member] = []
        if image.visibility == .shared, AccessPolicy.decide(.listMembers, image: image, membership: view.membership, principal: principal) == .allow {
            members = try await services.images.members(of: id, for: principal)
        }
        let showMembers = isOwner || principal.readsAcrossTenants
        let checks = isOwner ? try await services.images.exportChecklist(id, for: principal) : []
        let containers = isOwner ? try await services.objects.containers(of: image.owner).map(\.name) : []
        let memberIDs = Set(members.map(\.memberID))
        let heldTargets = context.session.verified.compactMap { account -> ImageDetailPage.HeldTarget? in
            guard let tenant = account.principal.tenantID, tenant != image.owner, !memberIDs.contains(tenant) else { return nil }
            return ImageDetailPage.HeldTarget(key: account.key, label: account.label, ddi: tenant.rawValue)
        }
        let ownerHeld = view.membership != nil ? context.session.others.first { $0.principal.tenantID == image.owner } : nil
        let status = view.membership?.status
        // The same rules the API applies: the access policy, then the lifecycle (a plan with data).
        let canDownload: Bool = {
            guard AccessPolicy.decide(.download, image: image, membership: view.membership, principal: principal, settings: services.settings.access) == .allow,
                case .data? = try? ImageRules.downloadPlan(for: image, by: principal)
            else { return false }
            return true
        }()
        let canChange = AccessPolicy.decide(.update, image: image, membership: view.membership, principal: principal) == .allow
        let model = ImageDetailPage.Model(
            chrome: Chrome(context, title: image.name ?? "Image", section: "Images"),
            id: image.id.rawValue, name: image.name.flatMap { $0.isEmpty ? nil : $0 } ?? "(unnamed)", owner: image.owner.rawValue,
            status: Format.words(image.status.rawValue), visibility: image.visibility.rawValue, diskFormat: image.diskFormat?.rawValue ?? "—",
            containerFormat: image.containerFormat?.rawValue ?? "—", size: Format.size(image.size), virtualSize: Format.size(image.virtualSize),
            checksum: image.checksum ?? "—", hashAlgo: image.osHashAlgo ?? "—", hashValue: image.osHashValue ?? "—", minDisk: image.minDisk,
            minRam: image.minRam, protected: image.protected, hidden: image.osHidden, created: Format.date(image.createdAt),
            updated: Format.date(image.updatedAt), tags: image.tags, hasTags: !image.tags.isEmpty,
            properties: image.properties.sorted { $0.key < $1.key }.map { ImageDetailPage.Property(key: $0.key, value: $0.value) },
            hasProperties: !image.properties.isEmpty, origin: ImageDetailPage.origin(image.origin),
            lineage: lineage.map { step in
                step.hidden
                    ? ImageDetailPage.LineageRow(
                        id: "", href: nil, name: "an image of another tenant, not visible to you", owner: "another tenant", ownerIsOther: true, status: "",
                        origin: "")
                    : ImageDetailPage.LineageRow(
                        id: step.imageID.rawValue, href: step.status == .deleted ? nil : Paths.image(step.imageID), name: step.name ?? "(unnamed)",
                        owner: step.owner.rawValue, ownerIsOther: step.owner != image.owner, status: Format.words(step.status.rawValue),
                        origin: ImageDetailPage.origin(step.origin))
            },
            hasLineage: !lineage.isEmpty, isOwner: isOwner, isMember: view.membership != nil, memberStatus: status?.rawValue,
            canAccept: status != nil && status != .accepted, canReject: status != nil && status != .rejected, canRemind: status == .rejected || status == .accepted,
            ownerHeldKey: ownerHeld?.key, ownerHeldLabel: ownerHeld?.label,
            members: showMembers
                ? members.map {
                    ImageDetailPage.MemberRow(
                        ddi: $0.memberID.rawValue, status: $0.status.rawValue, since: Format.date($0.updatedAt), canShare: $0.canShare,
                        rejected: $0.status == .rejected, csrf: context.session.csrf, removeHref: Paths.image(id, "members/remove"))
                } : [],
            hasMembers: showMembers && !members.isEmpty,
            rejectedCandidates: {
                let candidates = MemberRules.removalCandidates(members).map(\.memberID.rawValue)
                return showMembers && !candidates.isEmpty ? candidates.joined(separator: ", ") : nil
            }(),
            isShared: image.visibility == .shared, isPrivate: image.visibility == .private, heldTargets: isOwner ? heldTargets : [],
            hasHeldTargets: isOwner && !heldTargets.isEmpty, canDelete: canChange && !image.protected, canDeactivate: canChange && image.status == .active,
            canReactivate: canChange && image.status == .deactivated,
            canBoot: (try? ImageRules.requireBootable(image)) != nil
                && AccessPolicy.decide(.boot, image: image, membership: view.membership, principal: principal, settings: services.settings.access) == .allow,
            canDownload: canDownload, downloadHref: Paths.image(id, "download"),
            checks: checks.map { ImageDetailPage.Check(title: $0.item.title, passed: $0.passed, reason: $0.reason) },
            exportable: !checks.isEmpty && checks.allSatisfy(\.passed), containers: containers, hasContainers: !containers.isEmpty,
            actionBase: Paths.image(id),
            visibilityOptions: Visibility.allCases.filter { $0 == image.visibility || (try? ImageRules.checkVisibilityChange(to: $0, by: principal)) != nil }.map {
                ImagesPage.Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == image.visibility)
            })
        return try renderer.page("images/detail", model)
    }

    // MARK: Owner actions

    /// Shares with tenant IDs typed in, and with held accounts ticked (optionally accepting for them).
    @Sendable func share(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        let form = context.form
        var targets = (form["members"] ?? "").split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }).map(String.init)
        var heldToAccept: [WebAccount] = []
        for key in form.values("held") {
            guard let account = context.session.verified.first(where: { $0.key == key }), let tenant = account.principal.tenantID else {
                throw DomainError.forbidden("This session does not hold that account.")
            }
            targets.append(tenant.rawValue)
            if form.flag("accept_for_held") { heldToAccept.append(account) }
        }
        guard !targets.isEmpty else { throw DomainError.invalid("Enter at least one tenant ID to share with.") }
        // Whether the caller may share at all is one answer for the whole form (403/404), not one per tenant ID.
        let view = try await services.images.find(id, for: context.principal)
        try AccessPolicy.decide(.addMember, image: view.image, membership: view.membership, principal: context.principal, settings: services.settings.access)
            .require(id.rawValue)
        var flashes: [Flash] = []
        if form.flag("make_shared") {
            let image = try await services.images.find(id, for: context.principal).image
            if image.visibility == .private {
                _ = try await services.images.update(id, actor: context.actor) { _ throws(DomainError) in [.visibility(.shared)] }
                flashes.append(.info("The image is now shared (it was private)."))
            }
        }
        var shared: [String] = []
        var refused: [String] = []
        var seen = Set<String>()
        for target in targets where seen.insert(target).inserted {
            do {
                _ = try await services.images.addMember(target, to: id, canShare: false, sharePrivate: false, actor: context.actor)
                shared.append(target)
            } catch let error as DomainError {
                switch error {
                case .invalid, .conflict, .tooLarge: refused.append("\(target.prefix(32)): \(error.message)")
                default: throw error
                }
            }
        }
        for account in heldToAccept where shared.contains(account.principal.tenantID?.rawValue ?? "") {
            if let tenant = account.principal.tenantID {
                _ = try await services.images.setStatus("accepted", member: tenant.rawValue, of: id, actor: context.actor(for: account))
                flashes.append(.success("Accepted for \(account.label)."))
            }
        }
        if !shared.isEmpty { flashes.insert(.success("Shared with \(shared.joined(separator: ", ")); each starts as pending."), at: 0) }
        if !refused.isEmpty {
            let shown = refused.prefix(5).joined(separator: " ")
            flashes.append(.error("Not shared — " + shown + (refused.count > 5 ? " …and \(refused.count - 5) more." : "")))
        }
        return Response.redirect(to: Paths.image(id), flash: flashes, jar: jar)
    }

    @Sendable func removeMember(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        guard let member = context.form["member"] else { throw DomainError.invalid("Which member?") }
        try await services.images.removeMember(member, from: id, requireShared: true, actor: context.actor)
        return Response.redirect(to: Paths.image(id), flash: [.success("Removed \(member); its access ended at once.")], jar: jar)
    }

    @Sendable func edit(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        let form = context.form
        var changes: [ImageChange] = [.name(form["name"]), .protected(form.flag("protected"))]
        if let visibility = form["visibility"] { changes.append(.visibility(try Visibility.parse(visibility))) }
        if let text = form["min_disk"] {
            guard let value = Int(text) else { throw DomainError.invalid("Minimum disk must be a whole number of GB.") }
            changes.append(.minDisk(value))
        }
        if let text = form["min_ram"] {
            guard let value = Int(text) else { throw DomainError.invalid("Minimum RAM must be a whole number of MB.") }
            changes.append(.minRam(value))
        }
        let finalChanges = changes
        _ = try await services.images.update(id, actor: context.actor) { _ throws(DomainError) in finalChanges }
        return Response.redirect(to: Paths.image(id), flash: [.success("Saved.")], jar: jar)
    }

    @Sendable func delete(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        try await services.images.delete(id, actor: context.actor)
        return Response.redirect(to: Paths.images, flash: [.success("Deleted image \(id).")], jar: jar)
    }

    @Sendable func deactivate(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        _ = try await services.images.deactivate(id, actor: context.actor)
        return Response.redirect(to: Paths.image(id), flash: [.success("Deactivated: its data cannot be downloaded or booted until reactivated.")], jar: jar)
    }

    @Sendable func reactivate(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        _ = try await services.images.reactivate(id, actor: context.actor)
        return Response.redirect(to: Paths.image(id), flash: [.success("Reactivated.")], jar: jar)
    }

    // MARK: Member actions

    @Sendable func answer(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        guard let tenant = context.principal.tenantID else { throw DomainError.forbidden("Only tenants answer shares.") }
        let member = try await services.images.setStatus(context.form["status"] ?? "", member: tenant.rawValue, of: id, actor: context.actor)
        let text: String
        switch member.status {
        case .accepted: text = "Accepted: the image is in your list under Shared with me."
        case .rejected: text = "Rejected: the image is hidden from your lists. You can still change your mind."
        case .pending: text = "Marked to remind you later: the image waits under Pending."
        }
        return Response.redirect(to: SessionController.back(context.form, fallback: Paths.image(id)), flash: [.success(text)], jar: jar)
    }

    // MARK: Both

    @Sendable func boot(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        let name = context.form["name"] ?? "server-\(id.rawValue.prefix(8))"
        let server = try await services.compute.create(name: name, imageRef: id.rawValue, actor: context.actor)
        return Response.redirect(to: Paths.server(server.id), flash: [.success("Server \(server.name) is running from image \(id).")], jar: jar)
    }

    @Sendable func export(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        guard let container = context.form["container"] else { throw DomainError.invalid("Choose a container to export into.") }
        let task = try await services.tasks.create(
            type: .export, input: ["image_uuid": .string(id.rawValue), "receiving_swift_container": .string(container)], actor: context.actor)
        return Response.redirect(to: Paths.task(task.id), flash: [.info("Export started as task \(task.id).")], jar: jar)
    }

    @Sendable func download(_ request: Request, context: WebContext) async throws -> Response {
        let id = try Self.imageID(context)
        guard let download = try await services.imageData.download(id, range: nil, for: context.principal) else {
            throw DomainError.conflict("This image has no data yet.")
        }
        let name = (download.image.name ?? id.rawValue).filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        let file = (name.isEmpty ? id.rawValue : name) + "." + (download.image.diskFormat?.rawValue ?? "img")
        var headers = HTTPFields()
        headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        headers[.contentType] = "application/octet-stream"
        headers[.contentLength] = String(download.size)
        guard let chunks = download.body else { return Response(status: .ok, headers: headers) }
        return Response(
            status: .ok, headers: headers,
            body: .streaming(chunks, length: download.size))
    }

    static func imageID(_ context: WebContext) throws -> ImageID {
        let text = context.parameters.get("imageID") ?? ""
        guard let id = ImageID(rawValue: text) else { throw DomainError.notFound("No image with ID \(text.prefix(64)).") }
        return id
    }
}
