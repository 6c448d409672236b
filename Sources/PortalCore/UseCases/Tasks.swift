import Foundation
package import PortalDomain

/// One page of tasks.
package struct TaskPage: Sendable {
    package var tasks: [PortalTask]
    /// The marker of the next page; nil on the last page.
    package var next: TaskID?
}

/// Import and export tasks as requests see them: created, listed, shown. `TaskWorker` runs them.
package struct Tasks: Sendable {
    let core: CoreContext
    /// Wakes the task runner when a task is created (it also polls, so nothing is missed).
    let wake: @Sendable () -> Void

    package init(_ core: CoreContext, wake: @escaping @Sendable () -> Void) {
        self.core = core
        self.wake = wake
    }

    /// Validates and records a pending task of the caller's tenant; it runs with the caller's rights.
    package func create(_ type: TaskType, input: [String: JSONValue], by actor: Actor) async throws -> PortalTask {
        guard case .tenant(let owner, _) = actor.principal else {
            throw DomainError.forbidden(actor.principal.isSupport ? "Support staff have read-only access." : "Tasks run in a tenant: use a tenant token.")
        }
        let now = core.clock.now()
        let task = PortalTask(id: .generate(), type: type, owner: owner, input: input, createdAt: now, updatedAt: now)
        let event: AuditEvent
        var reads = Reads.none
        switch type {
        case .export:
            let request = try TaskRules.exportRequest(from: input)
            reads.images = [request.imageID]
            event = AuditEvent(at: now, type: .exportRequested, actor: actor, imageID: request.imageID, detail: "task \(task.id) into container '\(request.container)'")
        case .import:
            let request = try TaskRules.importRequest(from: input)
            event = AuditEvent(at: now, type: .importRequested, actor: actor, detail: "task \(task.id) from \(request.container)/\(request.object)")
        }
        try await core.transact(reads) { snapshot in
            var event = event
            // The event names the image's owner only when that is the requester: never reveal another tenant's image.
            if let id = event.imageID, snapshot.images[id]?.owner == owner { event.imageOwner = owner }
            return Commit([.insertTask(StoredTask(task: task, requestedBy: actor)), .audit(event)])
        }
        wake()
        return task
    }

    /// The caller's tasks (staff: all), newest first.
    package func list(_ query: TaskQuery, for principal: Principal) async throws -> TaskPage {
        var marker: PortalTask?
        if let id = query.marker {
            guard let found = try await core.records.task(id) else { throw DomainError.invalid("Invalid marker: \(id).") }
            marker = found.task
        }
        var tasks = try await core.records.tasks(in: .of(principal), matching: query, after: marker, limit: query.limit + 1)
        let more = tasks.count > query.limit
        if more { tasks.removeLast() }
        return TaskPage(tasks: tasks, next: more ? tasks.last?.id : nil)
    }

    /// One task the caller may see (404 otherwise).
    package func task(_ id: TaskID, for principal: Principal) async throws -> PortalTask {
        guard let stored = try await core.records.task(id), TenantScope.of(principal).includes(stored.task.owner) else {
            throw DomainError.notFound("No task with ID \(id).")
        }
        return stored.task
    }
}

