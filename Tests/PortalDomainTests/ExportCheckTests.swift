import Foundation
import PortalDomain
import Testing

// ExportCheck against PRODUCT.md "Lineage and export" checks 1–5 and seed 004 "Exporting shared images".

/// A consumer's image and the producer's shared base it came from.
private enum Lineage {
    /// The producer's shared base image (owned by Tenants.owner).
    static let producerBase = makeImage(id: ImageIDs.base, name: "golden", owner: Tenants.owner, visibility: .shared)
    /// The consumer's own intermediate image.
    static let consumerMiddle = makeImage(
        id: ImageIDs.middle, name: "middle", owner: Tenants.consumer, visibility: .private,
        origin: .snapshot(server: ImageIDs.server, bootImage: ImageIDs.base))

    /// An image of `owner` with `origin`, active unless told otherwise.
    static func image(owner: TenantID = Tenants.consumer, status: ImageStatus = .active, properties: [String: String] = [:], origin: ImageOrigin = .upload)
        -> Image
    {
        makeImage(id: ImageIDs.subject, name: "subject", owner: owner, status: status, visibility: .private, properties: properties, origin: origin)
    }
}

private func result(_ results: [ExportCheck.Result], _ item: ExportCheck.Item) -> ExportCheck.Result? {
    results.first { $0.item == item }
}

@Suite("ExportCheck")
struct ExportCheckTests {
    @Test func evaluate_ownCleanActiveImage_passesAllFiveInChecklistOrder() {
        // Given the owner's own uploaded, active image with no lineage
        let image = Lineage.image(owner: Tenants.owner)
        // When
        let results = ExportCheck.evaluate(image: image, caller: Principals.owner, ancestors: [], contentMatches: [])
        // Then
        #expect(results.map(\.item) == [.ownership, .active, .notSharedDerived, .notRestricted, .contentLineage])
        #expect(results.allSatisfy { $0.passed && $0.reason == nil })
        #expect(ExportCheck.failures(results).isEmpty)
    }

    @Test func evaluate_ownLineage_passes() {
        // Given an owner's copy of its own snapshot of its own upload
        let base = makeImage(id: ImageIDs.base, owner: Tenants.owner)
        let middle = makeImage(id: ImageIDs.middle, owner: Tenants.owner, origin: .snapshot(server: ImageIDs.server, bootImage: ImageIDs.base))
        let image = Lineage.image(owner: Tenants.owner, origin: .copy(of: ImageIDs.middle))
        // When
        let results = ExportCheck.evaluate(image: image, caller: Principals.ownerAdmin, ancestors: [LineageStep(middle), LineageStep(base)], contentMatches: [])
        // Then
        #expect(ExportCheck.failures(results).isEmpty)
    }

    // MARK: check 1 — ownership

    @Test(arguments: [Principals.consumer, Principals.stranger, Principals.tenantAdmin])
    func evaluate_tenantThatIsNotTheOwner_failsOwnership(_ caller: Principal) {
        // Given the producer's image, seen by a consumer (or anyone else)
        let image = Lineage.image(owner: Tenants.owner)
        // When
        let ownership = result(ExportCheck.evaluate(image: image, caller: caller, ancestors: [], contentMatches: []), .ownership)
        // Then
        #expect(ownership?.passed == false)
        #expect(ownership?.reason?.contains("belongs to tenant 1001") == true)
        #expect(ownership?.reason?.contains("a shared image can never be exported by a consumer") == true)
    }

    @Test(arguments: [Principals.staffAdmin, Principals.support])
    func evaluate_staff_failsOwnership(_ caller: Principal) {
        let ownership = result(ExportCheck.evaluate(image: Lineage.image(owner: Tenants.owner), caller: caller, ancestors: [], contentMatches: []), .ownership)
        #expect(ownership?.passed == false)
        #expect(ownership?.reason == "Only the owner (tenant 1001) may export this image; staff accounts cannot export.")
    }

    // MARK: check 2 — active

    @Test(arguments: ImageStatus.allCases.filter { $0 != .active })
    func evaluate_nonActiveImage_failsActive(_ status: ImageStatus) {
        // Given
        let image = Lineage.image(owner: Tenants.owner, status: status)
        // When
        let active = result(ExportCheck.evaluate(image: image, caller: Principals.owner, ancestors: [], contentMatches: []), .active)
        // Then
        #expect(active?.passed == false)
        #expect(active?.reason == "The image is \(status.rawValue); only active images can be exported.")
    }

    // MARK: check 3 — shared-derived

