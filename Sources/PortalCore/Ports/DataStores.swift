package import Foundation
package import NIOCore
package import PortalDomain

/// Bytes streamed out of a store: any sequence of buffers, behind one type.
package struct ByteStream: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer

    private let makeIterator: @Sendable () -> AsyncIterator

    /// Wraps a sequence of buffers.
    package init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == ByteBuffer {
        makeIterator = { AsyncIterator(base.makeAsyncIterator()) }
    }

    package func makeAsyncIterator() -> AsyncIterator { makeIterator() }

    /// Iterates the wrapped sequence.
    package struct AsyncIterator: AsyncIteratorProtocol {
        private let box: any IteratorBox

        init<Base: AsyncIteratorProtocol>(_ base: Base) where Base.Element == ByteBuffer { box = Box(base) }

        package mutating func next() async throws -> ByteBuffer? { try await box.next() }
    }

    private protocol IteratorBox: AnyObject {
        func next() async throws -> ByteBuffer?
    }

    private final class Box<Base: AsyncIteratorProtocol>: IteratorBox where Base.Element == ByteBuffer {
        var base: Base
        init(_ base: Base) { self.base = base }
        func next() async throws -> ByteBuffer? { try await base.next() }
    }
}

extension ByteStream {
    /// No bytes at all.
    package static let empty = ByteStream(NoBuffers())

    private struct NoBuffers: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        struct AsyncIterator: AsyncIteratorProtocol {
            mutating func next() async throws -> ByteBuffer? { nil }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }
}

/// What a store learned about bytes while it wrote them.
package struct BlobFacts: Hashable, Sendable {
    package var size: Int64
    /// MD5, lower-case hex.
    package var md5: String
    /// SHA-512, lower-case hex, when asked for.
    package var sha512: String?

    package init(size: Int64, md5: String, sha512: String?) {
        self.size = size
        self.md5 = md5
        self.sha512 = sha512
    }

    /// The facts an image records about its data.
    package var imageFacts: ImageDataFacts { ImageDataFacts(size: size, checksum: md5, sha512: sha512 ?? "") }
}

/// Where a blob of the service lives: image data and server disks, addressed by ID only.
package enum BlobKey: Hashable, Sendable, CustomStringConvertible {
    case image(ImageID)
    case serverDisk(ServerID)

    package var description: String {
        switch self {
        case .image(let id): "image \(id)"
        case .serverDisk(let id): "disk of server \(id)"
        }
    }
}

/// A blob already exists where a write or copy wanted to create one.
package struct BlobExists: Error, Sendable, CustomStringConvertible {
    package var key: BlobKey
    package init(_ key: BlobKey) { self.key = key }
    package var description: String { "\(key) already has data" }
}

/// A store failed for a reason of its own (disk full, I/O error, the remote store refused).
package struct StoreFailure: Error, Sendable, CustomStringConvertible {
    /// True when the store has no room left.
    package var isNoSpace: Bool
    package var description: String
    package init(_ description: String, isNoSpace: Bool = false) {
        self.description = description
        self.isNoSpace = isNoSpace
    }
}

/// The service's own bytes: image data and server disks. Blobs are immutable once written.
package protocol BlobStore: Sendable {
    /// Streams `body` into a new blob at `key`, computing MD5 (and SHA-512 when asked). The blob
    /// appears at `key` only complete and durable, and only if `accept` (given the facts) returns;
    /// on any failure nothing is left behind. Throws `BlobExists` rather than replace a blob.
    func write<Body: AsyncSequence>(
        _ body: Body, to key: BlobKey, sha512: Bool, accept: @Sendable (BlobFacts) throws -> Void
    ) async throws -> BlobFacts where Body.Element == ByteBuffer
    /// `length` bytes of a blob from `offset`, streamed.
    func read(_ key: BlobKey, offset: Int64, length: Int64) async throws -> ByteStream
    /// Gives `destination` the same bytes as `source` (throws `BlobExists` rather than replace).
    func copy(_ source: BlobKey, to destination: BlobKey) async throws
    /// Removes a blob if it exists.
    func remove(_ key: BlobKey) async
}

