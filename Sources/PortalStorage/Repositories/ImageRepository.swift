import Foundation
import GRDB
package import PortalDomain

/// An image as one caller sees it: the image and the caller's own membership, if any.
package struct ImageView: Hashable, Sendable {
    package var image: Image
    package var membership: Member?
    /// How the caller stands towards the image.
    package var relation: Relation
}

/// One page of an image list.
package struct ImagePage: Sendable {
    package var images: [Image]
    /// The marker of the next page; nil on the last page.
    package var nextMarker: ImageID?
}

/// Metadata changes computed from the image as it is when they are applied.
package typealias ImageChanges = @Sendable (Image) throws(DomainError) -> [ImageChange]

extension ImageRepository {
    /// Marks a queued image `saving` for an upload of data alone.
    package func beginUpload(_ id: ImageID, actor: Actor) async throws -> Image {
        try await beginUpload(id, applying: nil, actor: actor)
    }

    /// Completes an upload of data alone.
    package func completeUpload(_ id: ImageID, staged: StagedData, actor: Actor) async throws -> Image {
        try await completeUpload(id, staged: staged, applying: nil, actor: actor)
    }
}

/// How many images a tenant owns and has been offered, by member status.
package struct ImageCounts: Hashable, Sendable {
    package var owned = 0
    package var accepted = 0
    package var pending = 0
    package var rejected = 0
}

/// A v1 shared-image entry (`GET /v1/shared-images/{tenant}`).
package struct SharedImage: Hashable, Sendable {
    package var imageID: ImageID
    package var canShare: Bool
    package var status: MemberStatus
}

/// Images, their members, lineage and export checks. Every method applies the one access policy
/// and writes its audit events in the same transaction as the change.
package protocol ImageRepository: Sendable {
    /// Creates a queued image.
    func create(_ draft: ImageDraft, origin: ImageOrigin, actor: Actor) async throws -> Image
    /// Creates an image whose data is already staged (portal uploads): the row is inserted active and
    /// the data moved into place in one transaction, so a failure leaves neither row nor file.
    func createWithData(_ draft: ImageDraft, origin: ImageOrigin, staged: StagedData, actor: Actor) async throws -> Image
    /// An image the caller may see (404 otherwise).
    func find(_ id: ImageID, for principal: Principal) async throws -> ImageView
    /// A page of the caller's image list.
    func list(_ query: ImageListQuery, for principal: Principal) async throws -> ImagePage
    /// Applies changes computed from the current image (404/403 by the access policy first).
    func update(_ id: ImageID, actor: Actor, changes: @escaping @Sendable (Image) throws(DomainError) -> [ImageChange]) async throws -> Image
    /// `PUT .../tags/{tag}`.
    func addTag(_ tag: String, to id: ImageID, actor: Actor) async throws -> Image
    /// `DELETE .../tags/{tag}`.
    func removeTag(_ tag: String, from id: ImageID, actor: Actor) async throws -> Image
    /// `POST .../actions/deactivate`.
    func deactivate(_ id: ImageID, actor: Actor) async throws -> Image
    /// `POST .../actions/reactivate`.
    func reactivate(_ id: ImageID, actor: Actor) async throws -> Image
    /// Deletes: the row stays as `deleted`, the data is removed.
    func delete(_ id: ImageID, actor: Actor) async throws

    /// Marks a queued image `saving` for an upload (409 unless queued). With `changes` (Glance v1 sends
    /// metadata and data in one PUT), returns the image as the changes will make it — its disk format
    /// is what the data is inspected against — but stores only the status: the changes are applied
    /// together with the data, or not at all.
    func beginUpload(_ id: ImageID, applying changes: ImageChanges?, actor: Actor) async throws -> Image
    /// Moves staged data into place, applies the metadata changes and marks the image active, in one transaction.
    func completeUpload(_ id: ImageID, staged: StagedData, applying changes: ImageChanges?, actor: Actor) async throws -> Image
    /// Returns a `saving` image to `queued` after a failed upload.
    func abortUpload(_ id: ImageID) async
    /// Checks a download and says what to send.
    func prepareDownload(_ id: ImageID, for principal: Principal) async throws -> (image: Image, plan: ImageRules.DownloadPlan)

    /// Adds a member (pending). `sharePrivate` (Glance v1) first switches a private image to shared.
    func addMember(_ candidate: String, to id: ImageID, canShare: Bool, sharePrivate: Bool, actor: Actor) async throws -> Member
    /// The members the caller may list (v2: only shared images have members, 403 otherwise).
    func members(of id: ImageID, for principal: Principal) async throws -> [Member]
    /// Glance v1's member list: the records the caller may see, whatever the visibility.
    func membersV1(of id: ImageID, for principal: Principal) async throws -> [Member]
    /// One member record.
    func member(_ memberID: String, of id: ImageID, for principal: Principal) async throws -> Member
    /// The member changes its own status.
    func setStatus(_ status: String, member memberID: String, of id: ImageID, actor: Actor) async throws -> Member
    /// The owner removes a member; its access ends at once. v2 requires a shared image (403 otherwise); v1 does not.
    func removeMember(_ memberID: String, from id: ImageID, requireShared: Bool, actor: Actor) async throws
    /// Glance v1 `PUT /images/{id}/members/{member}`: adds (pending) or updates `can_share`.
    func putMemberV1(_ memberID: String, on id: ImageID, canShare: Bool?, actor: Actor) async throws
    /// Glance v1 `PUT /images/{id}/members`: replaces the list.
    func replaceMembersV1(on id: ImageID, with entries: [(member: String, canShare: Bool?)], actor: Actor) async throws
    /// Glance v1 `GET /shared-images/{tenant}`: the tenant itself or staff.
    func sharedImages(with tenant: TenantID, for principal: Principal) async throws -> [SharedImage]

    /// Counts for a tenant's dashboard.
    func counts(for tenant: TenantID) async throws -> ImageCounts

    /// The lineage above an image, nearest first (deleted ancestors included).
    func lineage(of id: ImageID, for principal: Principal) async throws -> [LineageStep]
    /// The export checklist of an image for the caller.
    func exportChecklist(_ id: ImageID, for principal: Principal) async throws -> [ExportCheck.Result]
}

