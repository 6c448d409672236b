/// Which images a list may hold for one caller, as a value the storage adapters translate into
/// their own queries (PRODUCT "Sharing rules" 4, "Visibility"; Glance's default list).
///
/// A scope is a union of disjoint branches. Every branch excludes deleted images; the query's own
/// filters (name, status, tags, …) apply on top of the scope.
package struct ImageScope: Hashable, Sendable {
    /// One disjoint part of a scope.
    package enum Branch: Hashable, Sendable {
        /// Images `tenant` owns, of the given visibilities (every visibility when nil).
        case owned(by: TenantID, visibilities: Set<Visibility>?)
        /// Images of this visibility, except those owned by `excludedOwner` (anyone's when nil).
        case withVisibility(Visibility, excludedOwner: TenantID?)
        /// Shared images of other tenants that list `member` as a member in one of `statuses`.
        case sharedWith(member: TenantID, statuses: Set<MemberStatus>)
    }

    /// The branches; an empty scope holds nothing.
    package var branches: [Branch]

    package init(branches: [Branch]) { self.branches = branches }

    /// The scope that holds nothing.
    package static let nothing = ImageScope(branches: [])

    /// Whether `image` falls in this scope; `membership` is the member record of the branch's member, if any.
    /// (The storage adapters answer the same question in SQL; this is its definition.)
    package func contains(_ image: Image, membership: Member?) -> Bool {
        guard image.status != .deleted, image.status != .pendingDelete else { return false }
        return branches.contains { branch in
            switch branch {
            case .owned(let tenant, let visibilities):
                return image.owner == tenant && (visibilities?.contains(image.visibility) ?? true)
            case .withVisibility(let visibility, let excluded):
                return image.visibility == visibility && image.owner != excluded
            case .sharedWith(let member, let statuses):
                guard let membership, membership.memberID == member, membership.imageID == image.id else { return false }
                return image.visibility == .shared && image.owner != member && statuses.contains(membership.status)
            }
        }
    }
}

extension ImageListQuery {
    /// The scope of this list for `principal`: what `AccessPolicy`'s `.list` allows, narrowed by the
    /// query's `visibility`, `member_status`, and the portal's and Glance v1's own switches.
    ///
    /// - A tenant lists its own images, other tenants' public images, and shared images it is a
    ///   member of in the requested member statuses (accepted by default); community images only
    ///   when `visibility=community` is asked for.
    /// - Staff who read across tenants list every tenant's images, community ones only when asked for.
    /// - With `rejected-members-lose-access`, rejected shares are never listed to their member.
    package func scope(for principal: Principal, settings: AccessSettings) -> ImageScope {
        let wanted: Visibility? = if case .only(let visibility) = visibility { visibility } else { nil }
        if principal.readsAcrossTenants {
            var visibilities: [Visibility] =
                switch visibility {
                case .only(let one): [one]
                case .all: Visibility.allCases
                case nil: Visibility.allCases.filter { $0 != .community }
                }
            if excludePublic { visibilities.removeAll { $0 == .public } }
            return ImageScope(branches: visibilities.map { .withVisibility($0, excludedOwner: nil) })
        }
        guard let tenant = principal.tenantID else { return .nothing }
        var branches: [ImageScope.Branch] = []
        if !onlySharedWithCaller {
            var own: Set<Visibility>? = wanted.map { [$0] }
            if excludePublic { own = (own ?? Set(Visibility.allCases)).subtracting([.public]) }
            branches.append(.owned(by: tenant, visibilities: own))
            if (wanted == nil || wanted == .public) && !excludePublic {
                branches.append(.withVisibility(.public, excludedOwner: tenant))
            }
            if wanted == .community {
                branches.append(.withVisibility(.community, excludedOwner: tenant))
            }
        }
        let statuses = memberStatus.statuses.filter { !(settings.rejectedMembersLoseAccess && $0 == .rejected) }
        if (wanted == nil || wanted == .shared) && !statuses.isEmpty {
            branches.append(.sharedWith(member: tenant, statuses: statuses))
        }
        return ImageScope(branches: branches)
    }
}
