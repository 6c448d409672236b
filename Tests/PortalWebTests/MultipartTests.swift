import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCore
import PortalDomain
import PortalStorage
@testable import PortalWeb
import Testing
import TestSupport

/// One part as read: headers and the whole body.
struct ReadPart: Equatable, CustomStringConvertible {
    var name: String
    var filename: String?
    var contentType: String?
    var body: [UInt8]

    var description: String { "\(name) \(filename ?? "-") \(contentType ?? "-") \(String(decoding: body, as: UTF8.self).debugDescription)" }
}

/// Reads a body delivered as `chunks`: files through the streaming part body, fields through readText.
func readMultipart(_ chunks: [[UInt8]], boundary: String, textLimit: Int = 64 * 1024) async throws -> (parts: [ReadPart], fileChunkSizes: [Int]) {
    let reader = MultipartReader(body: chunks.map { ByteBuffer(bytes: $0) }.async, boundary: boundary)
    var parts: [ReadPart] = []
    var sizes: [Int] = []
    while let part = try await reader.nextPart() {
        if part.filename != nil {
            var bytes: [UInt8] = []
            for try await chunk in reader.partBody {
                sizes.append(chunk.readableBytes)
                bytes += Array(chunk.readableBytesView)
            }
            parts.append(ReadPart(name: part.name, filename: part.filename, contentType: part.contentType, body: bytes))
        } else {
            let text = try await reader.readText(limit: textLimit)
            parts.append(ReadPart(name: part.name, filename: nil, contentType: part.contentType, body: Array(text.utf8)))
        }
    }
    return (parts, sizes)
}

/// `bytes` split at the given offsets (empty pieces kept).
func split(_ bytes: [UInt8], at offsets: [Int]) -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    var start = 0
    for offset in offsets {
        pieces.append(Array(bytes[start..<offset]))
        start = offset
    }
    pieces.append(Array(bytes[start...]))
    return pieces
}

@Suite("Multipart reader")
struct MultipartReaderTests {
    static let boundary = "XyZ-boundary-42"

    /// Fields then a file whose bytes look like line ends, dashes and a cut-off delimiter.
    static let trickyFile: [UInt8] = Array("line1\r\nline2\r\n--XyZ-bound\r\n-\r\n\r\n--XyZ-boundary-4x--\r\n".utf8) + [0, 255, 13, 10, 45, 45] + Array("end\r\n".utf8)

    static var body: [UInt8] {
        var body = MultipartBody(boundary: boundary)
        body.field("name", "My image")
        body.field("disk_format", "raw")
        body.file("file", filename: "disk.raw", contentType: "application/octet-stream", data: trickyFile)
        return body.finished
    }

    static let expected = [
        ReadPart(name: "name", filename: nil, contentType: nil, body: Array("My image".utf8)),
        ReadPart(name: "disk_format", filename: nil, contentType: nil, body: Array("raw".utf8)),
        ReadPart(name: "file", filename: "disk.raw", contentType: "application/octet-stream", body: trickyFile),
    ]

    @Test func fieldsThenFile_inOneBuffer_areReadInOrder() async throws {
        let result = try await readMultipart([Self.body], boundary: Self.boundary)
        #expect(result.parts == Self.expected)
    }

    @Test func body_splitAtEveryByteOffset_readsTheSame() async throws {
        // Given the body cut into two buffers at every offset, inside every delimiter and header included
        let body = Self.body
        for offset in 0...body.count {
            // When it is read
            let result = try await readMultipart(split(body, at: [offset]), boundary: Self.boundary)
            // Then every split gives the same parts
            #expect(result.parts == Self.expected, "split at \(offset)")
        }
    }

    @Test func body_splitAtEveryPairOfOffsets_readsTheSame() async throws {
        // Given a shorter body cut into three buffers at every pair of offsets
        var short = MultipartBody(boundary: "b")
        short.field("a", "1")
        short.file("f", filename: "x", data: Array("\r\n-\r\n--".utf8))
        let body = short.finished
        let expected = [
            ReadPart(name: "a", filename: nil, contentType: nil, body: Array("1".utf8)),
            ReadPart(name: "f", filename: "x", contentType: "application/octet-stream", body: Array("\r\n-\r\n--".utf8)),
        ]
        for first in 0...body.count {
            for second in first...body.count {
                let result = try await readMultipart(split(body, at: [first, second]), boundary: "b")
                #expect(result.parts == expected, "split at \(first), \(second)")
            }
        }
    }