/// The GRDB implementation.
package struct SQLImageRepository: ImageRepository {
    let database: AppDatabase
    let files: DataDirectory
    let clock: PortalClock
    let settings: StorageSettings

    package init(database: AppDatabase, files: DataDirectory, clock: PortalClock, settings: StorageSettings) {
        self.database = database
        self.files = files
        self.clock = clock
        self.settings = settings
    }

    // MARK: Metadata

    package func create(_ draft: ImageDraft, origin: ImageOrigin, actor: Actor) async throws -> Image {
        let now = clock.now()
        let image = try ImageRules.newImage(draft, by: actor.principal, now: now, origin: origin)
        return try await database.writer.write { db in
            guard try ImageRecord.fetchOne(db, key: image.id.rawValue) == nil else {
                throw DomainError.conflict("An image with ID \(image.id) already exists.")
            }
            try ImageRecord(image).insert(db)
            try db.audit(
                AuditEvent(at: now, type: .imageCreated, actor: actor, imageID: image.id, imageOwner: image.owner, after: AuditJSON.encode(Self.auditFields(image))))
            return image
        }
    }

    package func createWithData(_ draft: ImageDraft, origin: ImageOrigin, staged: StagedData, actor: Actor) async throws -> Image {
        let now = clock.now()
        let queued = try ImageRules.newImage(draft, by: actor.principal, now: now, origin: origin)
        let image = ImageRules.activating(queued, with: staged.imageFacts, now: now)
        let destination = files.imagePath(image.id)
        return try await database.writer.write { db in
            try Self.insertWithData(db, image, staged: staged, destination: destination, actor: actor, type: .imageCreated, detail: "created with its data")
            return image
        }
    }

    /// Inside a transaction: inserts an active image, writes its audit event and moves its data into place.
    static func insertWithData(
        _ db: Database, _ image: Image, staged: StagedData, destination: String, actor: Actor, type: AuditEventType, detail: String
    ) throws {
        guard try ImageRecord.fetchOne(db, key: image.id.rawValue) == nil else {
            throw DomainError.conflict("An image with ID \(image.id) already exists.")
        }
        try ImageRecord(image).insert(db)
        var fields = auditFields(image)
        fields["size"] = String(staged.size)
        fields["checksum"] = staged.md5
        fields["os_hash_value"] = staged.sha512
        try db.audit(
            AuditEvent(at: image.createdAt, type: type, actor: actor, imageID: image.id, imageOwner: image.owner, after: AuditJSON.encode(fields), detail: detail))
        try FileOps.moveIntoPlace(staged.path, destination)
    }

    package func find(_ id: ImageID, for principal: Principal) async throws -> ImageView {
        try await database.reader.read { db in
            let (image, membership) = try authorize(db, id, .show, principal)
            return ImageView(image: image, membership: membership, relation: Relation.of(principal, to: image, membership: membership))
        }
    }

    package func list(_ query: ImageListQuery, for principal: Principal) async throws -> ImagePage {
        let builder = ImageListSQL(query: query, principal: principal, settings: settings.access)
        return try await database.reader.read { db in
            var markerRecord: ImageRecord?
            if let marker = query.marker {
                guard let record = try ImageRecord.fetchOne(db, key: marker.rawValue), let image = record.image,
                    AccessPolicy.decide(.show, image: image, membership: try membership(db, image, principal), principal: principal, settings: settings.access)
                        == .allow
                else {
                    throw DomainError.invalid("Invalid marker: no image with ID \(marker) is visible to you.")
                }
                markerRecord = record
            }
            let sql = builder.select(limit: query.limit + 1, after: markerRecord)
            var records = try ImageRecord.fetchAll(db, SQLRequest<ImageRecord>(literal: sql))
            let more = records.count > query.limit
            if more { records.removeLast() }
            let images = records.compactMap(\.image)
            return ImagePage(images: images, nextMarker: more ? images.last?.id : nil)
        }
    }

    package func update(_ id: ImageID, actor: Actor, changes: @escaping @Sendable (Image) throws(DomainError) -> [ImageChange]) async throws -> Image {
        let now = clock.now()
        return try await database.writer.write { db in
            let (image, _) = try authorize(db, id, .update, actor.principal)
            let updated = try ImageRules.apply(try changes(image), to: image, by: actor.principal, now: now)
            try save(db, before: image, after: updated, type: .imageUpdated, actor: actor, now: now)
            return updated
        }
    }

    package func addTag(_ tag: String, to id: ImageID, actor: Actor) async throws -> Image {
        try await change(id, actor: actor, type: .imageUpdated) { image, now throws(DomainError) in try ImageRules.addingTag(tag, to: image, now: now) }
    }

    package func removeTag(_ tag: String, from id: ImageID, actor: Actor) async throws -> Image {
        try await change(id, actor: actor, type: .imageUpdated) { image, now throws(DomainError) in try ImageRules.removingTag(tag, from: image, now: now) }
    }

    package func deactivate(_ id: ImageID, actor: Actor) async throws -> Image {
        try await change(id, actor: actor, type: .imageDeactivated) { image, now throws(DomainError) in try ImageRules.deactivating(image, now: now) }
    }

    package func reactivate(_ id: ImageID, actor: Actor) async throws -> Image {
        try await change(id, actor: actor, type: .imageReactivated) { image, now throws(DomainError) in try ImageRules.reactivating(image, now: now) }
    }

    package func delete(_ id: ImageID, actor: Actor) async throws {
        _ = try await change(id, actor: actor, type: .imageDeleted, action: .delete) { image, now throws(DomainError) in try ImageRules.deleting(image, now: now) }
        FileOps.remove(files.imagePath(id))
    }

    /// Loads, authorises `action`, transforms and saves with an audit event when something changed.
    private func change(
        _ id: ImageID, actor: Actor, type: AuditEventType, action: ImageAction = .update,
        _ transform: @escaping @Sendable (Image, Date) throws(DomainError) -> Image
    ) async throws -> Image {
        let now = clock.now()
        return try await database.writer.write { db in
            let (image, _) = try authorize(db, id, action, actor.principal)
            let updated = try transform(image, now)
            try save(db, before: image, after: updated, type: type, actor: actor, now: now)
            return updated
        }
    }

    private func save(_ db: Database, before: Image, after: Image, type: AuditEventType, actor: Actor, now: Date) throws {
        guard before != after else { return }
        try ImageRecord(after).update(db)
        let (old, new) = Self.diff(before, after)
        try db.audit(AuditEvent(at: now, type: type, actor: actor, imageID: after.id, imageOwner: before.owner, before: old, after: new))
    }

    // MARK: Data

    package func beginUpload(_ id: ImageID, applying changes: ImageChanges?, actor: Actor) async throws -> Image {
        let now = clock.now()
        return try await database.writer.write { db in
            let (image, _) = try authorize(db, id, .upload, actor.principal)
            if image.status != .queued { _ = try ImageRules.startingUpload(image, now: now) }  // the 409, before anything else
            let prospective = try changes.map { changes throws(DomainError) in try ImageRules.apply(try changes(image), to: image, by: actor.principal, now: now) } ?? image
            _ = try ImageRules.startingUpload(prospective, now: now)
            var saving = image
            saving.status = .saving
            saving.updatedAt = now
            try ImageRecord(saving).update(db)
            var result = prospective
            result.status = .saving
            return result
        }
    }

    package func completeUpload(_ id: ImageID, staged: StagedData, applying changes: ImageChanges?, actor: Actor) async throws -> Image {
        let now = clock.now()
        let destination = files.imagePath(id)
        return try await database.writer.write { db in
            guard let image = try ImageRecord.fetchOne(db, key: id.rawValue)?.image, image.status == .saving else {
                throw DomainError.conflict("Image \(id) is no longer waiting for data (it was deleted or changed during the upload); nothing was stored.")
            }
            var changed = image
            if let changes {
                changed = try ImageRules.apply(try changes(image), to: image, by: actor.principal, now: now)
                if changed != image {
                    let (old, new) = Self.diff(image, changed)
                    try db.audit(AuditEvent(at: now, type: .imageUpdated, actor: actor, imageID: id, imageOwner: image.owner, before: old, after: new))
                }
            }
            let active = ImageRules.activating(changed, with: staged.imageFacts, now: now)
            try ImageRecord(active).update(db)
            try db.audit(
                AuditEvent(
                    at: now, type: .imageUploaded, actor: actor, imageID: id, imageOwner: image.owner,
                    before: AuditJSON.encode(["status": "queued"]),
                    after: AuditJSON.encode(["status": "active", "size": String(staged.size), "checksum": staged.md5, "os_hash_value": staged.sha512])))
            // The rename happens inside the transaction: if it fails, nothing commits.
            try FileOps.moveIntoPlace(staged.path, destination)
            return active
        }
    }

    package func abortUpload(_ id: ImageID) async {
        let now = clock.now()
        // Not cancellable: the image must not stay `saving` because the request went away.
        await Task.detached {
            try? await database.writer.write { db in
                try db.execute(sql: "UPDATE images SET status = 'queued', updated_at = ? WHERE id = ? AND status = 'saving'", arguments: [now, id.rawValue])
            }
        }.value
    }

    package func prepareDownload(_ id: ImageID, for principal: Principal) async throws -> (image: Image, plan: ImageRules.DownloadPlan) {
        try await database.reader.read { db in
            let (image, _) = try authorize(db, id, .download, principal)
            return (image, try ImageRules.downloadPlan(for: image, by: principal))
        }
    }

    // MARK: Members

    package func addMember(_ candidate: String, to id: ImageID, canShare: Bool, sharePrivate: Bool, actor: Actor) async throws -> Member {
        let now = clock.now()
        return try await database.writer.write { db in
            var (image, _) = try authorize(db, id, .addMember, actor.principal)
            if sharePrivate { try shareIfPrivate(db, &image, actor: actor, now: now, because: "A Glance v1 member add") }
            let existing = try memberRecords(db, id)
            let member = try MemberRules.newMember(candidate, image: image, existing: existing, quota: settings.memberQuota, canShare: canShare, now: now)
            try insert(db, member, image: image, actor: actor, now: now)
            return member
        }
    }

    /// Glance v1 shares "private" images (seed 003): giving a private image members makes it shared,
    /// and the audit event says why.
    private func shareIfPrivate(_ db: Database, _ image: inout Image, actor: Actor, now: Date, because cause: String) throws {
        guard image.visibility == .private else { return }
        image.visibility = .shared
        image.updatedAt = now
        try ImageRecord(image).update(db)
        try db.audit(
            AuditEvent(
                at: now, type: .imageUpdated, actor: actor, imageID: image.id, imageOwner: image.owner,
                before: AuditJSON.encode(["visibility": "private"]), after: AuditJSON.encode(["visibility": "shared"]),
                detail: "\(cause) made the private image shared (seed 003 shares private images)."))
    }

    private func insert(_ db: Database, _ member: Member, image: Image, actor: Actor, now: Date) throws {
        try MemberRecord(member).insert(db)
        try db.execute(
            sql: "INSERT OR IGNORE INTO share_grants (image_id, member, first_granted_at) VALUES (?, ?, ?)",
            arguments: [member.imageID.rawValue, member.memberID.rawValue, now])
        try db.audit(
            AuditEvent(
                at: now, type: .memberCreated, actor: actor, imageID: image.id, imageOwner: image.owner, otherTenant: member.memberID,
                after: AuditJSON.encode(["status": member.status.rawValue, "can_share": member.canShare ? "true" : nil])))
    }

    package func members(of id: ImageID, for principal: Principal) async throws -> [Member] {
        try await database.reader.read { db in
            let (image, _) = try authorize(db, id, .listMembers, principal)
            try MemberRules.requireShared(image)
            return MemberRules.visibleMembers(try memberRecords(db, id), to: principal, image: image)
        }
    }

    package func membersV1(of id: ImageID, for principal: Principal) async throws -> [Member] {
        try await database.reader.read { db in
            let (image, _) = try authorize(db, id, .listMembers, principal)
            return MemberRules.visibleMembers(try memberRecords(db, id), to: principal, image: image)
        }
    }

    package func member(_ memberID: String, of id: ImageID, for principal: Principal) async throws -> Member {
        try await database.reader.read { db in
            let (image, membership) = try load(db, id, principal)
            guard let target = TenantID(rawValue: memberID) else { throw DomainError.notFound("\(memberID.prefix(64)) not found in the member list of the image \(id).") }
            try AccessPolicy.decideMemberRecord(.read, target: target, image: image, membership: membership, principal: principal, settings: settings.access)
                .require(id.rawValue)
            guard image.visibility == .shared, let member = try MemberRecord.fetchOne(db, key: ["image_id": id.rawValue, "member": target.rawValue])?.domain else {
                throw DomainError.notFound("\(target) not found in the member list of the image \(id).")
            }
            return member
        }
    }

    package func setStatus(_ status: String, member memberID: String, of id: ImageID, actor: Actor) async throws -> Member {
        let now = clock.now()
        return try await database.writer.write { db in
            let (image, membership) = try load(db, id, actor.principal)
            guard let target = TenantID(rawValue: memberID) else { throw DomainError.notFound("\(memberID.prefix(64)) not found in the member list of the image \(id).") }
            try AccessPolicy.decideMemberRecord(.updateStatus, target: target, image: image, membership: membership, principal: actor.principal, settings: settings.access)
                .require(id.rawValue)
            guard let member = try MemberRecord.fetchOne(db, key: ["image_id": id.rawValue, "member": target.rawValue])?.domain else {
                throw DomainError.notFound("\(target) not found in the member list of the image \(id).")
            }
            let updated = try MemberRules.changingStatus(of: member, to: status, now: now)
            if updated != member {
                try MemberRecord(updated).update(db)
                try db.audit(
                    AuditEvent(
                        at: now, type: .memberUpdated, actor: actor, imageID: id, imageOwner: image.owner, otherTenant: target,
                        before: AuditJSON.encode(["status": member.status.rawValue]), after: AuditJSON.encode(["status": updated.status.rawValue])))
            }
            return updated
        }
    }

    package func removeMember(_ memberID: String, from id: ImageID, requireShared: Bool, actor: Actor) async throws {
        let now = clock.now()
        try await database.writer.write { db in
            let (image, _) = try authorize(db, id, .removeMember, actor.principal)
            if requireShared { try MemberRules.requireShared(image) }
            guard let target = TenantID(rawValue: memberID),
                let member = try MemberRecord.fetchOne(db, key: ["image_id": id.rawValue, "member": target.rawValue])?.domain
            else {
                throw DomainError.notFound("\(memberID.prefix(64)) not found in the member list of the image \(id).")
            }
            try remove(db, member, image: image, actor: actor, now: now)
        }
    }

    private func remove(_ db: Database, _ member: Member, image: Image, actor: Actor, now: Date) throws {
        _ = try MemberRecord.deleteOne(db, key: ["image_id": member.imageID.rawValue, "member": member.memberID.rawValue])
        try db.audit(
            AuditEvent(
                at: now, type: .memberDeleted, actor: actor, imageID: image.id, imageOwner: image.owner, otherTenant: member.memberID,
                before: AuditJSON.encode(["status": member.status.rawValue])))
    }

    package func putMemberV1(_ memberID: String, on id: ImageID, canShare: Bool?, actor: Actor) async throws {
        let now = clock.now()
        try await database.writer.write { db in
            var (image, _) = try authorize(db, id, .addMember, actor.principal)
            let grants = actor.principal.tenantID == image.owner || actor.principal.isAdmin
            let target = try TenantID.parse(memberID)
            let existing = try memberRecords(db, id)
            if var member = existing.first(where: { $0.memberID == target }) {
                // No body: the membership stays as it is (seed 003). A body sets can_share, which only the owner may do.
                guard let canShare, canShare != member.canShare else { return }
                guard grants else { throw DomainError.forbidden("Only the image owner may change can_share.") }
                let before = member.canShare
                member.canShare = canShare
                member.updatedAt = now
                try MemberRecord(member).update(db)
                try db.audit(
                    AuditEvent(
                        at: now, type: .memberUpdated, actor: actor, imageID: id, imageOwner: image.owner, otherTenant: target,
                        before: AuditJSON.encode(["can_share": String(before)]), after: AuditJSON.encode(["can_share": String(canShare)])))
                return
            }
            if canShare == true && !grants { throw DomainError.forbidden("Only the image owner may grant can_share.") }
            try shareIfPrivate(db, &image, actor: actor, now: now, because: "A Glance v1 member add")
            let member = try MemberRules.newMember(
                memberID, image: image, existing: existing, quota: settings.memberQuota, canShare: canShare ?? false, now: now)
            try insert(db, member, image: image, actor: actor, now: now)
        }
    }

    package func replaceMembersV1(on id: ImageID, with entries: [(member: String, canShare: Bool?)], actor: Actor) async throws {
        let now = clock.now()
        try await database.writer.write { db in
            var (image, _) = try authorize(db, id, .removeMember, actor.principal)
            if !entries.isEmpty { try shareIfPrivate(db, &image, actor: actor, now: now, because: "A Glance v1 membership replacement") }
            let existing = try memberRecords(db, id)
            let plan = try MemberRules.replacing(existing, with: entries, image: image, quota: settings.memberQuota, now: now)
            if !plan.added.isEmpty { try MemberRules.requireShared(image) }
            for member in plan.removed { try remove(db, member, image: image, actor: actor, now: now) }
            for member in plan.added { try insert(db, member, image: image, actor: actor, now: now) }
            for member in plan.updated {
                let before = existing.first { $0.memberID == member.memberID }?.canShare ?? false
                try MemberRecord(member).update(db)
                try db.audit(
                    AuditEvent(
                        at: now, type: .memberUpdated, actor: actor, imageID: id, imageOwner: image.owner, otherTenant: member.memberID,
                        before: AuditJSON.encode(["can_share": String(before)]), after: AuditJSON.encode(["can_share": String(member.canShare)])))
            }
        }
    }

    package func sharedImages(with tenant: TenantID, for principal: Principal) async throws -> [SharedImage] {
        guard principal.tenantID == tenant || principal.readsAcrossTenants else {
            throw DomainError.forbidden("Only tenant \(tenant) itself, or staff, may list the images shared with it.")
        }
        return try await database.reader.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.image_id, m.can_share, m.status FROM image_members m JOIN images i ON i.id = m.image_id
                    WHERE m.member = ? AND i.status != 'deleted' AND i.visibility = 'shared'
                    ORDER BY m.created_at, m.image_id
                    """,
                arguments: [tenant.rawValue])
            return rows.compactMap { row in
                guard let id = ImageID(rawValue: row["image_id"]), let status = MemberStatus(rawValue: row["status"]) else { return nil }
                if settings.access.rejectedMembersLoseAccess && status == .rejected && !principal.readsAcrossTenants { return nil }
                return SharedImage(imageID: id, canShare: row["can_share"], status: status)
            }
        }
    }

    package func counts(for tenant: TenantID) async throws -> ImageCounts {
        try await database.reader.read { db in
            var counts = ImageCounts()
            counts.owned = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM images WHERE owner = ? AND status != 'deleted'", arguments: [tenant.rawValue]) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.status, COUNT(*) AS n FROM image_members m JOIN images i ON i.id = m.image_id
                    WHERE m.member = ? AND i.status != 'deleted' AND i.visibility = 'shared' GROUP BY m.status
                    """,
                arguments: [tenant.rawValue])
            for row in rows {
                let n: Int = row["n"]
                switch MemberStatus(rawValue: row["status"]) {
                case .accepted: counts.accepted = n
                case .pending: counts.pending = n
                case .rejected: counts.rejected = n
                case nil: break
                }
            }
            return counts
        }
    }

    // MARK: Lineage and export

    package func lineage(of id: ImageID, for principal: Principal) async throws -> [LineageStep] {
        try await database.reader.read { db in
            _ = try authorize(db, id, .show, principal)
            return try Self.redacted(try ancestors(db, id), for: principal, db: db, settings: settings.access)
        }
    }

    /// Marks the steps the caller may not see as hidden: lineage must not reveal an image that
    /// would be a 404 for the caller.
    static func redacted(_ steps: [LineageStep], for principal: Principal, db: Database, settings: AccessSettings) throws -> [LineageStep] {
        try steps.map { step in
            guard let image = try ImageRecord.fetchOne(db, key: step.imageID.rawValue)?.image else { return step }
            let membership: Member? =
                if let tenant = principal.tenantID, tenant != image.owner {
                    try MemberRecord.fetchOne(db, key: ["image_id": image.id.rawValue, "member": tenant.rawValue])?.domain
                } else {
                    nil
                }
            let relation = Relation.of(principal, to: image, membership: membership)
            // Deleted ancestors stay readable to their owner and staff (lineage outlives deletion).
            let visible = relation == .owner || principal.readsAcrossTenants
                || AccessPolicy.canSee(image, relation: relation, settings: settings)
            var step = step
            step.hidden = !visible
            return step
        }
    }

    package func exportChecklist(_ id: ImageID, for principal: Principal) async throws -> [ExportCheck.Result] {
        try await database.reader.read { db in
            let (image, _) = try authorize(db, id, .show, principal)
            return try Self.checklist(db, image: image, caller: principal, settings: settings.access)
        }
    }

    /// The checklist for `image`, read in `db` (shared with the export task runner).
    static func checklist(_ db: Database, image: Image, caller: Principal, settings: AccessSettings) throws -> [ExportCheck.Result] {
        let chain = try ancestors(db, image.id)
        var matches: [ContentMatch] = []
        for node in [LineageStep(image)] + chain {
            guard node.origin.kind == "upload" || node.origin.kind == "import" else { continue }
            guard let hash = try String.fetchOne(db, sql: "SELECT os_hash_value FROM images WHERE id = ?", arguments: [node.imageID.rawValue]) else { continue }
            let sources = try ImageRecord.fetchAll(
                db,
                sql: """
                    SELECT i.* FROM images i JOIN share_grants g ON g.image_id = i.id AND g.member = ?
                    WHERE i.os_hash_value = ? AND i.owner != ? AND i.id != ? ORDER BY i.created_at LIMIT 5
                    """,
                arguments: [node.owner.rawValue, hash, node.owner.rawValue, node.imageID.rawValue])
            matches += sources.compactMap(\.image).map { ContentMatch(derived: node.imageID, source: LineageStep($0)) }
        }
        let visibleChain = try redacted(chain, for: caller, db: db, settings: settings)
        let visibleMatches = try matches.map { match in
            var match = match
            match.source = try redacted([match.source], for: caller, db: db, settings: settings)[0]
            return match
        }
        return ExportCheck.evaluate(image: image, caller: caller, ancestors: visibleChain, contentMatches: visibleMatches)
    }

    /// The images above `id` through snapshot, copy and import sources, nearest first.
    static func ancestors(_ db: Database, _ id: ImageID) throws -> [LineageStep] {
        try ImageRecord.fetchAll(
            db,
            sql: """
                WITH RECURSIVE chain(id, depth) AS (
                    SELECT parent_image_id, 1 FROM images WHERE id = ? AND parent_image_id IS NOT NULL
                    UNION ALL
                    SELECT images.parent_image_id, chain.depth + 1 FROM images JOIN chain ON images.id = chain.id
                    WHERE images.parent_image_id IS NOT NULL AND chain.depth < 64
                )
                SELECT images.* FROM chain JOIN images ON images.id = chain.id ORDER BY chain.depth
                """,
            arguments: [id.rawValue]
        ).compactMap(\.image).map(LineageStep.init)
    }

    func ancestors(_ db: Database, _ id: ImageID) throws -> [LineageStep] { try Self.ancestors(db, id) }

    /// Returns images left `saving` by a stopped server to `queued` (their partial data was in `tmp/`, now gone).
    package func recoverInterruptedUploads() async throws -> Int {
        let now = clock.now()
        return try await database.writer.write { db in
            try db.execute(sql: "UPDATE images SET status = 'queued', updated_at = ? WHERE status = 'saving'", arguments: [now])
            return db.changesCount
        }
    }

    // MARK: Helpers

    /// Loads an image and the principal's membership; 404 when there is no such image.
    func load(_ db: Database, _ id: ImageID, _ principal: Principal) throws -> (Image, Member?) {
        guard let image = try ImageRecord.fetchOne(db, key: id.rawValue)?.image else { throw DomainError.notFound("No image with ID \(id).") }
        return (image, try membership(db, image, principal))
    }

    /// Loads and applies the access policy for `action`.
    func authorize(_ db: Database, _ id: ImageID, _ action: ImageAction, _ principal: Principal) throws -> (Image, Member?) {
        let (image, membership) = try load(db, id, principal)
        try AccessPolicy.decide(action, image: image, membership: membership, principal: principal, settings: settings.access).require(id.rawValue)
        return (image, membership)
    }

    func membership(_ db: Database, _ image: Image, _ principal: Principal) throws -> Member? {
        guard let tenant = principal.tenantID, tenant != image.owner else { return nil }
        return try MemberRecord.fetchOne(db, key: ["image_id": image.id.rawValue, "member": tenant.rawValue])?.domain
    }

    func memberRecords(_ db: Database, _ id: ImageID) throws -> [Member] {
        try MemberRecord.filter(MemberRecord.Columns.imageID == id.rawValue).order(MemberRecord.Columns.createdAt, MemberRecord.Columns.member)
            .fetchAll(db).compactMap(\.domain)
    }

    static func auditFields(_ image: Image) -> [String: String?] {
        var fields: [String: String?] = [
            "name": image.name, "visibility": image.visibility.rawValue, "status": image.status.rawValue,
            "disk_format": image.diskFormat?.rawValue, "container_format": image.containerFormat?.rawValue,
            "protected": String(image.protected), "os_hidden": String(image.osHidden), "min_disk": String(image.minDisk),
            "min_ram": String(image.minRam), "owner": image.owner.rawValue, "tags": image.tags.joined(separator: ","),
        ]
        for (key, value) in image.properties { fields["property:" + key] = value }
        return fields
    }

    /// Only the fields that changed, before and after.
    static func diff(_ before: Image, _ after: Image) -> (String, String) {
        let old = auditFields(before)
        let new = auditFields(after)
        let keys = Set(old.keys).union(new.keys).filter { (old[$0] ?? nil) != (new[$0] ?? nil) }
        return (
            AuditJSON.encode(Dictionary(uniqueKeysWithValues: keys.map { ($0, old[$0] ?? nil) })),
            AuditJSON.encode(Dictionary(uniqueKeysWithValues: keys.map { ($0, new[$0] ?? nil) }))
        )
    }
}
