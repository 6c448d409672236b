package import PortalDomain

/// Every use case, over one set of stores: what the API, the portal, the command line and the
/// background services are given to call.
package struct UseCases: Sendable {
    /// The stores, clock and settings the use cases share.
    package let core: CoreContext
    /// Counts failed sign-ins.
    package let signInLimiter: any SignInLimiter
    /// Wakes the task runner.
    package let wakeTaskRunner: @Sendable () -> Void

    package init(core: CoreContext, signInLimiter: any SignInLimiter, wakeTaskRunner: @escaping @Sendable () -> Void) {
        self.core = core
        self.signInLimiter = signInLimiter
        self.wakeTaskRunner = wakeTaskRunner
    }

    package var catalog: ImageCatalog { ImageCatalog(core) }
    package var lifecycle: ImageLifecycle { ImageLifecycle(core) }
    package var sharing: Sharing { Sharing(core) }
    package var imageData: ImageData { ImageData(core) }
    package var lineage: Lineage { Lineage(core) }
    package var compute: Compute { Compute(core) }
    package var files: Files { Files(core) }
    package var tasks: Tasks { Tasks(core, wake: wakeTaskRunner) }
    package var taskWorker: TaskWorker { TaskWorker(core) }
    package var audit: AuditTrail { AuditTrail(core) }
    package var support: SupportReview { SupportReview(core) }
    package var accounts: Accounts { Accounts(core) }
    package var sessions: Sessions { Sessions(core) }
    package var signIn: SignIn { SignIn(core, limiter: signInLimiter) }
    package var inbox: Inbox { Inbox(core) }

    /// The portal's image page of `id` for `principal`.
    package func imageDetails(_ id: ImageID, for principal: Principal) async throws -> ImageDetails {
        try await ImageDetails.load(id, for: principal, core: core)
    }

    /// The dashboard of `principal`, with the inboxes of the other accounts the person holds.
    package func dashboard(for principal: Principal, holding others: [Principal]) async throws -> Dashboard {
        try await Dashboard.load(for: principal, holding: others, core: core)
    }

    /// The settings the use cases apply.
    package var settings: CoreSettings { core.settings }
    /// The clock the use cases read.
    package var clock: PortalClock { core.clock }
}
