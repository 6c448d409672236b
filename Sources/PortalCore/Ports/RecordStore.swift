package import Foundation
package import PortalDomain

/// An API token as stored: what is known about it and the SHA-256 of its secret (never the secret).
package struct StoredToken: Hashable, Sendable {
    package var info: TokenInfo
    package var secretHash: [UInt8]

    package init(info: TokenInfo, secretHash: [UInt8]) {
        self.info = info
        self.secretHash = secretHash
    }
}

/// A task and the actor who asked for it: the task runs with that actor's rights.
package struct StoredTask: Hashable, Sendable {
    package var task: PortalTask
    package var requestedBy: Actor

    package init(task: PortalTask, requestedBy: Actor) {
        self.task = task
        self.requestedBy = requestedBy
    }
}

/// A member record's key: one tenant's membership of one image.
package struct MemberKey: Hashable, Sendable {
    package var image: ImageID
    package var member: TenantID

    package init(image: ImageID, member: TenantID) {
        self.image = image
        self.member = member
    }
}

/// One write of a transaction. The adapters carry writes out as given, in order; they decide nothing.
package enum Write: Hashable, Sendable {
    case insertImage(Image)
    case updateImage(Image)
    /// Removes an image's row outright, if it still has `status` (an import that never produced an image).
    case removeImage(ImageID, ifStatus: ImageStatus)
    /// Moves every image in status `from` to status `to` (restart recovery).
    case resetImages(from: ImageStatus, to: ImageStatus, at: Date)
    case insertMember(Member)
    case updateMember(Member)
    case removeMember(MemberKey)
    /// Appends to the share history: `member` was granted `image` (kept if it already was).
    case recordGrant(MemberKey, at: Date)
    case insertTask(StoredTask)
    case updateTask(PortalTask)
    /// Moves every task in status `from` back to `to`, with a message (restart recovery).
    case resetTasks(from: TaskStatus, to: TaskStatus, message: String, at: Date)
    /// Extends the lease `owner` holds on a task it runs.
    case renewTaskLease(TaskID, owner: String, until: Date)
    /// Takes (or extends) the lease on an upload in progress: while it lasts, no instance rolls it back.
    case leaseUpload(ImageID, owner: String, until: Date)
    /// Ends the lease on an upload (it completed or was rolled back).
    case releaseUpload(ImageID)
    case insertServer(Server)
    /// Marks a server deleted.
    case deleteServer(ServerID, at: Date)
    case insertTenant(Tenant)
    case insertStaff(StaffAccount)
    case insertToken(StoredToken)
    /// Stores a token's revocation.
    case revokeToken(TokenID, at: Date)
    /// Records a token's use, unless it was recorded after `unlessUsedAfter`.
    case touchToken(TokenID, at: Date, unlessUsedAfter: Date)
    /// Remembers a browser session as signed out until `expiresAt`.
    case endSession(id: String, expiresAt: Date)
    /// Forgets signed-out sessions that expired before `before`.
    case purgeEndedSessions(before: Date)
    case audit(AuditEvent)
}

/// What a transaction reads before it decides (rows that are locked against concurrent writers
/// until it commits).
package struct Reads: Hashable, Sendable {
    package var images: [ImageID] = []
    /// Every member record of these images.
    package var membersOf: [ImageID] = []
    /// Single member records.
    package var memberRecords: [MemberKey] = []
    package var tasks: [TaskID] = []
    package var servers: [ServerID] = []
    package var tenants: [TenantID] = []
    package var staff: [StaffName] = []
    package var tokens: [TokenID] = []

    package init(
        images: [ImageID] = [], membersOf: [ImageID] = [], memberRecords: [MemberKey] = [], tasks: [TaskID] = [], servers: [ServerID] = [],
        tenants: [TenantID] = [], staff: [StaffName] = [], tokens: [TokenID] = []
    ) {
        self.images = images
        self.membersOf = membersOf
        self.memberRecords = memberRecords
        self.tasks = tasks
        self.servers = servers
        self.tenants = tenants
        self.staff = staff
        self.tokens = tokens
    }

    /// Reads nothing.
    package static let none = Reads()
}

/// What a transaction read: only the rows that exist.
package struct Snapshot: Sendable {
    package var images: [ImageID: Image] = [:]
    /// Member records per image, oldest first (then by member ID).
    package var members: [ImageID: [Member]] = [:]
    package var memberRecords: [MemberKey: Member] = [:]
    package var tasks: [TaskID: StoredTask] = [:]
    package var servers: [ServerID: Server] = [:]
    package var tenants: [TenantID: Tenant] = [:]
    package var staff: [StaffName: StaffAccount] = [:]
    package var tokens: [TokenID: StoredToken] = [:]

    package init() {}
}

/// What a transaction commits: the writes to apply, and what to return to the caller.
package struct Commit<Result: Sendable>: Sendable {
    package var writes: [Write]
    package var result: Result

    package init(_ writes: [Write], _ result: Result) {
        self.writes = writes
        self.result = result
    }
}

extension Commit where Result == Void {
    package init(_ writes: [Write]) { self.init(writes, ()) }
}

