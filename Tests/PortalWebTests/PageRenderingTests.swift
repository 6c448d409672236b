import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortalApp
import PortalAuth
import PortalCore
import PortalDomain
@testable import PortalStorage
@testable import PortalWeb
import Synchronization
import Testing
import TestSupport

// MARK: - Fixtures: the real templates, a real WebContext, mock models

/// Holds the request context a one-route router hands its handler.
private final class ContextSlot: Sendable {
    private let slot = Mutex<PortalRequestContext?>(nil)
    func put(_ context: PortalRequestContext) { slot.withLock { $0 = context } }
    func take() -> PortalRequestContext? { slot.withLock { $0 } }
}

/// The real renderer over `templates/`, and real `WebContext`s for `Chrome`.
struct PageKit {
    let renderer: WebRenderer
    let base: PortalRequestContext

    /// The CSRF token of every mock session.
    static let csrf = "csrf-Mock_Token-0123456789"
    static let date = Date(timeIntervalSince1970: 1_767_225_600)

    static func load() async throws -> PageKit {
        let renderer = try await WebRenderer(templatesDirectory: TestWorld.repositoryRoot + "/templates")
        // A PortalRequestContext needs a channel: take the one a router test request gets.
        let slot = ContextSlot()
        let router = Router(context: PortalRequestContext.self)
        router.get("capture") { _, context -> HTTPResponse.Status in
            slot.put(context)
            return .ok
        }
        try await Application(router: router).test(.router) { client in
            _ = try await client.executeRequest(uri: "/capture", method: .get, headers: [:], body: nil)
        }
        return PageKit(renderer: renderer, base: try #require(slot.take()))
    }

    /// A signed-in context holding `session`, as SessionMiddleware leaves it.
    func context(_ session: WebSession) throws -> WebContext {
        var context = base
        context.attachments[WebAttachment.session] = session
        return try WebContext(context: context)
    }

    func chrome(_ session: WebSession, section: String) throws -> Chrome {
        Chrome(try context(session), title: Hostile.script, section: section)
    }

    /// Renders a page; the template must be listed in the coverage table.
    func render(_ model: Any, _ template: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect(PageRenderingTests.coverage[template] != nil, "add \(template) to the coverage table", sourceLocation: sourceLocation)
        return try renderer.render(model, template: template)
    }
}

/// Mock accounts, sessions and domain values.
enum Mock {
    static func token(_ index: Int) throws -> TokenID {
        try #require(TokenID(rawValue: "tok_" + String(index, radix: 16).leftPadded(to: 16)))
    }

    /// A held tenant account labelled the way the session middleware labels it.
    static func tenant(_ ddi: String, name: String, index: Int) throws -> WebAccount {
        let id = try TenantID.parse(ddi)
        return SessionMiddleware.webAccount(
            HeldAccount(key: "t:\(ddi)", tokenID: try token(index)), .tenant(id, role: .member),
            tenants: [id: Tenant(id: id, name: name, createdAt: PageKit.date)])
    }

    static func staff(_ name: String, role: StaffRole) throws -> WebAccount {
        let staff = try StaffName.parse(name)
        return SessionMiddleware.webAccount(HeldAccount(key: "s:\(name)", tokenID: try token(99)), .staff(staff, role: role), tenants: [:])
    }

    /// A session: the first account active, the rest held.
    static func session(_ active: WebAccount, _ others: [WebAccount] = [], flashes: [Flash] = []) throws -> WebSession {
        let all = [active] + others
        let set = try #require(AccountSet(accounts: all.map { HeldAccount(key: $0.key, tokenID: $0.tokenID) }, activeKey: active.key))
        return WebSession(
            payload: SessionPayload(sid: "sid-mock", iat: 0, exp: 1, accounts: set), accounts: set, verified: all, csrf: PageKit.csrf, flashes: flashes)
    }

    /// Tenant 1001 "Alpha" active, holding 1002 (a hostile name) and an account whose key would break out of an attribute.
    static func tenantSession(flashes: [Flash] = [.success(Hostile.script), Flash(kind: Hostile.attribute, text: "kind")]) throws -> WebSession {
        var hostileKey = try tenant("1003", name: "Charlie", index: 3)
        hostileKey.key = Hostile.attribute
        return try session(try tenant("1001", name: "Alpha", index: 1), [try tenant("1002", name: Hostile.script, index: 2), hostileKey], flashes: flashes)
    }

    static func image(
        name: String? = Hostile.script, owner: String = "1001", status: ImageStatus = .active, visibility: Visibility = .shared
    ) throws -> Image {
        Image(
            id: .generate(), name: name, owner: try TenantID.parse(owner), status: status, visibility: visibility, diskFormat: .raw,
            containerFormat: .bare, size: 1536, virtualSize: 1536, checksum: "0123456789abcdef0123456789abcdef", osHashAlgo: "sha512",
            osHashValue: "feedface", tags: [Hostile.script], properties: ["note": Hostile.attribute], createdAt: PageKit.date, updatedAt: PageKit.date)
    }

    static func activity() throws -> ActivityRow {
        let id = ImageID.generate()
        return ActivityRow(
            at: Format.date(PageKit.date), atISO: Format.isoDate(PageKit.date), type: "member.created", actor: Hostile.script,
            imageHref: Paths.image(id), imageID: id.rawValue, summary: Hostile.attribute)
    }

    static func task(status: TaskStatus, message: String = Hostile.script) throws -> PortalTask {
        let image = ImageID.generate()
        return PortalTask(
            id: .generate(), type: .export, status: status, owner: try TenantID.parse("1001"),
            input: ["image_uuid": .string(image.rawValue), "receiving_swift_container": .string(Hostile.script)],
            result: status == .success ? ["export_location": .string("exports/\(image).raw")] : nil, message: message, createdAt: PageKit.date,
            updatedAt: PageKit.date)
    }

    static func tokenInfo(revoked: Bool = false) throws -> TokenInfo {
        TokenInfo(
            id: try token(revoked ? 7 : 1), principal: .tenant(try TenantID.parse("1001"), role: .member), label: Hostile.script, createdAt: PageKit.date,
            expiresAt: nil, revokedAt: revoked ? PageKit.date : nil, lastUsedAt: PageKit.date)
    }

