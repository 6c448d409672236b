import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCrypto
import PortalCore
import PortalDomain
import PortalStorage
import Testing
import TestSupport

/// Image data over HTTP: `PUT .../file` (streamed) and `GET .../file` (whole, ranges).
@Suite("Image data API")
struct ImageDataAPITests {
    static let octetStream: HTTPFields = [.contentType: "application/octet-stream"]

    @Test func upload_multiBufferChunkedBody_activatesTheImage() async throws {
        // Given a queued image and 1.2 MB of data (the test client delivers it in 32 KiB buffers)
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        let bytes = sampleBytes(1_234_567)
        try await cast.world.application().test(.router) { client async throws in
            // When it is uploaded the way glanceclient does (chunked, octet-stream)
            let response = try await client.send(
                .put, "/image/v2/images/\(image.id)/file", as: cast.owner,
                headers: [.contentType: "application/octet-stream", .transferEncoding: "chunked"], bytes: bytes)
            #expect(response.status == .noContent, "\(response.text)")
            #expect(response.body.readableBytes == 0)
            // Then the image is active with Glance's facts
            let shown = try #require(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.owner).json)
            #expect(shown["status"] == .string("active"))
            #expect(shown["size"] == .int(Int64(bytes.count)))
            #expect(shown["virtual_size"] == .int(Int64(bytes.count)))
            #expect(shown["checksum"] == .string(ByteEncoding.hex(Digest.hash(.md5, bytes))))
            #expect(shown["os_hash_algo"] == .string("sha512"))
            #expect(shown["os_hash_value"] == .string(ByteEncoding.hex(Digest.hash(.sha512, bytes))))
            // And the data comes back identical
            let download = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.owner)
            #expect(download.status == .ok)
            #expect(download.bytes == bytes)
            // A second upload is refused: data is immutable
            let again = try await client.send(.put, "/image/v2/images/\(image.id)/file", as: cast.owner, headers: Self.octetStream, bytes: [1, 2, 3])
            #expect(again.status == .conflict)
        }
    }

    @Test func upload_realChunkedTransferToALiveServer_activatesTheImage() async throws {
        // The way glanceclient uploads: Transfer-Encoding: chunked on a real connection.
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        let bytes = sampleBytes(2_000_003)
        try await cast.world.application().test(.live) { client async throws in
            var headers = cast.owner.headers
            headers[.contentType] = "application/octet-stream"
            headers[.transferEncoding] = "chunked"
            let response = try await client.execute(uri: "/image/v2/images/\(image.id)/file", method: .put, headers: headers, body: ByteBuffer(bytes: bytes))
            #expect(response.status == .noContent, "\(String(buffer: response.body))")
            let download = try await client.execute(uri: "/image/v2/images/\(image.id)/file", method: .get, headers: cast.owner.headers)
            #expect(download.headers[.contentLength] == String(bytes.count))
            #expect(Array(download.body.readableBytesView) == bytes)
        }
    }

    @Test func upload_withoutContentType_isAccepted() async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.put, "/image/v2/images/\(image.id)/file", as: cast.owner, bytes: [1, 2, 3]).status == .noContent)
        }
    }

    @Test(arguments: ["application/json", "text/plain", "multipart/form-data; boundary=x"])
    func upload_wrongContentType_answers415(_ type: String) async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.put, "/image/v2/images/\(image.id)/file", as: cast.owner, headers: [.contentType: type], bytes: [1, 2, 3])
            #expect(response.status == .unsupportedMediaType)
            #expect(response.errorMessage?.isEmpty == false)
        }
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.status == .queued)
    }

    @Test(arguments: ["10", "0", "abc", "-5"])
    func upload_declaredSizeMismatchOrMalformed_answers400AndStaysQueued(_ declared: String) async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(
                .put, "/image/v2/images/\(image.id)/file", as: cast.owner,
                headers: [.contentType: "application/octet-stream", .xOpenstackImageSize: declared], bytes: sampleBytes(5000))
            #expect(response.status == .badRequest)
            let shown = try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.owner)
            #expect(shown.json?["status"] == .string("queued"))
            #expect(shown.json?["size"]?.isNull == true)
            // Matching size goes through
            let ok = try await client.send(
                .put, "/image/v2/images/\(image.id)/file", as: cast.owner,
                headers: [.contentType: "application/octet-stream", .xOpenstackImageSize: "5000"], bytes: sampleBytes(5000))
            #expect(ok.status == .noContent)
        }
    }

    /// A qcow2 header (version 3) whose backing-file offset is `backingOffset`.
    static func qcow2Header(backingOffset: UInt64) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: 4096)
        func put(_ bytes: [UInt8], at offset: Int) { data.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func be64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }
        put([0x51, 0x46, 0x49, 0xFB], at: 0)
        put(be32(3), at: 4)
        put(be64(backingOffset), at: 8)
        put(be32(backingOffset == 0 ? 0 : 10), at: 16)
        put(be32(16), at: 20)
        put(be64(64 << 20), at: 24)
        put(be32(4), at: 96)
        put(be32(112), at: 100)
        if backingOffset != 0 { put(Array("base.img..".utf8), at: Int(backingOffset)) }
        return data
    }

    @Test(arguments: [("qcow2", sampleBytes(70_000)), ("raw", qcow2Header(backingOffset: 0x200)), ("qcow2", qcow2Header(backingOffset: 0x200))])
    func upload_dataRefusedByFormatInspection_answers400(_ format: String, _ bytes: [UInt8]) async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner, diskFormat: try DiskFormat.parse(format))
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.put, "/image/v2/images/\(image.id)/file", as: cast.owner, headers: Self.octetStream, bytes: bytes)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("qcow2") == true)
        }
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.status == .queued)
        #expect(try await cast.world.blobInventory() == StoreInventory())
    }

    @Test func upload_aValidQcow2_isAccepted() async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner, diskFormat: .qcow2)
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.put, "/image/v2/images/\(image.id)/file", as: cast.owner, headers: Self.octetStream, bytes: Self.qcow2Header(backingOffset: 0))
            #expect(response.status == .noContent, "\(response.text)")
        }
    }

    @Test func upload_byMemberOrStranger_answers403Or404() async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        try await cast.share(image, with: cast.consumer, status: .accepted)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.put, "/image/v2/images/\(image.id)/file", as: cast.consumer, headers: Self.octetStream, bytes: [1]).status == .forbidden)
            #expect(try await client.send(.put, "/image/v2/images/\(image.id)/file", as: cast.stranger, headers: Self.octetStream, bytes: [1]).status == .notFound)
        }
    }

    // MARK: Download

    @Test func download_sendsGlancesHeaders() async throws {
        let cast = try await Cast()
        let bytes = sampleBytes(100_000)
        let image = try await cast.image(data: bytes)
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.owner)
            #expect(response.status == .ok)
            #expect(response.headers[.contentLength] == "100000")
            #expect(response.headers[.contentMD5] == image.checksum)
            #expect(response.headers[.contentMD5] == ByteEncoding.hex(Digest.hash(.md5, bytes)))
            #expect(response.headers[.acceptRanges] == "bytes")
            #expect(response.headers[.contentType] == "application/octet-stream")
            #expect(response.bytes == bytes)
        }
    }

    /// Range requests over 1000 bytes: the header, the status, the Content-Range, and the bytes sent.
    static let ranges: [(String, Int, String?, ClosedRange<Int>?)] = [
        ("bytes=0-9", 206, "bytes 0-9/1000", 0...9),
        ("bytes=990-", 206, "bytes 990-999/1000", 990...999),
        ("bytes=-5", 206, "bytes 995-999/1000", 995...999),
        ("bytes=500-5000", 206, "bytes 500-999/1000", 500...999),
        ("bytes=999-999", 206, "bytes 999-999/1000", 999...999),
        ("bytes=1000-", 416, "bytes */1000", nil),
        ("bytes=2000-3000", 416, "bytes */1000", nil),
    ]

    @Test(arguments: ranges)
    func download_range(_ header: String, _ status: Int, _ contentRange: String?, _ selected: ClosedRange<Int>?) async throws {
        let cast = try await Cast()
        let bytes = sampleBytes(1000)
        let image = try await cast.image(data: bytes)
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.owner, headers: [.range: header])
            #expect(response.status.code == status)
            #expect(response.headers[.contentRange] == contentRange)
            if let selected {
                #expect(response.bytes == Array(bytes[selected]))
                #expect(response.headers[.contentLength] == String(selected.count))
            }
        }
    }

    @Test func download_queuedImage_answers204WithoutBody() async throws {
        let cast = try await Cast()
        let image = try await cast.world.queuedImage(by: cast.owner)
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.owner)
            #expect(response.status == .noContent)
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test func download_deactivated_answers403ForMemberRoles_and200ForAdmins() async throws {
        let cast = try await Cast()
        let image = try await cast.image(data: Array("deactivate me".utf8))
        try await cast.share(image, with: cast.consumer, status: .accepted)
        try await cast.world.application().test(.router) { client async throws in
            #expect(try await client.send(.post, "/image/v2/images/\(image.id)/actions/deactivate", as: cast.owner).status == .noContent)
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)", as: cast.owner).json?["status"] == .string("deactivated"))
            for credential in [cast.owner, cast.consumer] {
                let refused = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: credential)
                #expect(refused.status == .forbidden)
                #expect(refused.errorMessage?.contains("deactivated") == true)
            }
            let admin = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.ownerAdmin)
            #expect(admin.status == .ok)
            #expect(admin.text == "deactivate me")
            #expect(try await client.send(.post, "/image/v2/images/\(image.id)/actions/reactivate", as: cast.owner).status == .noContent)
            #expect(try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.consumer).status == .ok)
        }
    }

    @Test func download_emptyImage_answers200WithZeroLength() async throws {
        let cast = try await Cast()
        let image = try await cast.image(data: [])
        try await cast.world.application().test(.router) { client async throws in
            let response = try await client.send(.get, "/image/v2/images/\(image.id)/file", as: cast.owner)
            #expect(response.status == .ok)
            #expect(response.headers[.contentLength] == "0")
            #expect(response.body.readableBytes == 0)
        }
    }
}