/// A write would store a second record under a key that is taken (a race a check before it lost).
package struct StoreConflict: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// The metadata store's one way to change anything: read, decide, write, in one transaction.
package protocol RecordStore: Sendable {
    /// Loads `reads`, calls `decide` with what exists, and applies the writes it returns, all in one
    /// transaction; nothing is written when `decide` throws. A write that breaks a uniqueness
    /// constraint throws `StoreConflict` and nothing is written.
    func transact<Result: Sendable>(_ reads: Reads, _ decide: @escaping @Sendable (Snapshot) throws -> Commit<Result>) async throws -> Result
}

extension RecordStore {
    /// Applies writes in one transaction.
    package func apply(_ writes: [Write]) async throws {
        try await transact(.none) { _ in Commit(writes) }
    }
}

/// Read-only queries about images, their members, lineage and share history.
package protocol ImageQueries: Sendable {
    /// An image (in any status) and `tenant`'s own member record of it, if any.
    func image(_ id: ImageID, memberRecordOf tenant: TenantID?) async throws -> (image: Image, membership: Member?)?
    /// At most `limit` images of `scope` that match the query's filters, in its total order, after `marker`.
    func images(in scope: ImageScope, matching query: ImageListQuery, after marker: Image?, limit: Int) async throws -> [Image]
    /// How many undeleted images `scope` holds (the query's filters do not apply).
    func count(_ scope: ImageScope) async throws -> Int
    /// Every member record of an image, oldest first.
    func members(of id: ImageID) async throws -> [Member]
    /// `tenant`'s member records of the given images.
    func memberRecords(of tenant: TenantID, for images: [ImageID]) async throws -> [Member]
    /// Every member record of `tenant` with its image, oldest first.
    func memberships(of tenant: TenantID) async throws -> [(image: Image, member: Member)]
    /// The images above `id` through snapshot, copy and import sources, nearest first (deleted ones included).
    func ancestors(of id: ImageID) async throws -> [Image]
    /// Images not owned by `tenant`, ever granted to `tenant` (the share history), whose SHA-512 is `hash`; oldest first.
    func grantedImages(to tenant: TenantID, withHash hash: String, excluding id: ImageID, limit: Int) async throws -> [Image]
    /// Images left `saving` without a live upload lease at `now`: uploads whose instance went away.
    func abandonedUploads(at now: Date) async throws -> [ImageID]
    /// Member records with their images (undeleted), matching the filter, least recently changed first.
    func shares(_ filter: ShareReviewFilter, changedBefore: Date?) async throws -> [ShareRow]
}

/// Read-only queries about tenants, staff and tokens.
package protocol AccountQueries: Sendable {
    func tenant(_ id: TenantID) async throws -> Tenant?
    func tenants(_ ids: [TenantID]) async throws -> [TenantID: Tenant]
    func allTenants() async throws -> [Tenant]
    func staff(_ name: StaffName) async throws -> StaffAccount?
    func allStaff() async throws -> [StaffAccount]
    func token(_ id: TokenID) async throws -> StoredToken?
    /// Tokens newest first: of one tenant, of one staff account, or all of them.
    func tokens(of owner: TokenOwner) async throws -> [TokenInfo]
    /// Whether any token exists.
    func hasTokens() async throws -> Bool
}

/// Whose tokens to list.
package enum TokenOwner: Hashable, Sendable {
    case tenant(TenantID)
    case staff(StaffName)
    case everyone

    /// One tenant's tokens, or everyone's.
    package static func of(_ tenant: TenantID?) -> TokenOwner { tenant.map(TokenOwner.tenant) ?? .everyone }
}

/// Read-only queries about the audit trail.
package protocol AuditQueries: Sendable {
    /// At most `limit` events of the scope matching the query, newest first.
    func events(in scope: AuditScope, matching query: AuditQuery, limit: Int) async throws -> [AuditEvent]
}

/// Tasks: queries, and the lease by which exactly one runner takes each.
package protocol TaskQueries: Sendable {
    /// At most `limit` tasks of the scope matching the query, newest first, after `marker`.
    func tasks(in scope: TenantScope, matching query: TaskQuery, after marker: PortalTask?, limit: Int) async throws -> [PortalTask]
    func task(_ id: TaskID) async throws -> StoredTask?
    /// Moves the oldest pending task — or the oldest `processing` one whose lease ran out, its runner
    /// gone — to `processing` under a lease for `owner` until `until`, and returns it; nil when there is
    /// none. Exactly one caller gets each task, however many instances ask at once.
    func claimNextTask(at now: Date, owner: String, until: Date) async throws -> StoredTask?
}

/// Read-only queries about servers.
package protocol ServerQueries: Sendable {
    /// A tenant's servers that are not deleted, newest first.
    func servers(of tenant: TenantID) async throws -> [Server]
    /// A server that is not deleted.
    func server(_ id: ServerID) async throws -> Server?
}

/// Read-only queries about browser sessions.
package protocol SessionQueries: Sendable {
    /// Whether a session was signed out before it expired.
    func isEnded(_ sessionID: String) async throws -> Bool
}

/// Everything the metadata store does: one adapter (SQLite today) implements it all.
package protocol MetadataStore: RecordStore, ImageQueries, AccountQueries, AuditQueries, TaskQueries, ServerQueries, SessionQueries {
    /// Whether the store answers (the readiness probe).
    func ping() async throws
}
