import Foundation
import Hummingbird
import NIOCore
import PortalDomain

#if canImport(Glibc)
import Glibc
#endif

/// A streaming `multipart/form-data` reader: small fields are read into memory (capped), a file
/// part is handed on as an async sequence of buffers that ends at its boundary, so an uploaded
/// image flows straight into the staging pipeline and is never held whole in memory.
final class MultipartReader<Body: AsyncSequence> where Body.Element == ByteBuffer {
    /// The headers of one part.
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
    }

    private var iterator: Body.AsyncIterator
    private var buffer = ByteBuffer()
    private let delimiter: [UInt8]
    private var inPart = false
    private var finished = false
    private var exhausted = false

    /// The boundary from a `multipart/form-data; boundary=...` content type.
    static func boundary(from contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(value.utf8.count) ? value : nil
            }
        }
        return nil
    }

    init(body: Body, boundary: String) {
        iterator = body.makeAsyncIterator()
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The body starts with "--boundary": pretend a CRLF precedes it so every delimiter looks alike.
        buffer.writeString("\r\n")
    }

    private static var malformed: DomainError { .invalid("The upload form data is malformed or was cut short.") }

    /// Moves to the next part, skipping what is left of the current one. Nil at the end.
    func nextPart() async throws -> Part? {
        if finished { return nil }
        if inPart {
            while try await nextChunk() != nil {}
        } else {
            // Skip any preamble up to the first delimiter.
            while true {
                if let index = find(delimiter) {
                    buffer.moveReaderIndex(forwardBy: index)
                    break
                }
                let keep = delimiter.count - 1
                if buffer.readableBytes > keep { buffer.moveReaderIndex(forwardBy: buffer.readableBytes - keep) }
                guard try await fill() else { throw Self.malformed }
            }
        }
        // At a delimiter: "--" ends the body, CRLF starts a part's headers.
        try await need(delimiter.count + 2)
        buffer.moveReaderIndex(forwardBy: delimiter.count)
        guard let suffix = buffer.readString(length: 2) else { throw Self.malformed }
        if suffix == "--" {
            finished = true
            return nil
        }
        guard suffix == "\r\n" else { throw Self.malformed }
        var headers: [String: String] = [:]
        while true {
            var lineEnd = find(Array("\r\n".utf8))
            while lineEnd == nil {
                guard buffer.readableBytes < 16 * 1024, try await fill() else { throw Self.malformed }
                lineEnd = find(Array("\r\n".utf8))
            }
            guard let end = lineEnd, let line = buffer.readString(length: end) else { throw Self.malformed }
            buffer.moveReaderIndex(forwardBy: 2)
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":"), headers.count < 16 else { throw Self.malformed }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let disposition = headers["content-disposition"], let name = Self.parameter("name", in: disposition) else { throw Self.malformed }
        inPart = true
        return Part(name: name, filename: Self.parameter("filename", in: disposition), contentType: headers["content-type"])
    }

    /// The next piece of the current part's body; nil at its end.
    func nextChunk() async throws -> ByteBuffer? {
        guard inPart else { return nil }
        while true {
            if let index = find(delimiter) {
                inPart = false
                guard index > 0 else { return nil }
                return buffer.readSlice(length: index)
            }
            let safe = buffer.readableBytes - (delimiter.count - 1)
            if safe > 0 { return buffer.readSlice(length: safe) }
            guard try await fill() else { throw Self.malformed }
        }
    }

    /// Reads the current part whole (a small form field), refusing more than `limit` bytes.
    func readText(limit: Int = 64 * 1024) async throws -> String {
        var collected = ByteBuffer()
        while let chunk = try await nextChunk() {
            guard collected.readableBytes + chunk.readableBytes <= limit else { throw DomainError.tooLarge("A form field is larger than \(limit) bytes.") }
            var chunk = chunk
            collected.writeBuffer(&chunk)
        }
        return String(buffer: collected)
    }

    /// The current part as an async sequence (a file's bytes).
    var partBody: PartBody { PartBody(reader: self) }

    /// The bytes of the current part.
    struct PartBody: AsyncSequence {
        typealias Element = ByteBuffer
        let reader: MultipartReader

        struct AsyncIterator: AsyncIteratorProtocol {
            let reader: MultipartReader
            mutating func next() async throws -> ByteBuffer? { try await reader.nextChunk() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
    }

    // MARK: Buffering

    private func fill() async throws -> Bool {
        guard !exhausted, var next = try await iterator.next() else {
            exhausted = true
            return false
        }
        buffer.discardReadBytes()
        buffer.writeBuffer(&next)
        return true
    }

    private func need(_ count: Int) async throws {
        while buffer.readableBytes < count {
            guard try await fill() else { throw Self.malformed }
        }
    }

    /// The offset of `pattern` in the readable bytes, if present.
    private func find(_ pattern: [UInt8]) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard let base = bytes.baseAddress, bytes.count >= pattern.count, let first = pattern.first else { return nil }
            var offset = 0
            let last = bytes.count - pattern.count
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                let position = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + position, pattern, pattern.count) == 0 { return position }
                offset = position + 1
            }
            return nil
        }
    }

    /// `name="value"` from a header, honouring quotes: `filename="a;b.raw"` is one value.
    private static func parameter(_ key: String, in header: String) -> String? {
        var scalars = Array(header.unicodeScalars)[...]
        // Skip the disposition type ("form-data").
        while let first = scalars.first, first != ";" { scalars = scalars.dropFirst() }
        while let first = scalars.first {
            guard first == ";" else { return nil }
            scalars = scalars.dropFirst()
            while scalars.first == " " || scalars.first == "\t" { scalars = scalars.dropFirst() }
            var name = ""
            while let c = scalars.first, c != "=", c != ";" {
                name.unicodeScalars.append(c)
                scalars = scalars.dropFirst()
            }
            var value = ""
            if scalars.first == "=" {
                scalars = scalars.dropFirst()
                if scalars.first == "\"" {
                    scalars = scalars.dropFirst()
                    while let c = scalars.first, c != "\"" {
                        scalars = scalars.dropFirst()
                        if c == "\\", let escaped = scalars.first {
                            value.unicodeScalars.append(escaped)
                            scalars = scalars.dropFirst()
                        } else {
                            value.unicodeScalars.append(c)
                        }
                    }
                    scalars = scalars.dropFirst()  // closing quote
                    while let c = scalars.first, c != ";" { scalars = scalars.dropFirst() }
                } else {
                    while let c = scalars.first, c != ";" {
                        value.unicodeScalars.append(c)
                        scalars = scalars.dropFirst()
                    }
                    value = value.trimmingCharacters(in: .whitespaces)
                }
            }
            if name.trimmingCharacters(in: .whitespaces).lowercased() == key { return value }
        }
        return nil
    }
}

