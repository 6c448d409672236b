import Foundation
import PortalDomain
import Testing

// Servers and snapshots (PRODUCT "Servers and snapshots"; "Lineage and export" check 4).

private let server = Server(
    id: ImageIDs.server, tenant: Tenants.consumer, name: "web-1", imageID: ImageIDs.base, diskSize: 1024, createdAt: Instants.t0, updatedAt: Instants.t0)

private let windowsBase = makeImage(
    id: ImageIDs.base, name: "Windows Server", owner: Tenants.owner, diskFormat: .vhd, containerFormat: .ovf,
    properties: [
        "os_type": "windows", "os_distro": "windows", "os_version": "2022", "architecture": "x86_64", "export_restricted": "true",
        "hw_disk_bus": "scsi",
    ])

@Suite("ComputeRules")
struct ComputeRulesTests {
    @Test func snapshotDraft_isPrivateOwnedByTheServersTenantWithLineageProperties() {
        // When
        let draft = try? ComputeRules.snapshotDraft(of: server, boot: windowsBase, name: "  snap  ", metadata: ["purpose": "backup"])
        // Then
        #expect(draft?.name == "snap")
        #expect(draft?.visibility == .private)
        #expect(draft?.owner == Tenants.consumer)
        #expect(draft?.diskFormat == .vhd)
        #expect(draft?.containerFormat == .ovf)
        #expect(draft?.properties["image_type"] == "snapshot")
        #expect(draft?.properties["instance_uuid"] == ImageIDs.server.rawValue)
        #expect(draft?.properties["base_image_ref"] == ImageIDs.base.rawValue)
        #expect(draft?.properties["purpose"] == "backup")
    }

    @Test func snapshotDraft_keepsTheBaseImagesOperatingSystemFacts() {
        let draft = try? ComputeRules.snapshotDraft(of: server, boot: windowsBase, name: "snap", metadata: [:])
        #expect(draft?.properties["os_type"] == "windows")
        #expect(draft?.properties["os_distro"] == "windows")
        #expect(draft?.properties["os_version"] == "2022")
        #expect(draft?.properties["architecture"] == "x86_64")
        #expect(draft?.properties["hw_disk_bus"] == nil)
    }

    @Test func snapshotDraft_keepsMinDiskAndMinRam() {
        var boot = windowsBase
        boot.minDisk = 40
        boot.minRam = 2048
        let draft = try? ComputeRules.snapshotDraft(of: server, boot: boot, name: "snap", metadata: [:])
        #expect(draft?.minDisk == 40)
        #expect(draft?.minRam == 2048)
    }

    @Test func snapshotDraft_givenOSFacts_winOverTheBases() {
        let draft = try? ComputeRules.snapshotDraft(of: server, boot: windowsBase, name: "snap", metadata: ["os_version": "2022-patched"])
        #expect(draft?.properties["os_version"] == "2022-patched")
    }

    @Test(arguments: [[String: String](), ["export_restricted": "false"], ["export_restricted": "true"]])
    func snapshotDraft_exportRestricted_isStrippedWhoeverSetsIt(_ metadata: [String: String]) {
        // The flag is the operator's, on base images; the snapshot stays restricted through its lineage.
        let draft = try? ComputeRules.snapshotDraft(of: server, boot: windowsBase, name: "snap", metadata: metadata)
        #expect(draft != nil)
        #expect(draft?.properties[ImageRules.exportRestrictedKey] == nil)
    }

    @Test(arguments: ["os_glance_import_task", "os_glance_x", "location", "locations", "deleted", "deleted_at", "name", "status", "visibility", "owner", "id", "size", "checksum", "tags"])
    func snapshotDraft_reservedMetadata_is400(_ key: String) {
        #expect(status { () throws(DomainError) in try ComputeRules.snapshotDraft(of: server, boot: windowsBase, name: "snap", metadata: [key: "x"]) } == 400)
    }

    @Test(arguments: ["", "   ", String(repeating: "n", count: 256)])
    func snapshotDraft_badName_is400(_ name: String) {
        #expect(status { () throws(DomainError) in try ComputeRules.snapshotDraft(of: server, boot: windowsBase, name: name, metadata: [:]) } == 400)
    }

    @Test func snapshotDraft_thenNewImage_isAcceptedForTheTenant() {
        // Given the draft, created by the server's tenant (export_restricted stripped, so a member may create it)
        let draft = try? ComputeRules.snapshotDraft(of: server, boot: windowsBase, name: "snap", metadata: [:])
        // When
        let image = draft.flatMap {
            try? ImageRules.newImage($0, by: Principals.consumer, now: Instants.t1, origin: .snapshot(server: server.id, bootImage: windowsBase.id))
        }
        // Then
        #expect(image?.owner == Tenants.consumer)
        #expect(image?.visibility == .private)
        #expect(image?.isExportRestricted == true)
    }

    @Test(arguments: [("web", "web"), ("  web 1 ", "web 1"), (String(repeating: "s", count: 255), String(repeating: "s", count: 255))])
    func serverName_isTrimmed(_ name: String, _ expected: String) {
        #expect((try? ComputeRules.serverName(name)) == expected)
    }

    @Test(arguments: ["", " \n ", String(repeating: "s", count: 256)])
    func serverName_emptyOrTooLong_is400(_ name: String) {
        #expect(status { () throws(DomainError) in try ComputeRules.serverName(name) } == 400)
    }

    @Test func requireTenant_staffHaveNoServers() {
        #expect((try? ComputeRules.requireTenant(Principals.consumer)) == Tenants.consumer)
        #expect(status { () throws(DomainError) in try ComputeRules.requireTenant(Principals.staffAdmin) } == 403)
        #expect(status { () throws(DomainError) in try ComputeRules.requireTenant(Principals.support) } == 403)
    }
}

@Suite("ObjectListing")
struct ObjectListingTests {
    @Test func parse_defaults() {
        let listing = try? ObjectListing.parse([])
        #expect(listing == ObjectListing())
        #expect(listing?.limit == 10_000)
    }

    @Test func parse_allParameters_emptyMeansUnset() {
        let listing = try? ObjectListing.parse([
            (name: "prefix", value: "a/"), (name: "delimiter", value: "/"), (name: "marker", value: ""), (name: "end_marker", value: "z"),
            (name: "limit", value: "10"), (name: "format", value: "json"),
        ])
        #expect(listing == ObjectListing(prefix: "a/", delimiter: "/", marker: nil, endMarker: "z", limit: 10))
    }

    @Test(arguments: ["-1", "10001", "x", ""])
    func parse_badLimit_is400(_ limit: String) {
        #expect(status { () throws(DomainError) in try ObjectListing.parse([(name: "limit", value: limit)]) } == 400)
    }
}
