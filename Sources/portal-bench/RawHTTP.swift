import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 keep-alive client for latency samples: one socket, sequential
/// requests, nothing between the measurement and the server but the kernel. (The load phases use
/// AsyncHTTPClient; its per-request overhead on these two shared cores would otherwise be measured
/// as server latency.)
final class RawHTTP {
    private let fd: Int32
    private var buffer = [UInt8]()

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(host: String, port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect failed") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// GET `path`; returns the status and the body length.
    func get(_ path: String, token: String) throws -> (status: Int, bytes: Int) {
        let (status, length) = try request(path, token: token)
        while Int64(buffer.count) < length { try fill() }
        buffer.removeFirst(Int(length))
        return (status, Int(length))
    }

    /// GET `path` and read the body into a reused 1 MiB buffer, discarding it; returns the bytes read.
    func download(_ path: String, token: String) throws -> Int64 {
        let (_, length) = try request(path, token: token)
        var received = Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { chunk.deallocate() }
        while received < length {
            let n = read(fd, chunk, Int(min(Int64(1 << 20), length - received)))
            guard n > 0 else { throw Failure(description: "connection closed after \(received) bytes") }
            received += Int64(n)
        }
        return received
    }

    /// Sends a GET and reads the response head; the body's first bytes may already be in `buffer`.
    private func request(_ path: String, token: String) throws -> (status: Int, length: Int64) {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: \(token)\r\nConnection: keep-alive\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return -1 }
                return write(fd, base + sent, bytes.count - sent)
            }
            guard n > 0 else { throw Failure(description: "write failed") }
            sent += n
        }
        var headerEnd: Int?
        while headerEnd == nil {
            try fill()
            headerEnd = find([13, 10, 13, 10])
        }
        guard let end = headerEnd else { throw Failure(description: "no headers") }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).split(separator: "\r\n")
        buffer.removeFirst(end + 4)
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "0") ?? 0
        var length: Int64 = 0
        for line in lines.dropFirst() where line.lowercased().hasPrefix("content-length:") {
            length = Int64(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return (status, length)
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { throw Failure(description: "connection closed") }
        buffer.append(contentsOf: chunk[..<n])
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for index in 0...(buffer.count - pattern.count) where buffer[index] == pattern[0] && Array(buffer[index..<index + pattern.count]) == pattern {
            return index
        }
        return nil
    }
}