    @Test(arguments: [ImageStatus.active, .deactivated, .deleted])
    func evaluate_snapshotOfAnotherTenantsImage_failsNotSharedDerived(_ ancestorStatus: ImageStatus) {
        // Given the consumer's snapshot of a server booted from the producer's shared image (since deleted, perhaps)
        var base = Lineage.producerBase
        base.status = ancestorStatus
        let image = Lineage.image(origin: .snapshot(server: ImageIDs.server, bootImage: ImageIDs.base))
        // When
        let results = ExportCheck.evaluate(image: image, caller: Principals.consumer, ancestors: [LineageStep(base)], contentMatches: [])
        // Then
        let check = result(results, .notSharedDerived)
        #expect(result(results, .ownership)?.passed == true)
        #expect(check?.passed == false)
        #expect(check?.reason?.contains("owned by tenant 1001") == true)
        #expect(check?.reason?.contains("a snapshot of server \(ImageIDs.server)") == true)
        #expect(check?.reason?.contains("contains software not intended to be distributed beyond the producer and consumer") == true)
        #expect(check?.reason?.contains(", since deleted") == (ancestorStatus == .deleted))
    }

    @Test func evaluate_multiStepLineageToAnotherTenant_failsNotSharedDerived() {
        // Given a copy of the consumer's own snapshot of the producer's image (two steps up)
        let image = Lineage.image(origin: .copy(of: ImageIDs.middle))
        let ancestors = [LineageStep(Lineage.consumerMiddle), LineageStep(Lineage.producerBase)]
        // When
        let check = result(ExportCheck.evaluate(image: image, caller: Principals.consumer, ancestors: ancestors, contentMatches: []), .notSharedDerived)
        // Then
        #expect(check?.passed == false)
        #expect(check?.reason?.contains("image \(ImageIDs.base) (\"golden\") owned by tenant 1001") == true)
        #expect(check?.reason?.contains("through 2 steps of lineage") == true)
    }

    @Test func evaluate_copyOfAnotherTenantsImage_failsNotSharedDerived() {
        let image = Lineage.image(origin: .copy(of: ImageIDs.base))
        let check = result(
            ExportCheck.evaluate(image: image, caller: Principals.consumer, ancestors: [LineageStep(Lineage.producerBase)], contentMatches: []),
            .notSharedDerived)
        #expect(check?.passed == false)
        #expect(check?.reason?.contains("(a copy of it)") == true)
    }

    @Test func evaluate_importOfAnObjectExportedFromAnotherTenantsImage_failsNotSharedDerived() {
        let image = Lineage.image(origin: .importObject(container: "backups", object: "golden.qcow2", sourceImage: ImageIDs.base))
        let check = result(
            ExportCheck.evaluate(image: image, caller: Principals.consumer, ancestors: [LineageStep(Lineage.producerBase)], contentMatches: []),
            .notSharedDerived)
        #expect(check?.passed == false)
        #expect(check?.reason?.contains("imported from backups/golden.qcow2") == true)
    }

    // MARK: check 4 — export restriction

