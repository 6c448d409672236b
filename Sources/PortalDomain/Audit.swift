package import Foundation

/// Who did something, with which token, in which request: stamped on every audit event.
package struct Actor: Hashable, Sendable {
    package var principal: Principal
    package var tokenID: TokenID?
    package var requestID: String

    package init(principal: Principal, tokenID: TokenID?, requestID: String) {
        self.principal = principal
        self.tokenID = tokenID
        self.requestID = requestID
    }

    /// The command-line operator (no token, no request).
    package static func cli(_ command: String) -> Actor {
        Actor(principal: .staff(.commandLineOperator, role: .admin), tokenID: nil, requestID: "cli-\(command)")
    }
}

/// What an audit event records.
package enum AuditEventType: String, Codable, Sendable, CaseIterable {
    case imageCreated = "image.created"
    case imageUpdated = "image.updated"
    case imageDeleted = "image.deleted"
    case imageUploaded = "image.uploaded"
    case imageDeactivated = "image.deactivated"
    case imageReactivated = "image.reactivated"
    case memberCreated = "member.created"
    case memberUpdated = "member.updated"
    case memberDeleted = "member.deleted"
    case serverCreated = "server.created"
    case serverDeleted = "server.deleted"
    case snapshotCreated = "snapshot.created"
    case importRequested = "import.requested"
    case importSucceeded = "import.succeeded"
    case importFailed = "import.failed"
    case exportRequested = "export.requested"
    case exportBlocked = "export.blocked"
    case exportSucceeded = "export.succeeded"
    case exportFailed = "export.failed"
    case loginSucceeded = "login.succeeded"
    case loginFailed = "login.failed"
    case logout = "logout"
    case tokenIssued = "token.issued"
    case tokenRevoked = "token.revoked"
    case tenantCreated = "tenant.created"
    case staffCreated = "staff.created"
}

/// An append-only record of a change.
package struct AuditEvent: Hashable, Sendable {
    package var id: Int64?
    package var at: Date
    package var type: AuditEventType
    /// The actor's label ("tenant 1234", "staff alice (support)").
    package var actor: String
    package var actorTenant: TenantID?
    package var actorStaff: StaffName?
    package var tokenID: TokenID?
    package var requestID: String
    package var imageID: ImageID?
    /// The owner of `imageID` when the event happened.
    package var imageOwner: TenantID?
    /// The other tenant the event is about (a member, a tenant whose token changed).
    package var otherTenant: TenantID?
    /// What the changed fields were, with their JSON types (`{"status": "pending", "protected": false}`).
    package var before: AuditFields?
    /// What the changed fields became.
    package var after: AuditFields?
    package var detail: String?

    package init(
        id: Int64? = nil, at: Date, type: AuditEventType, actor: Actor, imageID: ImageID? = nil, imageOwner: TenantID? = nil,
        otherTenant: TenantID? = nil, before: AuditFields? = nil, after: AuditFields? = nil, detail: String? = nil
    ) {
        self.id = id
        self.at = at
        self.type = type
        self.actor = actor.principal.label
        switch actor.principal {
        case .tenant(let tenant, _):
            actorTenant = tenant
            actorStaff = nil
        case .staff(let name, _):
            actorTenant = nil
            actorStaff = name
        }
        self.tokenID = actor.tokenID
        self.requestID = actor.requestID
        self.imageID = imageID
        self.imageOwner = imageOwner
        self.otherTenant = otherTenant
        self.before = before
        self.after = after
        self.detail = detail
    }

    /// An event without an authenticated actor (a failed sign-in): `actorLabel` describes who tried.
    package init(at: Date, type: AuditEventType, actorLabel: String, requestID: String, otherTenant: TenantID? = nil, detail: String? = nil) {
        self.id = nil
        self.at = at
        self.type = type
        actor = actorLabel
        actorTenant = nil
        actorStaff = nil
        tokenID = nil
        self.requestID = requestID
        imageID = nil
        imageOwner = nil
        self.otherTenant = otherTenant
        before = nil
        after = nil
        self.detail = detail
    }

    /// Whether `principal` may read this event (the definition the audit queries' scope follows).
    package func isVisible(to principal: Principal) -> Bool {
        switch AuditScope.of(principal) {
        case .everything: true
        case .nothing: false
        case .concerning(let tenant): imageOwner == tenant || otherTenant == tenant || actorTenant == tenant
        }
    }
}

