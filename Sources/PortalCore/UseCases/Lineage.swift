package import PortalDomain

/// Where images came from, and whether they may be exported (PRODUCT "Lineage and export").
package struct Lineage: Sendable {
    let core: CoreContext

    package init(_ core: CoreContext) { self.core = core }

    /// The lineage above an image, nearest first (deleted ancestors included), as the caller may see it.
    package func lineage(of id: ImageID, for principal: Principal) async throws -> [LineageStep] {
        _ = try await core.authorized(id, .show, for: principal)
        return try await steps(try await core.records.ancestors(of: id), for: principal)
    }

    /// The export checklist of an image for the caller (checks 1–5, each with its reason).
    package func exportChecklist(_ id: ImageID, for principal: Principal) async throws -> [ExportCheck.Result] {
        try await checklist(for: try await core.authorized(id, .show, for: principal).image, caller: principal)
    }

    /// The checklist of an image the caller may see (shared with the export task).
    func checklist(for image: Image, caller: Principal) async throws -> [ExportCheck.Result] {
        let ancestors = try await core.records.ancestors(of: image.id)
        var sources: [(derived: ImageID, source: Image)] = []
        for node in ExportCheck.contentLineageNodes(image, ancestors: ancestors) {
            guard let hash = node.osHashValue else { continue }
            let granted = try await core.records.grantedImages(to: node.owner, withHash: hash, excluding: node.id, limit: 5)
            sources += granted.map { (node.id, $0) }
        }
        let chain = try await steps(ancestors, for: caller)
        let visible = try await steps(sources.map(\.source), for: caller)
        let matches = zip(sources, visible).map { ContentMatch(derived: $0.0.derived, source: $0.1) }
        return ExportCheck.evaluate(image: image, caller: caller, ancestors: chain, contentMatches: matches)
    }

    /// Lineage steps of these images, hidden where the caller may not see them.
    private func steps(_ images: [Image], for principal: Principal) async throws -> [LineageStep] {
        var records: [ImageID: Member] = [:]
        if let tenant = principal.tenantID {
            let foreign = images.filter { $0.owner != tenant }.map(\.id)
            if !foreign.isEmpty {
                for member in try await core.records.memberRecords(of: tenant, for: foreign) { records[member.imageID] = member }
            }
        }
        return images.map { LineageStep($0, membership: records[$0.id], for: principal, settings: core.settings.access) }
    }
}
