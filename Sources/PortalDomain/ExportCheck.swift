/// One image in a lineage chain, as the export checks need it (deleted ancestors included).
package struct LineageStep: Hashable, Sendable {
    package var imageID: ImageID
    package var owner: TenantID
    package var name: String?
    package var status: ImageStatus
    package var origin: ImageOrigin
    package var isExportRestricted: Bool
    package var restrictionReason: String?
    /// The caller may not see this image: messages name it only as another tenant's image.
    package var hidden = false

    package init(imageID: ImageID, owner: TenantID, name: String?, status: ImageStatus, origin: ImageOrigin, isExportRestricted: Bool, restrictionReason: String? = nil) {
        self.imageID = imageID
        self.owner = owner
        self.name = name
        self.status = status
        self.origin = origin
        self.isExportRestricted = isExportRestricted
        self.restrictionReason = restrictionReason
    }

    /// The lineage facts of an image.
    package init(_ image: Image) {
        self.init(
            imageID: image.id, owner: image.owner, name: image.name, status: image.status, origin: image.origin,
            isExportRestricted: image.isExportRestricted, restrictionReason: ExportCheck.restriction(of: image))
    }

    /// "image 1234… ("name")" for messages, or a neutral phrase for an image the caller may not see.
    package var label: String {
        if hidden { return "an image of another tenant" }
        if let name, !name.isEmpty { return "image \(imageID) (\"\(name)\")" }
        return "image \(imageID)"
    }

    /// "owned by tenant 3003", or nothing more for an image the caller may not see.
    package var ownerPhrase: String { hidden ? "" : " owned by tenant \(owner)" }
}

/// A content-lineage match (check 5): `derived`'s data is identical to `source`, an image of
/// another tenant that was shared with `derived`'s owner.
package struct ContentMatch: Hashable, Sendable {
    package var derived: ImageID
    package var source: LineageStep

    package init(derived: ImageID, source: LineageStep) {
        self.derived = derived
        self.source = source
    }
}

