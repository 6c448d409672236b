import Foundation
import PortalDomain
import PortalStorage

/// Rows and facts of images as pages show them: every value pre-formatted.
struct ImageRow {
    let id: String
    let href: String
    let name: String
    let owner: String
    let status: String
    let visibility: String
    let size: String
    let diskFormat: String
    let created: String
    let createdISO: String

    init(_ image: Image) {
        id = image.id.rawValue
        href = Paths.image(image.id)
        name = image.name.flatMap { $0.isEmpty ? nil : $0 } ?? "(unnamed)"
        owner = image.owner.rawValue
        status = Format.words(image.status.rawValue)
        visibility = image.visibility.rawValue
        size = Format.size(image.size)
        diskFormat = image.diskFormat?.rawValue ?? "—"
        created = Format.date(image.createdAt)
        createdISO = Format.isoDate(image.createdAt)
    }
}

/// The dashboard.
enum DashboardPage {
    struct Stat {
        let label: String
        let value: Int
        let href: String
    }

    struct InboxItem {
        let accountKey: String
        let accountLabel: String
        let isActiveAccount: Bool
        let image: ImageRow
        let csrf: String
    }

    struct ActivityRow {
        let at: String
        let atISO: String
        let type: String
        let actor: String
        let imageHref: String?
        let imageID: String?
        let summary: String
    }

    struct Model {
        let chrome: Chrome
        let stats: [Stat]
        let inbox: [InboxItem]
        let hasInbox: Bool
        let inboxAcrossAccounts: Bool
        let activity: [ActivityRow]
        let hasActivity: Bool
    }

    static func activityRow(_ event: AuditEvent) -> ActivityRow {
        var parts: [String] = []
        if let other = event.otherTenant, event.type.rawValue.hasPrefix("member") { parts.append("member \(other)") }
        let changes = changeSummary(before: event.before, after: event.after)
        if !changes.isEmpty { parts.append(changes) }
        if let detail = event.detail, !detail.isEmpty { parts.append(detail) }
        return ActivityRow(
            at: Format.date(event.at), atISO: Format.isoDate(event.at), type: event.type.rawValue, actor: event.actor,
            imageHref: event.imageID.map(Paths.image), imageID: event.imageID?.rawValue, summary: parts.joined(separator: " · "))
    }

    /// "status: pending → accepted; name: a → b", values shortened.
    static func changeSummary(before: String?, after: String?) -> String {
        func fields(_ json: String?) -> [String: String] {
            guard let data = json?.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            return object.mapValues { "\($0)" }
        }
        func short(_ text: String) -> String { text.count > 24 ? String(text.prefix(20)) + "…" : text }
        let old = fields(before)
        let new = fields(after)
        return Set(old.keys).union(new.keys).sorted().map { key in
            switch (old[key], new[key]) {
            case (let a?, let b?): "\(key): \(short(a)) → \(short(b))"
            case (nil, let b?): "\(key): \(short(b))"
            case (let a?, nil): "\(key): \(short(a)) → (removed)"
            case (nil, nil): key
            }
        }.joined(separator: "; ")
    }
}

/// The image list with its tabs.
enum ImagesPage {
    struct Tab {
        let label: String
        let href: String
        let current: Bool
    }

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct Row {
        let image: ImageRow
        let answerable: Bool
        let showPending: Bool
        let showAccept: Bool
        let showReject: Bool
        let csrf: String
        let accountKey: String
        let returnPath: String
    }

    struct Model {
        let chrome: Chrome
        let tabs: [Tab]
        let tab: String
        let tabTitle: String
        let name: String
        let statuses: [Option]
        let formats: [Option]
        let sorts: [Option]
        let rows: [Row]
        let hasRows: Bool
        let answerable: Bool
        let emptyMessage: String
        let nextHref: String?
        let firstHref: String?
    }
}

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
        let removeHref: String
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
        let isMember: Bool
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
        let visibilityOptions: [ImagesPage.Option]
    }

    static func origin(_ origin: ImageOrigin) -> String {
        switch origin {
        case .upload: "uploaded"
        case .importObject(let container, let object, let source):
            "imported from \(container)/\(object)" + (source.map { " (exported from image \($0))" } ?? "")
        case .snapshot(let server, let boot): "snapshot of server \(server), booted from image \(boot)"
        case .copy(let of): "copy of image \(of)"
        }
    }
}
