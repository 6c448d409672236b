import Foundation
import NIOCore
import PortalApp
import PortalCore
import PortalDomain
import PortalStorage
import Testing
import TestSupport

@Suite("Bootstrap")
struct BootstrapTests {
    @Test func prepare_onAnEmptyDatabase_createsTheStaffAdminAndReturnsItsToken() async throws {
        // Given a database with no tokens
        let world = try await TestWorld()
        #expect(try await world.useCases.accounts.hasTokens() == false)
        // When the server prepares its first start
        let first = try #require(try await Bootstrap.prepare(world.dependencies))
        // Then staff admin "admin" exists and the token returned authenticates as it
        #expect(first.staffName.rawValue == "admin")
        #expect(try await world.useCases.accounts.staff(first.staffName)?.role == .admin)
        let info = try #require(try await world.useCases.accounts.authenticate(first.token))
        #expect(info.principal == .staff(first.staffName, role: .admin))
        #expect(info.label == "bootstrap")
        // And the creation is audited
        let events = try await world.useCases.audit.events(AuditQuery(), for: info.principal).events
        #expect(Set(events.map(\.type)) == [.staffCreated, .tokenIssued])
        #expect(events.allSatisfy { $0.requestID.hasPrefix("cli-") })
    }

    @Test func prepare_secondTime_returnsNil() async throws {
        let world = try await TestWorld()
        let first = try await Bootstrap.prepare(world.dependencies)
        #expect(first != nil)
        #expect(try await Bootstrap.prepare(world.dependencies) == nil)
        #expect(try await world.useCases.accounts.tokens(of: .staff(.bootstrapAdmin), for: Actor.cli("test").principal).count == 1)
    }

    @Test func prepare_withExistingTokens_createsNothing() async throws {
        let world = try await TestWorld()
        _ = try await world.token(try await world.tenant("1001"))
        #expect(try await Bootstrap.prepare(world.dependencies) == nil)
        #expect(try await world.useCases.accounts.allStaff(for: Actor.cli("test").principal).isEmpty)
    }

    @Test(.enabled(if: TestBackend.current.isEmbedded, "one instance owns its data directory"))
    func prepare_returnsSavingImagesToQueued_andClearsTmp() async throws {
        // Given an upload a stopped server left `saving`, and its partial file in tmp/
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        var saving = image
        saving.status = .saving
        try await world.useCases.core.records.apply([.updateImage(saving)])
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image.status == .saving)
        let leftover = world.dependencies.files.newTemporaryPath()
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data("partial".utf8)))
        try FileManager.default.createDirectory(atPath: world.dependencies.files.tmpPath + "/stale-dir", withIntermediateDirectories: true)
        let active = try await world.activeImage(by: owner, name: "kept")
        // When the server starts
        _ = try await Bootstrap.prepare(world.dependencies)
        // Then the image is queued again, tmp/ is empty, and other images are untouched
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image.status == .queued)
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.dependencies.files.tmpPath).isEmpty)
        #expect(try await world.useCases.catalog.show(active.id, for: owner.principal).image.status == .active)
        #expect(FileManager.default.fileExists(atPath: world.dependencies.files.imagePath(active.id)))
        // And it can take data again
        _ = try await world.useCases.imageData.upload([ByteBuffer(string: "again")].async, to: image.id, declared: DeclaredData(), by: owner.actor)
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image.status == .active)
    }

    @Test(.disabled(if: TestBackend.current.isEmbedded, "instances share the stores only in a cluster"))
    func prepare_onSharedStores_leavesWhatAnotherInstanceIsDoingAlone() async throws {
        // Given an upload another instance is receiving
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        var saving = image
        saving.status = .saving
        try await world.useCases.core.records.apply([
            .updateImage(saving), .leaseUpload(image.id, owner: "other-instance", until: world.now.addingTimeInterval(TaskRules.leaseDuration)),
        ])
        // When this instance starts
        #expect(world.dependencies.isShared)
        _ = try await Bootstrap.prepare(world.dependencies)
        // Then the upload is still the other instance's
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image.status == .saving)
    }

    @Test func banner_mentionsTheTokenOnlyOnFirstStart() async throws {
        let world = try await TestWorld()
        var configuration = AppConfiguration()
        configuration.host = "0.0.0.0"
        configuration.port = 9090
        configuration.dataDirectory = "/srv/portal"
        let firstStart = try #require(try await Bootstrap.prepare(world.dependencies))
        let first = Bootstrap.banner(configuration: configuration, firstStart: firstStart)
        #expect(first.contains(firstStart.token))
        #expect(first.contains("http://127.0.0.1:9090"))
        #expect(first.contains("/srv/portal"))
        #expect(first.contains("\"admin\""))
        #expect(first.contains("shown only this once"))
        let later = Bootstrap.banner(configuration: configuration, firstStart: try await Bootstrap.prepare(world.dependencies))
        #expect(!later.contains(firstStart.token))
        #expect(!later.contains("tok_"))
        #expect(later.contains("http://127.0.0.1:9090/image"))
    }
}
