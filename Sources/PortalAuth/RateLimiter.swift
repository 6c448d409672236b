package import Foundation
import PortalCore
import Synchronization

/// Limits failed sign-ins: per client address and per account, within a sliding window.
/// Successful sign-ins do not count; the window forgets old failures.
package final class RateLimiter: SignInLimiter {
    private let state = Mutex<[String: [Date]]>([:])
    let maxFailures: Int
    let window: TimeInterval

    package init(maxFailures: Int = 5, window: TimeInterval = 600) {
        self.maxFailures = maxFailures
        self.window = window
    }

    /// Whether any of the keys has failed too often recently; if so, how long until it may try again.
    package func blocked(_ keys: [String], now: Date) -> TimeInterval? {
        state.withLock { failures in
            var wait: TimeInterval?
            for key in keys {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= maxFailures, let oldest = recent.first {
                    wait = max(wait ?? 0, window - now.timeIntervalSince(oldest))
                }
            }
            return wait
        }
    }

    /// Records a failure against every key.
    package func recordFailure(_ keys: [String], now: Date) {
        state.withLock { failures in
            for key in keys {
                var recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                recent.append(now)
                failures[key] = recent
            }
            if failures.count > 10_000 {
                failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            }
        }
    }
}
