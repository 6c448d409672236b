import Foundation
import PortalDomain

/// An image as lists show it: every value pre-formatted.
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

    /// How an image came to be, in words.
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

/// A choice in a select box.
struct Option {
    let value: String
    let label: String
    let selected: Bool
}

extension Option {
    /// The options of `choices`, the one equal to `current` selected.
    static func list(_ choices: [(value: String, label: String)], current: String?) -> [Option] {
        choices.map { Option(value: $0.value, label: $0.label, selected: $0.value == (current ?? "")) }
    }
}

/// One audit event as the activity lists show it.
struct ActivityRow {
    let at: String
    let atISO: String
    let type: String
    let actor: String
    let imageHref: String?
    let imageID: String?
    let summary: String
}

extension ActivityRow {
    init(_ event: AuditEvent) {
        var parts: [String] = []
        if let other = event.otherTenant, event.type.rawValue.hasPrefix("member") { parts.append("member \(other)") }
        let changes = Self.changeSummary(before: event.before, after: event.after)
        if !changes.isEmpty { parts.append(changes) }
        if let detail = event.detail, !detail.isEmpty { parts.append(detail) }
        at = Format.date(event.at)
        atISO = Format.isoDate(event.at)
        type = event.type.rawValue
        actor = event.actor
        imageHref = event.imageID.map(Paths.image)
        imageID = event.imageID?.rawValue
        summary = parts.joined(separator: " · ")
    }

    /// "status: pending → accepted; name: a → b", values shortened.
    static func changeSummary(before: AuditFields?, after: AuditFields?) -> String {
        func short(_ value: JSONValue) -> String {
            let text = Format.json(value)
            return text.count > 24 ? String(text.prefix(20)) + "…" : text
        }
        let old = before ?? [:]
        let new = after ?? [:]
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
