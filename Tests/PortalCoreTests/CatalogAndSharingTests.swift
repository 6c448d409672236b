import Foundation
import GRDB
import NIOCore
import PortalApp
import PortalDomain
import PortalStorage
import PortalCore
import Testing
import TestSupport

@Suite("Image repository")
struct ImageRepositoryTests {
    // MARK: Create and find

    @Test func create_default_isQueuedSharedAndOwnedByTheCaller() async throws {
        let cast = try await Cast()
        let image = try await cast.useCases.catalog.create(ImageDraft(name: "a", diskFormat: .raw, containerFormat: .bare), by: cast.owner.actor)
        #expect(image.status == .queued)
        #expect(image.visibility == .shared)
        #expect(image.owner.rawValue == "1001")
        #expect(image.origin == .upload)
        let found = try await cast.useCases.catalog.show(image.id, for: cast.owner.principal)
        #expect(found.image == image)
        #expect(found.capabilities.isOwner)
        let events = try await cast.world.auditEvents(image: image.id)
        #expect(events.map(\.type) == [.imageCreated])
        #expect(events.first?.tokenID == cast.owner.tokenID)
        #expect(events.first?.imageOwner == image.owner)
    }

    @Test func create_withTakenID_isConflict() async throws {
        let cast = try await Cast()
        let id = ImageID.generate()
        _ = try await cast.useCases.catalog.create(ImageDraft(id: id), by: cast.owner.actor)
        await expectDomainError(.conflict) { try await cast.useCases.catalog.create(ImageDraft(id: id), by: cast.stranger.actor) }
    }

    @Test func create_bySupport_isForbidden_andStaffAdminMustNameAnOwner() async throws {
        let cast = try await Cast()
        await expectDomainError(.forbidden) { try await cast.useCases.catalog.create(ImageDraft(owner: try ddi("1001")), by: cast.support.actor) }
        await expectDomainError(.invalid) { try await cast.useCases.catalog.create(ImageDraft(), by: cast.staffAdmin.actor) }
        let made = try await cast.useCases.catalog.create(ImageDraft(owner: try ddi("1001")), by: cast.staffAdmin.actor)
        #expect(made.owner.rawValue == "1001")
        await expectDomainError(.forbidden) { try await cast.useCases.catalog.create(ImageDraft(owner: try ddi("2002")), by: cast.owner.actor) }
    }

    @Test func create_public_needsAnAdmin() async throws {
        let cast = try await Cast()
        await expectDomainError(.forbidden) { try await cast.useCases.catalog.create(ImageDraft(visibility: .public), by: cast.owner.actor) }
        let image = try await cast.useCases.catalog.create(ImageDraft(visibility: .public), by: cast.ownerAdmin.actor)
        #expect(image.visibility == .public)
    }

    /// Who finds an image of each visibility by ID (sharing rule 5: members whatever their status).
    static let findCases: [(Visibility, Set<String>)] = [
        (.public, ["owner", "pending", "accepted", "rejected", "stranger", "tenantAdmin", "staffAdmin", "support"]),
        (.community, ["owner", "pending", "accepted", "rejected", "stranger", "tenantAdmin", "staffAdmin", "support"]),
        (.shared, ["owner", "pending", "accepted", "rejected", "tenantAdmin", "staffAdmin", "support"]),
        (.private, ["owner", "tenantAdmin", "staffAdmin", "support"]),
    ]

