import Foundation
import NIOCore
import PortalApp
import PortalCore
import PortalDomain
import PortalStorage
import Testing
import TestSupport

/// Leases: what an instance is doing (a task it runs, an upload it receives) is its own only while
/// it renews the lease; once the lease runs out, any instance takes the task over or rolls the upload
/// back. The instance that "stopped" here is one whose lease the test writes and never renews.
@Suite("Leases")
struct LeaseTests {
    @Test func upload_ofAStoppedInstance_isRolledBackOnlyOnceItsLeaseRunsOut() async throws {
        // Given an image another instance started to receive (its bytes in the store), then stopped
        let clock = ManualClock()
        let world = try await TestWorld(clock: clock.portalClock)
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.queuedImage(by: owner)
        var saving = image
        saving.status = .saving
        try await world.useCases.core.records.apply([
            .updateImage(saving), .leaseUpload(image.id, owner: "stopped-instance", until: clock.now.addingTimeInterval(TaskRules.leaseDuration)),
        ])
        _ = try await world.useCases.core.blobs.write([ByteBuffer(string: "partial")].async, to: .image(image.id), sha512: false, accept: { _ in })
        // While its lease runs, the upload is left alone
        clock.advance(by: TaskRules.leaseDuration - 1)
        #expect(try await world.useCases.imageData.rollBackAbandonedUploads().isEmpty)
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image.status == .saving)
        // When the lease has run out, the image is queued again and its bytes are gone
        clock.advance(by: 2)
        #expect(try await world.useCases.imageData.rollBackAbandonedUploads() == [image.id])
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image.status == .queued)
        #expect(try await world.blobInventory() == StoreInventory())
        #expect(try await world.useCases.imageData.rollBackAbandonedUploads().isEmpty)
        // And it takes data again
        let active = try await world.useCases.imageData.upload([ByteBuffer(string: "whole")].async, to: image.id, declared: DeclaredData(), by: owner.actor)
        #expect(active.status == .active)
        #expect(try await world.blobBytes(.image(image.id)) == Array("whole".utf8))
    }

    @Test func upload_thatFinished_isNeverRolledBack() async throws {
        let clock = ManualClock()
        let world = try await TestWorld(clock: clock.portalClock)
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.activeImage(by: owner)
        clock.advance(by: 10 * TaskRules.leaseDuration)
        #expect(try await world.useCases.imageData.rollBackAbandonedUploads().isEmpty)
        #expect(try await world.useCases.catalog.show(image.id, for: owner.principal).image.status == .active)
        #expect(try await world.blobBytes(.image(image.id)) == Array("hello image".utf8))
    }

    @Test func task_ofAStoppedInstance_isTakenOverOnlyOnceItsLeaseRunsOut() async throws {
        // Given an import task another instance claimed, then stopped
        let clock = ManualClock()
        let world = try await TestWorld(clock: clock.portalClock)
        let owner = try await world.token(try await world.tenant("1001"))
        let tenant = try #require(owner.tenant)
        _ = try await world.createContainer("uploads", for: tenant)
        _ = try await world.putObject([ByteBuffer(string: "disk bytes")].async, container: "uploads", name: "a.img", for: tenant)
        let task = try await world.useCases.tasks.create(.import, input: TaskExecutorTests.importInput("uploads/a.img"), by: owner.actor)
        let claimed = try await world.useCases.core.records.claimNextTask(
            at: clock.now, owner: "stopped-instance", until: clock.now.addingTimeInterval(TaskRules.leaseDuration))
        #expect(claimed?.task.id == task.id)
        #expect(try await world.useCases.tasks.task(task.id, for: owner.principal).status == .processing)
        // While its lease runs, no other instance takes it
        clock.advance(by: TaskRules.leaseDuration - 1)
        #expect(try await world.useCases.taskWorker.runNext() == false)
        // When the lease has run out, this instance takes it over and runs it once
        clock.advance(by: 2)
        #expect(try await world.useCases.taskWorker.runNext() == true)
        let done = try await world.useCases.tasks.task(task.id, for: owner.principal)
        #expect(done.status == .success, "\(done.message)")
        #expect(try await world.useCases.taskWorker.runNext() == false)
        let images = try await world.useCases.catalog.list(ImageListQuery(), for: owner.principal).images
        #expect(images.count == 1)
        #expect(try await world.blobInventory().images == Set(images.map(\.id)))
    }

    @Test func claims_neverHandTheSameTaskToTwoInstances() async throws {
        // Given five pending tasks
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let tenant = try #require(owner.tenant)
        _ = try await world.createContainer("uploads", for: tenant)
        for index in 0..<5 {
            _ = try await world.putObject([ByteBuffer(string: "disk \(index)")].async, container: "uploads", name: "\(index).img", for: tenant)
            _ = try await world.useCases.tasks.create(.import, input: TaskExecutorTests.importInput("uploads/\(index).img"), by: owner.actor)
        }
        // When eight instances claim at once
        let now = world.now
        let records = world.useCases.core.records
        let claims = try await withThrowingTaskGroup(of: TaskID?.self) { group in
            for instance in 0..<8 {
                group.addTask { try await records.claimNextTask(at: now, owner: "instance-\(instance)", until: now.addingTimeInterval(30))?.task.id }
            }
            return try await group.reduce(into: [TaskID]()) { if let id = $1 { $0.append(id) } }
        }
        // Then each task went to exactly one of them
        #expect(claims.count == 5)
        #expect(Set(claims).count == 5)
    }
}