/// The export checklist (PRODUCT "Lineage and export", checks 1–5): software shared with a consumer must not
/// leave the producer and consumer through an export.
package enum ExportCheck {
    /// The five checks, in the order the checklist shows them.
    package enum Item: String, CaseIterable, Sendable {
        case ownership = "owner"
        case active = "active"
        case notSharedDerived = "not_shared_derived"
        case notRestricted = "not_export_restricted"
        case contentLineage = "content_lineage"

        /// The checklist line.
        package var title: String {
            switch self {
            case .ownership: "You own the image"
            case .active: "The image is active"
            case .notSharedDerived: "Not derived from another tenant's image"
            case .notRestricted: "No export restriction in its lineage"
            case .contentLineage: "Its data is not a copy of an image shared with you"
            }
        }
    }

    /// One check's outcome.
    package struct Result: Hashable, Sendable {
        package var item: Item
        package var passed: Bool
        /// Why it failed; nil when it passed.
        package var reason: String?
    }

    /// Evaluates all five checks and returns every outcome (the failed ones carry their reasons).
    ///
    /// - Parameters:
    ///   - ancestors: the image's lineage above it, nearest first, through snapshot, copy and import
    ///     sources, deleted images included.
    ///   - contentMatches: images of other tenants, shared with the owner of the image or of an
    ///     uploaded/imported ancestor, whose SHA-512 equals that image's.
    package static func evaluate(image: Image, caller: Principal, ancestors: [LineageStep], contentMatches: [ContentMatch]) -> [Result] {
        var results: [Result] = []

        if caller.tenantID == image.owner {
            results.append(Result(item: .ownership, passed: true))
        } else {
            let reason =
                caller.tenantID == nil
                ? "Only the owner (tenant \(image.owner)) may export this image; staff accounts cannot export."
                : "This image belongs to tenant \(image.owner): only its owner may export it, and a shared image can never be exported by a consumer."
            results.append(Result(item: .ownership, passed: false, reason: reason))
        }

        if image.status == .active {
            results.append(Result(item: .active, passed: true))
        } else {
            results.append(Result(item: .active, passed: false, reason: "The image is \(image.status.rawValue); only active images can be exported."))
        }

        let foreign = ancestors.filter { $0.owner != image.owner }
        if let nearest = foreign.first {
            let how = derivation(of: image, towards: nearest, ancestors: ancestors)
            results.append(
                Result(
                    item: .notSharedDerived, passed: false,
                    reason: "It is derived from \(nearest.label)\(nearest.ownerPhrase)\(how)\(nearest.status == .deleted ? ", since deleted" : ""): it contains software not intended to be distributed beyond the producer and consumer."
                ))
        } else {
            results.append(Result(item: .notSharedDerived, passed: true))
        }

        let restricted = ([LineageStep(image)] + ancestors).filter(\.isExportRestricted)
        if let first = restricted.first {
            let which = first.imageID == image.id ? "The image" : "Its ancestor \(first.label)"
            results.append(
                Result(item: .notRestricted, passed: false, reason: "\(which) is export-restricted (\(first.restrictionReason ?? "restricted")): such images may not be exported."))
        } else {
            results.append(Result(item: .notRestricted, passed: true))
        }

        if let match = contentMatches.first {
            let whose = match.derived == image.id ? "Its data" : "The data of its ancestor image \(match.derived)"
            results.append(
                Result(
                    item: .contentLineage, passed: false,
                    reason: "\(whose) is identical (SHA-512) to \(match.source.label)\(match.source.hidden ? ", which was shared" : ", which tenant \(match.source.owner) shared"): it counts as derived from it, and it contains software not intended to be distributed beyond the producer and consumer."
                ))
        } else {
            results.append(Result(item: .contentLineage, passed: true))
        }
        return results
    }

    /// The failures only.
    package static func failures(_ results: [Result]) -> [Result] { results.filter { !$0.passed } }

    /// A one-paragraph message naming every failed check, for a blocked export task.
    package static func blockedMessage(_ results: [Result]) -> String {
        let failed = failures(results)
        let lines = failed.map { "[\($0.item.rawValue)] \($0.item.title): no. \($0.reason ?? "")" }
        return "Export blocked by \(failed.count) check\(failed.count == 1 ? "" : "s"): " + lines.joined(separator: " ")
    }

    /// Why an image counts as export-restricted, if it does.
    package static func restriction(of image: Image) -> String? {
        if image.properties[ImageRules.exportRestrictedKey]?.lowercased() == "true" { return "export_restricted=true, set by an operator" }
        if image.properties["os_type"]?.lowercased() == "windows" { return "os_type=windows" }
        return nil
    }

    private static func derivation(of image: Image, towards ancestor: LineageStep, ancestors: [LineageStep]) -> String {
        if case .snapshot(let server, let boot) = image.origin, boot == ancestor.imageID {
            return " (a snapshot of server \(server), which was booted from it)"
        }
        if case .copy(let of) = image.origin, of == ancestor.imageID { return " (a copy of it)" }
        if case .importObject(let container, let object, _) = image.origin, ancestors.first?.imageID == ancestor.imageID {
            return " (imported from \(container)/\(object), which was exported from it)"
        }
        return " (through \(ancestors.prefix { $0.imageID != ancestor.imageID }.count + 1) steps of lineage)"
    }
}

extension ExportCheck {
    /// The images whose data check 5 compares: the image itself and every ancestor whose data was
    /// uploaded or imported (a snapshot or copy carries its parent's data, which its parent answers for).
    package static func contentLineageNodes(_ image: Image, ancestors: [Image]) -> [Image] {
        ([image] + ancestors).filter {
            switch $0.origin {
            case .upload, .importObject: $0.osHashValue != nil
            case .snapshot, .copy: false
            }
        }
    }
}

extension LineageStep {
    /// Whether the caller may see this ancestor in a lineage: what it could open itself, and deleted
    /// ancestors for their owner and staff (lineage outlives deletion). Anything else is shown only
    /// as "an image of another tenant", so lineage never reveals an image that would be a 404.
    package static func isVisible(_ image: Image, membership: Member?, to principal: Principal, settings: AccessSettings) -> Bool {
        let relation = Relation.of(principal, to: image, membership: membership)
        return relation == .owner || principal.readsAcrossTenants || AccessPolicy.canSee(image, relation: relation, settings: settings)
    }

    /// The lineage step of `image` as `principal` may see it.
    package init(_ image: Image, membership: Member?, for principal: Principal, settings: AccessSettings) {
        self.init(image)
        hidden = !Self.isVisible(image, membership: membership, to: principal, settings: settings)
    }
}
