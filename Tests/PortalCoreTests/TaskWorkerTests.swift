import Foundation
import GRDB
import NIOCore
import PortalApp
import PortalDomain
import PortalStorage
import PortalCore
import Testing
import TestSupport

/// Import and export tasks, run by hand through `TaskExecutor.runNext()`.
@Suite("Task executor")
struct TaskExecutorTests {
    static func importInput(_ from: String, format: String = "raw", properties: [String: JSONValue] = ["name": .string("imported")]) -> [String: JSONValue] {
        ["import_from": .string(from), "import_from_format": .string(format), "image_properties": .object(properties)]
    }

    static func exportInput(_ image: ImageID, container: String = "exports") -> [String: JSONValue] {
        ["image_uuid": .string(image.rawValue), "receiving_swift_container": .string(container)]
    }

    /// Runs every pending task.
    static func runAll(_ world: TestWorld) async throws -> Int {
        var count = 0
        while try await world.useCases.taskWorker.runNext() { count += 1 }
        return count
    }

    @Test func import_fromAnObject_createsAnActiveImageWithItsData() async throws {
        // Given an object in one of the tenant's containers
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let tenant = try #require(owner.tenant)
        let bytes = pseudoRandomBytes(1_500_000)
        #expect(try await world.createContainer("uploads", for: tenant))
        let object = try await world.putObject(
            unevenBuffers(bytes).async, container: "uploads", name: "disks/web.img", contentType: "application/octet-stream", expectedETag: nil, for: tenant)
        // When an import task runs
        let task = try await world.useCases.tasks.create(.import, input: Self.importInput("uploads/disks/web.img"), by: owner.actor)
        #expect(task.status == .pending)
        #expect(try await Self.runAll(world) == 1)
        // Then the task succeeded, naming a new active image whose data is the object's
        let done = try await world.useCases.tasks.task(task.id, for: owner.principal)
        #expect(done.status == .success)
        guard case .string(let idText)? = done.result?["image_id"] else {
            Issue.record("no image_id in \(String(describing: done.result))")
            return
        }
        let image = try await world.useCases.catalog.show(try ImageID.parse(idText), for: owner.principal).image
        #expect(image.status == .active)
        #expect(image.name == "imported")
        #expect(image.owner == tenant)
        #expect(image.diskFormat == .raw)
        #expect(image.containerFormat == .bare)
        #expect(image.checksum == object.etag)
        #expect(image.origin == .importObject(container: "uploads", object: "disks/web.img", sourceImage: nil))
        #expect(try await world.blobBytes(.image(image.id)) == bytes)
        #expect(try await world.leftovers().isEmpty)
        #expect(try await world.auditEvents(image: image.id).map(\.type) == [.importSucceeded])
    }

    @Test func import_ofAMissingObject_failsWithAMessage() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        _ = try await world.createContainer("uploads", for: try #require(owner.tenant))
        let task = try await world.useCases.tasks.create(.import, input: Self.importInput("uploads/missing.img"), by: owner.actor)
        _ = try await Self.runAll(world)
        let done = try await world.useCases.tasks.task(task.id, for: owner.principal)
        #expect(done.status == .failure)
        #expect(done.message.hasPrefix("Import failed:"))
        #expect(done.message.contains("missing.img"))
        #expect(done.expiresAt != nil)
        #expect(try await world.useCases.catalog.list(ImageListQuery(), for: owner.principal).images.isEmpty)
    }

