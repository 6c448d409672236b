import Foundation
package import NIOCore
package import PortalDomain

/// The image data plane: streamed uploads into place, streamed downloads out of it.
/// The v2 and v1 APIs, the portal and the import task all upload through here.
package struct ImageDataService: Sendable {
    /// The image repository this service works through.
    package let images: any ImageRepository
    let files: DataDirectory
    let settings: StorageSettings

    package init(images: any ImageRepository, files: DataDirectory, settings: StorageSettings) {
        self.images = images
        self.files = files
        self.settings = settings
    }

    /// Stores data for a queued image: the image goes `saving` → `active`, or back to `queued`
    /// with nothing kept if anything goes wrong (client abort, size cap, format, declared size or
    /// checksum mismatch, disk error).
    package func upload<Body: AsyncSequence>(
        _ body: Body, to id: ImageID, declaredSize: Int64?, declaredChecksum: String?, applying changes: ImageChanges? = nil, actor: Actor
    ) async throws -> Image where Body.Element == ByteBuffer {
        if let declaredSize, declaredSize > settings.uploadSizeCap {
            _ = try await images.find(id, for: actor.principal)
            throw DomainError.tooLarge("The declared size (\(declaredSize) bytes) exceeds the \(ByteFormat.size(settings.uploadSizeCap)) upload limit.")
        }
        let image = try await images.beginUpload(id, applying: changes, actor: actor)
        do {
            let staged = try await Staging.stage(
                body, to: files.newTemporaryPath(),
                policy: StagingPolicy(maxBytes: settings.uploadSizeCap, declaredFormat: image.diskFormat, sha512: true))
            do {
                try ImageRules.verifyDeclared(size: declaredSize, checksum: declaredChecksum, against: staged.imageFacts)
                return try await images.completeUpload(id, staged: staged, applying: changes, actor: actor)
            } catch {
                FileOps.remove(staged.path)
                throw error
            }
        } catch {
            await images.abortUpload(id)
            throw error
        }
    }

    /// Creates an image together with its data (v1 `POST` with a body): the data is staged, inspected
    /// against the declared disk format and checked against the declared size and checksum first; only
    /// then is the image recorded, active. A failure keeps neither row nor file.
    package func create<Body: AsyncSequence>(
        _ draft: ImageDraft, data body: Body, declaredSize: Int64?, declaredChecksum: String?, actor: Actor
    ) async throws -> Image where Body.Element == ByteBuffer {
        let staged = try await stage(draft, data: body, declaredSize: declaredSize, declaredChecksum: declaredChecksum, actor: actor)
        do {
            return try await images.createWithData(draft, origin: .upload, staged: staged, actor: actor)
        } catch {
            FileOps.remove(staged.path)
            throw error
        }
    }

    /// Stages data for a new image without recording anything: checks the draft, streams the data into a
    /// temporary file (inspected, hashed, fsynced) and compares it with what was declared. The caller
    /// records it with `ImageRepository.createWithData` or removes `staged.path`.
    package func stage<Body: AsyncSequence>(
        _ draft: ImageDraft, data body: Body, declaredSize: Int64?, declaredChecksum: String?, actor: Actor
    ) async throws -> StagedData where Body.Element == ByteBuffer {
        guard draft.diskFormat != nil, draft.containerFormat != nil else {
            throw DomainError.invalid("Properties disk_format, container_format must be set prior to saving data.")
        }
        _ = try ImageRules.newImage(draft, by: actor.principal, now: Date())
        if let declaredSize, declaredSize > settings.uploadSizeCap {
            throw DomainError.tooLarge("The declared size (\(declaredSize) bytes) exceeds the \(ByteFormat.size(settings.uploadSizeCap)) upload limit.")
        }
        let staged = try await Staging.stage(
            body, to: files.newTemporaryPath(), policy: StagingPolicy(maxBytes: settings.uploadSizeCap, declaredFormat: draft.diskFormat, sha512: true))
        do {
            try ImageRules.verifyDeclared(size: declaredSize, checksum: declaredChecksum, against: staged.imageFacts)
            return staged
        } catch {
            FileOps.remove(staged.path)
            throw error
        }
    }

    /// The bytes to send for a download, if there are any.
    package struct Download: Sendable {
        package var image: Image
        /// Total size of the data.
        package var size: Int64
        /// MD5 hex.
        package var checksum: String
        /// The range sent (the whole data unless a Range was asked for).
        package var range: ClosedRange<Int64>?
        /// The bytes, streamed from disk.
        package var body: FileChunks?
    }

    /// Prepares a download of the whole data or of one byte range.
    /// - Returns: nil when the image has no data yet (answer 204).
    package func download(_ id: ImageID, range: ByteRange?, for principal: Principal) async throws -> Download? {
        let (image, plan) = try await images.prepareDownload(id, for: principal)
        guard case .data(let size, let checksum) = plan else { return nil }
        let path = files.imagePath(id)
        guard size > 0 else { return Download(image: image, size: 0, checksum: checksum, range: nil, body: nil) }
        if let range {
            let resolved = try range.resolve(size: size)
            let chunks = try FileChunks(path: path, offset: resolved.lowerBound, length: resolved.upperBound - resolved.lowerBound + 1)
            return Download(image: image, size: size, checksum: checksum, range: resolved, body: chunks)
        }
        return Download(image: image, size: size, checksum: checksum, range: nil, body: try FileChunks(path: path, length: size))
    }
}

