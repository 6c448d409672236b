package import Foundation
package import PortalAuth
package import PortalCore

/// Everything the portal's controllers call: the same use cases the API calls, and the portal's
/// own cookie settings.
package struct WebServices: Sendable {
    package var useCases: UseCases
    package var codec: SessionCodec
    /// Session lifetime.
    package var sessionLifetime: TimeInterval
    /// Mark cookies Secure.
    package var secureCookies: Bool
    /// Newly issued tokens waiting to be shown once.
    package var issuedTokens: OneTimeSecrets

    package init(useCases: UseCases, codec: SessionCodec, sessionLifetime: TimeInterval, secureCookies: Bool, issuedTokens: OneTimeSecrets = OneTimeSecrets()) {
        self.useCases = useCases
        self.codec = codec
        self.sessionLifetime = sessionLifetime
        self.secureCookies = secureCookies
        self.issuedTokens = issuedTokens
    }

    /// The clock the use cases read.
    var clock: PortalClock { useCases.clock }
    /// The operator's settings.
    var settings: CoreSettings { useCases.settings }
}
