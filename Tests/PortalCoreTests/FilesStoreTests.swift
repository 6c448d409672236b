import Foundation
import NIOCore
import PortalApp
import PortalCore
import PortalCrypto
import PortalDomain
import PortalStorage
import Testing
import TestSupport

/// The tenants' file containers on whichever store is under test. On Swift (1 MiB segments in the
/// tests) the 3 MiB objects here are Static Large Objects, so these also prove that segments are
/// written, read across, replaced and removed with their objects, and that a refused or broken
/// upload leaves neither an object nor a segment.
@Suite("File containers on every store")
struct FilesStoreTests {
    static let large = pseudoRandomBytes(3 * (1 << 20) + 5, seed: 7)

    static func put(
        _ world: TestWorld, _ tenant: TenantID, _ name: String, _ bytes: [UInt8], etag: String? = nil, declaresSize: Bool = true
    ) async throws -> StoredObject {
        try await world.useCases.files.put(
            unevenBuffers(bytes).async, container: "box", name: name, contentType: "application/octet-stream", expectedETag: etag,
            size: declaresSize ? Int64(bytes.count) : nil, account: nil, by: world.tenantActor(tenant))
    }

    static func read(_ world: TestWorld, _ tenant: TenantID, _ name: String, _ range: RangeRequest) async throws -> [UInt8] {
        let download = try await world.useCases.files.read(name, in: "box", account: nil, range: range, for: world.tenantActor(tenant).principal)
        var bytes: [UInt8] = []
        if let body = download.body { for try await buffer in body { bytes += buffer.readableBytesView } }
        return bytes
    }

    @Test(arguments: [true, false])
    func largeObject_roundTrips_readsAcrossSegments_andLeavesNothingWhenReplacedOrDeleted(_ declaresSize: Bool) async throws {
        // Given a container
        let world = try await TestWorld()
        let tenant = try await world.tenant("1001")
        #expect(try await world.createContainer("box", for: tenant))
        // When a 3 MiB object is stored (its size declared, or streamed without one)
        let stored = try await Self.put(world, tenant, "disk.img", Self.large, etag: ByteEncoding.hex(Digest.hash(.md5, Self.large)), declaresSize: declaresSize)
        // Then it reads back whole and in ranges that cross segment boundaries, with its MD5 as ETag
        #expect(stored.etag == ByteEncoding.hex(Digest.hash(.md5, Self.large)))
        #expect(stored.size == Int64(Self.large.count))
        #expect(try await world.useCases.files.object("disk.img", in: "box", account: nil, for: world.tenantActor(tenant).principal).etag == stored.etag)
        #expect(try await Self.read(world, tenant, "disk.img", .whole) == Self.large)
        let boundary = 1 << 20
        #expect(try await Self.read(world, tenant, "disk.img", .range(.from(Int64(boundary - 10), through: Int64(2 * boundary + 10)))) == Array(Self.large[(boundary - 10)...(2 * boundary + 10)]))
        #expect(try await Self.read(world, tenant, "disk.img", .range(.suffix(7))) == Array(Self.large.suffix(7)))
        #expect(try await world.objectInventory(of: tenant).leftovers.isEmpty)
        // And the container and the account count it once, at its own size
        let principal = world.tenantActor(tenant).principal
        let box = try await world.useCases.files.container("box", account: nil, for: principal)
        #expect(box.objectCount == 1)
        #expect(box.bytes == Int64(Self.large.count))
        #expect(try await world.useCases.files.containers(account: nil, for: principal).map(\.name) == ["box"])
        let listed = try await world.listObjects("box", of: tenant)
        #expect(listed.map { entry -> String? in if case .object(let object) = entry { object.etag } else { nil } } == [stored.etag])
        // When it is replaced by a small object, nothing of the large one stays
        _ = try await Self.put(world, tenant, "disk.img", Array("small".utf8))
        #expect(try await Self.read(world, tenant, "disk.img", .whole) == Array("small".utf8))
        var inventory = try await world.objectInventory(of: tenant)
        #expect(inventory.objects == 1)
        #expect(inventory.leftovers.isEmpty)
        // And when a large object is deleted, its segments go with it
        _ = try await Self.put(world, tenant, "again.img", Self.large)
        try await world.useCases.files.deleteObject("again.img", in: "box", account: nil, by: world.tenantActor(tenant))
        try await world.useCases.files.deleteObject("disk.img", in: "box", account: nil, by: world.tenantActor(tenant))
        inventory = try await world.objectInventory(of: tenant)
        #expect(inventory.objects == 0)
        #expect(inventory.leftovers.isEmpty)
        await expectDomainError(.notFound) { try await world.useCases.files.deleteObject("disk.img", in: "box", account: nil, by: world.tenantActor(tenant)) }
        try await world.useCases.files.deleteContainer("box", account: nil, by: world.tenantActor(tenant))
    }

    @Test(arguments: [[UInt8]("small data".utf8), large])
    func put_withAWrongETag_isUnprocessable_andStoresNothing(_ bytes: [UInt8]) async throws {
        let world = try await TestWorld()
        let tenant = try await world.tenant("1001")
        _ = try await world.createContainer("box", for: tenant)
        await expectDomainError(.unprocessable) { try await Self.put(world, tenant, "bad.img", bytes, etag: "0123456789abcdef0123456789abcdef") }
        await expectDomainError(.notFound) { try await world.useCases.files.object("bad.img", in: "box", account: nil, for: world.tenantActor(tenant).principal) }
        #expect(try await world.objectInventory(of: tenant) == StoreInventory())
        #expect(try await world.leftovers().isEmpty)
    }

    @Test func put_whoseClientGoesAway_storesNothing_andKeepsTheObjectItWouldHaveReplaced() async throws {
        let world = try await TestWorld()
        let tenant = try await world.tenant("1001")
        _ = try await world.createContainer("box", for: tenant)
        _ = try await Self.put(world, tenant, "kept.img", Array("old".utf8))
        let halfway = unevenBuffers(Array(Self.large.prefix(2 * (1 << 20) + 3)))
        await #expect(throws: FailingBody.ClientWentAway.self) {
            try await world.useCases.files.put(
                FailingBody(buffers: halfway), container: "box", name: "kept.img", contentType: "application/octet-stream", expectedETag: nil,
                size: Int64(Self.large.count), account: nil, by: world.tenantActor(tenant))
        }
        #expect(try await Self.read(world, tenant, "kept.img", .whole) == Array("old".utf8))
        let inventory = try await world.objectInventory(of: tenant)
        #expect(inventory.objects == 1)
        #expect(inventory.leftovers.isEmpty)
        #expect(try await world.leftovers().isEmpty)
    }
}