    @Test func body_inOneByteBuffers_readsTheSame() async throws {
        let result = try await readMultipart(Self.body.map { [$0] }, boundary: Self.boundary)
        #expect(result.parts == Self.expected)
    }

    @Test func largeFile_isHandedOnInPieces_notHeldWhole() async throws {
        // Given a 1 MiB file arriving in 64 KiB buffers
        var body = MultipartBody(boundary: Self.boundary)
        let data = sampleBytes(1 << 20)
        body.file("file", filename: "big.raw", data: data)
        let bytes = body.finished
        let chunks = stride(from: 0, to: bytes.count, by: 65_536).map { Array(bytes[$0..<min($0 + 65_536, bytes.count)]) }
        // When it is read
        let result = try await readMultipart(chunks, boundary: Self.boundary)
        // Then the bytes are intact and came as many pieces, none much larger than a buffer
        #expect(result.parts.first?.body == data)
        #expect(result.fileChunkSizes.count >= 16)
        #expect((result.fileChunkSizes.max() ?? 0) <= 65_536 + 64)
    }

    @Test func quotedAndUnquotedNames_andHeaderCase_areRead() async throws {
        let text =
            "--b\r\nCONTENT-DISPOSITION: form-data; name=plain\r\n\r\nv1\r\n"
            + "--b\r\ncontent-disposition: form-data; name=\"with space\"; filename=\"say \\\"hi\\\".raw\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
            + "--b--\r\n"
        let result = try await readMultipart([Array(text.utf8)], boundary: "b")
        #expect(result.parts == [
            ReadPart(name: "plain", filename: nil, contentType: nil, body: Array("v1".utf8)),
            ReadPart(name: "with space", filename: "say \"hi\".raw", contentType: "text/plain", body: Array("hello".utf8)),
        ])
    }

    @Test func quotedFilename_containingASemicolon_isReadWhole() async throws {
        // Browsers send a file's name as a quoted string, ';' and '=' unescaped (RFC 7578 §4.2)
        let text =
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"disk;v2=final.raw\"\r\n\r\nhello\r\n"
            + "--b\r\nContent-Disposition: form-data; name=\"a;b\"\r\n\r\nv\r\n--b--\r\n"
        let result = try await readMultipart([Array(text.utf8)], boundary: "b")
        #expect(result.parts.map(\.filename) == ["disk;v2=final.raw", nil])
        #expect(result.parts.map(\.name) == ["file", "a;b"])
    }

    @Test func preamble_beforeTheFirstBoundary_isIgnored() async throws {
        let text = "This is a preamble. --b is not a delimiter here, nor is\r\n--c\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\nepilogue"
        // Read whole, and split inside the preamble's look-alikes
        for offset in [0, 20, 59, 60, 61, 62, 63] {
            let result = try await readMultipart(split(Array(text.utf8), at: [offset]), boundary: "b")
            #expect(result.parts == [ReadPart(name: "a", filename: nil, contentType: nil, body: Array("1".utf8))], "split at \(offset)")
        }
    }

    @Test func emptyParts_andTrailingLineEndsInContent_areKept() async throws {
        let text = "--b\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"crlf\"\r\n\r\nx\r\n\r\n\r\n--b--"
        let result = try await readMultipart([Array(text.utf8)], boundary: "b")
        #expect(result.parts == [
            ReadPart(name: "empty", filename: nil, contentType: nil, body: []),
            ReadPart(name: "crlf", filename: nil, contentType: nil, body: Array("x\r\n\r\n".utf8)),
        ])
    }

    @Test func unreadPart_isSkippedByTheNextPart() async throws {
        let reader = MultipartReader(body: [ByteBuffer(bytes: Self.body)].async, boundary: Self.boundary)
        #expect(try await reader.nextPart()?.name == "name")
        #expect(try await reader.nextPart()?.name == "disk_format")
        let file = try await reader.nextPart()
        #expect(file?.filename == "disk.raw")
        #expect(try await reader.nextPart() == nil)
        #expect(try await reader.nextPart() == nil)
    }

    static let truncated: [(String, String)] = [
        ("no final boundary after a field", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue"),
        ("no final boundary after a file", "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nbytes\r\n"),
        ("cut inside the closing delimiter", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--"),
        ("cut inside the headers", "--b\r\nContent-Disposition: form-da"),
        ("no blank line after the headers", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n"),
        ("no delimiter at all", "just some text"),
        ("empty body", ""),
        ("a part without a name", "--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--b--"),
        ("a header line without a colon", "--b\r\nContent-Disposition form-data; name=\"a\"\r\n\r\nvalue\r\n--b--"),
        ("bare LF line ends", "--b\nContent-Disposition: form-data; name=\"a\"\n\nvalue\n--b--\n"),
        ("garbage after a delimiter", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--bXY"),
    ]

    @Test(arguments: truncated)
    func malformedOrCutShortBody_isRefusedAs400(label: String, text: String) async throws {
        let error = await #expect(throws: DomainError.self, "\(label)") {
            _ = try await readMultipart([Array(text.utf8)], boundary: "b")
        }
        #expect(error?.status == .badRequest, "\(label)")
    }

    @Test func fieldOverTheLimit_isRefusedAs413_andOneAtTheLimitIsRead() async throws {
        let text = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n0123456789\r\n--b--\r\n"
        let atLimit = try await readMultipart([Array(text.utf8)], boundary: "b", textLimit: 10)
        #expect(atLimit.parts.first?.body == Array("0123456789".utf8))
        let error = await #expect(throws: DomainError.self) {
            _ = try await readMultipart(Array(text.utf8).map { [$0] }, boundary: "b", textLimit: 9)
        }
        #expect(error?.status == .contentTooLarge)
    }

    @Test(arguments: [
        ("multipart/form-data; boundary=abc", "abc"),
        ("multipart/form-data; boundary=\"a b:c\"", "a b:c"),
        ("Multipart/Form-Data; charset=utf-8; BOUNDARY=xyz", "xyz"),
        ("multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "----WebKitFormBoundary7MA4YWxkTrZu0gW"),
        ("multipart/form-data; boundary=" + String(repeating: "a", count: 70), String(repeating: "a", count: 70)),
    ])
    func boundary_fromAFormDataContentType_isRead(contentType: String, boundary: String) {
        #expect(MultipartReader<AsyncArraySequence<[ByteBuffer]>>.boundary(from: contentType) == boundary)
    }

    @Test(arguments: [
        "multipart/mixed; boundary=abc", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=" + String(repeating: "a", count: 71),
    ])
    func boundary_missingOrInvalid_isNil(contentType: String) {
        #expect(MultipartReader<AsyncArraySequence<[ByteBuffer]>>.boundary(from: contentType) == nil)
    }
}

@Suite("Multipart uploads over HTTP")
struct MultipartHTTPTests {
    @Test func upload_withAFieldOver64KiB_answers413AndCreatesNothing() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            var body = MultipartBody()
            body.field("description", String(repeating: "x", count: 64 * 1024 + 1))
            body.field("disk_format", "raw")
            body.file("file", filename: "disk.raw", data: sampleBytes(100))
            let response = try await browser.upload(body)
            expectErrorPage(response, .contentTooLarge)
            #expect(try await cast.useCases.catalog.counts(for: cast.owner.principal).owned == 0)
        }
    }

    @Test func upload_cutShortBeforeTheFinalBoundary_answers400AndCreatesNothing() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            let csrf = try await browser.csrf()
            var body = MultipartBody()
            body.field("disk_format", "raw")
            body.file("file", filename: "disk.raw", data: sampleBytes(5000))
            let cut = Array(body.bytes.dropLast(2))  // no closing delimiter, not even the part's CRLF
            let response = try await browser.send(.post, "/import/upload?_csrf=\(csrf)", headers: [.contentType: body.contentType], body: ByteBuffer(bytes: cut))
            expectErrorPage(response, .badRequest)
            #expect(try await cast.useCases.catalog.counts(for: cast.owner.principal).owned == 0)
        }
    }

    @Test func upload_asUrlencodedForm_answers415() async throws {
        let cast = try await PortalCast()
        try await cast.world.application().test(.router) { client in
            var browser = Browser(client)
            try await browser.signIn(cast.owner)
            let response = try await browser.submit(Paths.importUpload, [("disk_format", "raw")])
            expectErrorPage(response, .unsupportedMediaType)
        }
    }
}
