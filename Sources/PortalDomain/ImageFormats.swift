/// Disk formats an image may declare (Glance's `disk_formats` default list).
package enum DiskFormat: String, CaseIterable, Codable, Sendable, Comparable {
    case ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, iso, ploop

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a client-supplied value, or explains which values are allowed.
    package static func parse(_ text: String) throws(DomainError) -> DiskFormat {
        guard let format = DiskFormat(rawValue: text) else {
            throw .invalid("Invalid disk_format '\(text)'. It must be one of: \(allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return format
    }
}

/// Container formats an image may declare (Glance's `container_formats` default list).
package enum ContainerFormat: String, CaseIterable, Codable, Sendable, Comparable {
    case ami, ari, aki, bare, ovf, ova, docker, compressed

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a client-supplied value, or explains which values are allowed.
    package static func parse(_ text: String) throws(DomainError) -> ContainerFormat {
        guard let format = ContainerFormat(rawValue: text) else {
            throw .invalid("Invalid container_format '\(text)'. It must be one of: \(allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return format
    }
}
