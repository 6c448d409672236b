import Foundation
package import NIOCore
package import PortalCore

/// Image data and server disks as files under the data directory (`images/<2-hex>/<id>`,
/// `servers/<id>.disk`): written into `tmp/`, hashed, fsynced, then published under their ID.
package struct FileBlobStore: BlobStore {
    let files: DataDirectory

    package init(files: DataDirectory) { self.files = files }

    func path(_ key: BlobKey) -> String {
        switch key {
        case .image(let id): files.imagePath(id)
        case .serverDisk(let id): files.serverDiskPath(id)
        }
    }

    package func write<Body: AsyncSequence>(
        _ body: Body, to key: BlobKey, sha512: Bool, accept: @Sendable (BlobFacts) throws -> Void
    ) async throws -> BlobFacts where Body.Element == ByteBuffer {
        let staged = try await FileOps.storeFailures { try await Staging.stage(body, to: files.newTemporaryPath(), sha512: sha512) }
        do {
            try accept(staged.facts)
            guard try FileOps.storeFailures({ try FileOps.publish(staged.path, to: path(key)) }) else { throw BlobExists(key) }
            return staged.facts
        } catch {
            FileOps.remove(staged.path)
            throw error
        }
    }

    package func read(_ key: BlobKey, offset: Int64, length: Int64) async throws -> ByteStream {
        ByteStream(try FileOps.storeFailures { try FileChunks(path: path(key), offset: offset, length: length) })
    }

    package func copy(_ source: BlobKey, to destination: BlobKey) async throws {
        let temporary = files.newTemporaryPath()
        let copied = try FileOps.storeFailures { try FileOps.cloneFile(path(source), to: path(destination), temporary: temporary) }
        guard copied else { throw BlobExists(destination) }
    }

    package func remove(_ key: BlobKey) async {
        FileOps.remove(path(key))
    }
}

extension FileOps {
    /// Runs file work, reporting a failed file operation as the store's failure (its operation only,
    /// never a path, reaches a client).
    static func storeFailures<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as Failure {
            throw StoreFailure(failure.operation, isNoSpace: failure.isNoSpace)
        }
    }

    /// The synchronous form.
    static func storeFailures<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as Failure {
            throw StoreFailure(failure.operation, isNoSpace: failure.isNoSpace)
        }
    }
}
