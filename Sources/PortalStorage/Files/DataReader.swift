import Foundation
package import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Reads a byte range of a file as an async sequence of buffers, one read ahead of the consumer,
/// on NIO's blocking-I/O thread pool. Memory stays at about two chunks whatever the file size.
package struct FileChunks: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer

    /// An open file descriptor, closed when the last reference goes.
    final class Handle: Sendable {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    let handle: Handle
    let path: String
    let offset: Int64
    let length: Int64
    let chunkSize: Int

    /// Opens `path` now (so a later unlink cannot take the data away mid-stream) and reads
    /// `length` bytes from `offset`.
    package init(path: String, offset: Int64 = 0, length: Int64, chunkSize: Int = 1 << 20) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileOps.Failure(operation: "open", path: path, code: errno) }
        handle = Handle(fd: fd)
        self.path = path
        self.offset = offset
        self.length = length
        self.chunkSize = chunkSize
    }

    private init(handle: Handle, path: String, offset: Int64, length: Int64, chunkSize: Int) {
        self.handle = handle
        self.path = path
        self.offset = offset
        self.length = length
        self.chunkSize = chunkSize
    }

    /// `length` bytes from `offset` of the same open file (a later unlink cannot take them away).
    package func slice(offset: Int64, length: Int64) -> FileChunks {
        FileChunks(handle: handle, path: path, offset: offset, length: length, chunkSize: chunkSize)
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(chunks: self, position: offset, end: offset + length)
    }

    /// Iterates the chunks, keeping one read in flight.
    package struct Iterator: AsyncIteratorProtocol {
        let chunks: FileChunks
        var position: Int64
        let end: Int64
        var pending: Task<ByteBuffer, any Error>?

        init(chunks: FileChunks, position: Int64, end: Int64) {
            self.chunks = chunks
            self.position = position
            self.end = end
        }

        package mutating func next() async throws -> ByteBuffer? {
            let current: Task<ByteBuffer, any Error>
            if let pending {
                current = pending
            } else {
                guard position < end else { return nil }
                current = read(at: position)
            }
            let buffer = try await current.value
            position += Int64(buffer.readableBytes)
            pending = position < end ? read(at: position) : nil
            return buffer.readableBytes > 0 ? buffer : nil
        }

        private func read(at position: Int64) -> Task<ByteBuffer, any Error> {
            let count = Int(Swift.min(Int64(chunks.chunkSize), end - position))
            let handle = chunks.handle
            let path = chunks.path
            return Task {
                try await NIOThreadPool.singleton.runIfActive {
                    var buffer = ByteBufferAllocator().buffer(capacity: count)
                    var filled = 0
                    while filled < count {
                        let got = buffer.withUnsafeMutableWritableBytes { bytes in
                            pread(handle.fd, bytes.baseAddress, count - filled, off_t(position) + off_t(filled))
                        }
                        if got < 0 {
                            if errno == EINTR { continue }
                            throw FileOps.Failure(operation: "read", path: path, code: errno)
                        }
                        if got == 0 { break }
                        buffer.moveWriterIndex(forwardBy: got)
                        filled += got
                    }
                    guard filled == count else { throw FileOps.Failure(operation: "read (file shorter than recorded)", path: path, code: EIO) }
                    return buffer
                }
            }
        }
    }
}