    static func shareRow(status: MemberStatus) throws -> ShareRow {
        let image = try self.image()
        return ShareRow(
            image: image,
            member: Member(imageID: image.id, memberID: try TenantID.parse("2002"), status: status, createdAt: PageKit.date, updatedAt: PageKit.date),
            memberCount: 3)
    }

    static func options(_ values: [String], selected: String) -> [Option] {
        values.map { Option(value: $0, label: $0, selected: $0 == selected) }
    }
}

/// The image page's model with the facts that vary between views.
struct DetailVariant {
    var isOwner = true
    var isMember = false
    var memberStatus: String?
    var canAccept = false
    var canReject = false
    var canRemind = false
    var ownerHeld: WebAccount?
    var members: [ImageDetailPage.MemberRow] = []
    var rejectedCandidates: String?
    var visibility: Visibility = .shared
    var heldTargets: [ImageDetailPage.HeldTarget] = []
    var checks: [ImageDetailPage.Check] = ExportCheck.Item.allCases.map { ImageDetailPage.Check(title: $0.title, passed: true, reason: nil) }
    var containers: [String] = ["exports"]
    var protected = false

    func model(_ chrome: Chrome, image: Image) -> ImageDetailPage.Model {
        ImageDetailPage.Model(
            chrome: chrome, id: image.id.rawValue, name: image.name ?? "(unnamed)", owner: image.owner.rawValue, status: Format.words(image.status.rawValue),
            visibility: visibility.rawValue, diskFormat: "raw", containerFormat: "bare", size: Format.size(image.size), virtualSize: Format.size(image.virtualSize),
            checksum: image.checksum ?? "—", hashAlgo: "sha512", hashValue: image.osHashValue ?? "—", minDisk: 1, minRam: 512, protected: protected,
            hidden: false, created: Format.date(image.createdAt), updated: Format.date(image.updatedAt), tags: image.tags, hasTags: !image.tags.isEmpty,
            properties: image.properties.map { ImageDetailPage.Property(key: $0.key, value: $0.value) }, hasProperties: !image.properties.isEmpty,
            origin: ImageRow.origin(.copy(of: ImageID.generate())),
            lineage: [
                ImageDetailPage.LineageRow(
                    id: ImageID.generate().rawValue, href: nil, name: Hostile.script, owner: "2002", ownerIsOther: true, status: "deleted", origin: "uploaded")
            ],
            hasLineage: true, isOwner: isOwner, showMembers: isOwner, canAddMembers: isOwner, canExport: isOwner, canEdit: isOwner, isMember: isMember, canAnswer: isMember, memberStatus: memberStatus, canAccept: canAccept, canReject: canReject,
            canRemind: canRemind, ownerHeldKey: ownerHeld?.key, ownerHeldLabel: ownerHeld?.label, members: members, hasMembers: !members.isEmpty,
            rejectedCandidates: rejectedCandidates, isShared: visibility == .shared, isPrivate: visibility == .private, heldTargets: heldTargets,
            hasHeldTargets: !heldTargets.isEmpty, canDelete: isOwner && !protected, canDeactivate: isOwner, canReactivate: false, canBoot: true,
            canDownload: true, downloadHref: Paths.image(image.id, "download"), checks: checks,
            exportable: !checks.isEmpty && checks.allSatisfy(\.passed), containers: containers, hasContainers: !containers.isEmpty,
            actionBase: Paths.image(image.id),
            visibilityOptions: Visibility.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == visibility) })
    }

    static func member(_ ddi: String, _ status: MemberStatus, image: Image) -> ImageDetailPage.MemberRow {
        ImageDetailPage.MemberRow(
            ddi: ddi, status: status.rawValue, since: Format.date(PageKit.date), canShare: false, rejected: status == .rejected, csrf: PageKit.csrf,
            removeHref: Paths.image(image.id, "members/remove"))
    }
}

/// The checks every signed-in page passes.
func expectWellFormedPage(_ html: String, signedIn: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
    let problems =
        PageChecks.unescapedValues(html) + PageChecks.missingLandmarks(html, signedIn: signedIn)
        + PageChecks.postFormsWithoutCSRF(html, expected: PageKit.csrf) + PageChecks.unlabelledControls(html) + PageChecks.inlineScriptOrStyle(html)
    #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
    #expect(html.contains(Hostile.scriptEscaped), "the hostile value should be shown, escaped", sourceLocation: sourceLocation)
}

// MARK: - Tests

/// Every template rendered through its real view model, with hostile values.
@Suite("Page rendering")
struct PageRenderingTests {
    /// Each template and the test that renders it.
    static let coverage: [String: String] = [
        "layout": "chrome_showsActiveAccountOthersAndFlashes (and every signed-in page)",
        "errors/error": "errorPage_showsStatusMessageAndRequestID",
        "login": "loginPage_carriesCSRFAndLabelsEveryField",
        "dashboard": "dashboard_listsInboxLabelledWithAccounts",
        "images/list": "imageList_pendingTab_offersAnswers",
        "images/detail": "imageDetail_* (owner, member, owner held, private, export pass/fail)",
        "import": "importPage_uploadFormCarriesCSRFInItsAction",
        "servers/list": "serverList_listsServersAndCreateForm",
        "servers/detail": "serverDetail_snapshotAndDeleteFormsCarryCSRF",
        "files/containers": "containers_listsContainers",
        "files/objects": "objects_listsObjectsWithDeleteForms",
        "tasks/list": "taskList_listsTasks",
        "tasks/detail": "taskDetail_running_andFinishedExport",
        "activity": "activity_tenantAndStaffFilters",
        "settings/tokens": "settings_listsTokensRevokeOnlyActive",
        "settings/token-issued": "tokenIssued_showsTheTokenInALabelledField",
        "admin/index": "adminIndex_listsTenantsAndStaff",
        "admin/tenant": "adminTenant_issueFormAndTokens",
        "support/index": "supportIndex_lookupAndShareReview",
        "support/image": "supportImage_membersLineageHistory",
        "support/tenant": "supportTenant_sharedOutAndIn_orNoAccount",
        "session/add": "addAccount_showsErrorAndKeepsInput",
        "session/logout": "signOut_offersThisOrAllAccounts",
    ]

