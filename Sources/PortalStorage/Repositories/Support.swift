package import Foundation
import GRDB
package import PortalDomain

/// The time source: the system clock in production, a fixed one in tests.
package struct PortalClock: Sendable {
    /// Now.
    package let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date) { self.now = now }

    /// The system clock.
    package static let system = PortalClock { Date() }
}

/// Operator settings the repositories enforce.
package struct StorageSettings: Sendable {
    package var access: AccessSettings
    /// Most members per image (413 beyond).
    package var memberQuota: Int
    /// Largest upload, in bytes (Glance's `image_size_cap`, 1 TiB by default).
    package var uploadSizeCap: Int64

    package init(access: AccessSettings = .standard, memberQuota: Int = MemberRules.defaultQuota, uploadSizeCap: Int64 = 1 << 40) {
        self.access = access
        self.memberQuota = memberQuota
        self.uploadSizeCap = uploadSizeCap
    }
}

extension Database {
    /// Appends an audit event in the current transaction.
    func audit(_ event: AuditEvent) throws {
        var record = AuditEventRecord(event)
        try record.insert(self)
    }
}

/// Runs a write and turns constraint violations into domain conflicts.
func translatingConstraints<T>(_ message: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
        throw DomainError.conflict(message())
    }
}

/// A compact JSON rendering for audit before/after values.
enum AuditJSON {
    static func encode(_ fields: [String: String?]) -> String {
        let clean = fields.compactMapValues { $0 }
        guard let data = try? JSONSerialization.data(withJSONObject: clean, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
