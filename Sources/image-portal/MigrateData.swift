import ArgumentParser
import Foundation
import PortalApp

/// `image-portal migrate-data`: a single node's data onto a cluster.
struct MigrateData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-data",
        abstract: "Move a single-node installation (SQLite and its data directory) onto PostgreSQL and Swift.",
        discussion: """
            Stop the single-node server first. Every row, image, server disk, container and object is copied and \
            its checksum verified; a run that stopped half way is simply run again (it copies only what is missing). \
            The target must be empty or hold this same installation. Swift is named by PORTAL_SWIFT_AUTH_URL, \
            PORTAL_SWIFT_USER and PORTAL_SWIFT_KEY, as for serve.
            """)

    @Option(help: "The single node's data directory, as sqlite:DIR (e.g. sqlite:./data).") var from: String
    @Option(help: "The cluster's database: postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…].") var to: String
    @Option(name: .customLong("object-store"), help: "Where the bytes go on the cluster: swift.") var objectStore: String = "swift"

    func run() async throws {
        var configuration = AppConfiguration.fromEnvironment()
        configuration.database = to
        configuration.objectStore = objectStore
        let outcome: DataMigrationOutcome
        do {
            outcome = try await AppDependencies.migrateData(from: from, configuration: configuration) { line in
                FileHandle.standardError.write(Data("migrate-data: \(line)\n".utf8))
            }
        } catch let error as ConfigurationError {
            throw CommandFailure(message: error.description)
        }
        print(outcome.summary)
        guard outcome.problems.isEmpty else {
            for problem in outcome.problems { FileHandle.standardError.write(Data("error: \(problem)\n".utf8)) }
            throw CommandFailure(message: "\(outcome.problems.count) items could not be moved; fix them and run migrate-data again.", code: 1)
        }
    }
}
