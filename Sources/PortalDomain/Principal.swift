/// The role a token gives inside its tenant.
package enum TenantRole: String, Codable, Sendable, CaseIterable {
    /// An ordinary tenant user.
    case member
    /// An operator acting in this tenant: allowed what Glance allows admins.
    case admin
}

/// The role of a staff account (not a tenant).
package enum StaffRole: String, Codable, Sendable, CaseIterable {
    /// Read-only across tenants.
    case support
    /// Operator across tenants.
    case admin
}

/// Who is making a request: a tenant (with a role) or a staff account.
package enum Principal: Hashable, Sendable {
    case tenant(TenantID, role: TenantRole)
    case staff(StaffName, role: StaffRole)

    /// The tenant the request acts as, if any.
    package var tenantID: TenantID? {
        if case .tenant(let id, _) = self { return id }
        return nil
    }

    /// The role a tenant principal holds in its tenant.
    package var tenantRole: TenantRole? {
        if case .tenant(_, let role) = self { return role }
        return nil
    }

    /// Glance's `is_admin`: a tenant token with role admin, or admin staff.
    package var isAdmin: Bool {
        switch self {
        case .tenant(_, let role): role == .admin
        case .staff(_, let role): role == .admin
        }
    }

    /// Support staff: may read across tenants, may change nothing.
    package var isSupport: Bool {
        if case .staff(_, .support) = self { return true }
        return false
    }

    /// Staff of either role.
    package var isStaff: Bool {
        if case .staff = self { return true }
        return false
    }

    /// May read every tenant's images and members (admins and support). Audit events across
    /// tenants are for staff only (`AuditEvent.isVisible`).
    package var readsAcrossTenants: Bool { isAdmin || isSupport }

    /// A short label for logs and audit ("tenant 1234", "staff alice").
    package var label: String {
        switch self {
        case .tenant(let id, .member): "tenant \(id)"
        case .tenant(let id, .admin): "tenant \(id) (admin)"
        case .staff(let name, let role): "staff \(name) (\(role.rawValue))"
        }
    }
}

/// Whose records (tasks, servers) a principal may read, as a value the storage adapters translate
/// into a query: admins and support staff read every tenant's, a tenant its own, anyone else nothing.
package enum TenantScope: Hashable, Sendable {
    case everything
    case tenant(TenantID)
    case nothing

    /// The scope of `principal`.
    package static func of(_ principal: Principal) -> TenantScope {
        if principal.readsAcrossTenants { return .everything }
        if let tenant = principal.tenantID { return .tenant(tenant) }
        return .nothing
    }

    /// Whether a record of `tenant` is in the scope.
    package func includes(_ tenant: TenantID) -> Bool {
        switch self {
        case .everything: true
        case .tenant(let own): own == tenant
        case .nothing: false
        }
    }
}