    @Test func everyTemplate_isRenderedByAPageTest() throws {
        // Given every .mustache file under templates/
        let root = TestWorld.repositoryRoot + "/templates"
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        var templates: [String] = []
        for case let path as String in enumerator where path.hasSuffix(".mustache") {
            templates.append(String(path.dropLast(".mustache".count)))
        }
        // Then each one is in the coverage table, and the table names no template that is gone
        #expect(templates.count >= 23)
        let missing = Set(templates).subtracting(Self.coverage.keys)
        #expect(missing.isEmpty, "templates without a page test: \(missing.sorted())")
        let stale = Set(Self.coverage.keys).subtracting(templates)
        #expect(stale.isEmpty, "coverage table names missing templates: \(stale.sorted())")
    }

    @Test func chrome_showsActiveAccountOthersAndFlashes() async throws {
        // Given a tenant session holding two more accounts, with flash messages
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Tasks")
        // When any signed-in page renders
        let html = try kit.render(TasksPage.Model(chrome: chrome, tasks: [], hasTasks: false), "tasks/list")
        // Then the header shows the active account, the others as switch forms, the tenant nav and the flashes
        expectWellFormedPage(html)
        #expect(html.contains("<span class=\"active-account\" data-account=\"t:1001\">1001 · Alpha</span>"))
        #expect(html.contains("data-account=\"t:1002\">1002 · \(Hostile.scriptEscaped)</button>"))
        #expect(html.contains("name=\"account\" value=\"\(Hostile.attributeEscaped)\""))
        #expect(html.contains("<a href=\"/tasks\" aria-current=\"page\">Tasks</a>"))
        for label in ["Dashboard", "Images", "Import", "Servers", "Files", "Activity", "Settings"] {
            #expect(html.contains(">\(label)</a>"), "nav item \(label)")
        }
        #expect(html.contains("<a href=\"/session/accounts\">Add account</a>"))
        #expect(html.contains("<p class=\"flash flash-success\">\(Hostile.scriptEscaped)</p>"))
        #expect(html.contains("class=\"flash flash-\(Hostile.attributeEscaped)\""))
        #expect(html.contains("<a class=\"skip\" href=\"#main\">"))
    }

    @Test func chrome_withTenAccounts_hidesAddAccount_andStaffNavHasNoTenantPages() async throws {
        // Given ten held accounts
        let kit = try await PageKit.load()
        let ten = try (1...10).map { try Mock.tenant("\(1000 + $0)", name: "T\($0)", index: $0) }
        let full = try kit.chrome(try Mock.session(ten[0], Array(ten.dropFirst()), flashes: []), section: "")
        let html = try kit.render(TasksPage.Model(chrome: full, tasks: [], hasTasks: false), "tasks/list")
        // Then there is no "Add account" link
        #expect(!html.contains("Add account"))
        // And a support account's nav has Support, Activity, Settings only
        let support = try kit.chrome(try Mock.session(try Mock.staff("helen", role: .support)), section: "Support")
        let staffPage = try kit.render(TasksPage.Model(chrome: support, tasks: [], hasTasks: false), "tasks/list")
        let nav = try #require(HTML.block("nav", containing: "aria-label=\"Main\"", in: staffPage))
        #expect(HTML.text(of: nav) == "Support Activity Settings")
        #expect(staffPage.contains("helen (support)"))
    }

    @Test func errorPage_showsStatusMessageAndRequestID() async throws {
        // Given an error with a hostile message
        let kit = try await PageKit.load()
        let model = ErrorPage.Model(code: 403, reason: "Forbidden", message: Hostile.script, requestID: "req-\(Hostile.attribute)", signIn: false)
        // When the error page renders
        let html = try kit.render(model, "errors/error")
        // Then it shows the status, the escaped message and request ID, and a way back
        expectWellFormedPage(html, signedIn: false)
        #expect(HTML.heading(in: html) == "403 Forbidden")
        #expect(html.contains("<p class=\"error-message\">\(Hostile.scriptEscaped)</p>"))
        #expect(html.contains("<code>req-\(Hostile.attributeEscaped)</code>"))
        #expect(html.contains("Back to the dashboard"))
        // And a 401 offers to sign in
        let unauthorized = try kit.render(
            ErrorPage.Model(code: 401, reason: "Unauthorized", message: "Sign in first.", requestID: "req-1", signIn: true), "errors/error")
        #expect(unauthorized.contains("<a class=\"button\" href=\"/login\">Sign in</a>"))
    }

    @Test func loginPage_carriesCSRFAndLabelsEveryField() async throws {
        // Given a failed staff sign-in with hostile input
        let kit = try await PageKit.load()
        let model = LoginPage.Model(
            csrf: PageKit.csrf, next: Hostile.attribute, isStaff: true, ddi: Hostile.attribute, staff: Hostile.script, error: Hostile.script,
            flashes: [.info("You are signed out.")])
        // When the sign-in page renders
        let html = try kit.render(model, "login")
        // Then the form carries the sign-in CSRF token, keeps the input escaped and labels every field
        expectWellFormedPage(html, signedIn: false)
        #expect(!html.contains("<nav aria-label=\"Main\""))
        #expect(html.contains("role=\"alert\" id=\"login-error\">\(Hostile.scriptEscaped)</p>"))
        #expect(html.contains("name=\"next\" value=\"\(Hostile.attributeEscaped)\""))
        #expect(html.contains("<input type=\"radio\" name=\"kind\" value=\"staff\" checked>"))
        #expect(html.contains("<p class=\"flash flash-info\" role=\"status\">You are signed out.</p>"))
        #expect(HTML.tags("input", in: html).contains { HTML.attributes(of: $0)["type"] == "password" && HTML.attributes(of: $0)["name"] == "token" })
    }