/// Which audit events a principal may read, as a value the storage adapters translate into a query.
package enum AuditScope: Hashable, Sendable {
    /// Staff (support and admin) read every event.
    case everything
    /// A tenant reads the events about its images, its memberships, and its own actions.
    case concerning(TenantID)
    /// Nobody else reads anything.
    case nothing

    /// The scope of `principal`.
    package static func of(_ principal: Principal) -> AuditScope {
        if principal.isStaff { return .everything }
        if let tenant = principal.tenantID { return .concerning(tenant) }
        return .nothing
    }
}

/// The before/after fields of an audit event: names to typed JSON values.
package typealias AuditFields = [String: JSONValue]

extension AuditEvent {
    /// The audited fields of an image (its metadata and properties, with their types).
    package static func fields(of image: Image) -> AuditFields {
        var fields: AuditFields = [
            "name": image.name.map(JSONValue.string) ?? .null, "visibility": .string(image.visibility.rawValue),
            "status": .string(image.status.rawValue), "disk_format": image.diskFormat.map { .string($0.rawValue) } ?? .null,
            "container_format": image.containerFormat.map { .string($0.rawValue) } ?? .null, "protected": .bool(image.protected),
            "os_hidden": .bool(image.osHidden), "min_disk": .int(Int64(image.minDisk)), "min_ram": .int(Int64(image.minRam)),
            "owner": .string(image.owner.rawValue), "tags": .array(image.tags.map(JSONValue.string)),
        ]
        for (key, value) in image.properties { fields["property:" + key] = .string(value) }
        return fields.filter { $0.value != .null }
    }

    /// The fields of an image together with the facts of its data (size and both digests).
    package static func fieldsWithData(of image: Image) -> AuditFields {
        var fields = self.fields(of: image)
        if let size = image.size { fields["size"] = .int(size) }
        if let checksum = image.checksum { fields["checksum"] = .string(checksum) }
        if let hash = image.osHashValue { fields["os_hash_value"] = .string(hash) }
        return fields
    }

    /// Only the fields that differ between two versions of an image, before and after
    /// (a field that disappears is `null` after; one that appears is `null` before).
    package static func diff(_ before: Image, _ after: Image) -> (before: AuditFields, after: AuditFields) {
        let old = fields(of: before)
        let new = fields(of: after)
        let keys = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }
        return (
            Dictionary(uniqueKeysWithValues: keys.map { ($0, old[$0] ?? .null) }),
            Dictionary(uniqueKeysWithValues: keys.map { ($0, new[$0] ?? .null) })
        )
    }

    /// An event about a change to `image` (its owner recorded as the event's image owner).
    package static func about(
        _ image: Image, _ type: AuditEventType, by actor: Actor, at: Date, otherTenant: TenantID? = nil, before: AuditFields? = nil,
        after: AuditFields? = nil, detail: String? = nil
    ) -> AuditEvent {
        AuditEvent(
            at: at, type: type, actor: actor, imageID: image.id, imageOwner: image.owner, otherTenant: otherTenant, before: before, after: after,
            detail: detail)
    }
}

/// CSV output for audit downloads, safe to open in a spreadsheet.
package enum CSV {
    /// Quotes a field when needed and defuses formula injection: a field starting with `=`, `+`,
    /// `-`, `@`, tab or carriage return is prefixed with a single quote (OWASP's advice).
    package static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            text = "'" + text
        }
        // Check scalars, not Characters: "\r\n" is one Character equal to neither "\r" nor "\n".
        if text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text != value {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    /// One CSV line (CRLF-terminated, RFC 4180).
    package static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
