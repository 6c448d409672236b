import PortalApp
import Testing
package import PortalCore
package import PortalDomain

/// The people of a sharing story, all in one world: a producer (tenant 1001, with member and admin
/// tokens), consumers 2002–2004, a stranger 3003, a tenant admin 4004, staff admin and support.
package struct Cast: Sendable {
    package let world: TestWorld
    /// The producer, tenant 1001 (role member).
    package let owner: Credential
    /// The producer with an admin-role token (may make images public, set export_restricted).
    package let ownerAdmin: Credential
    /// Consumers 2002, 2003 and 2004.
    package let consumer: Credential
    package let otherConsumer: Credential
    package let thirdConsumer: Credential
    /// Tenant 3003, related to nothing.
    package let stranger: Credential
    /// Tenant 4004 with an admin-role token.
    package let tenantAdmin: Credential
    package let staffAdmin: Credential
    package let support: Credential

    package init(settings: CoreSettings = .standard) async throws {
        let world = try await TestWorld(settings: settings)
        self.world = world
        let producer = try await world.tenant("1001")
        owner = try await world.token(producer)
        ownerAdmin = try await world.token(producer, role: .admin)
        consumer = try await world.token(try await world.tenant("2002"))
        otherConsumer = try await world.token(try await world.tenant("2003"))
        thirdConsumer = try await world.token(try await world.tenant("2004"))
        stranger = try await world.token(try await world.tenant("3003"))
        tenantAdmin = try await world.token(try await world.tenant("4004"), role: .admin)
        staffAdmin = try await world.staff("ops", role: .admin)
        support = try await world.staff("help", role: .support)
    }

    /// The use cases.
    package var useCases: UseCases { world.useCases }

    /// An active image of the owner with `visibility` (created with the admin token, so public is allowed too).
    package func image(
        _ name: String = "image", visibility: Visibility = .shared, data: [UInt8] = Array("hello image".utf8), properties: [String: String] = [:]
    ) async throws -> Image {
        try await world.activeImage(by: ownerAdmin, name: name, visibility: visibility, data: data, properties: properties)
    }

    /// Adds `member` to `image` as the owner, then sets its status as the member.
    package func share(_ image: Image, with member: Credential, status: MemberStatus = .pending) async throws {
        guard let memberID = member.tenant else { throw DomainError.invalid("staff cannot be members") }
        _ = try await useCases.sharing.addMember(memberID.rawValue, to: image.id, by: owner.actor)
        if status != .pending {
            _ = try await useCases.sharing.answer(image.id, member: memberID.rawValue, status: status.rawValue, by: member.actor)
        }
    }

    /// Changes an image's visibility as the owner's admin token.
    package func setVisibility(_ image: Image, _ visibility: Visibility) async throws {
        _ = try await useCases.lifecycle.changeVisibility(image.id, to: visibility, by: ownerAdmin.actor)
    }
}

/// The callers of the access matrices. Members are tenant 2002 with the given status on the image;
/// the owner is 1001 (role member); the tenant admin is another tenant (4004) with an admin-role token.
package enum MatrixCaller: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case owner, tenantAdmin, staffAdmin, support, memberPending, memberAccepted, memberRejected, stranger

    /// The status a member caller has on the image.
    package var memberStatus: MemberStatus? {
        switch self {
        case .memberPending: .pending
        case .memberAccepted: .accepted
        case .memberRejected: .rejected
        default: nil
        }
    }

    /// The caller's credential in the cast.
    package func credential(in cast: Cast) -> Credential {
        switch self {
        case .owner: cast.owner
        case .tenantAdmin: cast.tenantAdmin
        case .staffAdmin: cast.staffAdmin
        case .support: cast.support
        case .memberPending, .memberAccepted, .memberRejected: cast.consumer
        case .stranger: cast.stranger
        }
    }

    package var testDescription: String { rawValue }
}

/// Deterministic bytes that no format inspector mistakes for a disk format.
package func sampleBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}