    @Test func dashboard_listsInboxLabelledWithAccounts() async throws {
        // Given pending shares of two held accounts
        let kit = try await PageKit.load()
        let session = try Mock.tenantSession()
        let chrome = try kit.chrome(session, section: "Dashboard")
        let mine = try Mock.image(owner: "3003")
        let theirs = try Mock.image(name: "for bravo", owner: "3003")
        let model = DashboardPage.Model(
            chrome: chrome,
            stats: [DashboardPage.Stat(label: "My images", value: 4, href: Paths.images + "?tab=mine")],
            inbox: [
                DashboardPage.InboxItem(accountKey: "t:1001", accountLabel: "1001 · Alpha", isActiveAccount: true, image: ImageRow(mine), csrf: PageKit.csrf),
                DashboardPage.InboxItem(
                    accountKey: "t:1002", accountLabel: "1002 · \(Hostile.script)", isActiveAccount: false, image: ImageRow(theirs), csrf: PageKit.csrf),
            ],
            hasInbox: true, inboxAcrossAccounts: true, activity: [try Mock.activity()], hasActivity: true)
        // When the dashboard renders
        let html = try kit.render(model, "dashboard")
        // Then each row names its account and answers as it; only the active account's image is a link
        expectWellFormedPage(html)
        #expect(html.contains("each answer acts as the account it was shared with"))
        #expect(html.contains("<tr data-image=\"\(mine.id)\" data-account=\"t:1001\">"))
        #expect(html.contains("<tr data-image=\"\(theirs.id)\" data-account=\"t:1002\">"))
        #expect(html.contains("<span class=\"account-label\">1002 · \(Hostile.scriptEscaped)</span>"))
        #expect(html.contains("<a href=\"/images/\(mine.id)\">"))
        #expect(!html.contains("<a href=\"/images/\(theirs.id)\">"))
        let forms = HTML.forms(in: html).filter { $0.contains("action=\"/session/inbox\"") }
        #expect(forms.count == 2)
        #expect(forms.allSatisfy { $0.contains("value=\"accepted\"") && $0.contains("value=\"rejected\"") && $0.contains("value=\"pending\"") })
        #expect(html.contains("<span class=\"stat-value\">4</span><span class=\"stat-label\">My images</span>"))
        // And with nothing pending it says so
        let empty = try kit.render(
            DashboardPage.Model(chrome: chrome, stats: [], inbox: [], hasInbox: false, inboxAcrossAccounts: false, activity: [], hasActivity: false),
            "dashboard")
        #expect(empty.contains("Nothing is waiting for your answer.") && empty.contains("No activity yet."))
    }

    @Test func imageList_pendingTab_offersAnswers() async throws {
        // Given the pending tab with one row and a next page
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Images")
        let image = try Mock.image(owner: "2002")
        let model = ImagesPage.Model(
            chrome: chrome,
            tabs: ImagesPage.tabs.map { ImagesPage.Tab(label: $0.label, href: Paths.images + "?tab=" + $0.key, current: $0.key == "pending") },
            tab: "pending", tabTitle: "Pending", name: Hostile.attribute, statuses: Mock.options(["", "active"], selected: "active"),
            formats: Mock.options(["", "raw"], selected: ""), sorts: Mock.options(["newest", "name"], selected: "name"),
            rows: [
                ImagesPage.Row(
                    image: ImageRow(image), answerable: true, showPending: false, showAccept: true, showReject: true, csrf: PageKit.csrf, accountKey: "t:1001",
                    returnPath: "/images?tab=pending")
            ],
            hasRows: true, answerable: true, emptyMessage: "", nextHref: "/images?tab=pending&marker=\(image.id)", firstHref: "/images?tab=pending")
        // When the list renders
        let html = try kit.render(model, "images/list")
        // Then the tab is current, the row offers Accept and Reject, and the filters keep the input
        expectWellFormedPage(html)
        #expect(html.contains("<a href=\"/images?tab=pending\" aria-current=\"page\">Pending</a>"))
        #expect(html.contains("<tr data-image=\"\(image.id)\">"))
        let answer = try #require(HTML.forms(in: html).first { $0.contains("/status") })
        #expect(answer.contains("action=\"/images/\(image.id)/status\""))
        #expect(answer.contains("value=\"accepted\"") && answer.contains("value=\"rejected\"") && !answer.contains("value=\"pending\""))
        #expect(HTML.hiddenValue("return", in: answer) == "/images?tab=pending")
        #expect(html.contains("value=\"\(Hostile.attributeEscaped)\""))
        #expect(html.contains("<option value=\"active\" selected>active</option>"))
        #expect(html.contains("rel=\"next\">Next page</a>") && html.contains("First page"))
        #expect(html.contains("<nav aria-label=\"Image lists\""))
        // And an empty tab shows its message
        let empty = ImagesPage.Model(
            chrome: chrome, tabs: [], tab: "mine", tabTitle: "My images", name: "", statuses: [], formats: [], sorts: [], rows: [], hasRows: false,
            answerable: false, emptyMessage: ImagesPage.emptyMessage("mine"), nextHref: nil, firstHref: nil)
        #expect(try kit.render(empty, "images/list").contains("You have no images yet."))
    }

    @Test func imageDetail_ownerView_membersRejectedHintHeldAccountsAndExport() async throws {
        // Given the owner's view: a pending and a rejected member, two held accounts, a passing checklist
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Images")
        let image = try Mock.image()
        var variant = DetailVariant()
        variant.members = [DetailVariant.member("2002", .pending, image: image), DetailVariant.member("2003", .rejected, image: image)]
        variant.rejectedCandidates = "2003"
        variant.heldTargets = [
            ImageDetailPage.HeldTarget(key: "t:1002", label: "1002 · \(Hostile.script)", ddi: "1002"),
            ImageDetailPage.HeldTarget(key: Hostile.attribute, label: "1003 · Charlie", ddi: "1003"),
        ]
        variant.containers = ["exports", Hostile.script]
        // When the image page renders
        let html = try kit.render(variant.model(chrome, image: image), "images/detail")
        // Then members, the rejected hint, the held checkboxes and the export form are there
        expectWellFormedPage(html)
        #expect(html.contains("<h1 id=\"image-name\">\(Hostile.scriptEscaped)</h1>"))
        #expect(html.contains("<tr data-member=\"2002\">") && html.contains("<tr data-member=\"2003\">"))
        #expect(html.contains("<span class=\"badge member-rejected\">rejected</span>"))
        let hint = try #require(HTML.block("p", containing: "id=\"rejected-hint\"", in: html))
        #expect(hint.contains("<strong>2003</strong>"))
        let removes = HTML.forms(in: html).filter { $0.contains("/members/remove") }
        #expect(removes.count == 2)
        #expect(removes.allSatisfy { $0.contains("action=\"/images/\(image.id)/members/remove\"") })
        let share = try #require(HTML.block("form", containing: "id=\"share-form\"", in: html))
        #expect(HTML.values(ofField: "held", in: share) == ["t:1002", Hostile.attribute])
        #expect(share.contains("name=\"accept_for_held\""))
        #expect(share.contains("<textarea id=\"share-members\" name=\"members\""))
        #expect(!share.contains("make_shared"))
        #expect(html.contains("<span class=\"visually-hidden\"> (passed)</span>"))
        #expect(!html.contains("(failed)"))
        #expect(html.contains("id=\"start-export\""))
        #expect(html.contains("<option>\(Hostile.scriptEscaped)</option>"))
        #expect(html.contains("Download data") && html.contains("Boot server"))
        #expect(!html.contains("id=\"membership\""))
        #expect(!html.contains("switch-to-owner"))
    }

