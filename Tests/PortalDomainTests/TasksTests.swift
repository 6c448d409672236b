import Foundation
import PortalDomain
import Testing

// Import/export task inputs (Rackspace Cloud Images tasks) and container/object names.

@Suite("TaskRules")
struct TaskRulesTests {
    // MARK: import

    @Test func importRequest_valid_parsesContainerObjectFormatAndDraft() {
        // Given
        let input = jsonObject(
            #"{"import_from": "images/linux/web.qcow2", "import_from_format": "qcow2", "image_properties": {"name": "web", "os_type": "linux"}}"#)
        // When
        let request = try? TaskRules.importRequest(from: input)
        // Then
        #expect(request?.container == "images")
        #expect(request?.object == "linux/web.qcow2")
        #expect(request?.format == .qcow2)
        #expect(request?.draft.name == "web")
        #expect(request?.draft.diskFormat == .qcow2)
        #expect(request?.draft.containerFormat == .bare)
        #expect(request?.draft.properties == ["os_type": "linux"])
    }

    @Test func importRequest_withoutImageProperties_defaultsTheDraft() {
        let request = try? TaskRules.importRequest(from: jsonObject(#"{"import_from": "c/o", "import_from_format": "raw"}"#))
        #expect(request?.draft == ImageDraft(diskFormat: .raw, containerFormat: .bare))
    }

    @Test func importRequest_declaredContainerFormat_isKept() {
        let request = try? TaskRules.importRequest(
            from: jsonObject(#"{"import_from": "c/o", "import_from_format": "vhd", "image_properties": {"container_format": "ovf"}}"#))
        #expect(request?.draft.containerFormat == .ovf)
    }

    @Test func importRequest_matchingDeclaredDiskFormat_isAccepted() {
        let request = try? TaskRules.importRequest(
            from: jsonObject(#"{"import_from": "c/o", "import_from_format": "vhd", "image_properties": {"disk_format": "vhd"}}"#))
        #expect(request?.draft.diskFormat == .vhd)
    }

    static let importRefusals: [BodyCase] = [
        BodyCase(#"{}"#, 400),
        BodyCase(#"{"import_from_format": "raw"}"#, 400),
        BodyCase(#"{"import_from": 5, "import_from_format": "raw"}"#, 400),
        BodyCase(#"{"import_from": "no-slash", "import_from_format": "raw"}"#, 400),
        BodyCase(#"{"import_from": "/object", "import_from_format": "raw"}"#, 400),
        BodyCase(#"{"import_from": "container/", "import_from_format": "raw"}"#, 400),
        BodyCase(#"{"import_from": "../o", "import_from_format": "raw"}"#, 400),
        BodyCase(#"{"import_from": "c/o\u0000x", "import_from_format": "raw"}"#, 400),
        BodyCase(#"{"import_from": "c/o"}"#, 400),
        BodyCase(#"{"import_from": "c/o", "import_from_format": "qcow3"}"#, 400),
        BodyCase(#"{"import_from": "c/o", "import_from_format": 1}"#, 400),
        BodyCase(#"{"import_from": "c/o", "import_from_format": "raw", "image_properties": "name=x"}"#, 400),
        BodyCase(#"{"import_from": "c/o", "import_from_format": "raw", "image_properties": {"disk_format": "qcow2"}}"#, 400),
        BodyCase(#"{"import_from": "c/o", "import_from_format": "raw", "image_properties": {"name": 5}}"#, 400),
        BodyCase(#"{"import_from": "c/o", "import_from_format": "raw", "image_properties": {"status": "active"}}"#, 403),
        BodyCase(#"{"import_from": "c/o", "import_from_format": "raw", "image_properties": {"os_glance_x": "y"}}"#, 403),
    ]

    @Test(arguments: importRefusals)
    func importRequest_badInput_isRefused(_ c: BodyCase) {
        let input = jsonObject(c.body)
        #expect(status { () throws(DomainError) in try TaskRules.importRequest(from: input) } == c.expected)
        #expect(status { () throws(DomainError) in try TaskRules.validate(type: .import, input: input) } == c.expected)
    }

    // MARK: export

    @Test func exportRequest_valid_parsesImageAndContainer() {
        let request = try? TaskRules.exportRequest(
            from: jsonObject(#"{"image_uuid": "11111111-1111-4111-8111-111111111111", "receiving_swift_container": "exports"}"#))
        #expect(request?.imageID == ImageIDs.subject)
        #expect(request?.container == "exports")
    }

    static let exportRefusals: [BodyCase] = [
        BodyCase(#"{}"#, 400),
        BodyCase(#"{"receiving_swift_container": "exports"}"#, 400),
        BodyCase(#"{"image_uuid": "nope", "receiving_swift_container": "exports"}"#, 400),
        BodyCase(#"{"image_uuid": 1, "receiving_swift_container": "exports"}"#, 400),
        BodyCase(#"{"image_uuid": "11111111-1111-4111-8111-111111111111"}"#, 400),
        BodyCase(#"{"image_uuid": "11111111-1111-4111-8111-111111111111", "receiving_swift_container": "a/b"}"#, 400),
        BodyCase(#"{"image_uuid": "11111111-1111-4111-8111-111111111111", "receiving_swift_container": ""}"#, 400),
        BodyCase(#"{"image_uuid": "11111111-1111-4111-8111-111111111111", "receiving_swift_container": ".."}"#, 400),
    ]

    @Test(arguments: exportRefusals)
    func exportRequest_badInput_is400(_ c: BodyCase) {
        let input = jsonObject(c.body)
        #expect(status { () throws(DomainError) in try TaskRules.exportRequest(from: input) } == c.expected)
        #expect(status { () throws(DomainError) in try TaskRules.validate(type: .export, input: input) } == c.expected)
    }

    @Test(arguments: [(DiskFormat?.some(.qcow2), "qcow2"), (.some(.vhd), "vhd"), (nil, "raw")])
    func exportObjectName_isImageIDDotFormat(_ format: DiskFormat?, _ suffix: String) {
        #expect(TaskRules.exportObjectName(for: makeImage(diskFormat: format)) == "\(ImageIDs.subject).\(suffix)")
    }

    @Test func timeToLive_is48Hours() {
        #expect(TaskRules.timeToLive == 172_800)
    }
}

@Suite("ObjectNames")
struct ObjectNamesTests {
    @Test(arguments: ["c", "my-container", "with space", "ünïcode", String(repeating: "c", count: 256), "...", ".hidden"])
    func container_valid_isAccepted(_ name: String) {
        #expect((try? ObjectNames.container(name)) == name)
    }

    @Test(arguments: ["", String(repeating: "c", count: 257), String(repeating: "é", count: 129), "a/b", "/", ".", "..", "a\u{0}b", "a\nb", "a\u{7f}b", "\t"])
    func container_invalid_is400(_ name: String) {
        #expect(status { () throws(DomainError) in try ObjectNames.container(name) } == 400)
    }

    @Test(arguments: ["o", "dir/sub/file.qcow2", "../escape", "with space", String(repeating: "o", count: 1024)])
    func object_valid_isAcceptedSlashesIncluded(_ name: String) {
        #expect((try? ObjectNames.object(name)) == name)
    }

    @Test(arguments: ["", String(repeating: "o", count: 1025), "a\u{0}b", "a\rb", "a\u{1f}b", "a\u{7f}b"])
    func object_invalid_is400(_ name: String) {
        #expect(status { () throws(DomainError) in try ObjectNames.object(name) } == 400)
    }
}
