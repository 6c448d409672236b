import PortalCore
import PortalDomain

/// One image in full.
enum ImageDetailPage {
    struct Property {
        let key: String
        let value: String
    }

    struct LineageRow {
        let id: String
        let href: String?
        let name: String
        let owner: String
        let ownerIsOther: Bool
        let status: String
        let origin: String
    }

    struct MemberRow {
        let ddi: String
        let status: String
        let since: String
        let canShare: Bool
        let rejected: Bool
        let csrf: String
        /// Where the remove form posts; nil when the caller may not remove members.
        let removeHref: String?
    }

    struct HeldTarget {
        let key: String
        let label: String
        let ddi: String
    }

    struct Check {
        let title: String
        let passed: Bool
        let reason: String?
    }

    struct Model {
        let chrome: Chrome
        let id: String
        let name: String
        let owner: String
        let status: String
        let visibility: String
        let diskFormat: String
        let containerFormat: String
        let size: String
        let virtualSize: String
        let checksum: String
        let hashAlgo: String
        let hashValue: String
        let minDisk: Int
        let minRam: Int
        let protected: Bool
        let hidden: Bool
        let created: String
        let updated: String
        let tags: [String]
        let hasTags: Bool
        let properties: [Property]
        let hasProperties: Bool
        let origin: String
        let lineage: [LineageRow]
        let hasLineage: Bool
        let isOwner: Bool
        /// The member list is shown (owner and staff).
        let showMembers: Bool
        /// The share form is offered.
        let canAddMembers: Bool
        /// The export section is shown (the checklist decides whether an export may start).
        let canExport: Bool
        /// The edit form is offered.
        let canEdit: Bool
        let isMember: Bool
        /// The member may answer now (the answer form is shown).
        let canAnswer: Bool
        let memberStatus: String?
        let canAccept: Bool
        let canReject: Bool
        let canRemind: Bool
        let ownerHeldKey: String?
        let ownerHeldLabel: String?
        let members: [MemberRow]
        let hasMembers: Bool
        let rejectedCandidates: String?
        let isShared: Bool
        let isPrivate: Bool
        let heldTargets: [HeldTarget]
        let hasHeldTargets: Bool
        let canDelete: Bool
        let canDeactivate: Bool
        let canReactivate: Bool
        let canBoot: Bool
        let canDownload: Bool
        let downloadHref: String
        let checks: [Check]
        let exportable: Bool
        let containers: [String]
        let hasContainers: Bool
        let actionBase: String
        let visibilityOptions: [Option]
    }
}

extension ImageDetailPage.Model {
    /// The page of one image, offering exactly what `details.view.capabilities` allows.
    init(_ details: ImageDetails, context: WebContext) {
        let image = details.view.image
        let can = details.view.capabilities
        let session = context.session
        let id = image.id
        let membership = details.view.membership
        let memberIDs = Set(details.members.map(\.memberID))
        let heldTargets = session.verified.compactMap { account -> ImageDetailPage.HeldTarget? in
            guard let tenant = account.principal.tenantID, tenant != image.owner, !memberIDs.contains(tenant) else { return nil }
            return ImageDetailPage.HeldTarget(key: account.key, label: account.label, ddi: tenant.rawValue)
        }
        let ownerHeld = membership != nil ? session.others.first { $0.principal.tenantID == image.owner } : nil
        let shown = can.seesAllMembers ? details.members : []
        let candidates = MemberRules.removalCandidates(shown).map(\.memberID.rawValue)
        self.init(
            chrome: Chrome(context, title: image.name ?? "Image", section: "Images"),
            id: id.rawValue, name: image.name.flatMap { $0.isEmpty ? nil : $0 } ?? "(unnamed)", owner: image.owner.rawValue,
            status: Format.words(image.status.rawValue), visibility: image.visibility.rawValue, diskFormat: image.diskFormat?.rawValue ?? "—",
            containerFormat: image.containerFormat?.rawValue ?? "—", size: Format.size(image.size), virtualSize: Format.size(image.virtualSize),
            checksum: image.checksum ?? "—", hashAlgo: image.osHashAlgo ?? "—", hashValue: image.osHashValue ?? "—", minDisk: image.minDisk,
            minRam: image.minRam, protected: image.protected, hidden: image.osHidden, created: Format.date(image.createdAt),
            updated: Format.date(image.updatedAt), tags: image.tags, hasTags: !image.tags.isEmpty,
            properties: image.properties.sorted { $0.key < $1.key }.map { ImageDetailPage.Property(key: $0.key, value: $0.value) },
            hasProperties: !image.properties.isEmpty, origin: ImageRow.origin(image.origin),
            lineage: details.lineage.map { ImageDetailPage.LineageRow($0, of: image) }, hasLineage: !details.lineage.isEmpty,
            isOwner: can.isOwner, showMembers: can.seesAllMembers, canAddMembers: can.canShare || can.canShareAfterMakingShared, canExport: can.canExport, canEdit: can.canEdit,
            isMember: membership != nil, canAnswer: !can.answers.isEmpty, memberStatus: membership?.status.rawValue,
            canAccept: can.answers.contains(.accepted), canReject: can.answers.contains(.rejected), canRemind: can.answers.contains(.pending),
            ownerHeldKey: ownerHeld?.key, ownerHeldLabel: ownerHeld?.label,
            members: shown.map {
                ImageDetailPage.MemberRow(
                    ddi: $0.memberID.rawValue, status: $0.status.rawValue, since: Format.date($0.updatedAt), canShare: $0.canShare,
                    rejected: $0.status == .rejected, csrf: session.csrf, removeHref: can.canRemoveMembers ? Paths.image(id, "members/remove") : nil)
            },
            hasMembers: !shown.isEmpty, rejectedCandidates: candidates.isEmpty ? nil : candidates.joined(separator: ", "),
            isShared: image.visibility == .shared, isPrivate: image.visibility == .private,
            heldTargets: heldTargets, hasHeldTargets: !heldTargets.isEmpty,
            canDelete: can.canDelete, canDeactivate: can.canDeactivate, canReactivate: can.canReactivate, canBoot: can.canBoot,
            canDownload: can.canDownload, downloadHref: Paths.image(id, "download"),
            checks: details.checklist.map { ImageDetailPage.Check(title: $0.item.title, passed: $0.passed, reason: $0.reason) },
            exportable: !details.checklist.isEmpty && details.checklist.allSatisfy(\.passed), containers: details.containers,
            hasContainers: !details.containers.isEmpty, actionBase: Paths.image(id),
            visibilityOptions: can.visibilityChoices.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == image.visibility) })
    }
}

extension ImageDetailPage.LineageRow {
    /// One ancestor of `image`; one the caller may not see is named only as another tenant's image.
    init(_ step: LineageStep, of image: Image) {
        if step.hidden {
            self.init(id: "", href: nil, name: "an image of another tenant, not visible to you", owner: "another tenant", ownerIsOther: true, status: "", origin: "")
        } else {
            self.init(
                id: step.imageID.rawValue, href: step.status == .deleted ? nil : Paths.image(step.imageID), name: step.name ?? "(unnamed)",
                owner: step.owner.rawValue, ownerIsOther: step.owner != image.owner, status: Format.words(step.status.rawValue),
                origin: ImageRow.origin(step.origin))
        }
    }
}
