import Foundation
package import NIOCore
package import PortalDomain

/// What a client declared about the data it sends (checked against what arrives: 400, nothing kept).
package struct DeclaredData: Hashable, Sendable {
    package var size: Int64?
    /// MD5 hex.
    package var checksum: String?

    package init(size: Int64? = nil, checksum: String? = nil) {
        self.size = size
        self.checksum = checksum
    }
}

/// Data for a new image, stored and verified but not yet recorded: record it or discard it.
package struct StagedImage: Sendable {
    /// The image it will become (active, with its data facts).
    package var image: Image
}

/// The bytes to send for a download.
package struct Download: Sendable {
    package var image: Image
    /// Total size of the data.
    package var size: Int64
    /// MD5 hex.
    package var checksum: String
    /// The range sent, when a Range was asked for.
    package var range: ClosedRange<Int64>?
    /// The bytes; nil when there are none (an empty image).
    package var body: ByteStream?

    /// How many bytes the response carries.
    package var length: Int64 { range.map { $0.upperBound - $0.lowerBound + 1 } ?? size }
}

/// The image data plane: streamed uploads in, streamed downloads out. Glance v2 and v1, the
/// portal and the import task all store image data through here.
package struct ImageData: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// Stores data for a queued image: it goes `saving` → `active`, or back to `queued` with
    /// nothing kept if anything goes wrong (client abort, size cap, format, a declared size or
    /// checksum that does not match, a store error). With `changes` (Glance v1 sends metadata and
    /// data in one PUT), the metadata lands together with the data, or not at all.
    package func upload<Body: AsyncSequence>(
        _ body: Body, to id: ImageID, declared: DeclaredData, applying changes: ImageChanges? = nil, by actor: Actor
    ) async throws -> Image where Body.Element == ByteBuffer {
        let prospective = try await begin(id, declared: declared, applying: changes, by: actor)
        let owner = core.instance
        do {
            return try await core.holdingLease(renew: { .leaseUpload(id, owner: owner, until: $0) }) {
                // The image was queued: any bytes under its key are the leftovers of an upload a crash cut off.
                await core.blobs.remove(.image(id))
                let facts: BlobFacts
                do {
                    facts = try await write(body, to: id, format: prospective.diskFormat, declared: declared)
                } catch where !(error is DomainError) {
                    // A delete meanwhile removes what was written so far, so the store fails (Swift refuses
                    // a manifest whose segments are gone): the upload lost to that delete, which is a 409.
                    if try await !isSaving(id) { throw Self.noLongerWaiting(id) }
                    throw error
                }
                do {
                    return try await complete(id, facts: facts, applying: changes, by: actor)
                } catch {
                    await core.blobs.remove(.image(id))
                    throw error
                }
            }
        } catch {
            await abort(id)
            throw error
        }
    }

    /// Checks an upload may start and marks the image `saving` (409 unless queued). Returns the
    /// image as `changes` will make it — its disk format is what the data is inspected against —
    /// but stores only the status.
    private func begin(_ id: ImageID, declared: DeclaredData, applying changes: ImageChanges?, by actor: Actor) async throws -> Image {
        let now = core.clock.now()
        let settings = core.settings
        let instance = core.instance
        return try await core.transact(.image(id, for: actor.principal)) { snapshot in
            let (image, _) = try snapshot.authorized(id, .upload, for: actor.principal, settings: settings.access)
            try ImageRules.checkDeclaredSize(declared.size, cap: settings.uploadSizeCap)
            if image.status != .queued { _ = try ImageRules.startingUpload(image, now: now) }  // the 409, before anything else
            let prospective = try changes.map { changes throws(DomainError) in try ImageRules.apply(try changes(image), to: image, by: actor.principal, now: now) } ?? image
            _ = try ImageRules.startingUpload(prospective, now: now)
            let saving = try ImageRules.startingUpload(image, now: now)
            return Commit([.updateImage(saving), .leaseUpload(id, owner: instance, until: now.addingTimeInterval(TaskRules.leaseDuration))], prospective)
        }
    }

    /// Streams data into the image's blob, guarded by the cap and the format, checked against what was declared.
    private func write<Body: AsyncSequence>(_ body: Body, to id: ImageID, format: DiskFormat?, declared: DeclaredData) async throws -> BlobFacts
    where Body.Element == ByteBuffer {
        try await core.blobs.write(
            GuardedBody(body, cap: core.settings.uploadSizeCap, format: format), to: .image(id), sha512: true,
            accept: { facts in try ImageRules.verifyDeclared(size: declared.size, checksum: declared.checksum, against: facts.imageFacts) })
    }

    /// Marks the image active with its data facts (applying the v1 metadata changes), in one transaction.
    private func complete(_ id: ImageID, facts: BlobFacts, applying changes: ImageChanges?, by actor: Actor) async throws -> Image {
        let now = core.clock.now()
        return try await core.transact(Reads(images: [id])) { snapshot in
            guard let image = snapshot.images[id], image.status == .saving else { throw Self.noLongerWaiting(id) }
            var writes: [Write] = []
            var changed = image
            if let changes {
                changed = try ImageRules.apply(try changes(image), to: image, by: actor.principal, now: now)
                if changed != image {
                    let (old, new) = AuditEvent.diff(image, changed)
                    writes.append(.audit(.about(image, .imageUpdated, by: actor, at: now, before: old, after: new)))
                }
            }
            let active = ImageRules.activating(changed, with: facts.imageFacts, now: now)
            writes += [
                .updateImage(active), .releaseUpload(id),
                .audit(
                    .about(
                        image, .imageUploaded, by: actor, at: now, before: ["status": .string(ImageStatus.queued.rawValue)],
                        after: ["status": .string(active.status.rawValue), "size": .int(facts.size), "checksum": .string(facts.md5),
                                "os_hash_value": .string(facts.sha512 ?? "")])),
            ]
            return Commit(writes, active)
        }
    }

    private static func noLongerWaiting(_ id: ImageID) -> DomainError {
        .conflict("Image \(id) is no longer waiting for data (it was deleted or changed during the upload); nothing was stored.")
    }

    private func isSaving(_ id: ImageID) async throws -> Bool {
        try await core.transact(Reads(images: [id])) { snapshot in Commit([], snapshot.images[id]?.status == .saving) }
    }

    /// Returns a `saving` image to `queued` after a failed upload. Runs even when the request went away.
    private func abort(_ id: ImageID) async {
        let records = core.records
        let now = core.clock.now()
        await Task.detached {
            try? await records.transact(Reads(images: [id])) { snapshot in
                guard var image = snapshot.images[id], image.status == .saving else { return Commit([.releaseUpload(id)]) }
                image.status = .queued
                image.updatedAt = now
                return Commit([.updateImage(image), .releaseUpload(id)])
            }
        }.value
    }

    /// Stores the data of a new image without recording the image: checks the draft, streams the
    /// data (guarded, hashed, durable) and compares it with what was declared. Record it with
    /// `record`, or `discard` it.
    package func stage<Body: AsyncSequence>(
        _ draft: ImageDraft, data body: Body, declared: DeclaredData, by actor: Actor
    ) async throws -> StagedImage where Body.Element == ByteBuffer {
        try ImageRules.requireFormats(draft)
        var draft = draft
        draft.id = draft.id ?? .generate()
        let queued = try ImageRules.newImage(draft, by: actor.principal, now: core.clock.now(), origin: .upload)
        if try await core.records.image(queued.id, memberRecordOf: nil) != nil {
            throw DomainError.conflict("An image with ID \(queued.id) already exists.")
        }
        try ImageRules.checkDeclaredSize(declared.size, cap: core.settings.uploadSizeCap)
        let facts: BlobFacts
        do {
            facts = try await write(body, to: queued.id, format: draft.diskFormat, declared: declared)
        } catch is BlobExists {
            throw DomainError.conflict("An image with ID \(queued.id) already exists.")
        }
        return StagedImage(image: ImageRules.activating(queued, with: facts.imageFacts, now: core.clock.now()))
    }

    /// Records a staged image, active; if that fails, its data is removed.
    package func record(_ staged: StagedImage, by actor: Actor) async throws -> Image {
        let image = staged.image
        do {
            try await ImageCatalog(core).insert(
                image, event: .about(image, .imageCreated, by: actor, at: image.createdAt, after: AuditEvent.fieldsWithData(of: image), detail: "created with its data"))
            return image
        } catch {
            await discard(staged)
            throw error
        }
    }

    /// Removes the data of a staged image that will not be recorded.
    package func discard(_ staged: StagedImage) async {
        await core.blobs.remove(.image(staged.image.id))
    }

    /// Creates an image together with its data (Glance v1 `POST` with a body, the portal's upload):
    /// a failure keeps neither the image nor its data.
    package func create<Body: AsyncSequence>(_ draft: ImageDraft, data body: Body, declared: DeclaredData, by actor: Actor) async throws -> Image
    where Body.Element == ByteBuffer {
        try await record(try await stage(draft, data: body, declared: declared, by: actor), by: actor)
    }

    /// Prepares a download of the whole data or of one byte range; nil when the image has no data
    /// yet (answer 204). A malformed `Range` is a 416.
    package func download(_ id: ImageID, range: RangeRequest, for principal: Principal) async throws -> Download? {
        let (image, _) = try await core.authorized(id, .download, for: principal)
        if range == .malformed { throw DomainError.rangeNotSatisfiable(size: image.size ?? 0) }
        guard case .data(let size, let checksum) = try ImageRules.downloadPlan(for: image, by: principal) else { return nil }
        guard size > 0 else { return Download(image: image, size: 0, checksum: checksum, range: nil, body: nil) }
        let resolved = try range.resolve(size: size)
        let offset = resolved?.lowerBound ?? 0
        let length = resolved.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        let body = try await core.blobs.read(.image(id), offset: offset, length: length)
        return Download(image: image, size: size, checksum: checksum, range: resolved, body: body)
    }

    /// Returns images left `saving` by a stopped server to `queued` (their partial data never
    /// reached its place). For one instance at start; several instances use `rollBackAbandonedUploads`.
    package func recoverInterruptedUploads() async throws {
        try await core.records.apply([.resetImages(from: .saving, to: .queued, at: core.clock.now())])
    }

    /// Rolls back the uploads whose instance went away (their lease ran out): the image returns to
    /// `queued` and whatever bytes the upload had stored are removed. Any instance may run it.
    /// - Returns: the images rolled back.
    @discardableResult
    package func rollBackAbandonedUploads() async throws -> [ImageID] {
        let now = core.clock.now()
        var rolledBack: [ImageID] = []
        for id in try await core.records.abandonedUploads(at: now) {
            let reset = try await core.transact(Reads(images: [id])) { snapshot in
                // Checked again under the row lock: the upload may have finished meanwhile.
                guard var image = snapshot.images[id], image.status == .saving else { return Commit([], false) }
                image.status = .queued
                image.updatedAt = now
                return Commit([.updateImage(image), .releaseUpload(id)], true)
            }
            guard reset else { continue }
            await core.blobs.remove(.image(id))
            rolledBack.append(id)
        }
        return rolledBack
    }
}

/// A download's `Range` header: none, one range, or one that could not be parsed.
package enum RangeRequest: Hashable, Sendable {
    case whole
    case range(ByteRange)
    /// A header that is not a single satisfiable `bytes=` range: 416.
    case malformed

    /// Reads an optional `Range` header.
    package init(header: String?) {
        guard let header else {
            self = .whole
            return
        }
        self = ByteRange.parse(header).map(RangeRequest.range) ?? .malformed
    }

    /// The inclusive range within `size` bytes (nil for the whole), or 416.
    package func resolve(size: Int64) throws(DomainError) -> ClosedRange<Int64>? {
        switch self {
        case .whole: return nil
        case .range(let range): return try range.resolve(size: size)
        case .malformed: throw .rangeNotSatisfiable(size: size)
        }
    }
}