    @Test func imageDetail_privateImage_offersMakeShared_andFailedChecklistBlocksExport() async throws {
        // Given a private image whose checklist fails with a hostile reason
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Images")
        let image = try Mock.image(visibility: .private)
        var variant = DetailVariant()
        variant.visibility = .private
        variant.checks = ExportCheck.Item.allCases.map {
            ImageDetailPage.Check(title: $0.title, passed: $0 != .notSharedDerived, reason: $0 == .notSharedDerived ? Hostile.script : nil)
        }
        variant.protected = true
        // When the image page renders
        let html = try kit.render(variant.model(chrome, image: image), "images/detail")
        // Then the share form offers to make it shared, and export is blocked with the reason shown
        expectWellFormedPage(html)
        #expect(html.contains("name=\"make_shared\" value=\"on\" id=\"make-shared\" checked"))
        #expect(html.contains("Not shared with anyone yet."))
        #expect(html.contains("<li class=\"fail\">"))
        #expect(html.contains("<span class=\"visually-hidden\"> (failed)</span>"))
        #expect(html.contains("<span class=\"reason\">\(Hostile.scriptEscaped)</span>"))
        #expect(html.contains("id=\"export-blocked\""))
        #expect(!html.contains("id=\"start-export\""))
        #expect(html.contains("Protected images cannot be deleted"))
        // And a community image says only shared images have members
        variant.visibility = .community
        let community = try kit.render(variant.model(chrome, image: image), "images/detail")
        #expect(community.contains("Only images with visibility <em>shared</em> can have members."))
        #expect(!community.contains("make_shared"))
    }

