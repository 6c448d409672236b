import ArgumentParser
import Foundation
import PortalApp
import PortalCore
import PortalDomain

/// Runs an operator command against the configured stores, turning domain errors and configurations
/// that cannot work into exit 2.
func operate<T>(_ data: DataOptions, _ body: (UseCases) async throws -> T) async throws -> T {
    do {
        let dependencies = try await AppDependencies.live(data.configuration())
        defer { dependencies.close() }
        return try await body(dependencies.useCases)
    } catch let error as DomainError {
        throw CommandFailure(message: error.message)
    } catch let error as ConfigurationError {
        throw CommandFailure(message: error.description)
    }
}

/// Prints rows as aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
}

/// `image-portal tenants add|list`.
struct Tenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage tenant accounts.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a tenant (DDI: 1 to 16 digits).")
        @Argument(help: "The tenant ID (DDI).") var ddi: String
        @Option(help: "A display name.") var name: String = ""
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await operate(data) { useCases in
                let id = try TenantID.parse(ddi)
                let tenant = try await useCases.accounts.addTenant(id, name: name, by: .cli("tenants add"))
                print("Added tenant \(tenant.id)\(tenant.name.isEmpty ? "" : " (\(tenant.name))").")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await operate(data) { useCases in
                let tenants = try await useCases.accounts.allTenants(for: Actor.cli("tenants list").principal)
                printTable(["DDI", "NAME", "CREATED"], tenants.map { [$0.id.rawValue, $0.name, Timestamp.iso8601($0.createdAt)] })
            }
        }
    }
}

/// `image-portal staff add|list`.
struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage staff accounts (support, admin).", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a staff account.")
        @Argument(help: "The staff name (a-z, 0-9, '.', '_', '-').") var name: String
        @Option(help: "support (read-only across tenants) or admin.") var role: String
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await operate(data) { useCases in
                let staffName = try StaffName.parse(name)
                guard let staffRole = StaffRole(rawValue: role) else { throw DomainError.invalid("--role must be support or admin, not '\(role)'.") }
                _ = try await useCases.accounts.addStaff(staffName, role: staffRole, by: .cli("staff add"))
                print("Added staff account \(staffName) (\(staffRole.rawValue)).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List staff accounts.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await operate(data) { useCases in
                let staff = try await useCases.accounts.allStaff(for: Actor.cli("staff list").principal)
                printTable(["NAME", "ROLE", "CREATED"], staff.map { [$0.name.rawValue, $0.role.rawValue, Timestamp.iso8601($0.createdAt)] })
            }
        }
    }
}

/// `image-portal tokens issue|list|revoke`.
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Issue, list and revoke API tokens.", subcommands: [Issue.self, List.self, Revoke.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token for a tenant (or --staff NAME). The token is printed alone on the last line, once.")
        @Argument(help: "The tenant ID (DDI).") var ddi: String?
        @Option(name: .customLong("staff"), help: "Issue for this staff account instead of a tenant.") var staffName: String?
        @Option(help: "member or admin (tenant tokens only).") var role: String?
        @Option(help: "A label to recognise the token by.") var label: String = ""
        @Option(name: .customLong("expires-in"), help: "Lifetime, e.g. 30d, 12h, 90m.") var expiresIn: String?
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await operate(data) { useCases in
                let subject: TokenSubject
                switch (ddi, staffName) {
                case (let ddi?, nil):
                    let tenantRole = try role.map { text throws(DomainError) in
                        guard let parsed = TenantRole(rawValue: text) else { throw DomainError.invalid("--role must be member or admin, not '\(text)'.") }
                        return parsed
                    } ?? .member
                    subject = .tenant(try TenantID.parse(ddi), role: tenantRole)
                case (nil, let name?):
                    guard role == nil else { throw DomainError.invalid("--role applies to tenant tokens; a staff token takes the staff account's role.") }
                    subject = .staff(try StaffName.parse(name))
                case (nil, nil):
                    throw DomainError.invalid("Name a tenant ID, or --staff NAME.")
                case (_?, _?):
                    throw DomainError.invalid("Give either a tenant ID or --staff NAME, not both.")
                }
                let expiresAt = try TokenRules.expiry(expiresIn, now: useCases.clock.now())
                let issued = try await useCases.accounts.issueToken(for: subject, label: label, expiresAt: expiresAt, by: .cli("tokens issue"))
                print("Issued \(issued.info.id) for \(issued.info.principal.label)\(expiresAt.map { ", expires \(Timestamp.iso8601($0))" } ?? "").")
                print("The token is shown only now; it is stored as a hash and cannot be recovered:")
                print(issued.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets), optionally of one tenant.")
        @Argument(help: "The tenant ID (DDI).") var ddi: String?
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await operate(data) { useCases in
                let tenant = try ddi.map { text throws(DomainError) in try TenantID.parse(text) }
                if let tenant, try await useCases.accounts.tenant(tenant) == nil { throw DomainError.notFound("No tenant \(tenant).") }
                let now = useCases.clock.now()
                let tokens = try await useCases.accounts.tokens(of: .of(tenant), for: Actor.cli("tokens list").principal)
                printTable(
                    ["ID", "FOR", "LABEL", "STATE", "CREATED", "EXPIRES", "LAST USED"],
                    tokens.map {
                        [
                            $0.id.rawValue, $0.principal.label, $0.label, $0.state(at: now), Timestamp.iso8601($0.createdAt),
                            $0.expiresAt.map(Timestamp.iso8601) ?? "-", $0.lastUsedAt.map(Timestamp.iso8601) ?? "-",
                        ]
                    })
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by ID; its API calls and browser sessions end at once.")
        @Argument(help: "The token ID (tok_...).") var tokenID: String
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await operate(data) { useCases in
                let info = try await useCases.accounts.revokeToken(try TokenID.parse(tokenID), by: .cli("tokens revoke"))
                print("Revoked \(info.id) (\(info.principal.label)).")
            }
        }
    }
}
