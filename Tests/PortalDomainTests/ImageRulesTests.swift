import Foundation
import PortalDomain
import Testing

// ImageRules against PRODUCT.md ("Visibility", "Image lifecycle", compatibility facts) and Glance v2's
// answers (api/v2/images.py: RequestDeserializer.create/update, ImagesController._do_add/_do_replace/_do_remove).

/// A table row: a request body (JSON) and the status Glance answers it with.
struct BodyCase: Sendable, CustomTestStringConvertible {
    var body: String
    var expected: Int
    /// The exact message, when the brief of the API fixes it.
    var message: String?
    var testDescription: String { "\(body) → \(expected)" }

    init(_ body: String, _ expected: Int, _ message: String? = nil) {
        self.body = body
        self.expected = expected
        self.message = message
    }
}

private let long255 = String(repeating: "n", count: 255)
private let long256 = String(repeating: "n", count: 256)

@Suite("ImageRules")
struct ImageRulesTests {
    // MARK: - v2 create body

    @Suite("draft(fromV2:) — POST /v2/images in Glance's order of checks")
    struct CreateBody {
        static let refusals: [BodyCase] = [
            // 1. Disallowed attributes: 403 before anything else, even before schema errors.
            BodyCase(#"{"direct_url": "x"}"#, 403, "Attribute 'direct_url' is read-only."),
            BodyCase(#"{"self": "x"}"#, 403, "Attribute 'self' is read-only."),
            BodyCase(#"{"file": "x"}"#, 403, "Attribute 'file' is read-only."),
            BodyCase(#"{"schema": "x"}"#, 403, "Attribute 'schema' is read-only."),
            BodyCase(#"{"stores": "x"}"#, 403, "Attribute 'stores' is read-only."),
            BodyCase(#"{"self": "x", "name": 5}"#, 403, "Attribute 'self' is read-only."),
            BodyCase(#"{"file": "x", "foo": 1}"#, 403, "Attribute 'file' is read-only."),
            // 2. Schema (400): base attributes of the wrong type or value.
            BodyCase(#"{"name": 5}"#, 400),
            BodyCase(#"{"name": "\#(long256)"}"#, 400),
            BodyCase(#"{"visibility": "everyone"}"#, 400),
            BodyCase(#"{"visibility": null}"#, 400),
            BodyCase(#"{"protected": "true"}"#, 400),
            BodyCase(#"{"os_hidden": 1}"#, 400),
            BodyCase(#"{"min_disk": "1"}"#, 400),
            BodyCase(#"{"min_ram": 1.5}"#, 400),
            BodyCase(#"{"tags": "a"}"#, 400),
            BodyCase(#"{"tags": [1]}"#, 400),
            BodyCase(#"{"tags": ["\#(long256)"]}"#, 400),
            BodyCase(#"{"id": "not-a-uuid"}"#, 400),
            BodyCase(#"{"id": 5}"#, 400),
            BodyCase(#"{"disk_format": "qcow3"}"#, 400),
            BodyCase(#"{"disk_format": 5}"#, 400),
            BodyCase(#"{"container_format": "zip"}"#, 400),
            BodyCase(#"{"owner": 1001}"#, 400),
            BodyCase(#"{"owner": "not-digits"}"#, 400),
            BodyCase(#"{"owner": "12345678901234567"}"#, 400),
            BodyCase(#"{"size": "big"}"#, 400),
            BodyCase(#"{"status": 1}"#, 400),
            BodyCase(#"{"checksum": false}"#, 400),
            // Schema errors come before read-only and reserved names.
            BodyCase(#"{"name": 5, "status": "active"}"#, 400),
            BodyCase(#"{"os_glance_x": 1}"#, 400),
            // 2b. Extra properties must be strings.
            BodyCase(#"{"foo": 1}"#, 400),
            BodyCase(#"{"foo": true}"#, 400),
            BodyCase(#"{"foo": null}"#, 400),
            BodyCase(#"{"foo": ["a"]}"#, 400),
            BodyCase(#"{"foo": {"a": "b"}}"#, 400),
            BodyCase(#"{"\#(long256)": "v"}"#, 400, "Custom property should not be greater than 255 characters."),
            // 3. Reserved names: 403.
            BodyCase(#"{"os_glance_import_task": "x"}"#, 403, "Attribute 'os_glance_import_task' is reserved."),
            BodyCase(#"{"os_glance_": "x"}"#, 403, "Attribute 'os_glance_' is reserved."),
            BodyCase(#"{"location": "x"}"#, 403, "Attribute 'location' is reserved."),
            BodyCase(#"{"deleted": "x"}"#, 403, "Attribute 'deleted' is reserved."),
            BodyCase(#"{"deleted_at": "x"}"#, 403, "Attribute 'deleted_at' is reserved."),
            BodyCase(#"{"locations": []}"#, 403),
            // 4. Read-only attributes with well-typed values: 403.
            BodyCase(#"{"status": "active"}"#, 403, "Attribute 'status' is read-only."),
            BodyCase(#"{"size": 10}"#, 403, "Attribute 'size' is read-only."),
            BodyCase(#"{"size": null}"#, 403, "Attribute 'size' is read-only."),
            BodyCase(#"{"virtual_size": 10}"#, 403, "Attribute 'virtual_size' is read-only."),
            BodyCase(#"{"checksum": "0123456789abcdef0123456789abcdef"}"#, 403, "Attribute 'checksum' is read-only."),
            BodyCase(#"{"os_hash_algo": "sha512"}"#, 403, "Attribute 'os_hash_algo' is read-only."),
            BodyCase(#"{"os_hash_value": "ab"}"#, 403, "Attribute 'os_hash_value' is read-only."),
            BodyCase(#"{"created_at": "2024-01-01T00:00:00Z"}"#, 403, "Attribute 'created_at' is read-only."),
            BodyCase(#"{"updated_at": "2024-01-01T00:00:00Z"}"#, 403, "Attribute 'updated_at' is read-only."),
        ]

        @Test(arguments: refusals)
        func draft_withBadBody_isRefusedAsGlanceDoes(_ c: BodyCase) {
            // Given
            let body = jsonObject(c.body)
            // When
            let error = refusal { () throws(DomainError) in try ImageRules.draft(fromV2: body) }
            // Then
            #expect(error?.statusCode == c.expected, "\(String(describing: error))")
            if let message = c.message {
                #expect(error?.message == message)
            }
        }

        @Test func draft_withEveryAttribute_parsesThemAll() {
            // Given
            let body = jsonObject(
                #"""
                {"id": "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", "name": "web", "visibility": "private",
                 "disk_format": "qcow2", "container_format": "bare", "min_disk": 10, "min_ram": 512,
                 "protected": true, "os_hidden": true, "tags": ["a", "b"], "owner": "2002",
                 "os_distro": "ubuntu", "os_type": "linux"}
                """#)
            // When
            let draft = try? ImageRules.draft(fromV2: body)
            // Then
            #expect(
                draft
                    == ImageDraft(
                        id: ImageID(rawValue: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"), name: "web", visibility: .private, diskFormat: .qcow2,
                        containerFormat: .bare, minDisk: 10, minRam: 512, protected: true, osHidden: true, tags: ["a", "b"],
                        owner: Tenants.consumer, properties: ["os_distro": "ubuntu", "os_type": "linux"]))
        }

        @Test func draft_emptyBody_givesDefaults() {
            #expect((try? ImageRules.draft(fromV2: [:])) == ImageDraft())
        }

        @Test func draft_nullsForNullableAttributes_leaveThemUnset() {
            // Given
            let body = jsonObject(#"{"name": null, "disk_format": null, "container_format": null, "owner": null}"#)
            // When
            let draft = try? ImageRules.draft(fromV2: body)
            // Then
            #expect(draft == ImageDraft())
        }

        @Test func draft_atThe255CharacterLimits_isAccepted() {
            // Given a 255-character name, tag, property key and owner-less body
            let body = jsonObject(#"{"name": "\#(long255)", "tags": ["\#(long255)"], "\#(long255)": "v"}"#)
            // When
            let draft = try? ImageRules.draft(fromV2: body)
            // Then
            #expect(draft?.name == long255)
            #expect(draft?.tags == [long255])
            #expect(draft?.properties == [long255: "v"])
        }

        @Test func draft_ownerDDI_isParsed() {
            #expect((try? ImageRules.draft(fromV2: jsonObject(#"{"owner": "0042"}"#)))?.owner == TenantID(rawValue: "0042"))
        }
    }

    // MARK: - New images

    @Suite("newImage")
    struct NewImage {
        @Test func newImage_byTenant_isQueuedSharedAndOwnedByTheCaller() {
            // Given
            let draft = ImageDraft(name: "web", diskFormat: .raw, containerFormat: .bare)
            // When
            let image = try? ImageRules.newImage(draft, by: Principals.owner, now: Instants.t0)
            // Then
            #expect(image?.status == .queued)
            #expect(image?.visibility == .shared)
            #expect(image?.owner == Tenants.owner)
            #expect(image?.createdAt == Instants.t0)
            #expect(image?.updatedAt == Instants.t0)
            #expect(image?.origin == .upload)
            #expect(image?.size == nil)
            #expect(image?.checksum == nil)
        }

        @Test func newImage_withDraftID_keepsIt_withoutOne_generatesALowerCaseUUID() {
            // When
            let given = try? ImageRules.newImage(ImageDraft(id: ImageIDs.base), by: Principals.owner, now: Instants.t0)
            let generated = try? ImageRules.newImage(ImageDraft(), by: Principals.owner, now: Instants.t0)
            // Then
            #expect(given?.id == ImageIDs.base)
            #expect(generated.map { $0.id.rawValue == $0.id.rawValue.lowercased() } == true)
            #expect(generated.flatMap { ImageID(rawValue: $0.id.rawValue) } != nil)
        }

        struct VisibilityCase: Sendable, CustomTestStringConvertible {
            var principal: Principal
            var owner: TenantID?
            var visibility: Visibility
            var expected: Int
            var testDescription: String { "\(principal.label) creates \(visibility.rawValue) → \(expected)" }
        }

        static let visibilityCases: [VisibilityCase] = [
            VisibilityCase(principal: Principals.owner, owner: nil, visibility: .public, expected: 403),
            VisibilityCase(principal: Principals.owner, owner: nil, visibility: .community, expected: 200),
            VisibilityCase(principal: Principals.owner, owner: nil, visibility: .shared, expected: 200),
            VisibilityCase(principal: Principals.owner, owner: nil, visibility: .private, expected: 200),
            VisibilityCase(principal: Principals.ownerAdmin, owner: nil, visibility: .public, expected: 200),
            VisibilityCase(principal: Principals.staffAdmin, owner: Tenants.owner, visibility: .public, expected: 200),
            VisibilityCase(principal: Principals.support, owner: Tenants.owner, visibility: .private, expected: 403),
        ]

        @Test("only admins may create public images", arguments: visibilityCases)
        func newImage_visibility_onlyAdminsMakePublic(_ c: VisibilityCase) {
            // Given
            let draft = ImageDraft(visibility: c.visibility, owner: c.owner)
            // When / Then
            #expect(status { () throws(DomainError) in try ImageRules.newImage(draft, by: c.principal, now: Instants.t0) } == c.expected)
        }

        @Test func newImage_nonAdminNamingAnotherOwner_isForbidden() {
            // Given
            let draft = ImageDraft(owner: Tenants.consumer)
            // When
            let error = refusal { () throws(DomainError) in try ImageRules.newImage(draft, by: Principals.owner, now: Instants.t0) }
            // Then
            #expect(error == .forbidden("You are not permitted to create images owned by '2002'."))
        }

        @Test func newImage_nonAdminNamingItself_isAccepted() {
            let image = try? ImageRules.newImage(ImageDraft(owner: Tenants.owner), by: Principals.owner, now: Instants.t0)
            #expect(image?.owner == Tenants.owner)
        }

        @Test(arguments: [Principals.tenantAdmin, Principals.staffAdmin])
        func newImage_adminNamingAnotherOwner_createsItForThatOwner(_ admin: Principal) {
            let image = try? ImageRules.newImage(ImageDraft(owner: Tenants.consumer), by: admin, now: Instants.t0)
            #expect(image?.owner == Tenants.consumer)
        }

        @Test func newImage_staffWithoutOwner_is400() {
            #expect(status { () throws(DomainError) in try ImageRules.newImage(ImageDraft(), by: Principals.staffAdmin, now: Instants.t0) } == 400)
        }

        @Test(arguments: [nil, Tenants.owner])
        func newImage_bySupport_isForbidden(_ owner: TenantID?) {
            // When
            let error = refusal { () throws(DomainError) in
                try ImageRules.newImage(ImageDraft(owner: owner), by: Principals.support, now: Instants.t0)
            }
            // Then
            #expect(error == .forbidden("Support staff have read-only access."))
        }

        @Test func newImage_exportRestrictedByNonAdmin_isForbidden() {
            // Given
            let draft = ImageDraft(properties: [ImageRules.exportRestrictedKey: "true"])
            // When / Then
            #expect(status { () throws(DomainError) in try ImageRules.newImage(draft, by: Principals.owner, now: Instants.t0) } == 403)
            #expect(status { () throws(DomainError) in try ImageRules.newImage(draft, by: Principals.ownerAdmin, now: Instants.t0) } == 200)
        }

        struct ValueCase: Sendable, CustomTestStringConvertible {
            var name: String
            var draft: ImageDraft
            var expected: Int
            var testDescription: String { "\(name) → \(expected)" }
        }

        static let valueCases: [ValueCase] = [
            ValueCase(name: "255-character name", draft: ImageDraft(name: long255), expected: 200),
            ValueCase(name: "256-character name", draft: ImageDraft(name: long256), expected: 400),
            ValueCase(name: "negative min_disk", draft: ImageDraft(minDisk: -1), expected: 400),
            ValueCase(name: "negative min_ram", draft: ImageDraft(minRam: -1), expected: 400),
            ValueCase(name: "empty tag", draft: ImageDraft(tags: [""]), expected: 400),
            ValueCase(name: "256-character tag", draft: ImageDraft(tags: [long256]), expected: 400),
            ValueCase(name: "128 tags", draft: ImageDraft(tags: (1...128).map { "t\($0)" }), expected: 200),
            ValueCase(name: "129 tags", draft: ImageDraft(tags: (1...129).map { "t\($0)" }), expected: 413),
            ValueCase(name: "129 tags with a duplicate", draft: ImageDraft(tags: (1...128).map { "t\($0)" } + ["t1"]), expected: 200),
            ValueCase(name: "128 properties", draft: ImageDraft(properties: properties(128)), expected: 200),
            ValueCase(name: "129 properties", draft: ImageDraft(properties: properties(129)), expected: 413),
            ValueCase(name: "empty property key", draft: ImageDraft(properties: ["": "v"]), expected: 400),
            ValueCase(
                name: "65535-byte property value", draft: ImageDraft(properties: ["k": String(repeating: "v", count: 65_535)]), expected: 200),
            ValueCase(
                name: "65536-byte property value", draft: ImageDraft(properties: ["k": String(repeating: "v", count: 65_536)]), expected: 400),
        ]

        @Test(arguments: valueCases)
        func newImage_valueLimits(_ c: ValueCase) {
            #expect(status { () throws(DomainError) in try ImageRules.newImage(c.draft, by: Principals.owner, now: Instants.t0) } == c.expected)
        }

        @Test func newImage_duplicateTags_keepFirstOccurrencesInOrder() {
            let image = try? ImageRules.newImage(ImageDraft(tags: ["b", "a", "b", "c", "a"]), by: Principals.owner, now: Instants.t0)
            #expect(image?.tags == ["b", "a", "c"])
        }

        @Test func newImage_withOrigin_recordsIt() {
            // Given
            let origin = ImageOrigin.snapshot(server: ImageIDs.server, bootImage: ImageIDs.base)
            // When
            let image = try? ImageRules.newImage(ImageDraft(), by: Principals.owner, now: Instants.t0, origin: origin)
            // Then
            #expect(image?.origin == origin)
        }
    }

    // MARK: - JSON patch

    @Suite("patchOperations — PATCH body parsing")
    struct PatchParsing {
        typealias Op = ImageRules.PatchOperation

        @Test func patchOperations_draft10_parsesAddReplaceRemove() {
            // Given
            let body = json(
                #"""
                [{"op": "replace", "path": "/name", "value": "x"},
                 {"op": "add", "path": "/tags", "value": ["a"]},
                 {"op": "remove", "path": "/foo"},
                 {"op": "remove", "path": "/bar", "value": "ignored"}]
                """#)
            // When
            let operations = try? ImageRules.patchOperations(from: body, draft10: true)
            // Then
            #expect(
                operations == [
                    Op(op: .replace, attribute: "name", value: .string("x")),
                    Op(op: .add, attribute: "tags", value: .array([.string("a")])),
                    Op(op: .remove, attribute: "foo", value: nil),
                    Op(op: .remove, attribute: "bar", value: nil),
                ])
        }

        @Test func patchOperations_draft4_parsesTheOpNamedMemberForm() {
            // Given
            let body = json(#"[{"replace": "/name", "value": "x"}, {"add": "/foo", "value": "v"}, {"remove": "/bar"}]"#)
            // When
            let operations = try? ImageRules.patchOperations(from: body, draft10: false)
            // Then
            #expect(
                operations == [
                    Op(op: .replace, attribute: "name", value: .string("x"), strictAdd: true),
                    Op(op: .add, attribute: "foo", value: .string("v"), strictAdd: true),
                    Op(op: .remove, attribute: "bar", value: nil, strictAdd: true),
                ])
        }

        @Test func patchOperations_emptyArray_isNoOperations() {
            #expect((try? ImageRules.patchOperations(from: json("[]"), draft10: true)) == [])
        }

        struct PatchCase: Sendable, CustomTestStringConvertible {
            var body: String
            var draft10: Bool
            var expected: Int
            var testDescription: String { "\(draft10 ? "v2.1" : "v2.0") \(body) → \(expected)" }
        }

        static let refusals: [PatchCase] = [
            PatchCase(body: #"{"op": "replace", "path": "/name", "value": "x"}"#, draft10: true, expected: 400),
            PatchCase(body: #"["replace"]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"path": "/name", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "move", "path": "/name", "from": "/foo"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "copy", "path": "/name", "from": "/foo"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "test", "path": "/name", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "REPLACE", "path": "/name", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": 1, "path": "/name", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": 5, "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "/name"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "add", "path": "/foo"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"replace": "/name"}]"#, draft10: false, expected: 400),
            PatchCase(body: #"[{"replace": "/name", "add": "/name", "value": "x"}]"#, draft10: false, expected: 400),
            PatchCase(body: #"[{"value": "x"}]"#, draft10: false, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "/name", "value": "x"}]"#, draft10: false, expected: 400),
            // Pointers (Glance's _validate_json_pointer and path-depth rule).
            PatchCase(body: #"[{"op": "replace", "path": "name", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "/name/", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "//name", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "/a/ /b", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "/a~2b", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "/a~", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "replace", "path": "/tags/0", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "add", "path": "/foo/bar", "value": "x"}]"#, draft10: true, expected: 400),
            PatchCase(body: #"[{"op": "add", "path": "/locations/0", "value": {"url": "x"}}]"#, draft10: true, expected: 403),
        ]

        @Test(arguments: refusals)
        func patchOperations_malformed_isRefused(_ c: PatchCase) {
            let body = json(c.body)
            #expect(status { () throws(DomainError) in try ImageRules.patchOperations(from: body, draft10: c.draft10) } == c.expected)
        }

        @Test(
            "JSON pointers decode ~1 to / and ~0 to ~ (in that order), trimming blanks",
            arguments: [
                ("/a~1b", "a/b"), ("/a~0b", "a~b"), ("/~01", "~1"), ("/~10", "/0"), ("/~0~1", "~/"), ("/ name ", "name"),
                ("/os_distro", "os_distro"),
            ])
        func patchOperations_pointer_decodesEscapes(_ pointer: String, _ attribute: String) {
            // Given
            let body = JSONValue.array([.object(["op": .string("remove"), "path": .string(pointer)])])
            // When
            let operations = try? ImageRules.patchOperations(from: body, draft10: true)
            // Then
            #expect(operations?.first?.attribute == attribute)
        }
    }

    @Suite("changes(from:current:) — patch operations against the image")
    struct Changes {
        typealias Op = ImageRules.PatchOperation

        static let current = makeImage(status: .queued, properties: ["os_distro": "ubuntu", "hw_disk_bus": "scsi"])

        static func changes(_ operations: [Op]) throws(DomainError) -> [ImageChange] {
            try ImageRules.changes(from: operations, current: current)
        }

        struct Case: Sendable, CustomTestStringConvertible {
            var operation: Op
            var expected: [ImageChange]
            var testDescription: String { "\(operation.op.rawValue) /\(operation.attribute)" }
        }

        static let accepted: [Case] = [
            Case(operation: Op(op: .replace, attribute: "name", value: .string("x")), expected: [.name("x")]),
            Case(operation: Op(op: .add, attribute: "name", value: .string("x")), expected: [.name("x")]),
            Case(operation: Op(op: .replace, attribute: "name", value: .null), expected: [.name(nil)]),
            Case(operation: Op(op: .replace, attribute: "visibility", value: .string("private")), expected: [.visibility(.private)]),
            Case(operation: Op(op: .replace, attribute: "protected", value: .bool(true)), expected: [.protected(true)]),
            Case(operation: Op(op: .replace, attribute: "os_hidden", value: .bool(true)), expected: [.osHidden(true)]),
            Case(operation: Op(op: .replace, attribute: "disk_format", value: .string("raw")), expected: [.diskFormat(.raw)]),
            Case(operation: Op(op: .replace, attribute: "disk_format", value: .null), expected: [.diskFormat(nil)]),
            Case(operation: Op(op: .replace, attribute: "container_format", value: .string("ova")), expected: [.containerFormat(.ova)]),
            Case(operation: Op(op: .replace, attribute: "min_disk", value: .int(20)), expected: [.minDisk(20)]),
            Case(operation: Op(op: .replace, attribute: "min_ram", value: .int(1024)), expected: [.minRam(1024)]),
            Case(operation: Op(op: .replace, attribute: "tags", value: json(#"["a", "b"]"#)), expected: [.tags(["a", "b"])]),
            Case(operation: Op(op: .replace, attribute: "owner", value: .string("2002")), expected: [.owner(Tenants.consumer)]),
            Case(operation: Op(op: .add, attribute: "os_type", value: .string("linux")), expected: [.setProperty("os_type", "linux")]),
            // draft 10: adding an existing property replaces it
            Case(operation: Op(op: .add, attribute: "os_distro", value: .string("debian")), expected: [.setProperty("os_distro", "debian")]),
            Case(operation: Op(op: .replace, attribute: "os_distro", value: .string("debian")), expected: [.setProperty("os_distro", "debian")]),
            Case(operation: Op(op: .remove, attribute: "os_distro", value: nil), expected: [.removeProperty("os_distro")]),
            Case(operation: Op(op: .add, attribute: long255, value: .string("v")), expected: [.setProperty(long255, "v")]),
        ]

        @Test(arguments: accepted)
        func changes_wellFormedOperation_becomesATypedChange(_ c: Case) {
            #expect((try? Self.changes([c.operation])) == c.expected)
        }

        static let readOnly = [
            "status", "size", "virtual_size", "checksum", "id", "created_at", "updated_at", "os_hash_algo", "os_hash_value", "direct_url",
            "self", "file", "schema", "stores",
        ]

        @Test(arguments: readOnly, [Op.Op.add, .replace, .remove])
        func changes_readOnlyAttribute_isForbidden(_ attribute: String, _ op: Op.Op) {
            // Given
            let operation = Op(op: op, attribute: attribute, value: op == .remove ? nil : .string("x"))
            // When
            let error = refusal { () throws(DomainError) in try Self.changes([operation]) }
            // Then
            #expect(error == .forbidden("Attribute '\(attribute)' is read-only."))
        }

        @Test(arguments: ["os_glance_import_task", "os_glance_x", "location", "locations", "deleted", "deleted_at"], [Op.Op.add, .replace, .remove])
        func changes_reservedAttribute_isForbidden(_ attribute: String, _ op: Op.Op) {
            let operation = Op(op: op, attribute: attribute, value: op == .remove ? nil : .string("x"))
            let error = refusal { () throws(DomainError) in try Self.changes([operation]) }
            #expect(error == .forbidden("Attribute '\(attribute)' is reserved."))
        }

        @Test(arguments: ["name", "visibility", "protected", "os_hidden", "disk_format", "container_format", "min_disk", "min_ram", "tags", "owner"])
        func changes_removingABaseAttribute_isForbidden(_ attribute: String) {
            let error = refusal { () throws(DomainError) in try Self.changes([Op(op: .remove, attribute: attribute, value: nil)]) }
            #expect(error == .forbidden("Property \(attribute) may not be removed."))
        }

        @Test(arguments: [Op.Op.replace, .remove])
        func changes_replaceOrRemoveOfAMissingProperty_isConflict(_ op: Op.Op) {
            // Given a property the image does not carry
            let operation = Op(op: op, attribute: "missing", value: op == .remove ? nil : .string("x"))
            // When
            let error = refusal { () throws(DomainError) in try Self.changes([operation]) }
            // Then
            #expect(error == .conflict("Property missing does not exist."))
        }

        struct BadValue: Sendable, CustomTestStringConvertible {
            var attribute: String
            var value: JSONValue
            var testDescription: String { "\(attribute) = \(value.brief)" }
        }

        static let badValues: [BadValue] = [
            BadValue(attribute: "name", value: .int(5)),
            BadValue(attribute: "name", value: .string(long256)),
            BadValue(attribute: "visibility", value: .string("everyone")),
            BadValue(attribute: "visibility", value: .null),
            BadValue(attribute: "protected", value: .string("true")),
            BadValue(attribute: "os_hidden", value: .null),
            BadValue(attribute: "disk_format", value: .string("qcow3")),
            BadValue(attribute: "container_format", value: .int(1)),
            BadValue(attribute: "min_disk", value: .string("1")),
            BadValue(attribute: "min_ram", value: .double(1.5)),
            BadValue(attribute: "tags", value: .string("a")),
            BadValue(attribute: "tags", value: .array([.int(1)])),
            BadValue(attribute: "owner", value: .null),
            BadValue(attribute: "owner", value: .string("abc")),
            BadValue(attribute: "os_type", value: .int(1)),
            BadValue(attribute: "os_type", value: .null),
            BadValue(attribute: long256, value: .string("v")),
        ]

        @Test(arguments: badValues)
        func changes_badValue_is400(_ c: BadValue) {
            #expect(status { () throws(DomainError) in try Self.changes([Op(op: .add, attribute: c.attribute, value: c.value)]) } == 400)
        }

        @Test func changes_addThenRemoveOfANewPropertyInOnePatch_isAccepted() {
            // Given
            let operations = [Op(op: .add, attribute: "tmp", value: .string("1")), Op(op: .remove, attribute: "tmp", value: nil)]
            // When / Then
            #expect((try? Self.changes(operations)) == [.setProperty("tmp", "1"), .removeProperty("tmp")])
        }

        @Test func changes_removeThenReplaceOfTheSameProperty_isConflict() {
            let operations = [Op(op: .remove, attribute: "os_distro", value: nil), Op(op: .replace, attribute: "os_distro", value: .string("x"))]
            #expect(status { () throws(DomainError) in try Self.changes(operations) } == 409)
        }

        /// Glance's `_do_add` for the v2.0 media type (draft 4): adding a property that is already
        /// present is 409 "Property %s already present."; only draft 10 treats it as a replace.
        @Test func changes_draft4AddOfAnExistingProperty_isConflict() {
            // Given a v2.0 (draft 4) patch adding a property the image already carries
            let operations = try? ImageRules.patchOperations(from: json(#"[{"add": "/os_distro", "value": "debian"}]"#), draft10: false)
            // When
            let outcome = status { () throws(DomainError) in try Self.changes(operations ?? []) }
            // Then
            #expect(outcome == 409)
        }
    }

    // MARK: - Applying changes

    @Suite("apply")
    struct Apply {
        @Test(arguments: [ImageStatus.queued, .importing])
        func apply_formatChangeWhileQueued_isAccepted(_ status: ImageStatus) {
            // Given
            let image = makeImage(status: status, diskFormat: nil, containerFormat: nil)
            // When
            let updated = try? ImageRules.apply([.diskFormat(.raw), .containerFormat(.ova)], to: image, by: Principals.owner, now: Instants.t1)
            // Then
            #expect(updated?.diskFormat == .raw)
            #expect(updated?.containerFormat == .ova)
            #expect(updated?.updatedAt == Instants.t1)
        }

        @Test(arguments: [ImageStatus.saving, .active, .deactivated, .killed])
        func apply_formatChangeOnceNotQueued_isForbidden(_ status: ImageStatus) {
            // Given
            let image = makeImage(status: status, diskFormat: .qcow2, containerFormat: .bare)
            // When
            let disk = refusal { () throws(DomainError) in try ImageRules.apply([.diskFormat(.raw)], to: image, by: Principals.owner, now: Instants.t1) }
            let container = refusal { () throws(DomainError) in
                try ImageRules.apply([.containerFormat(.ova)], to: image, by: Principals.owner, now: Instants.t1)
            }
            // Then
            #expect(disk == .forbidden("Attribute disk_format can be only replaced for a queued image."))
            #expect(container == .forbidden("Attribute container_format can be only replaced for a queued image."))
        }

        @Test func apply_sameFormatOnActiveImage_isANoOp() {
            // Given
            let image = makeImage(status: .active, diskFormat: .qcow2, containerFormat: .bare)
            // When
            let updated = try? ImageRules.apply([.diskFormat(.qcow2), .containerFormat(.bare)], to: image, by: Principals.owner, now: Instants.t1)
            // Then
            #expect(updated == image)
        }

        @Test func apply_ownerChangeByNonAdmin_isForbidden() {
            let error = refusal { () throws(DomainError) in
                try ImageRules.apply([.owner(Tenants.consumer)], to: makeImage(), by: Principals.owner, now: Instants.t1)
            }
            #expect(error == .forbidden("Owner can't be updated by non admin."))
        }

        @Test(arguments: [Principals.ownerAdmin, Principals.tenantAdmin, Principals.staffAdmin])
        func apply_ownerChangeByAdmin_isAccepted(_ admin: Principal) {
            let updated = try? ImageRules.apply([.owner(Tenants.consumer)], to: makeImage(), by: admin, now: Instants.t1)
            #expect(updated?.owner == Tenants.consumer)
        }

        struct VisibilityCase: Sendable, CustomTestStringConvertible {
            var from: Visibility
            var to: Visibility
            var principal: Principal
            var expected: Int
            var testDescription: String { "\(principal.label): \(from.rawValue) → \(to.rawValue) = \(expected)" }
        }

        static let visibilityCases: [VisibilityCase] = [
            VisibilityCase(from: .shared, to: .public, principal: Principals.owner, expected: 403),
            VisibilityCase(from: .private, to: .public, principal: Principals.owner, expected: 403),
            VisibilityCase(from: .shared, to: .public, principal: Principals.ownerAdmin, expected: 200),
            VisibilityCase(from: .shared, to: .public, principal: Principals.staffAdmin, expected: 200),
            VisibilityCase(from: .public, to: .public, principal: Principals.owner, expected: 200),
            VisibilityCase(from: .public, to: .private, principal: Principals.owner, expected: 200),
            VisibilityCase(from: .shared, to: .private, principal: Principals.owner, expected: 200),
            VisibilityCase(from: .private, to: .shared, principal: Principals.owner, expected: 200),
            VisibilityCase(from: .shared, to: .community, principal: Principals.owner, expected: 200),
        ]

        @Test(arguments: visibilityCases)
        func apply_visibilityChange_onlyAdminsMakePublic(_ c: VisibilityCase) {
            let image = makeImage(visibility: c.from)
            #expect(status { () throws(DomainError) in try ImageRules.apply([.visibility(c.to)], to: image, by: c.principal, now: Instants.t1) } == c.expected)
        }

        @Test func apply_tagQuota_is413Beyond128() {
            // Given
            let image = makeImage()
            // When / Then
            #expect(status { () throws(DomainError) in try ImageRules.apply([.tags((1...128).map { "t\($0)" })], to: image, by: Principals.owner, now: Instants.t1) } == 200)
            #expect(status { () throws(DomainError) in try ImageRules.apply([.tags((1...129).map { "t\($0)" })], to: image, by: Principals.owner, now: Instants.t1) } == 413)
        }

        @Test func apply_propertyQuota_is413Beyond128() {
            // Given an image at the property quota
            let image = makeImage(properties: properties(128))
            // When / Then: a new property is refused, replacing or removing one is fine
            #expect(status { () throws(DomainError) in try ImageRules.apply([.setProperty("new", "v")], to: image, by: Principals.owner, now: Instants.t1) } == 413)
            #expect(status { () throws(DomainError) in try ImageRules.apply([.setProperty("p1", "v")], to: image, by: Principals.owner, now: Instants.t1) } == 200)
            #expect(
                status { () throws(DomainError) in
                    try ImageRules.apply([.removeProperty("p1"), .setProperty("new", "v")], to: image, by: Principals.owner, now: Instants.t1)
                } == 200)
        }

        @Test func apply_exportRestricted_onlyAdminsSetOrRemoveIt() {
            // Given
            let plain = makeImage()
            let restricted = makeImage(properties: [ImageRules.exportRestrictedKey: "true"])
            let set = ImageChange.setProperty(ImageRules.exportRestrictedKey, "true")
            let remove = ImageChange.removeProperty(ImageRules.exportRestrictedKey)
            // When / Then
            #expect(status { () throws(DomainError) in try ImageRules.apply([set], to: plain, by: Principals.owner, now: Instants.t1) } == 403)
            #expect(status { () throws(DomainError) in try ImageRules.apply([remove], to: restricted, by: Principals.owner, now: Instants.t1) } == 403)
            #expect(status { () throws(DomainError) in try ImageRules.apply([set], to: plain, by: Principals.staffAdmin, now: Instants.t1) } == 200)
            #expect(status { () throws(DomainError) in try ImageRules.apply([remove], to: restricted, by: Principals.ownerAdmin, now: Instants.t1) } == 200)
        }

        @Test func apply_values_areValidated() {
            let image = makeImage()
            #expect(status { () throws(DomainError) in try ImageRules.apply([.minDisk(-1)], to: image, by: Principals.owner, now: Instants.t1) } == 400)
            #expect(status { () throws(DomainError) in try ImageRules.apply([.minRam(-1)], to: image, by: Principals.owner, now: Instants.t1) } == 400)
            #expect(status { () throws(DomainError) in try ImageRules.apply([.name(long256)], to: image, by: Principals.owner, now: Instants.t1) } == 400)
            #expect(status { () throws(DomainError) in try ImageRules.apply([.tags([""])], to: image, by: Principals.owner, now: Instants.t1) } == 400)
        }

        @Test func apply_realChange_setsEveryFieldAndUpdatedAt() {
            // Given
            let image = makeImage(properties: ["a": "1", "b": "2"])
            // When
            let updated = try? ImageRules.apply(
                [.name("new"), .minDisk(5), .minRam(256), .protected(true), .osHidden(true), .tags(["x", "x", "y"]), .setProperty("a", "9"),
                 .removeProperty("b")],
                to: image, by: Principals.owner, now: Instants.t1)
            // Then
            #expect(updated?.name == "new")
            #expect(updated?.minDisk == 5)
            #expect(updated?.minRam == 256)
            #expect(updated?.protected == true)
            #expect(updated?.osHidden == true)
            #expect(updated?.tags == ["x", "y"])
            #expect(updated?.properties == ["a": "9"])
            #expect(updated?.updatedAt == Instants.t1)
            #expect(updated?.createdAt == Instants.t0)
        }

        @Test(arguments: [[ImageChange](), [.name("subject")], [.setProperty("a", "1")], [.visibility(.shared), .protected(false)]])
        func apply_changesThatChangeNothing_keepUpdatedAt(_ changes: [ImageChange]) {
            // Given
            let image = makeImage(properties: ["a": "1"])
            // When
            let updated = try? ImageRules.apply(changes, to: image, by: Principals.owner, now: Instants.t1)
            // Then
            #expect(updated == image)
        }
    }

    // MARK: - Tags

    @Suite("addingTag / removingTag")
    struct Tags {
        @Test func addingTag_newTag_appendsItAndTouchesUpdatedAt() {
            let updated = try? ImageRules.addingTag("c", to: makeImage(tags: ["a", "b"]), now: Instants.t1)
            #expect(updated?.tags == ["a", "b", "c"])
            #expect(updated?.updatedAt == Instants.t1)
        }

        @Test func addingTag_existingTag_changesNothing() {
            let image = makeImage(tags: ["a", "b"])
            #expect((try? ImageRules.addingTag("a", to: image, now: Instants.t1)) == image)
        }

        @Test func addingTag_beyondTheQuota_is413() {
            let image = makeImage(tags: (1...128).map { "t\($0)" })
            #expect(status { () throws(DomainError) in try ImageRules.addingTag("one-more", to: image, now: Instants.t1) } == 413)
        }

        @Test(arguments: ["", long256])
        func addingTag_badTag_is400(_ tag: String) {
            #expect(status { () throws(DomainError) in try ImageRules.addingTag(tag, to: makeImage(), now: Instants.t1) } == 400)
        }

        @Test func removingTag_presentTag_removesItAndTouchesUpdatedAt() {
            let updated = try? ImageRules.removingTag("a", from: makeImage(tags: ["a", "b"]), now: Instants.t1)
            #expect(updated?.tags == ["b"])
            #expect(updated?.updatedAt == Instants.t1)
        }

        @Test func removingTag_missingTag_is404() {
            let error = refusal { () throws(DomainError) in try ImageRules.removingTag("z", from: makeImage(tags: ["a"]), now: Instants.t1) }
            #expect(error == .notFound("Tag z not found."))
        }
    }

    // MARK: - Lifecycle

    @Suite("lifecycle")
    struct Lifecycle {
        @Test func startingUpload_queuedWithFormats_becomesSaving() {
            let updated = try? ImageRules.startingUpload(makeImage(status: .queued), now: Instants.t1)
            #expect(updated?.status == .saving)
            #expect(updated?.updatedAt == Instants.t1)
        }

        @Test(arguments: ImageStatus.allCases.filter { $0 != .queued })
        func startingUpload_notQueued_isConflict(_ status: ImageStatus) {
            // Data is immutable once stored; only a queued image takes data.
            #expect(PortalDomainTests.status { () throws(DomainError) in try ImageRules.startingUpload(makeImage(status: status), now: Instants.t1) } == 409)
        }

        @Test(arguments: [(DiskFormat?.none, ContainerFormat?.some(.bare)), (.some(.raw), nil), (nil, nil)])
        func startingUpload_withoutFormats_is400(_ disk: DiskFormat?, _ container: ContainerFormat?) {
            // Given
            let image = makeImage(status: .queued, diskFormat: disk, containerFormat: container)
            // When
            let error = refusal { () throws(DomainError) in try ImageRules.startingUpload(image, now: Instants.t1) }
            // Then
            #expect(error == .invalid("Properties disk_format, container_format must be set prior to saving data."))
        }

        @Test func activating_recordsTheDataFacts() {
            // Given
            let image = makeImage(status: .saving, diskFormat: .qcow2, size: nil, checksum: nil)
            let facts = ImageDataFacts(size: 4096, checksum: "aa", sha512: "bb", virtualSize: 67_108_864)
            // When
            let active = ImageRules.activating(image, with: facts, now: Instants.t1)
            // Then
            #expect(active.status == .active)
            #expect(active.size == 4096)
            #expect(active.virtualSize == 67_108_864)
            #expect(active.checksum == "aa")
            #expect(active.osHashAlgo == "sha512")
            #expect(active.osHashValue == "bb")
            #expect(active.updatedAt == Instants.t1)
        }

        @Test func activating_rawImage_hasVirtualSizeEqualToSize() {
            let image = makeImage(status: .saving, diskFormat: .raw, size: nil)
            let active = ImageRules.activating(image, with: ImageDataFacts(size: 12_345, checksum: "aa", sha512: "bb"), now: Instants.t1)
            #expect(active.virtualSize == 12_345)
        }

        @Test func activating_nonRawWithoutInspectedVirtualSize_leavesItUnknown() {
            let image = makeImage(status: .saving, diskFormat: .vhd, size: nil)
            let active = ImageRules.activating(image, with: ImageDataFacts(size: 12_345, checksum: "aa", sha512: "bb"), now: Instants.t1)
            #expect(active.virtualSize == nil)
        }

        struct Declared: Sendable, CustomTestStringConvertible {
            var size: Int64?
            var checksum: String?
            var expected: Int
            var testDescription: String { "size \(size.map(String.init) ?? "-"), checksum \(checksum ?? "-") → \(expected)" }
        }

        static let declared: [Declared] = [
            Declared(size: nil, checksum: nil, expected: 200),
            Declared(size: 1024, checksum: nil, expected: 200),
            Declared(size: 1023, checksum: nil, expected: 400),
            Declared(size: nil, checksum: "0123456789abcdef0123456789abcdef", expected: 200),
            Declared(size: nil, checksum: "0123456789ABCDEF0123456789ABCDEF", expected: 200),
            Declared(size: nil, checksum: "ffffffffffffffffffffffffffffffff", expected: 400),
            Declared(size: 1024, checksum: "ffffffffffffffffffffffffffffffff", expected: 400),
            Declared(size: 0, checksum: "0123456789abcdef0123456789abcdef", expected: 400),
        ]

        @Test(arguments: declared)
        func verifyDeclared_mismatch_is400(_ c: Declared) {
            // Given what arrived
            let facts = ImageDataFacts(size: 1024, checksum: "0123456789abcdef0123456789abcdef", sha512: "bb")
            // When / Then
            #expect(status { () throws(DomainError) in try ImageRules.verifyDeclared(size: c.size, checksum: c.checksum, against: facts) } == c.expected)
        }

        @Test func deactivating_activeImage_becomesDeactivated_andAgainIsANoOp() {
            // When
            let once = try? ImageRules.deactivating(makeImage(status: .active), now: Instants.t1)
            let twice = once.flatMap { try? ImageRules.deactivating($0, now: Instants.t0) }
            // Then
            #expect(once?.status == .deactivated)
            #expect(once?.updatedAt == Instants.t1)
            #expect(twice == once)
        }

        @Test func reactivating_deactivatedImage_becomesActive_andAgainIsANoOp() {
            let once = try? ImageRules.reactivating(makeImage(status: .deactivated), now: Instants.t1)
            let twice = once.flatMap { try? ImageRules.reactivating($0, now: Instants.t0) }
            #expect(once?.status == .active)
            #expect(once?.updatedAt == Instants.t1)
            #expect(twice == once)
        }

        @Test(arguments: [ImageStatus.queued, .saving, .importing, .killed, .deleted, .uploading, .pendingDelete])
        func deactivatingOrReactivating_fromOtherStatuses_isForbidden(_ status: ImageStatus) {
            let image = makeImage(status: status)
            #expect(PortalDomainTests.status { () throws(DomainError) in try ImageRules.deactivating(image, now: Instants.t1) } == 403)
            #expect(PortalDomainTests.status { () throws(DomainError) in try ImageRules.reactivating(image, now: Instants.t1) } == 403)
        }

        @Test func deleting_protectedImage_isForbidden() {
            let image = makeImage(protected: true)
            #expect(status { () throws(DomainError) in try ImageRules.deleting(image, now: Instants.t1) } == 403)
        }

        @Test(arguments: [ImageStatus.queued, .active, .deactivated])
        func deleting_unprotectedImage_keepsTheRowAsDeleted(_ status: ImageStatus) {
            let deleted = try? ImageRules.deleting(makeImage(status: status), now: Instants.t1)
            #expect(deleted?.status == .deleted)
            #expect(deleted?.deletedAt == Instants.t1)
            #expect(deleted?.updatedAt == Instants.t1)
            #expect(deleted?.id == ImageIDs.subject)
        }

        struct DownloadCase: Sendable, CustomTestStringConvertible {
            var status: ImageStatus
            var principal: Principal
            /// nil = data, 204 = no data, else the refusal's status.
            var expected: Int?
            var testDescription: String { "\(status.rawValue) by \(principal.label) → \(expected.map(String.init) ?? "data")" }
        }

        static let downloads: [DownloadCase] = [
            DownloadCase(status: .queued, principal: Principals.owner, expected: 204),
            DownloadCase(status: .saving, principal: Principals.owner, expected: 204),
            DownloadCase(status: .importing, principal: Principals.consumer, expected: 204),
            DownloadCase(status: .uploading, principal: Principals.owner, expected: 204),
            DownloadCase(status: .active, principal: Principals.owner, expected: nil),
            DownloadCase(status: .active, principal: Principals.consumer, expected: nil),
            DownloadCase(status: .deactivated, principal: Principals.owner, expected: 403),
            DownloadCase(status: .deactivated, principal: Principals.consumer, expected: 403),
            DownloadCase(status: .deactivated, principal: Principals.support, expected: 403),
            DownloadCase(status: .deactivated, principal: Principals.ownerAdmin, expected: nil),
            DownloadCase(status: .deactivated, principal: Principals.tenantAdmin, expected: nil),
            DownloadCase(status: .deactivated, principal: Principals.staffAdmin, expected: nil),
            DownloadCase(status: .deleted, principal: Principals.owner, expected: 404),
            DownloadCase(status: .pendingDelete, principal: Principals.staffAdmin, expected: 404),
        ]

        @Test(arguments: downloads)
        func downloadPlan_followsGlance(_ c: DownloadCase) {
            // Given an image (with data facts, whatever its status)
            let image = makeImage(status: c.status, size: 1024, checksum: "0123456789abcdef0123456789abcdef")
            // When
            let plan: ImageRules.DownloadPlan?
            let code: Int?
            do {
                plan = try ImageRules.downloadPlan(for: image, by: c.principal)
                code = nil
            } catch {
                plan = nil
                code = error.statusCode
            }
            // Then
            switch c.expected {
            case nil: #expect(plan == .data(size: 1024, checksum: "0123456789abcdef0123456789abcdef"))
            case 204: #expect(plan == .noData)
            case let expected?: #expect(code == expected)
            }
        }

        @Test func downloadPlan_deactivatedRefusal_saysWhy() {
            let error = refusal { () throws(DomainError) in try ImageRules.downloadPlan(for: makeImage(status: .deactivated), by: Principals.owner) }
            #expect(error == .forbidden("The requested image has been deactivated. Image data download is forbidden."))
        }

        @Test(arguments: ImageStatus.allCases)
        func requireBootable_onlyActiveImagesBoot(_ status: ImageStatus) {
            let outcome = PortalDomainTests.status { () throws(DomainError) in try ImageRules.requireBootable(makeImage(status: status)) }
            #expect(outcome == (status == .active ? 200 : 400))
        }
    }

    // MARK: - Value rules

    @Suite("value rules")
    struct Values {
        @Test(arguments: [
            (Principals.owner, 403), (Principals.consumer, 403), (Principals.support, 403), (Principals.ownerAdmin, 200),
            (Principals.tenantAdmin, 200), (Principals.staffAdmin, 200),
        ])
        func checkVisibilityChange_toPublic_needsAdmin(_ principal: Principal, _ expected: Int) {
            #expect(status { () throws(DomainError) in try ImageRules.checkVisibilityChange(to: .public, by: principal) } == expected)
        }

        @Test(arguments: [Visibility.community, .shared, .private])
        func checkVisibilityChange_toOtherVisibilities_isOpenToAll(_ visibility: Visibility) {
            #expect(status { () throws(DomainError) in try ImageRules.checkVisibilityChange(to: visibility, by: Principals.owner) } == 200)
        }

        @Test func checkPropertyWrites_onlyExportRestrictedIsAdminOnly() {
            #expect(status { () throws(DomainError) in try ImageRules.checkPropertyWrites(["os_type", "foo"], by: Principals.owner) } == 200)
            #expect(status { () throws(DomainError) in try ImageRules.checkPropertyWrites(["foo", "export_restricted"], by: Principals.owner) } == 403)
            #expect(status { () throws(DomainError) in try ImageRules.checkPropertyWrites(["export_restricted"], by: Principals.tenantAdmin) } == 200)
        }

        @Test(arguments: [(Principals.support, 403), (Principals.staffAdmin, 200), (Principals.owner, 200), (Principals.tenantAdmin, 200)])
        func requireMayCreate_supportIsReadOnly(_ principal: Principal, _ expected: Int) {
            #expect(status { () throws(DomainError) in try ImageRules.requireMayCreate(principal) } == expected)
        }

        @Test func isExportRestricted_readsTheFlagAndWindowsCaseInsensitively() {
            #expect(makeImage(properties: ["export_restricted": "TRUE"]).isExportRestricted)
            #expect(makeImage(properties: ["os_type": "Windows"]).isExportRestricted)
            #expect(!makeImage(properties: ["export_restricted": "false", "os_type": "linux"]).isExportRestricted)
            #expect(!makeImage().isExportRestricted)
        }
    }
}

/// `count` properties named p1…p<count>.
private func properties(_ count: Int) -> [String: String] {
    Dictionary(uniqueKeysWithValues: (1...count).map { ("p\($0)", "v") })
}