    @Test func imageDetail_exportableWithoutContainers_pointsToFiles() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Images")
        var variant = DetailVariant()
        variant.containers = []
        let html = try kit.render(variant.model(chrome, image: try Mock.image()), "images/detail")
        expectWellFormedPage(html)
        #expect(html.contains("Create a container under <a href=\"/files\">Files</a> to export into."))
        #expect(!html.contains("id=\"start-export\""))
    }

    @Test(arguments: [
        (MemberStatus.pending, ["accepted", "rejected"]),
        (MemberStatus.accepted, ["rejected", "pending"]),
        (MemberStatus.rejected, ["accepted", "pending"]),
    ])
    func imageDetail_memberView_offersTheOtherAnswers(status: MemberStatus, offered: [String]) async throws {
        // Given a member's view of a shared image
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Images")
        var variant = DetailVariant()
        variant.isOwner = false
        variant.isMember = true
        variant.memberStatus = status.rawValue
        variant.canAccept = status != .accepted
        variant.canReject = status != .rejected
        variant.canRemind = status != .pending
        // When the image page renders
        let html = try kit.render(variant.model(chrome, image: try Mock.image(owner: "3003")), "images/detail")
        // Then it shows the answer and buttons for the other answers, and nothing of the owner's
        expectWellFormedPage(html)
        #expect(html.contains("<strong id=\"member-status\">\(status.rawValue)</strong>"))
        let form = try #require(HTML.forms(in: html).first { $0.contains("/status\"") })
        let buttons = HTML.tags("button", in: form).compactMap { HTML.attributes(of: $0)["value"] }
        #expect(buttons == offered)
        #expect(!html.contains("id=\"members\"") && !html.contains("id=\"share-form\"") && !html.contains("id=\"export\""))
    }

    @Test func imageDetail_memberWhoseOwnerAccountIsHeld_offersSwitch() async throws {
        // Given a member's view while the session holds the owner account
        let kit = try await PageKit.load()
        let owner = try Mock.tenant("1001", name: Hostile.script, index: 1)
        let member = try Mock.tenant("1002", name: "Bravo", index: 2)
        let chrome = try kit.chrome(try Mock.session(member, [owner]), section: "Images")
        var variant = DetailVariant()
        variant.isOwner = false
        variant.isMember = true
        variant.memberStatus = "accepted"
        variant.canReject = true
        variant.canRemind = true
        variant.ownerHeld = owner
        // When the image page renders
        let html = try kit.render(variant.model(chrome, image: try Mock.image()), "images/detail")
        // Then it names the owner account and offers to switch to it
        expectWellFormedPage(html)
        let notice = try #require(HTML.block("section", containing: "aria-labelledby=\"owner-held-title\"", in: html))
        #expect(notice.contains("1001 · \(Hostile.scriptEscaped)"))
        #expect(notice.contains("action=\"/session/switch\""))
        #expect(HTML.hiddenValue("account", in: notice) == "t:1001")
        #expect(HTML.text(of: notice).contains("Switch to the owner account"))
    }

    @Test func importPage_uploadFormCarriesCSRFInItsAction() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Import")
        let model = ImportPage.Model(
            chrome: chrome, uploadAction: Paths.importUpload + "?_csrf=" + Paths.segment(PageKit.csrf),
            diskFormats: DiskFormat.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == .qcow2) },
            containerFormats: ContainerFormat.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == .bare) },
            containers: [Hostile.script], hasContainers: true, maxSize: "10 GiB")
        let html = try kit.render(model, "import")
        expectWellFormedPage(html)
        let upload = try #require(HTML.block("form", containing: "id=\"upload-form\"", in: html))
        #expect(upload.contains("enctype=\"multipart/form-data\""))
        #expect(upload.contains("action=\"/import/upload?_csrf=\(PageKit.csrf)\""))
        #expect(upload.contains("<option value=\"qcow2\" selected>qcow2</option>"))
        #expect(html.contains("Up to 10 GiB."))
        #expect(html.contains("id=\"import-object-form\""))
        // And without containers the import-from-container form is replaced by a pointer to Files
        let bare = ImportPage.Model(
            chrome: chrome, uploadAction: "/import/upload?_csrf=\(PageKit.csrf)", diskFormats: [], containerFormats: [], containers: [],
            hasContainers: false, maxSize: "1 GiB")
        let without = try kit.render(bare, "import")
        #expect(!without.contains("id=\"import-object-form\"") && without.contains("You have no containers yet."))
    }

    @Test func serverList_listsServersAndCreateForm() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Servers")
        let server = Server(id: .generate(), tenant: try TenantID.parse("1001"), name: Hostile.script, imageID: .generate(), diskSize: 2048, createdAt: PageKit.date, updatedAt: PageKit.date)
        let html = try kit.render(ServersPage.Model(chrome: chrome, servers: [ServersPage.Row(server)], hasServers: true, imageRef: Hostile.attribute), "servers/list")
        expectWellFormedPage(html)
        #expect(html.contains("<tr data-server=\"\(server.id)\"><td><a href=\"/servers/\(server.id)\">\(Hostile.scriptEscaped)</a>"))
        #expect(html.contains("value=\"\(Hostile.attributeEscaped)\""))
        let empty = try kit.render(ServersPage.Model(chrome: chrome, servers: [], hasServers: false, imageRef: ""), "servers/list")
        #expect(empty.contains("No servers yet."))
    }

    @Test func serverDetail_snapshotAndDeleteFormsCarryCSRF() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Servers")
        let server = Server(id: .generate(), tenant: try TenantID.parse("1001"), name: Hostile.script, imageID: .generate(), diskSize: 2048, createdAt: PageKit.date, updatedAt: PageKit.date)
        let html = try kit.render(ServerDetailPage.Model(chrome: chrome, server: ServersPage.Row(server)), "servers/detail")
        expectWellFormedPage(html)
        #expect(html.contains("action=\"/servers/\(server.id)/snapshot\""))
        #expect(html.contains("action=\"/servers/\(server.id)/delete\""))
        #expect(HTML.values(ofField: "_csrf", in: html).filter { $0 == PageKit.csrf }.count >= 3)
    }

    @Test func containers_listsContainers() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Files")
        let row = FilesPage.ContainerRow(name: Hostile.script, href: Paths.container(Hostile.script), objects: 2, bytes: "3 KiB", modified: "today")
        let html = try kit.render(FilesPage.Model(chrome: chrome, containers: [row], hasContainers: true), "files/containers")
        expectWellFormedPage(html)
        #expect(html.contains("<a href=\"/files/%3Cscript%3Ealert%281%29%3C%2Fscript%3E\">\(Hostile.scriptEscaped)</a>"))
        #expect(try kit.render(FilesPage.Model(chrome: chrome, containers: [], hasContainers: false), "files/containers").contains("No containers yet."))
    }

    @Test func objects_listsObjectsWithDeleteForms() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Files")
        let source = ImageID.generate()
        let object = ContainerPage.ObjectRow(
            name: Hostile.attribute, href: Paths.object("box", Hostile.attribute), size: "1 KiB", etag: "abc", modified: "today", exportedFrom: source.rawValue,
            csrf: PageKit.csrf, deleteAction: Paths.container("box", "object/delete"))
        let model = ContainerPage.Model(
            chrome: chrome, name: Hostile.script, objects: [object], hasObjects: true, count: 1, bytes: "1 KiB",
            uploadAction: Paths.container("box", "upload") + "?_csrf=" + PageKit.csrf, deleteAction: Paths.container("box", "delete"), maxSize: "1 GiB")
        let html = try kit.render(model, "files/objects")
        expectWellFormedPage(html)
        #expect(html.contains("exported from image <code class=\"id\">\(source)</code>"))
        #expect(HTML.values(ofField: "name", in: html).contains(Hostile.attribute))
        #expect(html.contains("action=\"/files/box/object/delete\"") && html.contains("action=\"/files/box/delete\""))
        #expect(html.contains("action=\"/files/box/upload?_csrf=\(PageKit.csrf)\""))
    }

    @Test func taskList_listsTasks() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Tasks")
        let task = try Mock.task(status: .failure)
        let html = try kit.render(TasksPage.Model(chrome: chrome, tasks: [TasksPage.Row(task)], hasTasks: true), "tasks/list")
        expectWellFormedPage(html)
        #expect(html.contains("<tr data-task=\"\(task.id)\">"))
        #expect(html.contains("<span class=\"badge task-failure\">failure</span>"))
        #expect(try kit.render(TasksPage.Model(chrome: chrome, tasks: [], hasTasks: false), "tasks/list").contains("No tasks yet."))
    }

    @Test func taskDetail_running_andFinishedExport() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Tasks")
        let running = try kit.render(TaskDetailPage.Model(chrome: chrome, task: TasksPage.Row(try Mock.task(status: .processing))), "tasks/detail")
        expectWellFormedPage(running)
        #expect(running.contains("data-refresh=\"2\">This task is processing."))
        #expect(running.contains("<dt>receiving_swift_container</dt><dd>\(Hostile.scriptEscaped)</dd>"))
        let done = try kit.render(TaskDetailPage.Model(chrome: chrome, task: TasksPage.Row(try Mock.task(status: .success))), "tasks/detail")
        #expect(!done.contains("data-refresh"))
        #expect(done.contains("<a href=\"/files/exports\" class=\"button\" id=\"open-export\">"))
    }

    @Test func activity_tenantAndStaffFilters() async throws {
        let kit = try await PageKit.load()
        func model(_ chrome: Chrome, staff: Bool) throws -> ActivityPage.Model {
            ActivityPage.Model(
                chrome: chrome, rows: [try Mock.activity()], hasRows: true,
                types: [Option(value: "", label: "Any event", selected: true)]
                    + AuditEventType.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: false) },
                image: Hostile.attribute, tenant: Hostile.attribute, since: "", until: "", nextHref: "/activity?marker=9", csvHref: "/activity.csv?type=logout",
                isStaff: staff)
        }
        let tenant = try kit.render(try model(try kit.chrome(try Mock.tenantSession(), section: "Activity"), staff: false), "activity")
        expectWellFormedPage(tenant)
        #expect(tenant.contains("<td class=\"details\">\(Hostile.attributeEscaped)</td>"))
        #expect(!tenant.contains("id=\"a-tenant\""))
        #expect(tenant.contains("href=\"/activity.csv?type=logout\" id=\"download-csv\""))
        #expect(tenant.contains("rel=\"next\">Older events</a>"))
        let staff = try kit.render(
            try model(try kit.chrome(try Mock.session(try Mock.staff("ops", role: .admin)), section: "Activity"), staff: true), "activity")
        #expect(staff.contains("id=\"a-tenant\"") && staff.contains("Every audit event, across tenants."))
        #expect(PageChecks.unlabelledControls(staff).isEmpty)
    }

    @Test func settings_listsTokensRevokeOnlyActive() async throws {
        let kit = try await PageKit.load()
        let session = try Mock.tenantSession()
        let chrome = try kit.chrome(session, section: "Settings")
        let now = PageKit.date
        let active = try Mock.tokenInfo()
        let revoked = try Mock.tokenInfo(revoked: true)
        let rows = [
            TokenRow(active, now: now, current: true, csrf: PageKit.csrf, revokeHref: Paths.tokenRevoke(active.id)),
            TokenRow(revoked, now: now, current: false, csrf: PageKit.csrf, revokeHref: Paths.tokenRevoke(revoked.id)),
        ]
        let html = try kit.render(SettingsPage.Model(chrome: chrome, account: Hostile.script, tokens: rows, hasTokens: true), "settings/tokens")
        expectWellFormedPage(html)
        #expect(html.contains("API tokens of \(Hostile.scriptEscaped)"))
        #expect(html.contains("<code>\(active.id)</code> <span class=\"badge\">this session</span>"))
        #expect(html.contains("action=\"/settings/tokens/\(active.id)/revoke\""))
        #expect(!html.contains("action=\"/settings/tokens/\(revoked.id)/revoke\""))
        #expect(html.contains("<td>revoked</td>"))
    }

    @Test func tokenIssued_showsTheTokenInALabelledField() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "Settings")
        let html = try kit.render(TokenIssuedPage.Model(chrome: chrome, token: "secret-\(Hostile.attribute)", label: Hostile.script, back: Paths.settings), "settings/token-issued")
        expectWellFormedPage(html)
        #expect(html.contains("<label for=\"new-token\">Token</label><input id=\"new-token\" class=\"secret\" value=\"secret-\(Hostile.attributeEscaped)\" readonly>"))
        #expect(html.contains("<a class=\"button\" href=\"/settings\">Done</a>"))
    }

    @Test func adminIndex_listsTenantsAndStaff() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.session(try Mock.staff("ops", role: .admin)), section: "Admin")
        let model = AdminPage.Model(
            chrome: chrome, tenants: [AdminPage.TenantRow(ddi: "1001", name: Hostile.script, href: "/admin/tenants/1001", created: "today")],
            hasTenants: true, staff: [AdminPage.StaffRow(name: "ops", role: "admin", created: "today")])
        let html = try kit.render(model, "admin/index")
        expectWellFormedPage(html)
        #expect(html.contains("<tr data-tenant=\"1001\"><td><a href=\"/admin/tenants/1001\">1001</a></td><td>\(Hostile.scriptEscaped)</td>"))
        let nav = try #require(HTML.block("nav", containing: "aria-label=\"Main\"", in: html))
        #expect(HTML.text(of: nav) == "Admin Support Activity Settings")
        #expect(nav.contains("<a href=\"/admin\" aria-current=\"page\">Admin</a>"))
    }

    @Test func adminTenant_issueFormAndTokens() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.session(try Mock.staff("ops", role: .admin)), section: "Admin")
        let token = try Mock.tokenInfo()
        let model = AdminTenantPage.Model(
            chrome: chrome, ddi: "1001", name: Hostile.script, created: "today",
            tokens: [TokenRow(token, now: PageKit.date, current: false, csrf: PageKit.csrf, revokeHref: Paths.adminTokenRevoke(token.id))], hasTokens: true,
            issueAction: "/admin/tenants/1001/tokens")
        let html = try kit.render(model, "admin/tenant")
        expectWellFormedPage(html)
        #expect(HTML.heading(in: html) == "Tenant 1001 · \(Hostile.script)")
        #expect(html.contains("action=\"/admin/tenants/1001/tokens\""))
        #expect(html.contains("action=\"/admin/tokens/\(token.id)/revoke\""))
    }

    @Test func supportIndex_lookupAndShareReview() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.session(try Mock.staff("helen", role: .support)), section: "Support")
        let row = SupportPage.ShareRowView(try Mock.shareRow(status: .rejected), now: PageKit.date.addingTimeInterval(3 * 86_400))
        let model = SupportPage.Model(
            chrome: chrome, rows: [row], hasRows: true, owner: Hostile.attribute, member: "", olderThan: "30", minMembers: "",
            statuses: ["", "pending", "rejected"].map { Option(value: $0, label: $0.isEmpty ? "Any status" : $0, selected: $0 == "rejected") })
        let html = try kit.render(model, "support/index")
        expectWellFormedPage(html)
        #expect(html.contains("action=\"/support/lookup\""))
        #expect(html.contains("<span class=\"badge member-rejected\">rejected</span> <span class=\"muted\">(still a member)</span>"))
        #expect(html.contains("<td>3 days ago</td>"))
        #expect(html.contains("value=\"\(Hostile.attributeEscaped)\""))
        #expect(!html.contains("method=\"post\""), "support pages change nothing")
    }

    @Test func supportImage_membersLineageHistory() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.session(try Mock.staff("helen", role: .support)), section: "Support")
        let image = try Mock.image()
        let ancestor = ImageID.generate()
        let model = SupportImagePage.Model(
            chrome: chrome, image: ImageRow(image), ownerName: Hostile.script, ownerHref: "/support/tenants/1001", origin: ImageRow.origin(.upload),
            members: [SupportPage.MemberView(ddi: "2002", href: "/support/tenants/2002", status: "pending", since: "today")], hasMembers: true,
            lineage: [SupportPage.LineageView(id: ancestor.rawValue, href: Paths.supportImage(ancestor), owner: "2002", status: "active")], hasLineage: true,
            history: [try Mock.activity()], hasHistory: true)
        let html = try kit.render(model, "support/image")
        expectWellFormedPage(html)
        #expect(html.contains("<tr data-member=\"2002\"><td><a href=\"/support/tenants/2002\">2002</a>"))
        #expect(html.contains("<a href=\"/support/images/\(ancestor)\">"))
        #expect(html.contains("Owner: <a href=\"/support/tenants/1001\">1001</a> (\(Hostile.scriptEscaped))"))
        #expect(html.contains("id=\"history\""))
    }

    @Test func supportTenant_sharedOutAndIn_orNoAccount() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.session(try Mock.staff("helen", role: .support)), section: "Support")
        let row = SupportPage.ShareRowView(try Mock.shareRow(status: .pending), now: PageKit.date)
        let html = try kit.render(
            SupportTenantPage.Model(
                chrome: chrome, ddi: "1001", name: Hostile.script, hasAccount: true, sharedOut: [row], hasSharedOut: true, sharedIn: [row], hasSharedIn: true),
            "support/tenant")
        expectWellFormedPage(html)
        #expect(html.contains("id=\"shared-out\"") && html.contains("id=\"shared-in\""))
        #expect(html.contains("href=\"/activity?tenant=1001\""))
        #expect(!html.contains("No account exists"))
        let unknown = try kit.render(
            SupportTenantPage.Model(chrome: chrome, ddi: "9999", name: "", hasAccount: false, sharedOut: [], hasSharedOut: false, sharedIn: [], hasSharedIn: false),
            "support/tenant")
        #expect(unknown.contains("No account exists with this ID"))
        #expect(unknown.contains("Nothing shared out.") && unknown.contains("Nothing shared in."))
    }

    @Test func addAccount_showsErrorAndKeepsInput() async throws {
        let kit = try await PageKit.load()
        let chrome = try kit.chrome(try Mock.tenantSession(), section: "")
        let html = try kit.render(AddAccountPage.Model(chrome: chrome, error: Hostile.script, ddi: Hostile.attribute, staff: "", isStaff: false), "session/add")
        expectWellFormedPage(html)
        #expect(html.contains("<p class=\"flash flash-error\" role=\"alert\">\(Hostile.scriptEscaped)</p>"))
        #expect(html.contains("value=\"\(Hostile.attributeEscaped)\""))
        #expect(html.contains("action=\"/session/accounts\""))
        #expect(html.contains("<input type=\"radio\" name=\"kind\" value=\"tenant\" checked>"))
    }

    @Test func signOut_offersThisOrAllAccounts() async throws {
        let kit = try await PageKit.load()
        let several = try kit.render(SignOutPage.Model(chrome: try kit.chrome(try Mock.tenantSession(), section: "")), "session/logout")
        expectWellFormedPage(several, signedIn: true)
        let form = try #require(HTML.forms(in: several).first { $0.contains("action=\"/logout\"") })
        #expect(HTML.text(of: form).contains("Sign out of 1001 · Alpha only"))
        #expect(HTML.text(of: form).contains("Sign out of all accounts"))
        let single = try kit.render(
            SignOutPage.Model(chrome: try kit.chrome(try Mock.session(try Mock.tenant("1001", name: Hostile.script, index: 1)), section: "")), "session/logout")
        let only = try #require(HTML.forms(in: single).first { $0.contains("action=\"/logout\"") })
        #expect(!only.contains("value=\"this\""))
        #expect(only.contains("Sign out of 1001 · \(Hostile.scriptEscaped)</button>"))
    }
}

