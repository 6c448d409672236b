import Logging
import PortalCore
import PortalDomain
import ServiceLifecycle
import Synchronization

/// Wakes the task runner when a task is created (it also polls, so nothing is missed).
package final class TaskSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    package init() {}

    /// Something changed: wake the runner.
    package func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Waits for `fire()`, or returns at once if it fired since the last wait.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// The background service that runs import and export tasks, one at a time, oldest first.
/// On graceful shutdown it finishes the task in hand and stops. On one machine, tasks interrupted by
/// a crash are restarted from the beginning on the next start; with several instances, another
/// instance takes a task over once the lease of the one that died has run out.
struct TaskRunner: Service {
    let worker: TaskWorker
    let signal: TaskSignal
    let shared: Bool
    let logger: Logger

    func run() async throws {
        if !shared {
            let recovered = try await worker.recoverInterrupted()
            if recovered > 0 { logger.notice("restarting interrupted tasks", metadata: ["count": .stringConvertible(recovered)]) }
        }
        let stopping = Mutex(false)
        await withGracefulShutdownHandler {
            while !stopping.withLock({ $0 }) {
                do {
                    if try await worker.runNext() { continue }
                } catch {
                    logger.error("task runner failed to claim a task", metadata: ["error": .string(String(reflecting: error))])
                }
                // Sleep until a task is created, or poll again after two seconds.
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await signal.wait() }
                    group.addTask {
                        try? await Task.sleep(for: .seconds(2))
                        if !Task.isCancelled { signal.fire() }
                    }
                    await group.next()
                    group.cancelAll()
                }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            signal.fire()
        }
    }
}

/// Rolls back, every few seconds, the uploads whose instance went away (their lease ran out): the
/// image returns to `queued` and the bytes the upload had stored are removed.
struct UploadSweeper: Service {
    let imageData: ImageData
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let rolledBack = try await imageData.rollBackAbandonedUploads()
                for id in rolledBack {
                    logger.notice("rolled back an upload whose instance stopped", metadata: ["image": .string(id.rawValue)])
                }
            } catch {
                logger.error("upload sweep failed", metadata: ["error": .string(String(reflecting: error))])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
