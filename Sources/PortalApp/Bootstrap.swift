import Foundation
package import PortalDomain
import PortalCore
import PortalStorage

/// First-start and every-start housekeeping for `serve`.
package enum Bootstrap {
    /// What the first start created, if anything.
    package struct FirstStart: Sendable {
        package var staffName: StaffName
        package var token: String
    }

    /// On one machine, clears `tmp/` and returns interrupted uploads to `queued` (with several
    /// instances, what a stopped one left is rolled back when its leases run out, never at another's
    /// start); on an empty database creates the staff admin `admin` with one token (returned once,
    /// printed once, never stored).
    package static func prepare(_ dependencies: AppDependencies) async throws -> FirstStart? {
        let useCases = dependencies.useCases
        if !dependencies.isShared {
            dependencies.files.clearTemporaryFiles()
            try await useCases.imageData.recoverInterruptedUploads()
        }
        guard try await !useCases.accounts.hasTokens() else { return nil }
        let actor = Actor.cli("serve (first start)")
        let name = StaffName.bootstrapAdmin
        if try await useCases.accounts.staff(name) != nil {
            // With several instances, another one starting at the same moment made it and prints its
            // token; one alone has no token left for its admin and issues one.
            if dependencies.isShared { return nil }
        } else {
            do {
                _ = try await useCases.accounts.addStaff(name, role: .admin, by: actor)
            } catch DomainError.conflict {
                // Another instance, starting at the same moment on the same empty database, made it and prints its token.
                return nil
            }
        }
        let issued = try await useCases.accounts.issueToken(for: .staff(name), label: "bootstrap", expiresAt: nil, by: actor)
        return FirstStart(staffName: name, token: issued.secret)
    }

    /// The lines `serve` prints once it listens.
    package static func banner(configuration: AppConfiguration, firstStart: FirstStart?) -> String {
        let url = "http://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(configuration.port)"
        var lines = ["", "ImagePortal is serving on \(url)  (data in \(configuration.dataDirectory))"]
        if let firstStart {
            lines += [
                "",
                "First start: created the staff account \"\(firstStart.staffName)\" (role admin). Its token, shown only this once:",
                "",
                "    \(firstStart.token)",
                "",
                "Sign in at \(url)/login as staff \"\(firstStart.staffName)\" with that token; the Admin page creates tenants and tokens.",
                "Or from a shell:  image-portal tenants add 1001 --name Example && image-portal tokens issue 1001",
                "Point python-glanceclient at it:  glance --os-image-url \(url)/image --os-auth-token <token> image-list",
            ]
        } else {
            lines += [
                "Sign in at \(url)/login with a tenant ID and a token (issue one with: image-portal tokens issue <DDI>).",
                "Image API endpoint for python-glanceclient: \(url)/image",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension StaffName {
    /// The staff admin created on the first start.
    package static var bootstrapAdmin: StaffName { StaffName(rawValue: "admin") ?? .commandLineOperator }
}