/// The page checks themselves: each catches what it is for.
@Suite("Page checks")
struct PageChecksTests {
    @Test func unlabelledControls_findsABareInput_andAcceptsTheThreeWaysToLabel() {
        #expect(PageChecks.unlabelledControls("<input name=\"q\">").count == 1)
        #expect(PageChecks.unlabelledControls("<label for=\"a\">A</label><input id=\"b\" name=\"q\">").count == 1)
        #expect(PageChecks.unlabelledControls("<label>A</label> <select name=\"s\"></select>").count == 1)
        #expect(PageChecks.unlabelledControls("<label for=\"q\">Q</label><input id=\"q\" name=\"q\">").isEmpty)
        #expect(PageChecks.unlabelledControls("<label><input type=\"checkbox\" name=\"c\"> C</label>").isEmpty)
        #expect(PageChecks.unlabelledControls("<textarea aria-label=\"T\"></textarea><input type=\"hidden\" name=\"h\">").isEmpty)
    }

    @Test func postFormsWithoutCSRF_findsMissingOrWrongTokens_andIgnoresGetForms() {
        let token = "tok"
        #expect(PageChecks.postFormsWithoutCSRF("<form method=\"post\" action=\"/x\"><button>Go</button></form>", expected: token).count == 1)
        #expect(PageChecks.postFormsWithoutCSRF("<form method=\"post\"><input type=\"hidden\" name=\"_csrf\" value=\"\"></form>", expected: token).count == 1)
        #expect(PageChecks.postFormsWithoutCSRF("<form method=\"post\"><input type=\"hidden\" name=\"_csrf\" value=\"tok\"></form>", expected: token).isEmpty)
        #expect(PageChecks.postFormsWithoutCSRF("<form method=\"post\" action=\"/up?_csrf=tok\"></form>", expected: token).isEmpty)
        #expect(PageChecks.postFormsWithoutCSRF("<form method=\"get\" action=\"/images\"></form>", expected: token).isEmpty)
    }

