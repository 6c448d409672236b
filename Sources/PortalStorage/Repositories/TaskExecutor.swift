import Foundation
import GRDB
import PortalDomain

/// Runs import and export tasks. Each outcome (the new image or object, the task's status, the
/// audit event) commits in one transaction, so a task interrupted by a stop leaves nothing
/// behind and can simply run again on the next start.
package struct TaskExecutor: Sendable {
    let database: AppDatabase
    let files: DataDirectory
    let clock: PortalClock
    let settings: StorageSettings
    let images: SQLImageRepository
    let objects: SQLObjectRepository

    package init(database: AppDatabase, files: DataDirectory, clock: PortalClock, settings: StorageSettings, images: SQLImageRepository, objects: SQLObjectRepository) {
        self.database = database
        self.files = files
        self.clock = clock
        self.settings = settings
        self.images = images
        self.objects = objects
    }

    /// Tasks left `processing` by a stopped server go back to `pending`, to run again from the start.
    package func recoverInterrupted() async throws -> Int {
        let now = clock.now()
        return try await database.writer.write { db in
            try db.execute(
                sql: "UPDATE tasks SET status = 'pending', message = ?, updated_at = ? WHERE status = 'processing'",
                arguments: ["The server stopped while this task was processing; it was restarted from the beginning.", now])
            return db.changesCount
        }
    }

    /// Claims the oldest pending task and runs it. Returns false when there was none.
    package func runNext() async throws -> Bool {
        let now = clock.now()
        let claimed = try await database.writer.write { db in
            try TaskRecord.fetchOne(
                db,
                sql: """
                    UPDATE tasks SET status = 'processing', updated_at = ?
                    WHERE id = (SELECT id FROM tasks WHERE status = 'pending' ORDER BY created_at, id LIMIT 1)
                    RETURNING *
                    """,
                arguments: [now])
        }
        guard let record = claimed, let task = record.task, let actor = record.actor else { return false }
        switch task.type {
        case .import: await runImport(task, actor: actor)
        case .export: await runExport(task, actor: actor)
        }
        return true
    }

    // MARK: Import

    /// Import: the image appears `importing` as soon as the task runs, becomes `active` with its data in
    /// one transaction, or disappears again if the import fails (no half-imported image is left).
    private func runImport(_ task: PortalTask, actor: Actor) async {
        var staged: StagedData?
        var planned: ImageID?
        do {
            let request = try TaskRules.importRequest(from: task.input)
            let (object, blobPath) = try await objects.open(request.container, request.object, of: task.owner)
            var draft = request.draft
            // A task restarted after a stop reuses the image ID it had planned.
            if case .string(let text)? = task.result?["image_id"], let id = ImageID(rawValue: text) { draft.id = id }
            let id = draft.id ?? .generate()
            planned = id
            draft.id = id
            draft.owner = task.owner
            var importing = try ImageRules.newImage(
                draft, by: actor.principal, now: clock.now(),
                origin: .importObject(container: request.container, object: request.object, sourceImage: object.sourceImage))
            importing.status = .importing
            let row = ImageRecord(importing)
            let resultJSON = String(decoding: try JSONEncoder().encode(["image_id": id.rawValue]), as: UTF8.self)
            try await database.writer.write { db in
                try db.execute(sql: "DELETE FROM images WHERE id = ? AND status = 'importing'", arguments: [id.rawValue])
                guard try ImageRecord.fetchOne(db, key: id.rawValue) == nil else { throw DomainError.conflict("An image with ID \(id) already exists.") }
                try row.insert(db)
                try db.execute(sql: "UPDATE tasks SET result = ? WHERE id = ?", arguments: [resultJSON, task.id.rawValue])
            }
            let data = try await Staging.stage(
                try FileChunks(path: blobPath, length: object.size), to: files.newTemporaryPath(),
                policy: StagingPolicy(maxBytes: settings.uploadSizeCap, declaredFormat: request.format, sha512: true))
            staged = data
            let destination = files.imagePath(id)
            try await database.writer.write { db in
                guard let current = try ImageRecord.fetchOne(db, key: id.rawValue)?.image, current.status == .importing else {
                    throw DomainError.conflict("The image being imported was deleted during the import.")
                }
                let active = ImageRules.activating(current, with: data.imageFacts, now: clock.now())
                try ImageRecord(active).update(db)
                try finish(
                    db, task, status: .success, result: ["image_id": .string(id.rawValue)],
                    message: "Imported \(request.container)/\(request.object) as image \(id).")
                var fields = SQLImageRepository.auditFields(active)
                fields["size"] = String(data.size)
                fields["checksum"] = data.md5
                fields["os_hash_value"] = data.sha512
                try db.audit(
                    AuditEvent(
                        at: active.updatedAt, type: .importSucceeded, actor: actor, imageID: id, imageOwner: active.owner, after: AuditJSON.encode(fields),
                        detail: "task \(task.id) imported \(request.container)/\(request.object)"))
                try FileOps.moveIntoPlace(data.path, destination)
            }
        } catch {
            if let staged { FileOps.remove(staged.path) }
            await fail(task, actor: actor, type: .importFailed, message: "Import failed: \(Self.describe(error))", imageID: nil, discardImporting: planned)
        }
    }

    // MARK: Export

    private func runExport(_ task: PortalTask, actor: Actor) async {
        var staged: StagedData?
        var imageID: ImageID?
        do {
            let request = try TaskRules.exportRequest(from: task.input)
            imageID = request.imageID
            let (image, checks) = try await database.reader.read { db -> (Image, [ExportCheck.Result]) in
                let (image, _) = try images.authorize(db, request.imageID, .show, actor.principal)
                return (image, try SQLImageRepository.checklist(db, image: image, caller: actor.principal, settings: settings.access))
            }
            let failures = ExportCheck.failures(checks)
            guard failures.isEmpty else {
                let message = ExportCheck.blockedMessage(checks)
                try await database.writer.write { db in
                    try finish(db, task, status: .failure, result: nil, message: message)
                    try db.audit(
                        AuditEvent(
                            at: clock.now(), type: .exportBlocked, actor: actor, imageID: image.id,
                            imageOwner: image.owner == task.owner ? image.owner : nil, detail: message))
                }
                return
            }
            guard try await objects.container(request.container, of: task.owner) != nil else {
                throw DomainError.notFound("No container '\(request.container)': create it first.")
            }
            guard let size = image.size, let checksum = image.checksum else { throw DomainError.conflict("The image has no data.") }
            let data = try await Staging.stage(
                try FileChunks(path: files.imagePath(image.id), length: size), to: files.newTemporaryPath(),
                policy: StagingPolicy(maxBytes: Int64.max, declaredFormat: nil, sha512: false))
            staged = data
            guard data.md5 == checksum else {
                throw DomainError.conflict("The stored data of image \(image.id) does not match its checksum; nothing was exported.")
            }
            let name = TaskRules.exportObjectName(for: image)
            let blob = UUID().uuidString.lowercased()
            let now = clock.now()
            let replaced = try await database.writer.write { db -> String? in
                let replaced = try SQLObjectRepository.insertObject(
                    db, staged: data, blob: blob, destination: files.objectPath(tenant: task.owner, blob: blob), container: request.container,
                    name: name, contentType: "application/octet-stream", sourceImage: image.id, tenant: task.owner, now: now)
                try finish(
                    db, task, status: .success,
                    result: ["export_location": .string("\(request.container)/\(name)"), "image_id": .string(image.id.rawValue), "etag": .string(data.md5)],
                    message: "Exported image \(image.id) to \(request.container)/\(name).")
                try db.audit(
                    AuditEvent(
                        at: now, type: .exportSucceeded, actor: actor, imageID: image.id, imageOwner: image.owner,
                        after: AuditJSON.encode(["object": "\(request.container)/\(name)", "etag": data.md5]), detail: "task \(task.id)"))
                return replaced
            }
            if let replaced { FileOps.remove(files.objectPath(tenant: task.owner, blob: replaced)) }
        } catch {
            if let staged { FileOps.remove(staged.path) }
            await fail(task, actor: actor, type: .exportFailed, message: "Export failed: \(Self.describe(error))", imageID: imageID)
        }
    }

    // MARK: Outcomes

    private func finish(_ db: Database, _ task: PortalTask, status: TaskStatus, result: [String: JSONValue]?, message: String) throws {
        let now = clock.now()
        let resultJSON: String? = try result.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try db.execute(
            sql: "UPDATE tasks SET status = ?, result = ?, message = ?, updated_at = ?, expires_at = ? WHERE id = ?",
            arguments: [status.rawValue, resultJSON, message, now, now.addingTimeInterval(TaskRules.timeToLive), task.id.rawValue])
    }

    private func fail(_ task: PortalTask, actor: Actor, type: AuditEventType, message: String, imageID: ImageID?, discardImporting: ImageID? = nil) async {
        try? await database.writer.write { db in
            if let discardImporting {
                try db.execute(sql: "DELETE FROM images WHERE id = ? AND status = 'importing'", arguments: [discardImporting.rawValue])
            }
            try finish(db, task, status: .failure, result: nil, message: message)
            let owner = try imageID.flatMap { try ImageRecord.fetchOne(db, key: $0.rawValue)?.owner }
            try db.audit(
                AuditEvent(
                    at: clock.now(), type: type, actor: actor, imageID: imageID,
                    imageOwner: owner == task.owner.rawValue ? task.owner : nil, detail: message))
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let domain as DomainError: domain.message
        case let file as FileOps.Failure: file.isNoSpace ? "the server's disk is full." : "a storage error occurred (\(file.operation))."
        default: "an internal error occurred."
        }
    }
}
