package import Foundation
package import NIOCore
package import PortalApp
package import PortalCore
package import PortalDomain
import Synchronization
package import Testing

/// A clock the test moves by hand.
package final class ManualClock: Sendable {
    private let current: Mutex<Date>

    package init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) { current = Mutex(start) }

    package var now: Date { current.withLock { $0 } }

    package func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

    package var portalClock: PortalClock { PortalClock { [self] in now } }
}

/// The test dependencies, on the backend under test, with a clock the test controls.
package func dependencies(clock: ManualClock, settings: CoreSettings = .standard) async throws -> AppDependencies {
    try await TestBackend.current.dependencies(settings: settings, clock: clock.portalClock)
}

/// A tenant ID from a literal the test knows to be valid.
package func ddi(_ text: String) throws -> TenantID { try TenantID.parse(text) }

extension Actor {
    /// A tenant actor for direct use-case calls.
    package static func tenant(_ text: String, role: TenantRole = .member, request: String = "req-test") throws -> Actor {
        Actor(principal: .tenant(try ddi(text), role: role), tokenID: nil, requestID: request)
    }
}

/// The kind of a `DomainError`, without its message.
package enum DomainErrorKind: String, Sendable {
    case invalid, unauthenticated, forbidden, notFound, conflict, tooLarge, unsupportedMediaType, rangeNotSatisfiable, rateLimited, unprocessable

    package init(_ error: DomainError) {
        switch error {
        case .invalid: self = .invalid
        case .unauthenticated: self = .unauthenticated
        case .forbidden: self = .forbidden
        case .notFound: self = .notFound
        case .conflict: self = .conflict
        case .tooLarge: self = .tooLarge
        case .unsupportedMediaType: self = .unsupportedMediaType
        case .rangeNotSatisfiable: self = .rangeNotSatisfiable
        case .rateLimited: self = .rateLimited
        case .unprocessable: self = .unprocessable
        }
    }
}

/// Expects `body` to throw a `DomainError` of `kind`; returns it for further checks.
@discardableResult
package func expectDomainError<T>(
    _ kind: DomainErrorKind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> DomainError? {
    do {
        _ = try await body()
        Issue.record("Expected DomainError.\(kind.rawValue), but the call succeeded.", sourceLocation: sourceLocation)
        return nil
    } catch let error as DomainError {
        #expect(DomainErrorKind(error) == kind, "got \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("Expected DomainError.\(kind.rawValue), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Deterministic pseudo-random bytes (a linear congruential generator; the same seed gives the same bytes).
package func pseudoRandomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
    }
    return bytes
}

/// Splits `bytes` into buffers of uneven sizes, cycling through `sizes`.
package func unevenBuffers(_ bytes: [UInt8], sizes: [Int] = [1, 7, 4096, 65_537, 333, 1 << 20, 2]) -> [ByteBuffer] {
    var buffers: [ByteBuffer] = []
    var offset = 0
    var turn = 0
    while offset < bytes.count {
        let count = min(sizes[turn % sizes.count], bytes.count - offset)
        buffers.append(ByteBuffer(bytes: bytes[offset..<(offset + count)]))
        offset += count
        turn += 1
    }
    return buffers
}

/// A request body that yields `buffers`, then fails, as a client that goes away mid-upload.
package struct FailingBody: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer
    package struct ClientWentAway: Error {}

    let buffers: [ByteBuffer]

    package init(buffers: [ByteBuffer]) { self.buffers = buffers }

    package struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let buffers: [ByteBuffer]

        package mutating func next() async throws -> ByteBuffer? {
            guard index < buffers.count else { throw ClientWentAway() }
            defer { index += 1 }
            return buffers[index]
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffers: buffers) }
}

/// The regular files under a directory, recursively (relative paths).
package func regularFiles(under path: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return [] }
    var result: [String] = []
    while let item = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
            result.append(item)
        }
    }
    return result.sorted()
}

/// The contents of a file, or nil.
package func contents(of path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}


extension Dictionary where Key == String, Value == JSONValue {
    /// The fields as JSON text, keys sorted (for "contains" checks in tests).
    package var json: String { JSONValue.object(self).jsonText }
}