    @Test func unescapedValues_andLandmarks_findWhatIsWrong() {
        #expect(PageChecks.unescapedValues("<p>\(Hostile.script)</p>").count == 1)
        #expect(PageChecks.unescapedValues("<a title=\"\(Hostile.attribute)\">").count == 1)
        #expect(PageChecks.unescapedValues("<p>\(Hostile.scriptEscaped)</p><a title=\"\(Hostile.attributeEscaped)\">").isEmpty)
        #expect(PageChecks.missingLandmarks("<div></div>", signedIn: true).count == 2)
        #expect(PageChecks.missingLandmarks("<nav aria-label=\"Main\"></nav><main id=\"main\"></main>", signedIn: true).isEmpty)
    }

    @Test func inlineScriptOrStyle_findsWhatTheCSPWouldBlock() {
        #expect(PageChecks.inlineScriptOrStyle("<script>alert(1)</script>").count == 1)
        #expect(PageChecks.inlineScriptOrStyle("<button onclick=\"go()\">Go</button>").count == 1)
        #expect(PageChecks.inlineScriptOrStyle("<p style=\"color: red\">x</p><style>p {}</style>").count == 2)
        #expect(PageChecks.inlineScriptOrStyle("<script src=\"/app.js\" defer></script><button data-confirm=\"Sure?\">Go</button>").isEmpty)
    }
}
