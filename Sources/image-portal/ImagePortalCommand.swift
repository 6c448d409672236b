import ArgumentParser
import Foundation
import PortalApp

#if canImport(Glibc)
import Glibc
#endif

/// `image-portal`: the server and its operator commands.
@main
struct ImagePortalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image-portal",
        abstract: "ImagePortal: a multi-account cloud-images portal with an OpenStack-compatible API.",
        subcommands: [Serve.self, Tenants.self, Staff.self, Tokens.self, MigrateData.self],
        defaultSubcommand: Serve.self)

    /// Runs the command; bad input prints one line on stderr and exits 2, writing nothing.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        } catch {
            if exitCode(for: error) == .success || error is CleanExit {
                exit(withError: error)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(2)
        }
    }
}

/// A failure with a one-line reason and an exit code (2 for bad input).
struct CommandFailure: Error {
    var message: String
    var code: Int32 = 2
}

/// Options shared by every command that touches the stores.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The data directory (env PORTAL_DATA_DIR; default ./data).")
    var dataDirectory: String?
    @Option(
        name: .customLong("database"),
        help: "sqlite:PATH (default: portal.sqlite in the data directory) or postgres://USER:PASSWORD@HOST:PORT/DB (env PORTAL_DATABASE_URL).")
    var database: String?
    @Option(name: .customLong("object-store"), help: "files (the data directory) or swift (env PORTAL_OBJECT_STORE; PORTAL_SWIFT_* say where).")
    var objectStore: String?

    func configuration() -> AppConfiguration {
        var configuration = AppConfiguration.fromEnvironment()
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if let database { configuration.database = database }
        if let objectStore { configuration.objectStore = objectStore }
        return configuration
    }
}