extension MultipartReader where Body == RequestBody {
    /// Reads a request's `multipart/form-data` body (415 for any other body).
    convenience init(_ request: Request) throws {
        guard let type = request.headers[.contentType], let boundary = Self.boundary(from: type) else {
            throw DomainError.unsupportedMediaType("Upload the file with the form (multipart/form-data).")
        }
        self.init(body: request.body, boundary: boundary)
    }
}

/// An upload form: small fields first, then one file, streamed. The file is handed to `store`
/// with the fields read before it; a second file, or a failure later in the form, undoes it
/// with `discard`, so a refused form leaves nothing behind.
enum UploadForm {
    static func read<Stored>(
        _ request: Request, maxFields: Int = 16, fieldLimit: Int = 16 * 1024,
        store: (_ fields: [String: String], _ filename: String, _ contentType: String?, _ body: MultipartReader<RequestBody>.PartBody) async throws -> Stored,
        discard: (Stored) async -> Void
    ) async throws -> (fields: [String: String], stored: Stored) {
        let reader = try MultipartReader<RequestBody>(request)
        var fields: [String: String] = [:]
        var stored: Stored?
        do {
            while let part = try await reader.nextPart() {
                if part.name == "file", let filename = part.filename {
                    guard stored == nil else { throw DomainError.invalid("Send one file at a time. Nothing was stored.") }
                    stored = try await store(fields, filename, part.contentType, reader.partBody)
                } else {
                    guard fields.count < maxFields else { throw DomainError.tooLarge("The form has too many fields.") }
                    fields[part.name] = try await reader.readText(limit: fieldLimit).trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
        } catch {
            if let stored { await discard(stored) }
            throw error
        }
        guard let stored else { throw DomainError.invalid("Choose a file to upload.") }
        return (fields, stored)
    }
}
