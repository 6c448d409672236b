package import Foundation
package import NIOCore
package import PortalDomain

/// The time source: the system clock in production, a fixed or hand-moved one in tests.
package struct PortalClock: Sendable {
    /// Now.
    package let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date) { self.now = now }

    /// The system clock.
    package static let system = PortalClock { Date() }
}

/// The operator's settings every use case is handed: the access rules, quotas and limits.
package struct CoreSettings: Hashable, Sendable {
    /// Settings that change the access rules.
    package var access: AccessSettings
    /// Most members per image (413 beyond).
    package var memberQuota: Int
    /// Largest upload or object, in bytes (Glance's `image_size_cap`, 1 TiB by default).
    package var uploadSizeCap: Int64

    package init(access: AccessSettings, memberQuota: Int, uploadSizeCap: Int64) {
        self.access = access
        self.memberQuota = memberQuota
        self.uploadSizeCap = uploadSizeCap
    }

    /// The defaults of a fresh installation: members keep access whatever their answer, 128 members, 1 TiB.
    package static let standard = CoreSettings(access: .standard, memberQuota: MemberRules.defaultQuota, uploadSizeCap: 1 << 40)
}

/// The stores every use case reaches through its ports, and the clock and settings it works with.
package struct CoreContext: Sendable {
    package var records: any MetadataStore
    package var blobs: any BlobStore
    package var objects: any ObjectStore
    package var clock: PortalClock
    package var settings: CoreSettings
    /// This instance, as the owner of the leases it takes (tasks it runs, uploads it receives).
    package var instance: String

    package init(
        records: any MetadataStore, blobs: any BlobStore, objects: any ObjectStore, clock: PortalClock, settings: CoreSettings,
        instance: String = "local"
    ) {
        self.records = records
        self.blobs = blobs
        self.objects = objects
        self.clock = clock
        self.settings = settings
        self.instance = instance
    }

    /// Keeps a lease alive while `work` runs: `renew` is applied every `TaskRules.leaseRenewal`.
    func holdingLease<T>(renew: @escaping @Sendable (Date) -> Write, _ work: () async throws -> T) async rethrows -> T {
        let records = records
        let clock = clock
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(TaskRules.leaseRenewal))
                if Task.isCancelled { break }
                try? await records.apply([renew(clock.now().addingTimeInterval(TaskRules.leaseDuration))])
            }
        }
        defer { heartbeat.cancel() }
        return try await work()
    }
}

extension CoreContext {
    /// Runs a transaction; a uniqueness conflict (a race a check lost) becomes a 409 with `conflict`.
    func transact<Result: Sendable>(
        _ reads: Reads, conflict: @autoclosure () -> String = "The record was changed by another request at the same time; try again.",
        _ decide: @escaping @Sendable (Snapshot) throws -> Commit<Result>
    ) async throws -> Result {
        do {
            return try await records.transact(reads, decide)
        } catch is StoreConflict {
            throw DomainError.conflict(conflict())
        }
    }

    /// An image and the principal's own member record, or 404.
    func view(_ id: ImageID, for principal: Principal) async throws -> (image: Image, membership: Member?) {
        guard let found = try await records.image(id, memberRecordOf: principal.tenantID) else { throw Self.noImage(id) }
        return (found.image, found.image.owner == principal.tenantID ? nil : found.membership)
    }

    /// Loads an image and checks `action` with the access policy (404 or 403 otherwise).
    func authorized(_ id: ImageID, _ action: ImageAction, for principal: Principal) async throws -> (image: Image, membership: Member?) {
        let found = try await view(id, for: principal)
        try AccessPolicy.decide(action, image: found.image, membership: found.membership, principal: principal, settings: settings.access)
            .require(id.rawValue)
        return found
    }

    /// The 404 for an image that does not exist or may not be known.
    static func noImage(_ id: ImageID) -> DomainError { .notFound("No image with ID \(id).") }
}