    @Test(arguments: findCases)
    func find_byEachCaller_followsVisibilityAndMembership(_ visibility: Visibility, _ expected: Set<String>) async throws {
        // Given an image shared with three consumers (pending, accepted, rejected), then switched to `visibility`
        let cast = try await Cast()
        let image = try await cast.image(visibility: .shared)
        try await cast.world.share(image, by: cast.owner, with: cast.consumer, status: .pending)
        try await cast.world.share(image, by: cast.owner, with: cast.otherConsumer, status: .accepted)
        try await cast.world.share(image, by: cast.owner, with: cast.thirdConsumer, status: .rejected)
        if visibility != .shared {
            _ = try await cast.useCases.catalog.update(image.id, by: cast.ownerAdmin.actor) { _ throws(DomainError) in [.visibility(visibility)] }
        }
        let callers: [(String, Credential)] = [
            ("owner", cast.owner), ("pending", cast.consumer), ("accepted", cast.otherConsumer), ("rejected", cast.thirdConsumer),
            ("stranger", cast.stranger), ("tenantAdmin", cast.tenantAdmin), ("staffAdmin", cast.staffAdmin), ("support", cast.support),
        ]
        // When each caller looks it up by ID
        var found: Set<String> = []
        for (label, credential) in callers {
            do {
                let view = try await cast.useCases.catalog.show(image.id, for: credential.principal)
                found.insert(label)
                if label == "accepted" { #expect(Relation.of(credential.principal, to: view.image, membership: view.membership) == .member(.accepted, canShare: false)) }
                if label == "support" { #expect(Relation.of(credential.principal, to: view.image, membership: view.membership) == .support) }
            } catch DomainError.notFound {
                // Then the others get 404, never 403
            }
        }
        #expect(found == expected)
    }

    // MARK: Lists

    @Test func list_scopesEachCallersDefaultListAndFilters() async throws {
        // Given images of every visibility, three of them shared with 2002 in each status
        let cast = try await Cast()
        _ = try await cast.image("pub", visibility: .public)
        _ = try await cast.image("com", visibility: .community)
        _ = try await cast.image("prv", visibility: .private)
        _ = try await cast.image("shr-none", visibility: .shared)
        for status in MemberStatus.allCases {
            let image = try await cast.image("shr-\(status.rawValue)", visibility: .shared)
            try await cast.world.share(image, by: cast.owner, with: cast.consumer, status: status)
        }
        func names(_ credential: Credential, _ items: [(String, String)] = []) async throws -> Set<String> {
            let query = try ImageListQuery.parse(items.map { (name: $0.0, value: $0.1) })
            return Set(try await cast.useCases.catalog.list(query, for: credential.principal).images.compactMap(\.name))
        }
        let everything: Set = ["pub", "com", "prv", "shr-none", "shr-pending", "shr-accepted", "shr-rejected"]
        // Then the owner lists all its own images, community ones included
        #expect(try await names(cast.owner) == everything)
        // A consumer lists public images and accepted shares (rule 4), and filters by member_status
        #expect(try await names(cast.consumer) == ["pub", "shr-accepted"])
        #expect(try await names(cast.consumer, [("member_status", "pending")]) == ["pub", "shr-pending"])
        #expect(try await names(cast.consumer, [("member_status", "rejected")]) == ["pub", "shr-rejected"])
        #expect(try await names(cast.consumer, [("member_status", "all")]) == ["pub", "shr-pending", "shr-accepted", "shr-rejected"])
        #expect(try await names(cast.consumer, [("visibility", "shared"), ("member_status", "all")]) == ["shr-pending", "shr-accepted", "shr-rejected"])
        #expect(try await names(cast.consumer, [("visibility", "private")]) == [])
        // Community images appear only when asked for
        #expect(try await names(cast.consumer, [("visibility", "community")]) == ["com"])
        #expect(try await names(cast.stranger) == ["pub"])
        #expect(try await names(cast.stranger, [("visibility", "community")]) == ["com"])
        #expect(try await names(cast.stranger, [("visibility", "shared"), ("member_status", "all")]) == [])
        // Admins and support list across tenants, community images only when asked for
        for staff in [cast.tenantAdmin, cast.staffAdmin, cast.support] {
            #expect(try await names(staff) == everything.subtracting(["com"]))
            #expect(try await names(staff, [("visibility", "community")]) == ["com"])
            #expect(try await names(staff, [("visibility", "all")]) == everything)
        }
    }

    @Test func list_filters() async throws {
        let cast = try await Cast()
        let small = try await cast.image("small", data: Array(repeating: 1, count: 10), properties: ["os_distro": "ubuntu"])
        _ = try await cast.useCases.catalog.addTag("gold", to: small.id, by: cast.owner.actor)
        let big = try await cast.image("big", data: Array(repeating: 2, count: 1000), properties: ["os_distro": "debian"])
        _ = try await cast.useCases.catalog.update(big.id, by: cast.owner.actor) { _ throws(DomainError) in [.protected(true)] }
        _ = try await cast.world.queuedImage(by: cast.owner, name: "queued", diskFormat: .qcow2)
        func names(_ items: [(String, String)]) async throws -> Set<String> {
            Set(try await cast.useCases.catalog.list(try ImageListQuery.parse(items.map { (name: $0.0, value: $0.1) }), for: cast.owner.principal).images.compactMap(\.name))
        }
        #expect(try await names([("name", "small")]) == ["small"])
        #expect(try await names([("name", "in:small,queued")]) == ["small", "queued"])
        #expect(try await names([("status", "queued")]) == ["queued"])
        #expect(try await names([("status", "bogus")]) == [])
        #expect(try await names([("disk_format", "qcow2")]) == ["queued"])
        #expect(try await names([("size_min", "11")]) == ["big"])
        #expect(try await names([("size_max", "10")]) == ["small"])
        #expect(try await names([("tag", "gold")]) == ["small"])
        #expect(try await names([("protected", "true")]) == ["big"])
        #expect(try await names([("os_distro", "debian")]) == ["big"])
        #expect(try await names([("id", small.id.rawValue.uppercased())]) == ["small"])
        #expect(try await names([("owner", "1001"), ("protected", "false")]) == ["small", "queued"])
        #expect(try await names([("created_at", "gte:" + Timestamp.iso8601(cast.world.now))]).count == 3)
        #expect(try await names([("created_at", "gt:" + Timestamp.iso8601(cast.world.now))]) == [])
    }

    @Test func list_unknownMarker_isInvalid() async throws {
        let cast = try await Cast()
        let hidden = try await cast.image("hidden", visibility: .private)
        await expectDomainError(.invalid) {
            try await cast.useCases.catalog.list(try ImageListQuery.parse([(name: "marker", value: ImageID.generate().rawValue)]), for: cast.owner.principal)
        }
        // A marker the caller may not see is unknown to it.
        await expectDomainError(.invalid) {
            try await cast.useCases.catalog.list(try ImageListQuery.parse([(name: "marker", value: hidden.id.rawValue)]), for: cast.stranger.principal)
        }
    }

    static let sortOrders: [[String]] = [
        [],
        ["sort=name:asc"],
        ["sort=name:desc,created_at:asc"],
        ["sort=size:asc"],
        ["sort=size:desc,name:asc"],
        ["sort_key=status", "sort_dir=asc"],
        ["sort=disk_format:asc,size:desc,id:asc"],
        ["sort=updated_at:desc"],
        ["sort_key=name", "sort_key=created_at", "sort_dir=asc", "sort_dir=desc"],
        ["sort=id:asc"],
    ]

    @Test(arguments: sortOrders)
    func list_keysetPagination_visitsEveryImageOnce(_ sort: [String]) async throws {
        // Given 40 images with repeated names, sizes and creation times, some without data
        let clock = ManualClock()
        let deps = try await dependencies(clock: clock)
        let ownerID = try ddi("1001")
        _ = try await deps.useCases.accounts.addTenant(ownerID, name: "A", by: .cli("test"))
        let actor = try Actor.tenant("1001")
        var all: [ImageID] = []
        for index in 0..<40 {
            if index % 3 != 0 { clock.advance(by: 1) }
            let format: DiskFormat = index % 4 == 0 ? .qcow2 : .raw
            let image = try await deps.useCases.catalog.create(ImageDraft(name: index % 9 == 0 ? nil : "img-\(index % 7)", diskFormat: format, containerFormat: .bare), by: actor)
            if format == .raw && index % 2 == 1 {
                _ = try await deps.useCases.imageData.upload(
                    [ByteBuffer(bytes: Array(repeating: UInt8(index), count: index % 5))].async, to: image.id, declared: DeclaredData(size: nil, checksum: nil), by: actor)
            }
            all.append(image.id)
        }
        let base: [(name: String, value: String)] = sort.map {
            let parts = $0.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        }
        // When the whole list is read at once, and page by page (7 per page) following the markers
        let full = try await deps.useCases.catalog.list(try ImageListQuery.parse(base + [("limit", "1000")]), for: actor.principal)
        #expect(full.nextMarker == nil)
        var paged: [Image] = []
        var marker: ImageID?
        var pages = 0
        repeat {
            var items = base + [("limit", "7")]
            if let marker { items.append(("marker", marker.rawValue)) }
            let page = try await deps.useCases.catalog.list(try ImageListQuery.parse(items), for: actor.principal)
            paged += page.images
            marker = page.nextMarker
            pages += 1
        } while marker != nil && pages < 20
        // Then the pages hold every image exactly once, in the order of the whole list
        #expect(paged.map(\.id) == full.images.map(\.id))
        #expect(Set(paged.map(\.id)) == Set(all))
        #expect(paged.count == 40)
        #expect(pages == 6)
        // And that order is the requested one, with the ID as the final tie-breaker
        let order = try ImageListQuery.parse(base).totalOrder
        for (a, b) in zip(full.images, full.images.dropFirst()) {
            #expect(Self.precedes(a, b, order), "\(a.id) should come before \(b.id)")
        }
    }

    /// Whether `a` comes strictly before `b` in `order` (NULLs folded as the SQL does).
    static func precedes(_ a: Image, _ b: Image, _ order: [(key: ImageListQuery.SortKey, direction: ImageListQuery.SortDirection)]) -> Bool {
        for (key, direction) in order {
            let result: ComparisonResult
            switch key {
            case .name: result = compare(a.name ?? "", b.name ?? "")
            case .status: result = compare(a.status.rawValue, b.status.rawValue)
            case .containerFormat: result = compare(a.containerFormat?.rawValue ?? "", b.containerFormat?.rawValue ?? "")
            case .diskFormat: result = compare(a.diskFormat?.rawValue ?? "", b.diskFormat?.rawValue ?? "")
            case .size: result = compare(a.size ?? -1, b.size ?? -1)
            case .id: result = compare(a.id.rawValue, b.id.rawValue)
            case .createdAt: result = compare(a.createdAt, b.createdAt)
            case .updatedAt: result = compare(a.updatedAt, b.updatedAt)
            }
            if result == .orderedSame { continue }
            return direction == .asc ? result == .orderedAscending : result == .orderedDescending
        }
        return false
    }

    private static func compare<T: Comparable>(_ a: T, _ b: T) -> ComparisonResult {
        a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
    }

    // MARK: Changes

    @Test func update_appliesChangesAndAuditsOnlyWhatChanged() async throws {
        let cast = try await Cast()
        let image = try await cast.image("before", properties: ["keep": "1", "drop": "2"])
        let updated = try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { current throws(DomainError) in
            #expect(current.name == "before")
            return [.name("after"), .minDisk(5), .setProperty("os_distro", "ubuntu"), .removeProperty("drop")]
        }
        #expect(updated.name == "after")
        #expect(updated.minDisk == 5)
        #expect(updated.properties == ["keep": "1", "os_distro": "ubuntu"])
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image == updated)
        let event = try #require(try await cast.world.auditEvents(image: image.id).last)
        #expect(event.type == .imageUpdated)
        #expect(event.before?.json.contains("before") == true)
        #expect(event.after?.json.contains("after") == true)
        #expect(event.after?.json.contains("keep") == false)
    }

    @Test func update_byMemberIsForbidden_byStrangerNotFound_andAFailedChangeKeepsNothing() async throws {
        let cast = try await Cast()
        let image = try await cast.image("x")
        try await cast.world.share(image, by: cast.owner, with: cast.consumer, status: .accepted)
        await expectDomainError(.forbidden) { try await cast.useCases.catalog.update(image.id, by: cast.consumer.actor) { _ throws(DomainError) in [.name("mine")] } }
        await expectDomainError(.notFound) { try await cast.useCases.catalog.update(image.id, by: cast.stranger.actor) { _ throws(DomainError) in [.name("mine")] } }
        await expectDomainError(.forbidden) { try await cast.useCases.catalog.update(image.id, by: cast.support.actor) { _ throws(DomainError) in [.name("mine")] } }
        await expectDomainError(.forbidden) { try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { _ throws(DomainError) in [.name("y"), .visibility(.public)] } }
        await expectDomainError(.invalid) { try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { _ throws(DomainError) in throw .invalid("no") } }
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.name == "x")
        let admin = try await cast.useCases.catalog.update(image.id, by: cast.tenantAdmin.actor) { _ throws(DomainError) in [.name("by admin")] }
        #expect(admin.name == "by admin")
    }