/// What the client said about the data it sends.
package struct ExpectedData: Hashable, Sendable {
    /// MD5 hex the data must have (an `ETag` header).
    package var md5: String?
    /// How many bytes will come, when known (large ones are stored in segments).
    package var size: Int64?

    package init(md5: String? = nil, size: Int64? = nil) {
        self.md5 = md5
        self.size = size
    }
}

/// The data does not have the MD5 that was expected: nothing was stored.
package struct ChecksumMismatch: Error, Sendable {
    /// The MD5 of what arrived, when the store computed it.
    package var received: String?
    package init(received: String?) { self.received = received }
}

/// What a tenant's object account holds.
package struct ObjectUsage: Hashable, Sendable {
    package var containers: Int
    package var objects: Int
    package var bytes: Int64

    package init(containers: Int, objects: Int, bytes: Int64) {
        self.containers = containers
        self.objects = objects
        self.bytes = bytes
    }
}

/// The outcome of deleting a container.
package enum ContainerDeletion: Hashable, Sendable {
    case deleted
    case missing
    case notEmpty(objects: Int)
}

/// An object opened for reading: its metadata and a reader over its bytes.
package struct OpenedObject: Sendable {
    package var object: StoredObject
    /// Reads `length` bytes from `offset`.
    package var read: @Sendable (_ offset: Int64, _ length: Int64) async throws -> ByteStream

    package init(object: StoredObject, read: @escaping @Sendable (Int64, Int64) async throws -> ByteStream) {
        self.object = object
        self.read = read
    }
}

/// Each tenant's file containers (Swift-style): containers, objects and their bytes. The use cases
/// decide whose account a request may reach; the store is handed the tenant.
package protocol ObjectStore: Sendable {
    /// One listing page of a tenant's containers, by name.
    func containers(of tenant: TenantID, _ listing: ObjectListing) async throws -> [ContainerSummary]
    /// One container, or nil.
    func container(_ name: String, of tenant: TenantID) async throws -> ContainerSummary?
    /// Creates a container; false when it already existed.
    func createContainer(_ name: String, of tenant: TenantID) async throws -> Bool
    /// Deletes a container if it is empty.
    func deleteContainer(_ name: String, of tenant: TenantID) async throws -> ContainerDeletion
    /// One listing page of a container; nil when there is no such container.
    func objects(in container: String, of tenant: TenantID, _ listing: ObjectListing) async throws -> [ListingEntry]?
    /// Stores an object from a stream (replacing one of that name), computing its MD5. When the data
    /// does not match `expected`, nothing is stored (the object it would replace stays) and
    /// `ChecksumMismatch` is thrown; nothing is left on any failure. Nil when there is no such container.
    func put<Body: AsyncSequence>(
        _ body: Body, container: String, name: String, contentType: String, sourceImage: ImageID?, expected: ExpectedData, of tenant: TenantID
    ) async throws -> StoredObject? where Body.Element == ByteBuffer
    /// An object's metadata, or nil.
    func object(_ name: String, in container: String, of tenant: TenantID) async throws -> StoredObject?
    /// An object and a reader over its bytes, or nil.
    func open(_ name: String, in container: String, of tenant: TenantID) async throws -> OpenedObject?
    /// Deletes an object; false when there was none.
    func deleteObject(_ name: String, in container: String, of tenant: TenantID) async throws -> Bool
    /// The account's totals.
    func usage(of tenant: TenantID) async throws -> ObjectUsage
}

/// Counts failed sign-ins (per client address and per account) within a window.
package protocol SignInLimiter: Sendable {
    /// Whether any key failed too often lately; if so, how long until it may try again.
    func blocked(_ keys: [String], now: Date) async -> TimeInterval?
    /// Counts a failure against every key.
    func recordFailure(_ keys: [String], now: Date) async
}
