import Foundation
import GRDB
import NIOCore
import NIOHTTP1
package import PortalCore
package import PortalDomain

/// What a store holds, as an operator's check and the data migration see it: the blobs it has by key,
/// and the bytes nothing refers to (staged files, segments of writes that never finished), which
/// should be none while no write is under way.
package struct StoreInventory: Hashable, Sendable {
    package var images: Set<ImageID> = []
    package var serverDisks: Set<ServerID> = []
    /// Objects, for an object store's inventory of one tenant.
    package var objects = 0
    /// Bytes no record or manifest refers to, by where they are.
    package var leftovers: [String] = []

    package init() {}
}

extension FileBlobStore {
    /// The image and disk files, and whatever is staged in `tmp/` (uploads of either store in progress,
    /// or left by a stop).
    package func inventory() throws -> StoreInventory {
        var inventory = StoreInventory()
        let manager = FileManager.default
        for prefix in (try? manager.contentsOfDirectory(atPath: files.imagesPath)) ?? [] {
            for name in (try? manager.contentsOfDirectory(atPath: files.imagesPath + "/" + prefix)) ?? [] {
                if let id = ImageID(rawValue: name) { inventory.images.insert(id) } else { inventory.leftovers.append("images/\(prefix)/\(name)") }
            }
        }
        for name in (try? manager.contentsOfDirectory(atPath: files.serversPath)) ?? [] {
            if name.hasSuffix(".disk"), let id = ServerID(rawValue: String(name.dropLast(5))) {
                inventory.serverDisks.insert(id)
            } else {
                inventory.leftovers.append("servers/\(name)")
            }
        }
        inventory.leftovers += ((try? manager.contentsOfDirectory(atPath: files.tmpPath)) ?? []).map { "tmp/\($0)" }
        return inventory
    }
}

extension SQLiteObjectStore {
    /// A tenant's objects, and the blob files of theirs no object row names.
    package func inventory(of tenant: TenantID) async throws -> StoreInventory {
        let blobs = try await database.reader.read { db in
            try String.fetchSet(db, sql: "SELECT blob FROM objects WHERE tenant = ?", arguments: [tenant.rawValue])
        }
        var inventory = StoreInventory()
        inventory.objects = blobs.count
        let root = files.objectsPath + "/" + tenant.rawValue
        let manager = FileManager.default
        for prefix in (try? manager.contentsOfDirectory(atPath: root)) ?? [] {
            for name in (try? manager.contentsOfDirectory(atPath: root + "/" + prefix)) ?? [] where !blobs.contains(name) {
                inventory.leftovers.append("objects/\(tenant)/\(prefix)/\(name)")
            }
        }
        return inventory
    }
}

extension SwiftBlobStore {
    /// The manifests of the images and disks containers, and the segments no manifest lists (those of
    /// writes that never finished, or of copies that failed half way).
    package func inventory() async throws -> StoreInventory {
        let account = try await client.serviceAccount().url
        var inventory = StoreInventory()
        var referenced = Set<String>()
        for (container, record) in [(imagesContainer, true), (disksContainer, false)] {
            for name in try await client.allNames(account: account, container: container) {
                if record, let id = ImageID(rawValue: name) {
                    inventory.images.insert(id)
                } else if !record, let id = ServerID(rawValue: name) {
                    inventory.serverDisks.insert(id)
                } else {
                    inventory.leftovers.append("\(container)/\(name)")
                }
                for segment in try await client.manifestSegments(account: account, container: container, name: name) ?? [] {
                    referenced.insert(segment.path)
                }
            }
        }
        for name in try await client.allNames(account: account, container: segmentsContainer) where !referenced.contains("/\(segmentsContainer)/\(name)") {
            inventory.leftovers.append("\(segmentsContainer)/\(name)")
        }
        return inventory
    }
}

extension SwiftObjectStore {
    /// A tenant's objects, and the segments in its hidden segments container that no manifest lists.
    package func inventory(of tenant: TenantID) async throws -> StoreInventory {
        let account = try await account(tenant)
        var inventory = StoreInventory()
        var referenced = Set<String>()
        for container in try await client.allNames(account: account, container: nil) where container != Self.segmentsContainer {
            for name in try await client.allNames(account: account, container: container) {
                inventory.objects += 1
                for segment in try await client.manifestSegments(account: account, container: container, name: name) ?? [] {
                    referenced.insert(segment.path)
                }
            }
        }
        for name in try await client.allNames(account: account, container: Self.segmentsContainer)
        where !referenced.contains("/\(Self.segmentsContainer)/\(name)") {
            inventory.leftovers.append("segments/\(name)")
        }
        return inventory
    }
}

extension SwiftClient {
    /// The sum of the objects' sizes as a container's listing gives them, page by page.
    func listedBytes(account: String, container: String) async throws -> Int64 {
        var total: Int64 = 0
        var marker = ""
        while let page = try await listing(account: account, container: container, marker: marker), let last = page.last {
            total += page.reduce(0) { $0 + $1.bytes }
            marker = last.name
        }
        return total
    }

    /// Every name in a container (or, with no container, every container of the account), page by page.
    func allNames(account: String, container: String?, prefix: String? = nil) async throws -> [String] {
        var names: [String] = []
        var marker = ""
        while true {
            let url = account + (container.map { "/" + Self.escape($0) } ?? "") + "?format=json&limit=10000"
                + (prefix.map { "&prefix=" + Self.escape($0) } ?? "") + (marker.isEmpty ? "" : "&marker=" + Self.escape(marker))
            let answer = try await call(.GET, url, expected: [200, 204, 404], what: "listing of \(container ?? "the account")")
            guard answer.status == .ok else { return names }
            let items = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [[String: Any]]) ?? []
            let page = items.compactMap { $0["name"] as? String }
            guard let last = page.last else { return names }
            names += page
            marker = last
        }
    }
}

extension FileBlobStore {
    /// The size of a blob's data.
    package func size(_ key: BlobKey) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(key))
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
}

extension SwiftBlobStore {
    /// The size of a blob's data (its manifest's total).
    package func size(_ key: BlobKey) async throws -> Int64 {
        let account = try await client.serviceAccount().url
        let (container, name, _) = location(key)
        let answer = try await client.call(.HEAD, SwiftClient.objectURL(account, container, name), expected: [200], what: "HEAD of \(key)")
        return answer.headers.first(name: "Content-Length").flatMap(Int64.init) ?? 0
    }
}