extension Snapshot {
    /// The image read under `id`, or 404.
    func image(_ id: ImageID) throws(DomainError) -> Image {
        guard let image = images[id] else { throw CoreContext.noImage(id) }
        return image
    }

    /// An image as `principal` stands towards it, checked for `action` (404 or 403 otherwise).
    /// Needs the image and the principal's member record in the reads.
    func authorized(_ id: ImageID, _ action: ImageAction, for principal: Principal, settings: AccessSettings) throws(DomainError) -> (Image, Member?) {
        let image = try image(id)
        let membership = principal.tenantID.flatMap { memberRecords[MemberKey(image: id, member: $0)] }
        try AccessPolicy.decide(action, image: image, membership: membership, principal: principal, settings: settings).require(id.rawValue)
        return (image, membership)
    }
}

extension Reads {
    /// The reads that authorise an action on an image: the image and the caller's own member record.
    static func image(_ id: ImageID, for principal: Principal, allMembers: Bool = false) -> Reads {
        Reads(
            images: [id], membersOf: allMembers ? [id] : [],
            memberRecords: principal.tenantID.map { [MemberKey(image: id, member: $0)] } ?? [])
    }
}

/// A request body checked as it streams: refused past the size cap, and (for images) refused when
/// its leading bytes are not the declared disk format. The stores see only bytes that passed.
package struct GuardedBody<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    package typealias Element = ByteBuffer
    let base: Base
    let cap: Int64
    let format: DiskFormat?

    /// Guards `base` with the upload cap and, when given, the declared disk format.
    package init(_ base: Base, cap: Int64, format: DiskFormat?) {
        self.base = base
        self.cap = cap
        self.format = format
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), cap: cap, inspector: format.map { FormatPrefix(declared: $0) })
    }

    /// Counts and inspects each buffer before passing it on.
    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let cap: Int64
        var inspector: FormatPrefix?
        var total: Int64 = 0

        package mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else {
                if inspector?.isDecided == false { try inspector?.feed(ByteBuffer(), complete: true) }
                return nil
            }
            total += Int64(buffer.readableBytes)
            if total > cap { throw ImageRules.tooLarge(cap: cap) }
            if inspector?.isDecided == false { try inspector?.feed(buffer, complete: false) }
            return buffer
        }
    }
}

/// Keeps an upload's leading bytes until the format inspector has decided on them.
package struct FormatPrefix: Sendable {
    let declared: DiskFormat
    var prefix: [UInt8] = []
    /// Whether the inspector has accepted the data.
    package private(set) var isDecided = false

    package init(declared: DiskFormat) { self.declared = declared }

    /// Feeds more bytes; throws (400) when the data is refused or cannot be recognised.
    package mutating func feed(_ buffer: ByteBuffer, complete: Bool) throws(DomainError) {
        let room = FormatInspector.maxPrefixBytes - prefix.count
        if room > 0 {
            buffer.withUnsafeReadableBytes { bytes in prefix.append(contentsOf: bytes.prefix(room)) }
        }
        let full = prefix.count >= FormatInspector.maxPrefixBytes
        switch FormatInspector.inspect(declared: declared, prefix: prefix, complete: complete || full) {
        case .accepted:
            isDecided = true
            prefix = []
        case .needMoreBytes:
            if full || complete {
                throw .invalid("The data could not be recognised as \(declared.rawValue); nothing was stored.")
            }
        case .refused(let reason):
            throw .invalid(reason + " Nothing was stored.")
        }
    }
}

/// Says what went wrong in words a task's owner can read (tasks report failures in their message).
package func describeFailure(_ error: any Error) -> String {
    switch error {
    case let domain as DomainError: domain.message
    case let store as StoreFailure: store.isNoSpace ? "the server's disk is full." : "a storage error occurred (\(store.description))."
    case let exists as BlobExists: "a storage conflict occurred (\(exists.description))."
    default: "an internal error occurred."
    }
}