    @Test func tags_addRemoveAndDuplicates() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        _ = try await cast.useCases.catalog.addTag("a", to: image.id, by: cast.owner.actor)
        _ = try await cast.useCases.catalog.addTag("b", to: image.id, by: cast.owner.actor)
        let again = try await cast.useCases.catalog.addTag("a", to: image.id, by: cast.owner.actor)
        #expect(again.tags == ["a", "b"])
        await expectDomainError(.notFound) { try await cast.useCases.catalog.removeTag("zzz", from: image.id, by: cast.owner.actor) }
        let removed = try await cast.useCases.catalog.removeTag("a", from: image.id, by: cast.owner.actor)
        #expect(removed.tags == ["b"])
        let updates = try await cast.world.auditEvents(image: image.id).filter { $0.type == .imageUpdated }
        #expect(updates.count == 3)
    }

    @Test func deactivate_blocksDownloadsExceptForAdmins_andReactivateRestores() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.share(image, by: cast.owner, with: cast.consumer, status: .accepted)
        await expectDomainError(.forbidden) { try await cast.useCases.lifecycle.deactivate(image.id, by: cast.consumer.actor) }
        let deactivated = try await cast.useCases.lifecycle.deactivate(image.id, by: cast.owner.actor)
        #expect(deactivated.status == .deactivated)
        await expectDomainError(.forbidden) { try await cast.useCases.imageData.download(image.id, range: .whole, for: cast.consumer.principal) }
        await expectDomainError(.forbidden) { try await cast.useCases.imageData.download(image.id, range: .whole, for: cast.owner.principal) }
        let asAdmin = try await cast.useCases.imageData.download(image.id, range: .whole, for: cast.ownerAdmin.principal)
        #expect(asAdmin?.size == image.size)
        #expect(asAdmin?.checksum == image.checksum)
        // Deactivating twice changes nothing
        _ = try await cast.useCases.lifecycle.deactivate(image.id, by: cast.owner.actor)
        let reactivated = try await cast.useCases.lifecycle.reactivate(image.id, by: cast.owner.actor)
        #expect(reactivated.status == .active)
        _ = try await cast.useCases.imageData.download(image.id, range: .whole, for: cast.consumer.principal)
        #expect(try await cast.world.auditEvents(image: image.id).map(\.type).suffix(2) == [.imageDeactivated, .imageReactivated])
        let queued = try await cast.world.queuedImage(by: cast.owner)
        await expectDomainError(.forbidden) { try await cast.useCases.lifecycle.deactivate(queued.id, by: cast.owner.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.lifecycle.reactivate(queued.id, by: cast.owner.actor) }
    }

    @Test func delete_keepsTheRowAsDeleted_andRemovesTheData() async throws {
        // Given an active image with its data on disk
        let cast = try await Cast()
        let image = try await cast.image()
        #expect(try await cast.world.blobInventory().images == [image.id])
        await expectDomainError(.forbidden) { try await cast.useCases.lifecycle.delete(image.id, by: cast.support.actor) }
        // When the owner deletes it
        try await cast.useCases.lifecycle.delete(image.id, by: cast.owner.actor)
        // Then nobody finds it, it is in no list, its data is gone, and the row stays as deleted
        await expectDomainError(.notFound) { try await cast.useCases.catalog.show(image.id, for: cast.owner.principal) }
        await expectDomainError(.notFound) { try await cast.useCases.catalog.show(image.id, for: cast.staffAdmin.principal) }
        #expect(try await cast.useCases.catalog.list(ImageListQuery(), for: cast.owner.principal).images.isEmpty)
        #expect(try await cast.world.blobInventory() == StoreInventory())
        let row = try #require(try await cast.world.storedRow("images", id: image.id.rawValue))
        #expect(row["status"] == "deleted")
        #expect(row["deleted_at"] != nil)
        #expect(row["checksum"] == image.checksum)
        #expect(try await cast.world.auditEvents(image: image.id).last?.type == .imageDeleted)
        await expectDomainError(.notFound) { try await cast.useCases.lifecycle.delete(image.id, by: cast.owner.actor) }
    }

    @Test func delete_protected_isForbiddenAndKeepsData() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        _ = try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { _ throws(DomainError) in [.protected(true)] }
        await expectDomainError(.forbidden) { try await cast.useCases.lifecycle.delete(image.id, by: cast.owner.actor) }
        #expect(try await cast.world.blobInventory().images.contains(image.id))
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.owner.principal).image.status == .active)
    }

    // MARK: Members

    @Test func addMember_isPending_andDuplicateIsConflict() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        let member = try await cast.useCases.sharing.addMember("2002", to: image.id, by: cast.owner.actor)
        #expect(member.status == .pending)
        #expect(member.memberID.rawValue == "2002")
        #expect(member.canShare == false)
        await expectDomainError(.conflict) { try await cast.useCases.sharing.addMember("2002", to: image.id, by: cast.owner.actor) }
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v2).map(\.memberID.rawValue) == ["2002"])
    }

    @Test func addMember_overQuota_isTooLarge() async throws {
        let cast = try await Cast(settings: CoreSettings.testing(memberQuota: 2))
        let image = try await cast.image()
        _ = try await cast.useCases.sharing.addMember("2002", to: image.id, by: cast.owner.actor)
        _ = try await cast.useCases.sharing.addMember("2003", to: image.id, by: cast.owner.actor)
        await expectDomainError(.tooLarge) { try await cast.useCases.sharing.addMember("2004", to: image.id, by: cast.owner.actor) }
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v2).count == 2)
    }

    @Test(arguments: [Visibility.private, .public, .community])
    func addMember_toNonSharedImage_isForbidden(_ visibility: Visibility) async throws {
        let cast = try await Cast()
        let image = try await cast.image(visibility: visibility)
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.addMember("2002", to: image.id, by: cast.owner.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v2) }
    }

    @Test(arguments: ["1001", "abc", "", "12345678901234567", " 2002", "2002 ", "20-02", "２００２"])
    func addMember_ownerOrMalformedDDI_isInvalid(_ candidate: String) async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        await expectDomainError(.invalid) { try await cast.useCases.sharing.addMember(candidate, to: image.id, by: cast.owner.actor) }
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v2).isEmpty)
    }

    @Test func addMember_wellFormedDDIWithoutAccount_isAcceptedExactlyLikeAnAccount() async throws {
        // Rule 6: no existence oracle.
        let cast = try await Cast()
        let image = try await cast.image()
        #expect(try await cast.world.useCases.accounts.tenant(try ddi("7777777")) == nil)
        let ghost = try await cast.useCases.sharing.addMember("7777777", to: image.id, by: cast.owner.actor)
        let real = try await cast.useCases.sharing.addMember("2002", to: image.id, by: cast.owner.actor)
        #expect(ghost.status == real.status)
        #expect(ghost.canShare == real.canShare)
        #expect(ghost.createdAt == real.createdAt)
    }

    @Test func addMember_byNonOwners_isRefused() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.share(image, by: cast.owner, with: cast.consumer, status: .accepted)
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.addMember("2003", to: image.id, by: cast.consumer.actor) }
        await expectDomainError(.notFound) { try await cast.useCases.sharing.addMember("2003", to: image.id, by: cast.stranger.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.addMember("2003", to: image.id, by: cast.support.actor) }
        _ = try await cast.useCases.sharing.addMember("2003", to: image.id, by: cast.staffAdmin.actor)
    }

    @Test func setStatus_byTheMember_anyValueAnyNumberOfTimes() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.share(image, by: cast.owner, with: cast.consumer)
        for status in ["accepted", "rejected", "pending", "rejected", "accepted"] {
            let member = try await cast.useCases.sharing.answer(image.id, member: "2002", status: status, by: cast.consumer.actor)
            #expect(member.status.rawValue == status)
        }
        await expectDomainError(.invalid) { try await cast.useCases.sharing.answer(image.id, member: "2002", status: "maybe", by: cast.consumer.actor) }
        // The member's own answer whatever the role of its token
        let adminToken = try await cast.world.token(try ddi("2002"), role: .admin)
        #expect(try await cast.useCases.sharing.answer(image.id, member: "2002", status: "pending", by: adminToken.actor).status == .pending)
    }

    @Test func setStatus_byAnyoneButTheMember_isRefused() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.share(image, by: cast.owner, with: cast.consumer)
        try await cast.world.share(image, by: cast.owner, with: cast.otherConsumer)
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.answer(image.id, member: "2002", status: "accepted", by: cast.owner.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.answer(image.id, member: "2002", status: "accepted", by: cast.staffAdmin.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.answer(image.id, member: "2002", status: "accepted", by: cast.support.actor) }
        await expectDomainError(.notFound) { try await cast.useCases.sharing.answer(image.id, member: "2002", status: "accepted", by: cast.otherConsumer.actor) }
        await expectDomainError(.notFound) { try await cast.useCases.sharing.answer(image.id, member: "2002", status: "accepted", by: cast.stranger.actor) }
        await expectDomainError(.notFound) { try await cast.useCases.sharing.answer(image.id, member: "3003", status: "accepted", by: cast.stranger.actor) }
        #expect(try await cast.useCases.sharing.member("2002", of: image.id, for: cast.owner.principal).status == .pending)
    }

    @Test func removeMember_endsAccessAtOnce_andReAddingStartsPending() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.share(image, by: cast.owner, with: cast.consumer, status: .accepted)
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.removeMember("2002", from: image.id, by: cast.consumer.actor, api: .v2) }
        await expectDomainError(.notFound) { try await cast.useCases.sharing.removeMember("2003", from: image.id, by: cast.owner.actor, api: .v2) }
        try await cast.useCases.sharing.removeMember("2002", from: image.id, by: cast.owner.actor, api: .v2)
        await expectDomainError(.notFound) { try await cast.useCases.catalog.show(image.id, for: cast.consumer.principal) }
        await expectDomainError(.notFound) { try await cast.useCases.imageData.download(image.id, range: .whole, for: cast.consumer.principal) }
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v2).isEmpty)
        let again = try await cast.useCases.sharing.addMember("2002", to: image.id, by: cast.owner.actor)
        #expect(again.status == .pending)
    }

    @Test func members_ownerSeesAll_memberSeesItself_strangerGetsNotFound() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.world.share(image, by: cast.owner, with: cast.consumer)
        try await cast.world.share(image, by: cast.owner, with: cast.otherConsumer, status: .rejected)
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v2).map(\.memberID.rawValue) == ["2002", "2003"])
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.support.principal, api: .v2).count == 2)
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.consumer.principal, api: .v2).map(\.memberID.rawValue) == ["2002"])
        await expectDomainError(.notFound) { try await cast.useCases.sharing.members(of: image.id, for: cast.stranger.principal, api: .v2) }
        await expectDomainError(.notFound) { try await cast.useCases.sharing.member("2003", of: image.id, for: cast.consumer.principal) }
        #expect(try await cast.useCases.sharing.member("2002", of: image.id, for: cast.consumer.principal).status == .pending)
    }

    @Test func makingPrivate_hidesFromMembers_andSharedRestoresThem() async throws {
        // Given an accepted share
        let cast = try await Cast()
        let image = try await cast.image("shared one")
        try await cast.world.share(image, by: cast.owner, with: cast.consumer, status: .accepted)
        // When the owner makes the image private
        _ = try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { _ throws(DomainError) in [.visibility(.private)] }
        // Then the member gets 404 and lists nothing, but its record is kept
        await expectDomainError(.notFound) { try await cast.useCases.catalog.show(image.id, for: cast.consumer.principal) }
        #expect(try await cast.useCases.catalog.list(ImageListQuery(), for: cast.consumer.principal).images.isEmpty)
        #expect(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v1).map(\.status) == [.accepted])
        // When the owner switches back to shared, access and status are restored
        _ = try await cast.useCases.catalog.update(image.id, by: cast.owner.actor) { _ throws(DomainError) in [.visibility(.shared)] }
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.consumer.principal).membership?.status == .accepted)
        #expect(try await cast.useCases.catalog.list(ImageListQuery(), for: cast.consumer.principal).images.map(\.id) == [image.id])
    }

    @Test func everyMemberChange_writesExactlyOneAuditEvent() async throws {
        // Given a shared image
        let cast = try await Cast()
        let image = try await cast.image()
        let ownerActor = Actor(principal: cast.owner.principal, tokenID: cast.owner.tokenID, requestID: "req-add")
        let acceptActor = Actor(principal: cast.consumer.principal, tokenID: cast.consumer.tokenID, requestID: "req-accept")
        let sameActor = Actor(principal: cast.consumer.principal, tokenID: cast.consumer.tokenID, requestID: "req-same")
        let removeActor = Actor(principal: cast.owner.principal, tokenID: cast.owner.tokenID, requestID: "req-remove")
        // When the owner adds 2002, 2002 accepts (then "accepts" again), and the owner removes it
        _ = try await cast.useCases.sharing.addMember("2002", to: image.id, by: ownerActor)
        _ = try await cast.useCases.sharing.answer(image.id, member: "2002", status: "accepted", by: acceptActor)
        _ = try await cast.useCases.sharing.answer(image.id, member: "2002", status: "accepted", by: sameActor)
        try await cast.useCases.sharing.removeMember("2002", from: image.id, by: removeActor, api: .v2)
        // Then there is exactly one event per change, carrying actor, token, request, image, member, old and new status
        let events = try await cast.world.auditEvents(image: image.id).filter { $0.type.rawValue.hasPrefix("member.") }
        #expect(events.map(\.type) == [.memberCreated, .memberUpdated, .memberDeleted])
        #expect(events.map(\.requestID) == ["req-add", "req-accept", "req-remove"])
        #expect(events.map(\.tokenID) == [cast.owner.tokenID, cast.consumer.tokenID, cast.owner.tokenID])
        #expect(events.map(\.actorTenant?.rawValue) == ["1001", "2002", "1001"])
        #expect(events.allSatisfy { $0.imageID == image.id && $0.imageOwner?.rawValue == "1001" && $0.otherTenant?.rawValue == "2002" })
        #expect(events[0].before == nil)
        #expect(events[0].after == ["status": .string("pending")])
        #expect(events[1].before == ["status": .string("pending")])
        #expect(events[1].after == ["status": .string("accepted")])
        #expect(events[2].before == ["status": .string("accepted")])
        #expect(events[2].after == nil)
        // And the consumer reads them too (they concern its membership); a stranger reads none
        var query = AuditQuery()
        query.imageID = image.id
        #expect(try await cast.world.useCases.audit.events(query, for: cast.consumer.principal).events.count == 3)
        #expect(try await cast.world.useCases.audit.events(query, for: cast.stranger.principal).events.isEmpty)
    }

    // MARK: Glance v1 memberships

    @Test func putMemberV1_addsPending_andOnlyTheOwnerGrantsCanShare() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.useCases.sharing.putMemberV1("2002", on: image.id, canShare: nil, by: cast.owner.actor)
        #expect(try await cast.useCases.sharing.member("2002", of: image.id, for: cast.owner.principal).canShare == false)
        // Idempotent without a body
        try await cast.useCases.sharing.putMemberV1("2002", on: image.id, canShare: nil, by: cast.owner.actor)
        try await cast.useCases.sharing.putMemberV1("2002", on: image.id, canShare: true, by: cast.owner.actor)
        let member = try await cast.useCases.sharing.member("2002", of: image.id, for: cast.owner.principal)
        #expect(member.canShare == true)
        #expect(member.status == .pending)
        // A can_share member may add members…
        try await cast.useCases.sharing.putMemberV1("2003", on: image.id, canShare: nil, by: cast.consumer.actor)
        _ = try await cast.useCases.sharing.addMember("2004", to: image.id, by: cast.consumer.actor)
        // …but not grant can_share, change it, remove members, replace the list, or change the image
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.putMemberV1("3003", on: image.id, canShare: true, by: cast.consumer.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.putMemberV1("2003", on: image.id, canShare: true, by: cast.consumer.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.removeMember("2003", from: image.id, by: cast.consumer.actor, api: .v1) }
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.replaceMembersV1(on: image.id, with: [MembershipEntry(member: "2002", canShare: nil)], by: cast.consumer.actor) }
        await expectDomainError(.forbidden) { try await cast.useCases.catalog.update(image.id, by: cast.consumer.actor) { _ throws(DomainError) in [.name("mine")] } }
        // A member without can_share may not add
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.putMemberV1("3003", on: image.id, canShare: nil, by: cast.otherConsumer.actor) }
        #expect(Set(try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v1).map(\.memberID.rawValue)) == ["2002", "2003", "2004"])
    }

    @Test func putMemberV1_onPrivateImage_makesItShared_andTheAuditSaysSo() async throws {
        let cast = try await Cast()
        let image = try await cast.image(visibility: .private)
        try await cast.useCases.sharing.putMemberV1("2002", on: image.id, canShare: nil, by: cast.owner.actor)
        #expect(try await cast.useCases.catalog.show(image.id, for: cast.consumer.principal).image.visibility == .shared)
        let events = try await cast.world.auditEvents(image: image.id)
        let change = try #require(events.first { $0.type == .imageUpdated })
        #expect(change.before == ["visibility": .string("private")])
        #expect(change.after == ["visibility": .string("shared")])
        #expect(change.detail?.contains("private") == true)
        #expect(events.last?.type == .memberCreated)
    }

    @Test func replaceMembersV1_replacesTheList() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        try await cast.useCases.sharing.putMemberV1("2002", on: image.id, canShare: true, by: cast.owner.actor)
        try await cast.useCases.sharing.putMemberV1("2003", on: image.id, canShare: nil, by: cast.owner.actor)
        _ = try await cast.useCases.sharing.answer(image.id, member: "2003", status: "accepted", by: cast.otherConsumer.actor)
        try await cast.useCases.sharing.replaceMembersV1(on: image.id, with: [MembershipEntry(member: "2003", canShare: true), MembershipEntry(member: "2004", canShare: nil)], by: cast.owner.actor)
        let members = try await cast.useCases.sharing.members(of: image.id, for: cast.owner.principal, api: .v1)
        #expect(members.map(\.memberID.rawValue).sorted() == ["2003", "2004"])
        let kept = try #require(members.first { $0.memberID.rawValue == "2003" })
        #expect(kept.status == .accepted)
        #expect(kept.canShare)
        #expect(members.first { $0.memberID.rawValue == "2004" }?.status == .pending)
        let types = try await cast.world.auditEvents(image: image.id).map(\.type).suffix(3)
        #expect(Array(types) == [.memberDeleted, .memberCreated, .memberUpdated])
        await expectDomainError(.invalid) { try await cast.useCases.sharing.replaceMembersV1(on: image.id, with: [MembershipEntry(member: "1001", canShare: nil)], by: cast.owner.actor) }
        await expectDomainError(.invalid) { try await cast.useCases.sharing.replaceMembersV1(on: image.id, with: [MembershipEntry(member: "x", canShare: nil)], by: cast.owner.actor) }
    }

    @Test func sharedImages_forTheTenantItselfOrStaff() async throws {
        let cast = try await Cast()
        let first = try await cast.image("one")
        let second = try await cast.image("two")
        try await cast.useCases.sharing.putMemberV1("2002", on: first.id, canShare: true, by: cast.owner.actor)
        try await cast.useCases.sharing.putMemberV1("2002", on: second.id, canShare: nil, by: cast.owner.actor)
        let own = try await cast.useCases.sharing.sharedImagesV1(of: try ddi("2002"), for: cast.consumer.principal)
        #expect(Set(own.map(\.imageID)) == [first.id, second.id])
        #expect(own.first { $0.imageID == first.id }?.canShare == true)
        #expect(try await cast.useCases.sharing.sharedImagesV1(of: try ddi("2002"), for: cast.support.principal).count == 2)
        await expectDomainError(.forbidden) { try await cast.useCases.sharing.sharedImagesV1(of: try ddi("2002"), for: cast.stranger.principal) }
        // A share hidden by making the image private is not listed
        _ = try await cast.useCases.catalog.update(second.id, by: cast.owner.actor) { _ throws(DomainError) in [.visibility(.private)] }
        #expect(try await cast.useCases.sharing.sharedImagesV1(of: try ddi("2002"), for: cast.consumer.principal).map(\.imageID) == [first.id])
    }

    // MARK: Lineage and export

    /// The producer's image, shared with the consumer, booted and snapshotted by the consumer twice over.
    struct SnapshotChain {
        let base: Image
        let first: Image
        let second: Image
    }

    static func snapshotChain(_ cast: Cast, status: MemberStatus = .pending) async throws -> SnapshotChain {
        let base = try await cast.image("base", data: Array("base operating system".utf8))
        try await cast.world.share(base, by: cast.owner, with: cast.consumer, status: status)
        let compute = cast.world.useCases.compute
        let server = try await compute.boot(name: "web", imageRef: base.id.rawValue, by: cast.consumer.actor)
        let first = try await compute.snapshot(server.id, name: "snap-1", metadata: [:], by: cast.consumer.actor)
        let again = try await compute.boot(name: "web-2", imageRef: first.id.rawValue, by: cast.consumer.actor)
        let second = try await compute.snapshot(again.id, name: "snap-2", metadata: [:], by: cast.consumer.actor)
        return SnapshotChain(base: base, first: first, second: second)
    }

    static func failed(_ results: [ExportCheck.Result]) -> Set<ExportCheck.Item> {
        Set(results.filter { !$0.passed }.map(\.item))
    }

    @Test func lineage_followsSnapshotsThroughEveryStep() async throws {
        let cast = try await Cast()
        let chain = try await Self.snapshotChain(cast)
        #expect(chain.second.owner.rawValue == "2002")
        #expect(chain.second.status == .active)
        #expect(chain.second.checksum == chain.base.checksum)
        guard case .snapshot(_, let boot) = chain.second.origin else {
            Issue.record("not a snapshot: \(chain.second.origin)")
            return
        }
        #expect(boot == chain.first.id)
        let steps = try await cast.useCases.lineage.lineage(of: chain.second.id, for: cast.consumer.principal)
        #expect(steps.map(\.imageID) == [chain.first.id, chain.base.id])
        #expect(steps.map(\.owner.rawValue) == ["2002", "1001"])
        // The snapshot's data is the base image's data
        #expect(try await cast.world.blobBytes(.image(chain.second.id)) == Array("base operating system".utf8))
    }

    @Test func exportChecklist_ownUploadedImage_passesEveryCheck() async throws {
        let cast = try await Cast()
        let image = try await cast.image()
        let results = try await cast.useCases.lineage.exportChecklist(image.id, for: cast.owner.principal)
        #expect(results.map(\.item) == ExportCheck.Item.allCases)
        #expect(results.allSatisfy { $0.passed })
    }

    @Test(arguments: [MemberStatus.pending, .accepted, .rejected])
    func exportChecklist_snapshotOfASharedImage_isBlocked_evenAfterTheBaseIsDeleted(_ status: MemberStatus) async throws {
        // Given a consumer's snapshot (two steps down) of a producer's shared image
        let cast = try await Cast()
        let chain = try await Self.snapshotChain(cast, status: status)
        // Then both snapshots fail "not shared-derived", naming the producer and the reason
        for image in [chain.first, chain.second] {
            let results = try await cast.useCases.lineage.exportChecklist(image.id, for: cast.consumer.principal)
            #expect(Self.failed(results) == [.notSharedDerived])
            let reason = results.first { $0.item == .notSharedDerived }?.reason ?? ""
            #expect(reason.contains("tenant 1001"))
            #expect(reason.contains("not intended to be distributed beyond the producer and consumer"))
        }
        // When the producer deletes the base image and removes the member
        try await cast.useCases.sharing.removeMember("2002", from: chain.base.id, by: cast.owner.actor, api: .v2)
        try await cast.useCases.lifecycle.delete(chain.base.id, by: cast.owner.actor)
        // Then the snapshot is still blocked, and says its ancestor was deleted
        let after = try await cast.useCases.lineage.exportChecklist(chain.second.id, for: cast.consumer.principal)
        #expect(Self.failed(after) == [.notSharedDerived])
        #expect(after.first { $0.item == .notSharedDerived }?.reason?.contains("since deleted") == true)
    }

    @Test func exportChecklist_failsOwnershipActiveAndRestrictionChecks() async throws {
        let cast = try await Cast()
        // Not the owner: a consumer of a shared image, or staff
        let shared = try await cast.image()
        try await cast.world.share(shared, by: cast.owner, with: cast.consumer, status: .accepted)
        #expect(Self.failed(try await cast.useCases.lineage.exportChecklist(shared.id, for: cast.consumer.principal)) == [.ownership])
        #expect(Self.failed(try await cast.useCases.lineage.exportChecklist(shared.id, for: cast.staffAdmin.principal)) == [.ownership])
        await expectDomainError(.notFound) { try await cast.useCases.lineage.exportChecklist(shared.id, for: cast.stranger.principal) }
        // Not active
        let queued = try await cast.world.queuedImage(by: cast.owner)
        #expect(Self.failed(try await cast.useCases.lineage.exportChecklist(queued.id, for: cast.owner.principal)) == [.active])
        _ = try await cast.useCases.lifecycle.deactivate(shared.id, by: cast.owner.actor)
        #expect(Self.failed(try await cast.useCases.lineage.exportChecklist(shared.id, for: cast.owner.principal)) == [.active])
        // Windows
        let windows = try await cast.image("win", properties: ["os_type": "Windows"])
        let restricted = try await cast.useCases.lineage.exportChecklist(windows.id, for: cast.owner.principal)
        #expect(Self.failed(restricted) == [.notRestricted])
        #expect(restricted.first { $0.item == .notRestricted }?.reason?.contains("os_type=windows") == true)
    }

    @Test func exportChecklist_ancestorMarkedExportRestricted_blocksOwnSnapshot() async throws {
        // Given a licensed base image an admin marked export_restricted, and the owner's own snapshot of it
        let cast = try await Cast()
        let base = try await cast.image("licensed", data: Array("licensed os".utf8))
        await expectDomainError(.forbidden) {
            try await cast.useCases.catalog.update(base.id, by: cast.owner.actor) { _ throws(DomainError) in [.setProperty("export_restricted", "true")] }
        }
        _ = try await cast.useCases.catalog.update(base.id, by: cast.ownerAdmin.actor) { _ throws(DomainError) in [.setProperty("export_restricted", "true")] }
        let server = try await cast.world.useCases.compute.boot(name: "s", imageRef: base.id.rawValue, by: cast.owner.actor)
        let snapshot = try await cast.world.useCases.compute.snapshot(server.id, name: "mine", metadata: [:], by: cast.owner.actor)
        #expect(snapshot.properties["export_restricted"] == nil)
        // Then the snapshot fails the restriction check, naming the ancestor
        let results = try await cast.useCases.lineage.exportChecklist(snapshot.id, for: cast.owner.principal)
        #expect(Self.failed(results) == [.notRestricted])
        #expect(results.first { $0.item == .notRestricted }?.reason?.contains(base.id.rawValue) == true)
    }

    @Test func exportChecklist_consumerReuploadsIdenticalData_failsContentLineage() async throws {
        // Given a producer's image shared with the consumer
        let cast = try await Cast()
        let bytes = Array("proprietary appliance".utf8)
        let base = try await cast.image("appliance", data: bytes)
        try await cast.world.share(base, by: cast.owner, with: cast.consumer)
        // When the consumer downloads it and uploads the same bytes as its own image
        let copy = try await cast.world.activeImage(by: cast.consumer, name: "my copy", data: bytes)
        #expect(copy.origin == .upload)
        // Then content lineage blocks its export, naming the source
        let results = try await cast.useCases.lineage.exportChecklist(copy.id, for: cast.consumer.principal)
        #expect(Self.failed(results) == [.contentLineage])
        #expect(results.first { $0.item == .contentLineage }?.reason?.contains(base.id.rawValue) == true)
        // Even after the producer removes the member
        try await cast.useCases.sharing.removeMember("2002", from: base.id, by: cast.owner.actor, api: .v2)
        #expect(Self.failed(try await cast.useCases.lineage.exportChecklist(copy.id, for: cast.consumer.principal)) == [.contentLineage])
        // And after the producer deletes its image
        try await cast.useCases.lifecycle.delete(base.id, by: cast.owner.actor)
        #expect(Self.failed(try await cast.useCases.lineage.exportChecklist(copy.id, for: cast.consumer.principal)) == [.contentLineage])
        // A tenant the image was never shared with may upload the same bytes and export them
        let independent = try await cast.world.activeImage(by: cast.stranger, name: "same bytes", data: bytes)
        #expect(try await cast.useCases.lineage.exportChecklist(independent.id, for: cast.stranger.principal).allSatisfy { $0.passed })
    }
}