    @Test func import_ofDataNotInTheDeclaredFormat_fails() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let tenant = try #require(owner.tenant)
        _ = try await world.createContainer("uploads", for: tenant)
        _ = try await world.putObject(
            [ByteBuffer(bytes: pseudoRandomBytes(10_000))].async, container: "uploads", name: "x.qcow2", contentType: "application/octet-stream", expectedETag: nil, for: tenant)
        let task = try await world.useCases.tasks.create(.import, input: Self.importInput("uploads/x.qcow2", format: "qcow2"), by: owner.actor)
        _ = try await Self.runAll(world)
        let done = try await world.useCases.tasks.task(task.id, for: owner.principal)
        #expect(done.status == .failure)
        #expect(done.message.contains("qcow2"))
        #expect(try await world.blobInventory() == StoreInventory())
    }

    @Test func create_validatesInputAndCaller() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let support = try await world.staff("help", role: .support)
        await expectDomainError(.invalid) { try await world.useCases.tasks.create(.import, input: [:], by: owner.actor) }
        await expectDomainError(.invalid) { try await world.useCases.tasks.create(.import, input: Self.importInput("no-slash"), by: owner.actor) }
        await expectDomainError(.invalid) { try await world.useCases.tasks.create(.import, input: Self.importInput("c/o", format: "exe"), by: owner.actor) }
        await expectDomainError(.invalid) { try await world.useCases.tasks.create(.export, input: ["image_uuid": .string("nope"), "receiving_swift_container": .string("c")], by: owner.actor) }
        await expectDomainError(.forbidden) { try await world.useCases.tasks.create(.export, input: Self.exportInput(.generate()), by: support.actor) }
    }

    @Test func export_ofOwnImage_writesAnObjectWithItsChecksum() async throws {
        // Given an active image and a container
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let tenant = try #require(owner.tenant)
        let bytes = pseudoRandomBytes(2 * (1 << 20) + 11)
        let image = try await world.activeImage(by: owner, data: bytes)
        _ = try await world.createContainer("exports", for: tenant)
        // When an export task runs
        let task = try await world.useCases.tasks.create(.export, input: Self.exportInput(image.id), by: owner.actor)
        _ = try await Self.runAll(world)
        // Then the object <id>.raw holds the data, with the image's checksum as ETag and the image as its source
        let done = try await world.useCases.tasks.task(task.id, for: owner.principal)
        #expect(done.status == .success, "\(done.message)")
        #expect(done.result?["export_location"] == .string("exports/\(image.id).raw"))
        let (object, stored) = try await world.objectBytes("\(image.id).raw", in: "exports", of: tenant)
        #expect(object.etag == image.checksum)
        #expect(object.size == Int64(bytes.count))
        #expect(object.sourceImage == image.id)
        #expect(stored == bytes)
        let types = try await world.auditEvents(image: image.id).map(\.type)
        #expect(types.suffix(2) == [.exportRequested, .exportSucceeded])
        // Exporting again replaces the object (one object, one blob)
        _ = try await world.useCases.tasks.create(.export, input: Self.exportInput(image.id), by: owner.actor)
        _ = try await Self.runAll(world)
        #expect(try await world.listObjects("exports", of: tenant, ObjectListing()).count == 1)
        let files = try await world.objectInventory(of: tenant)
        #expect(files.objects == 1)
        #expect(files.leftovers.isEmpty)
    }

    @Test func export_intoAMissingContainer_fails() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let image = try await world.activeImage(by: owner)
        let task = try await world.useCases.tasks.create(.export, input: Self.exportInput(image.id, container: "nowhere"), by: owner.actor)
        _ = try await Self.runAll(world)
        let done = try await world.useCases.tasks.task(task.id, for: owner.principal)
        #expect(done.status == .failure)
        #expect(done.message.contains("nowhere"))
    }

    @Test func export_ofASnapshotOfASharedImage_isBlocked_evenAfterTheBaseIsDeleted() async throws {
        // Given the consumer's snapshot of a server booted from the producer's shared image
        let world = try await TestWorld()
        let producer = try await world.token(try await world.tenant("1001"))
        let consumer = try await world.token(try await world.tenant("2002"))
        let consumerID = try #require(consumer.tenant)
        let base = try await world.activeImage(by: producer, name: "golden", data: Array("golden image".utf8))
        try await world.share(base, by: producer, with: consumer, status: .accepted)
        let server = try await world.useCases.compute.boot(name: "vm", imageRef: base.id.rawValue, by: consumer.actor)
        let snapshot = try await world.useCases.compute.snapshot(server.id, name: "mine now?", metadata: [:], by: consumer.actor)
        _ = try await world.createContainer("exports", for: consumerID)
        // When the consumer exports the snapshot
        let first = try await world.useCases.tasks.create(.export, input: Self.exportInput(snapshot.id), by: consumer.actor)
        _ = try await Self.runAll(world)
        // Then the task fails, naming the check and the reason, and writes nothing
        let blocked = try await world.useCases.tasks.task(first.id, for: consumer.principal)
        #expect(blocked.status == .failure)
        #expect(blocked.message.contains("[not_shared_derived]"))
        #expect(blocked.message.contains("not intended to be distributed beyond the producer and consumer"))
        #expect(try await world.listObjects("exports", of: consumerID, ObjectListing()).isEmpty)
        #expect(try await world.auditEvents(image: snapshot.id).contains { $0.type == .exportBlocked })
        // When the producer deletes the base image, the export is still blocked
        try await world.useCases.lifecycle.delete(base.id, by: producer.actor)
        let second = try await world.useCases.tasks.create(.export, input: Self.exportInput(snapshot.id), by: consumer.actor)
        _ = try await Self.runAll(world)
        let still = try await world.useCases.tasks.task(second.id, for: consumer.principal)
        #expect(still.status == .failure)
        #expect(still.message.contains("[not_shared_derived]"))
        #expect(still.message.contains("since deleted"))
        #expect(try await world.listObjects("exports", of: consumerID, ObjectListing()).isEmpty)
    }

    @Test func export_ofAnotherTenantsSharedImage_isBlockedByOwnership() async throws {
        let world = try await TestWorld()
        let producer = try await world.token(try await world.tenant("1001"))
        let consumer = try await world.token(try await world.tenant("2002"))
        let base = try await world.activeImage(by: producer)
        try await world.share(base, by: producer, with: consumer, status: .accepted)
        _ = try await world.createContainer("exports", for: try #require(consumer.tenant))
        let task = try await world.useCases.tasks.create(.export, input: Self.exportInput(base.id), by: consumer.actor)
        _ = try await Self.runAll(world)
        let done = try await world.useCases.tasks.task(task.id, for: consumer.principal)
        #expect(done.status == .failure)
        #expect(done.message.contains("[owner]"))
        // The producer's audit trail is not written into by the consumer's attempt
        let events = try await world.useCases.audit.events(AuditQuery(), for: producer.principal).events
        #expect(!events.contains { $0.type == .exportBlocked })
    }

    @Test func import_ofAnExportedObject_recordsTheSourceImageInItsLineage() async throws {
        // Given the owner's image exported to an object
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let tenant = try #require(owner.tenant)
        let original = try await world.activeImage(by: owner, name: "original", data: Array("round trip".utf8))
        _ = try await world.createContainer("exports", for: tenant)
        _ = try await world.useCases.tasks.create(.export, input: Self.exportInput(original.id), by: owner.actor)
        _ = try await Self.runAll(world)
        // When the object is imported again
        let task = try await world.useCases.tasks.create(.import, input: Self.importInput("exports/\(original.id).raw"), by: owner.actor)
        _ = try await Self.runAll(world)
        let done = try await world.useCases.tasks.task(task.id, for: owner.principal)
        guard case .string(let idText)? = done.result?["image_id"] else {
            Issue.record("import failed: \(done.message)")
            return
        }
        // Then the new image's lineage leads back to the original
        let image = try await world.useCases.catalog.show(try ImageID.parse(idText), for: owner.principal).image
        #expect(image.origin == .importObject(container: "exports", object: "\(original.id).raw", sourceImage: original.id))
        #expect(try await world.useCases.lineage.lineage(of: image.id, for: owner.principal).map(\.imageID) == [original.id])
    }

    @Test func import_ofDataIdenticalToAnImageSharedWithTheImporter_failsContentLineage() async throws {
        // Given the producer's image shared with the consumer, and the same bytes in the consumer's object store
        let world = try await TestWorld()
        let producer = try await world.token(try await world.tenant("1001"))
        let consumer = try await world.token(try await world.tenant("2002"))
        let consumerID = try #require(consumer.tenant)
        let bytes = Array("the producer's appliance".utf8)
        let base = try await world.activeImage(by: producer, data: bytes)
        try await world.share(base, by: producer, with: consumer)
        _ = try await world.createContainer("c", for: consumerID)
        _ = try await world.putObject([ByteBuffer(bytes: bytes)].async, container: "c", name: "copy.raw", contentType: "application/octet-stream", expectedETag: nil, for: consumerID)
        // When the consumer imports it and tries to export the result
        let task = try await world.useCases.tasks.create(.import, input: Self.importInput("c/copy.raw"), by: consumer.actor)
        _ = try await Self.runAll(world)
        let done = try await world.useCases.tasks.task(task.id, for: consumer.principal)
        guard case .string(let idText)? = done.result?["image_id"] else {
            Issue.record("import failed: \(done.message)")
            return
        }
        let imported = try ImageID.parse(idText)
        // Then content lineage blocks it
        let checks = try await world.useCases.lineage.exportChecklist(imported, for: consumer.principal)
        #expect(checks.filter { !$0.passed }.map(\.item) == [.contentLineage])
        let export = try await world.useCases.tasks.create(.export, input: Self.exportInput(imported, container: "c"), by: consumer.actor)
        _ = try await Self.runAll(world)
        let blocked = try await world.useCases.tasks.task(export.id, for: consumer.principal)
        #expect(blocked.status == .failure)
        #expect(blocked.message.contains("[content_lineage]"))
    }

    @Test func recoverInterrupted_requeuesProcessingTasks_andAReRunSucceedsOnce() async throws {
        // Given an import task a stopped server left `processing`
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let tenant = try #require(owner.tenant)
        _ = try await world.createContainer("uploads", for: tenant)
        _ = try await world.putObject(
            [ByteBuffer(string: "disk")].async, container: "uploads", name: "a.img", contentType: "application/octet-stream", expectedETag: nil, for: tenant)
        let task = try await world.useCases.tasks.create(.import, input: Self.importInput("uploads/a.img"), by: owner.actor)
        try await world.executeSQL("UPDATE tasks SET status = 'processing' WHERE id = ?", [task.id.rawValue])
        // A processing task is not claimed again
        #expect(try await world.useCases.taskWorker.runNext() == false)
        // When the server starts again
        #expect(try await world.useCases.taskWorker.recoverInterrupted() == 1)
        let requeued = try await world.useCases.tasks.task(task.id, for: owner.principal)
        #expect(requeued.status == .pending)
        #expect(requeued.message.contains("restarted"))
        // Then the task runs once and makes one image
        #expect(try await Self.runAll(world) == 1)
        #expect(try await world.useCases.tasks.task(task.id, for: owner.principal).status == .success)
        #expect(try await world.useCases.taskWorker.recoverInterrupted() == 0)
        #expect(try await Self.runAll(world) == 0)
        let images = try await world.useCases.catalog.list(ImageListQuery(), for: owner.principal).images
        #expect(images.count == 1)
        #expect(try await world.blobInventory().images.count == 1)
    }

    @Test func tasks_areListedForTheirOwnerOnly_withFilters() async throws {
        let world = try await TestWorld()
        let owner = try await world.token(try await world.tenant("1001"))
        let other = try await world.token(try await world.tenant("2002"))
        let support = try await world.staff("help", role: .support)
        let image = try await world.activeImage(by: owner)
        let export = try await world.useCases.tasks.create(.export, input: Self.exportInput(image.id), by: owner.actor)
        let imported = try await world.useCases.tasks.create(.import, input: Self.importInput("c/o"), by: owner.actor)
        _ = try await world.useCases.tasks.create(.import, input: Self.importInput("c/o"), by: other.actor)
        #expect(Set(try await world.useCases.tasks.list(TaskQuery(), for: owner.principal).tasks.map(\.id)) == [export.id, imported.id])
        #expect(try await world.useCases.tasks.list(TaskQuery(type: .export), for: owner.principal).tasks.map(\.id) == [export.id])
        #expect(try await world.useCases.tasks.list(TaskQuery(status: .success), for: owner.principal).tasks.isEmpty)
        #expect(try await world.useCases.tasks.list(TaskQuery(), for: support.principal).tasks.count == 3)
        await expectDomainError(.notFound) { try await world.useCases.tasks.task(export.id, for: other.principal) }
        let firstPage = try await world.useCases.tasks.list(TaskQuery(limit: 1), for: owner.principal)
        #expect(firstPage.tasks.count == 1)
        let next = try #require(firstPage.next)
        let secondPage = try await world.useCases.tasks.list(TaskQuery(limit: 1, marker: next), for: owner.principal)
        #expect(secondPage.tasks.count == 1)
        #expect(secondPage.tasks.first?.id != firstPage.tasks.first?.id)
    }
}
