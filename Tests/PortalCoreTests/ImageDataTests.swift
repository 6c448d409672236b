import Foundation
import NIOCore
import PortalApp
import PortalCrypto
import PortalDomain
import PortalStorage
import PortalCore
import Testing
import TestSupport

/// `ImageDataService`: uploads into place, or back to `queued` with nothing kept; downloads and ranges.
@Suite("Image data service")
struct UploadServiceTests {
    /// No image data stored, and nothing left of a write (no staged file, no segment).
    static func expectNoData(_ world: TestWorld, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let inventory = try await world.blobInventory()
        #expect(inventory.images.isEmpty, sourceLocation: sourceLocation)
        #expect(inventory.leftovers.isEmpty, sourceLocation: sourceLocation)
    }

    static func status(_ world: TestWorld, _ id: ImageID, _ credential: Credential) async throws -> ImageStatus {
        try await world.useCases.catalog.show(id, for: credential.principal).image.status
    }

    @Test func upload_success_activatesWithFacts() async throws {
        // Given a queued raw image
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        let bytes = pseudoRandomBytes(2 * (1 << 20) + 333)
        // When its data arrives in uneven buffers
        let active = try await world.useCases.imageData.upload(
            unevenBuffers(bytes).async, to: image.id, declared: DeclaredData(size: Int64(bytes.count), checksum: nil), by: owner.actor)
        // Then it is active with size, MD5, SHA-512 and virtual size recorded, and the data in place
        #expect(active.status == .active)
        #expect(active.size == Int64(bytes.count))
        #expect(active.virtualSize == Int64(bytes.count))
        #expect(active.checksum == ByteEncoding.hex(Digest.hash(.md5, bytes)))
        #expect(active.osHashAlgo == "sha512")
        #expect(active.osHashValue == ByteEncoding.hex(Digest.hash(.sha512, bytes)))
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image == active)
        #expect(try await world.blobBytes(.image(image.id)) == bytes)
        #expect(try await world.leftovers().isEmpty)
        let event = try #require(try await world.auditEvents(image: image.id).last)
        #expect(event.type == .imageUploaded)
        #expect(event.after?.json.contains(active.checksum ?? "-") == true)
    }

    @Test func upload_declaredChecksumInAnyCase_isAccepted() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        let bytes = Array("checksum me".utf8)
        let md5 = ByteEncoding.hex(Digest.hash(.md5, bytes)).uppercased()
        let active = try await world.useCases.imageData.upload(
            [ByteBuffer(bytes: bytes)].async, to: image.id, declared: DeclaredData(size: 11, checksum: md5), by: owner.actor)
        #expect(active.checksum == md5.lowercased())
    }

    @Test(arguments: [(Int64?.some(5), String?.none), (nil, "00000000000000000000000000000000"), (Int64?.some(0), nil)])
    func upload_declaredFactsMismatch_isInvalidAndKeepsNothing(_ size: Int64?, _ checksum: String?) async throws {
        // Given a queued image
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        // When the data does not match the declared size or checksum
        let error = await expectDomainError(.invalid) {
            try await world.useCases.imageData.upload(
                unevenBuffers(pseudoRandomBytes(100_000)).async, to: image.id, declared: DeclaredData(size: size, checksum: checksum), by: owner.actor)
        }
        // Then it is refused, the image is queued again, and no file is left anywhere
        #expect(error?.message.contains("nothing was stored") == true)
        #expect(try await Self.status(world, image.id, owner) == .queued)
        try await Self.expectNoData(world)
        // And a correct upload still works afterwards
        _ = try await world.useCases.imageData.upload([ByteBuffer(string: "ok")].async, to: image.id, declared: DeclaredData(size: 2, checksum: nil), by: owner.actor)
        #expect(try await Self.status(world, image.id, owner) == .active)
    }

    @Test func upload_toActiveImage_isConflict() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.activeImage(by: owner, data: Array("first".utf8))
        await expectDomainError(.conflict) {
            try await world.useCases.imageData.upload([ByteBuffer(string: "second")].async, to: image.id, declared: DeclaredData(), by: owner.actor)
        }
        #expect(try await world.blobBytes(.image(image.id)) == Array("first".utf8))
        #expect(try await Self.status(world, image.id, owner) == .active)
    }

    @Test func upload_byOthersOrWithoutFormats_isRefused() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let member = try await world.token(try await world.tenant("2002"))
        let stranger = try await world.token(try await world.tenant("3003"))
        let image = try await world.queuedImage(by: owner)
        try await world.share(image, by: owner, with: member, status: .accepted)
        let data = { [ByteBuffer(string: "data")].async }
        await expectDomainError(.forbidden) { try await world.useCases.imageData.upload(data(), to: image.id, declared: DeclaredData(), by: member.actor) }
        await expectDomainError(.notFound) { try await world.useCases.imageData.upload(data(), to: image.id, declared: DeclaredData(), by: stranger.actor) }
        let bare = try await world.useCases.catalog.create(ImageDraft(name: "no formats"), by: owner.actor)
        await expectDomainError(.invalid) { try await world.useCases.imageData.upload(data(), to: bare.id, declared: DeclaredData(), by: owner.actor) }
        #expect(try await Self.status(world, bare.id, owner) == .queued)
        #expect(try await Self.status(world, image.id, owner) == .queued)
    }

    @Test(arguments: [0, 1, 2 * (1 << 20) + 1])
    func upload_abortedBody_returnsToQueuedWithNothingKept(_ sentBeforeAbort: Int) async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        await #expect(throws: FailingBody.ClientWentAway.self) {
            try await world.useCases.imageData.upload(
                FailingBody(buffers: unevenBuffers(pseudoRandomBytes(sentBeforeAbort))), to: image.id, declared: DeclaredData(size: nil, checksum: nil), by: owner.actor)
        }
        #expect(try await Self.status(world, image.id, owner) == .queued)
        try await Self.expectNoData(world)
        #expect(try await world.auditEvents(image: image.id).map(\.type) == [.imageCreated])
    }

    @Test func upload_overTheSizeCap_isTooLarge() async throws {
        let world = try await TestWorld(settings: CoreSettings.testing(uploadSizeCap: 1000))
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        await expectDomainError(.tooLarge) {
            try await world.useCases.imageData.upload(unevenBuffers(pseudoRandomBytes(1001)).async, to: image.id, declared: DeclaredData(), by: owner.actor)
        }
        #expect(try await Self.status(world, image.id, owner) == .queued)
        try await Self.expectNoData(world)
        // A declared size over the cap is refused before any byte is read
        await expectDomainError(.tooLarge) {
            try await world.useCases.imageData.upload(FailingBody(buffers: []), to: image.id, declared: DeclaredData(size: 1001, checksum: nil), by: owner.actor)
        }
        _ = try await world.useCases.imageData.upload(unevenBuffers(pseudoRandomBytes(1000)).async, to: image.id, declared: DeclaredData(), by: owner.actor)
        #expect(try await Self.status(world, image.id, owner) == .active)
    }

    @Test func upload_dataNotOfTheDeclaredFormat_isInvalid() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner, diskFormat: .qcow2)
        await expectDomainError(.invalid) {
            try await world.useCases.imageData.upload(unevenBuffers(pseudoRandomBytes(70_000)).async, to: image.id, declared: DeclaredData(), by: owner.actor)
        }
        #expect(try await Self.status(world, image.id, owner) == .queued)
        try await Self.expectNoData(world)
    }

    @Test func upload_secondWhileTheFirstIsSaving_isConflict() async throws {
        // Given an upload in progress whose body the test holds open
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        let (body, writer) = AsyncStream<ByteBuffer>.makeStream()
        let service = world.useCases.imageData
        let actor = owner.actor
        let first = Task { try await service.upload(body, to: image.id, declared: DeclaredData(size: nil, checksum: nil), by: actor) }
        writer.yield(ByteBuffer(string: "first half, "))
        var waited = 0
        while try await Self.status(world, image.id, owner) != .saving && waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(try await Self.status(world, image.id, owner) == .saving)
        // When a second upload starts
        await expectDomainError(.conflict) {
            try await service.upload([ByteBuffer(string: "intruder")].async, to: image.id, declared: DeclaredData(size: nil, checksum: nil), by: actor)
        }
        // Then the first one completes with its own data
        writer.yield(ByteBuffer(string: "second half"))
        writer.finish()
        let active = try await first.value
        #expect(active.status == .active)
        #expect(try await world.blobBytes(.image(image.id)) == Array("first half, second half".utf8))
    }

    @Test func upload_whenTheImageIsDeletedMeanwhile_keepsNothing() async throws {
        // Given an upload in progress
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        let (body, writer) = AsyncStream<ByteBuffer>.makeStream()
        let service = world.useCases.imageData
        let actor = owner.actor
        let upload = Task { try await service.upload(body, to: image.id, declared: DeclaredData(size: nil, checksum: nil), by: actor) }
        writer.yield(ByteBuffer(bytes: pseudoRandomBytes(3 << 20)))
        var waited = 0
        while try await Self.status(world, image.id, owner) != .saving && waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        // When the owner deletes the image before the data is complete
        try await world.useCases.lifecycle.delete(image.id, by: owner.actor)
        writer.finish()
        // Then the upload is refused, the image stays deleted, and no data is left anywhere
        await expectDomainError(.conflict) { try await upload.value }
        await expectDomainError(.notFound) { try await world.useCases.catalog.show(image.id, for: owner.principal) }
        try await Self.expectNoData(world)
    }

    // MARK: Downloads

    @Test func download_queuedImage_hasNoData() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        #expect(try await world.useCases.imageData.download(image.id, range: .whole, for: owner.principal) == nil)
    }

    static func read(_ download: Download) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        if let body = download.body {
            for try await chunk in body { bytes += chunk.readableBytesView }
        }
        return bytes
    }

    @Test func download_whole_streamsTheData() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let bytes = pseudoRandomBytes(3 * (1 << 20) + 7)
        let image = try await world.activeImage(by: owner, data: bytes)
        let download = try #require(try await world.useCases.imageData.download(image.id, range: .whole, for: owner.principal))
        #expect(download.size == Int64(bytes.count))
        #expect(download.checksum == image.checksum)
        #expect(download.range == nil)
        #expect(try await Self.read(download) == bytes)
    }

    @Test func download_emptyImage_hasSizeZeroAndNoBody() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.activeImage(by: owner, data: [])
        let download = try #require(try await world.useCases.imageData.download(image.id, range: .whole, for: owner.principal))
        #expect(download.size == 0)
        #expect(download.body == nil)
        #expect(download.checksum == ByteEncoding.hex(Digest.hash(.md5, [UInt8]())))
    }

    /// Ranges over 100 bytes and the bytes they select.
    static let ranges: [(String, ClosedRange<Int64>)] = [
        ("bytes=0-0", 0...0), ("bytes=2-5", 2...5), ("bytes=95-", 95...99), ("bytes=90-1000", 90...99), ("bytes=-3", 97...99),
        ("bytes=-1000", 0...99), ("bytes=0-99", 0...99), ("bytes= 10-19", 10...19),
    ]

    @Test(arguments: ranges)
    func download_range_sendsThoseBytes(_ header: String, _ expected: ClosedRange<Int64>) async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let bytes = pseudoRandomBytes(100)
        let image = try await world.activeImage(by: owner, data: bytes)
        let range = try #require(ByteRange.parse(header))
        let download = try #require(try await world.useCases.imageData.download(image.id, range: .range(range), for: owner.principal))
        #expect(download.range == expected)
        #expect(download.size == 100)
        #expect(try await Self.read(download) == Array(bytes[Int(expected.lowerBound)...Int(expected.upperBound)]))
    }

    @Test(arguments: ["bytes=100-", "bytes=150-200"])
    func download_rangeBeyondTheData_isNotSatisfiable(_ header: String) async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.activeImage(by: owner, data: pseudoRandomBytes(100))
        let range = try #require(ByteRange.parse(header))
        let error = await expectDomainError(.rangeNotSatisfiable) { try await world.useCases.imageData.download(image.id, range: .range(range), for: owner.principal) }
        #expect(error == .rangeNotSatisfiable(size: 100))
    }

    @Test(arguments: ["", "bytes=", "bytes=5-2", "bytes=a-b", "bytes=0-1,3-4", "items=0-1", "bytes=-0", "bytes=--1"])
    func byteRange_malformed_isNil(_ header: String) {
        #expect(ByteRange.parse(header) == nil)
    }

    @Test func download_deletedOrInvisible_isNotFound() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let stranger = try await world.token(try await world.tenant("3003"))
        let image = try await world.activeImage(by: owner)
        await expectDomainError(.notFound) { try await world.useCases.imageData.download(image.id, range: .whole, for: stranger.principal) }
        try await world.useCases.lifecycle.delete(image.id, by: owner.actor)
        await expectDomainError(.notFound) { try await world.useCases.imageData.download(image.id, range: .whole, for: owner.principal) }
    }

    // MARK: Create with data

    @Test func createWithData_mismatch_keepsNeitherRowNorFile() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let draft = ImageDraft(name: "v1", diskFormat: .raw, containerFormat: .bare)
        await expectDomainError(.invalid) {
            try await world.useCases.imageData.create(draft, data: [ByteBuffer(string: "12345")].async, declared: DeclaredData(size: 4, checksum: nil), by: owner.actor)
        }
        #expect(try await world.useCases.catalog.list(ImageListQuery(), for: owner.principal).images.isEmpty)
        try await Self.expectNoData(world)
        let image = try await world.useCases.imageData.create(draft, data: [ByteBuffer(string: "12345")].async, declared: DeclaredData(size: 5, checksum: nil), by: owner.actor)
        #expect(image.status == .active)
        #expect(try await world.blobBytes(.image(image.id)) == Array("12345".utf8))
    }
}