    struct RestrictionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var imageProperties: [String: String]
        var ancestorProperties: [String: String]?
        var expectedReason: String?
        var testDescription: String { name }
    }

    static let restrictions: [RestrictionCase] = [
        RestrictionCase(name: "clean", imageProperties: [:], ancestorProperties: [:], expectedReason: nil),
        RestrictionCase(name: "linux", imageProperties: ["os_type": "linux"], ancestorProperties: ["os_type": "linux"], expectedReason: nil),
        RestrictionCase(name: "export_restricted=false", imageProperties: ["export_restricted": "false"], ancestorProperties: nil, expectedReason: nil),
        RestrictionCase(
            name: "windows image", imageProperties: ["os_type": "windows"], ancestorProperties: nil,
            expectedReason: "The image is export-restricted (os_type=windows): such images may not be exported."),
        RestrictionCase(
            name: "Windows image, any case", imageProperties: ["os_type": "Windows"], ancestorProperties: nil,
            expectedReason: "The image is export-restricted (os_type=windows): such images may not be exported."),
        RestrictionCase(
            name: "export_restricted image", imageProperties: ["export_restricted": "true"], ancestorProperties: nil,
            expectedReason: "The image is export-restricted (export_restricted=true, set by an operator): such images may not be exported."),
        RestrictionCase(
            name: "windows ancestor", imageProperties: [:], ancestorProperties: ["os_type": "windows"],
            expectedReason: "Its ancestor image \(ImageIDs.base) (\"base\") is export-restricted (os_type=windows): such images may not be exported."),
        RestrictionCase(
            name: "export_restricted ancestor", imageProperties: [:], ancestorProperties: ["export_restricted": "True"],
            expectedReason:
                "Its ancestor image \(ImageIDs.base) (\"base\") is export-restricted (export_restricted=true, set by an operator): such images may not be exported."
        ),
    ]

    @Test(arguments: restrictions)
    func evaluate_exportRestrictionOnTheImageOrAnAncestor_failsNotRestricted(_ c: RestrictionCase) {
        // Given the owner's snapshot of its own base image
        let image = Lineage.image(owner: Tenants.owner, properties: c.imageProperties, origin: .snapshot(server: ImageIDs.server, bootImage: ImageIDs.base))
        let ancestors = c.ancestorProperties.map { [LineageStep(makeImage(id: ImageIDs.base, name: "base", owner: Tenants.owner, properties: $0))] } ?? []
        // When
        let check = result(ExportCheck.evaluate(image: image, caller: Principals.owner, ancestors: ancestors, contentMatches: []), .notRestricted)
        // Then
        #expect(check?.passed == (c.expectedReason == nil))
        #expect(check?.reason == c.expectedReason)
    }

    @Test func evaluate_restrictedAncestorGivenAsAFlag_failsWithAGenericReason() {
        let ancestor = LineageStep(imageID: ImageIDs.base, owner: Tenants.owner, name: nil, status: .deleted, origin: .upload, isExportRestricted: true)
        let check = result(
            ExportCheck.evaluate(image: Lineage.image(owner: Tenants.owner), caller: Principals.owner, ancestors: [ancestor], contentMatches: []),
            .notRestricted)
        #expect(check?.passed == false)
        #expect(check?.reason == "Its ancestor image \(ImageIDs.base) is export-restricted (restricted): such images may not be exported.")
    }

    // MARK: check 5 — content lineage

    @Test func evaluate_uploadIdenticalToAnImageSharedWithTheUploader_failsContentLineage() {
        // Given the consumer uploaded data whose SHA-512 equals the producer's shared image
        let image = Lineage.image()
        let match = ContentMatch(derived: image.id, source: LineageStep(Lineage.producerBase))
        // When
        let results = ExportCheck.evaluate(image: image, caller: Principals.consumer, ancestors: [], contentMatches: [match])
        // Then
        let check = result(results, .contentLineage)
        #expect(result(results, .notSharedDerived)?.passed == true)
        #expect(check?.passed == false)
        #expect(check?.reason?.hasPrefix("Its data is identical (SHA-512) to image \(ImageIDs.base) (\"golden\"), which tenant 1001 shared") == true)
    }

    @Test func evaluate_ancestorIdenticalToASharedImage_failsContentLineageNamingTheAncestor() {
        let image = Lineage.image(origin: .copy(of: ImageIDs.middle))
        let middle = makeImage(id: ImageIDs.middle, owner: Tenants.consumer)
        let match = ContentMatch(derived: ImageIDs.middle, source: LineageStep(Lineage.producerBase))
        let check = result(
            ExportCheck.evaluate(image: image, caller: Principals.consumer, ancestors: [LineageStep(middle)], contentMatches: [match]), .contentLineage)
        #expect(check?.passed == false)
        #expect(check?.reason?.hasPrefix("The data of its ancestor image \(ImageIDs.middle) is identical") == true)
    }

    // MARK: the blocked message

    @Test func blockedMessage_namesEveryFailedCheck() {
        // Given a stranger asking about a deactivated Windows snapshot of another tenant's image, whose data matches a share
        let image = Lineage.image(status: .deactivated, properties: ["os_type": "windows"], origin: .snapshot(server: ImageIDs.server, bootImage: ImageIDs.base))
        let results = ExportCheck.evaluate(
            image: image, caller: Principals.stranger, ancestors: [LineageStep(Lineage.producerBase)],
            contentMatches: [ContentMatch(derived: image.id, source: LineageStep(Lineage.producerBase))])
        // When
        let message = ExportCheck.blockedMessage(results)
        // Then
        #expect(ExportCheck.failures(results).count == 5)
        #expect(message.hasPrefix("Export blocked by 5 checks: "))
        for item in ExportCheck.Item.allCases {
            #expect(message.contains("[\(item.rawValue)] \(item.title): no."), "\(item)")
            #expect(message.contains(result(results, item)?.reason ?? "-"), "\(item)")
        }
    }

    @Test func blockedMessage_singleFailure_isSingular() {
        let results = ExportCheck.evaluate(image: Lineage.image(owner: Tenants.owner, status: .queued), caller: Principals.owner, ancestors: [], contentMatches: [])
        let message = ExportCheck.blockedMessage(results)
        #expect(message == "Export blocked by 1 check: [active] The image is active: no. The image is queued; only active images can be exported.")
    }

    @Test func items_rawValuesAreTheChecklistKeys() {
        #expect(ExportCheck.Item.allCases.map(\.rawValue) == ["owner", "active", "not_shared_derived", "not_export_restricted", "content_lineage"])
    }

    @Test(arguments: [("golden", "image \(ImageIDs.base) (\"golden\")"), ("", "image \(ImageIDs.base)")])
    func lineageStepLabel_quotesTheNameWhenThereIsOne(_ name: String, _ expected: String) {
        #expect(LineageStep(makeImage(id: ImageIDs.base, name: name)).label == expected)
        #expect(LineageStep(makeImage(id: ImageIDs.base, name: nil)).label == "image \(ImageIDs.base)")
    }
}