/// Runs import and export tasks. Each outcome (the new image or the export's record, the task's
/// status, the audit event) commits in one transaction, so a task interrupted by a stop leaves
/// nothing behind and runs again from the start on the next start.
package struct TaskWorker: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Tasks left `processing` by a stopped server go back to `pending`, to run again from the start.
    /// - Returns: how many went back.
    @discardableResult
    package func recoverInterrupted() async throws -> Int {
        let interrupted = try await core.records.tasks(in: .everything, matching: TaskQuery(status: .processing), after: nil, limit: 10_000).count
        guard interrupted > 0 else { return 0 }
        try await core.records.apply([
            .resetTasks(
                from: .processing, to: .pending, message: "The server stopped while this task was processing; it was restarted from the beginning.",
                at: core.clock.now())
        ])
        return interrupted
    }

    /// Claims the oldest pending task (or one whose runner died) and runs it, renewing its lease while
    /// it runs. Returns false when there was none.
    package func runNext() async throws -> Bool {
        let now = core.clock.now()
        let owner = core.instance
        guard let claimed = try await core.records.claimNextTask(at: now, owner: owner, until: now.addingTimeInterval(TaskRules.leaseDuration)) else {
            return false
        }
        let id = claimed.task.id
        await core.holdingLease(renew: { .renewTaskLease(id, owner: owner, until: $0) }) {
            switch claimed.task.type {
            case .import: await runImport(claimed.task, as: claimed.requestedBy)
            case .export: await runExport(claimed.task, as: claimed.requestedBy)
            }
        }
        return true
    }

    // MARK: Import

    /// Import: the image appears `importing` as soon as the task runs, becomes `active` with its data
    /// in one transaction, or disappears again if the import fails (no half-imported image is left).
    private func runImport(_ task: PortalTask, as actor: Actor) async {
        var planned: ImageID?
        var wrote = false
        do {
            let request = try TaskRules.importRequest(from: task.input)
            guard let opened = try await core.objects.open(request.object, in: request.container, of: task.owner) else {
                throw Files.noObject(request.object, request.container)
            }
            var draft = request.draft
            // A task restarted after a stop reuses the image ID it had planned.
            if case .string(let text)? = task.result?["image_id"], let id = ImageID(rawValue: text) { draft.id = id }
            let id = draft.id ?? .generate()
            planned = id
            draft.id = id
            draft.owner = task.owner
            var importing = try ImageRules.newImage(
                draft, by: actor.principal, now: core.clock.now(),
                origin: .importObject(container: request.container, object: request.object, sourceImage: opened.object.sourceImage))
            importing.status = .importing
            var plan = task
            plan.result = ["image_id": .string(id.rawValue)]
            let planning = plan
            let row = importing
            try await core.transact(Reads(images: [id]), conflict: "An image with ID \(id) already exists.") { snapshot in
                var writes: [Write] = []
                if let existing = snapshot.images[id] {
                    // What a stopped run left behind is discarded; any other image keeps its ID.
                    guard existing.status == .importing else { throw DomainError.conflict("An image with ID \(id) already exists.") }
                    writes.append(.removeImage(id, ifStatus: .importing))
                }
                return Commit(writes + [.insertImage(row), .updateTask(planning)])
            }
            await core.blobs.remove(.image(id))
            let body = try await opened.read(0, opened.object.size)
            let facts = try await core.blobs.write(
                GuardedBody(body, cap: core.settings.uploadSizeCap, format: request.format), to: .image(id), sha512: true, accept: { _ in })
            wrote = true
            let now = core.clock.now()
            try await core.transact(Reads(images: [id])) { snapshot in
                guard let current = snapshot.images[id], current.status == .importing else {
                    throw DomainError.conflict("The image being imported was deleted during the import.")
                }
                let active = ImageRules.activating(current, with: facts.imageFacts, now: now)
                return Commit([
                    .updateImage(active),
                    .updateTask(Self.finished(planning, .success, result: ["image_id": .string(id.rawValue)], message: "Imported \(request.container)/\(request.object) as image \(id).", at: now)),
                    .audit(
                        .about(
                            active, .importSucceeded, by: actor, at: now, after: AuditEvent.fieldsWithData(of: active),
                            detail: "task \(task.id) imported \(request.container)/\(request.object)")),
                ])
            }
        } catch {
            if wrote, let planned { await core.blobs.remove(.image(planned)) }
            await fail(task, as: actor, type: .importFailed, message: "Import failed: \(describeFailure(error))", imageID: nil, discardImporting: planned)
        }
    }

    // MARK: Export

    private func runExport(_ task: PortalTask, as actor: Actor) async {
        var imageID: ImageID?
        do {
            let request = try TaskRules.exportRequest(from: task.input)
            imageID = request.imageID
            let image = try await core.authorized(request.imageID, .show, for: actor.principal).image
            let checks = try await Lineage(core).checklist(for: image, caller: actor.principal)
            guard ExportCheck.failures(checks).isEmpty else {
                let message = ExportCheck.blockedMessage(checks)
                let now = core.clock.now()
                try await core.records.apply([
                    .updateTask(Self.finished(task, .failure, result: nil, message: message, at: now)),
                    .audit(
                        AuditEvent(
                            at: now, type: .exportBlocked, actor: actor, imageID: image.id, imageOwner: image.owner == task.owner ? image.owner : nil,
                            detail: message)),
                ])
                return
            }
            guard try await core.objects.container(request.container, of: task.owner) != nil else {
                throw DomainError.notFound("No container '\(request.container)': create it first.")
            }
            guard let size = image.size, let checksum = image.checksum else { throw DomainError.conflict("The image has no data.") }
            let name = TaskRules.exportObjectName(for: image)
            let body = try await core.blobs.read(.image(image.id), offset: 0, length: size)
            let stored: StoredObject?
            do {
                stored = try await core.objects.put(
                    body, container: request.container, name: name, contentType: "application/octet-stream", sourceImage: image.id,
                    expected: ExpectedData(md5: checksum, size: size), of: task.owner)
            } catch is ChecksumMismatch {
                throw DomainError.conflict("The stored data of image \(image.id) does not match its checksum; nothing was exported.")
            }
            guard let stored else { throw DomainError.notFound("No container '\(request.container)': create it first.") }
            let now = core.clock.now()
            try await core.records.apply([
                .updateTask(
                    Self.finished(
                        task, .success,
                        result: [
                            "export_location": .string("\(request.container)/\(name)"), "image_id": .string(image.id.rawValue), "etag": .string(stored.etag),
                        ], message: "Exported image \(image.id) to \(request.container)/\(name).", at: now)),
                .audit(
                    .about(
                        image, .exportSucceeded, by: actor, at: now,
                        after: ["object": .string("\(request.container)/\(name)"), "etag": .string(stored.etag)], detail: "task \(task.id)")),
            ])
        } catch {
            await fail(task, as: actor, type: .exportFailed, message: "Export failed: \(describeFailure(error))", imageID: imageID)
        }
    }

    // MARK: Outcomes

    /// The task finished: its status, result and message, listed for the next 48 hours.
    static func finished(_ task: PortalTask, _ status: TaskStatus, result: [String: JSONValue]?, message: String, at now: Date) -> PortalTask {
        var finished = task
        finished.status = status
        finished.result = result
        finished.message = message
        finished.updatedAt = now
        finished.expiresAt = now.addingTimeInterval(TaskRules.timeToLive)
        return finished
    }

    /// Records a failure (and discards an image an import had begun), never throwing.
    private func fail(_ task: PortalTask, as actor: Actor, type: AuditEventType, message: String, imageID: ImageID?, discardImporting: ImageID? = nil) async {
        let now = core.clock.now()
        try? await core.records.transact(Reads(images: imageID.map { [$0] } ?? [])) { snapshot in
            var writes: [Write] = []
            if let discardImporting { writes.append(.removeImage(discardImporting, ifStatus: .importing)) }
            let owner = imageID.flatMap { snapshot.images[$0]?.owner }
            writes += [
                .updateTask(Self.finished(task, .failure, result: nil, message: message, at: now)),
                .audit(AuditEvent(at: now, type: type, actor: actor, imageID: imageID, imageOwner: owner == task.owner ? task.owner : nil, detail: message)),
            ]
            return Commit(writes)
        }
    }
}
