import Foundation
import GRDB
package import PortalDomain

/// Import and export tasks: created by requests, run by the background task runner.
package protocol TaskRepository: Sendable {
    /// Validates and records a pending task for the caller's tenant.
    func create(type: TaskType, input: [String: JSONValue], actor: Actor) async throws -> PortalTask
    /// The caller's tasks (staff: all), newest first.
    func list(_ query: TaskQuery, for principal: Principal) async throws -> (tasks: [PortalTask], next: TaskID?)
    /// One task the caller may see.
    func task(_ id: TaskID, for principal: Principal) async throws -> PortalTask
}

/// The GRDB implementation.
package struct SQLTaskRepository: TaskRepository {
    let database: AppDatabase
    let clock: PortalClock
    /// Wakes the runner when a task is created.
    let wake: @Sendable () -> Void

    package init(database: AppDatabase, clock: PortalClock, wake: @escaping @Sendable () -> Void) {
        self.database = database
        self.clock = clock
        self.wake = wake
    }

    package func create(type: TaskType, input: [String: JSONValue], actor: Actor) async throws -> PortalTask {
        guard case .tenant(let owner, let role) = actor.principal else {
            throw DomainError.forbidden(actor.principal.isSupport ? "Support staff have read-only access." : "Tasks run in a tenant: use a tenant token.")
        }
        try TaskRules.validate(type: type, input: input)
        let now = clock.now()
        let task = PortalTask(id: .generate(), type: type, owner: owner, input: input, createdAt: now, updatedAt: now)
        try await database.writer.write { db in
            try TaskRecord(
                id: task.id.rawValue, type: type.rawValue, status: TaskStatus.pending.rawValue, owner: owner.rawValue, input: input, result: nil,
                message: "", requestedByRole: role.rawValue, tokenID: actor.tokenID?.rawValue, requestID: actor.requestID, createdAt: now,
                updatedAt: now, expiresAt: nil
            ).insert(db)
            switch type {
            case .export:
                let request = try TaskRules.exportRequest(from: input)
                let owner = try ImageRecord.fetchOne(db, key: request.imageID.rawValue)?.owner
                try db.audit(
                    AuditEvent(
                        at: now, type: .exportRequested, actor: actor, imageID: request.imageID,
                        imageOwner: owner == actor.principal.tenantID?.rawValue ? actor.principal.tenantID : nil,
                        detail: "task \(task.id) into container '\(request.container)'"))
            case .import:
                let request = try TaskRules.importRequest(from: input)
                try db.audit(
                    AuditEvent(at: now, type: .importRequested, actor: actor, detail: "task \(task.id) from \(request.container)/\(request.object)"))
            }
        }
        wake()
        return task
    }

    package func list(_ query: TaskQuery, for principal: Principal) async throws -> (tasks: [PortalTask], next: TaskID?) {
        try await database.reader.read { db in
            var request = TaskRecord.all()
            if !principal.readsAcrossTenants {
                guard let tenant = principal.tenantID else { return ([], nil) }
                request = request.filter(TaskRecord.Columns.owner == tenant.rawValue)
            }
            if let type = query.type { request = request.filter(TaskRecord.Columns.type == type.rawValue) }
            if let status = query.status { request = request.filter(TaskRecord.Columns.status == status.rawValue) }
            if let marker = query.marker {
                guard let record = try TaskRecord.fetchOne(db, key: marker.rawValue) else { throw DomainError.invalid("Invalid marker: \(marker).") }
                request = request.filter(sql: "(created_at, id) < (?, ?)", arguments: [record.createdAt, record.id])
            }
            let records = try request.order(sql: "created_at DESC, id DESC").limit(query.limit + 1).fetchAll(db)
            let tasks = records.prefix(query.limit).compactMap(\.task)
            return (Array(tasks), records.count > query.limit ? tasks.last?.id : nil)
        }
    }

    package func task(_ id: TaskID, for principal: Principal) async throws -> PortalTask {
        try await database.reader.read { db in
            guard let task = try TaskRecord.fetchOne(db, key: id.rawValue)?.task, task.owner == principal.tenantID || principal.readsAcrossTenants else {
                throw DomainError.notFound("No task with ID \(id).")
            }
            return task
        }
    }
}
