package import Hummingbird
package import PortalAuth
package import PortalCore
import PortalDomain

/// Glance v2 image members: the producer adds and removes, the consumer answers.
package struct MembersController: Sendable {
    let useCases: UseCases

    package init(useCases: UseCases) { self.useCases = useCases }

    package func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("images/:imageID/members", use: list)
        group.post("images/:imageID/members", use: create)
        group.get("images/:imageID/members/:memberID", use: show)
        group.put("images/:imageID/members/:memberID", use: update)
        group.delete("images/:imageID/members/:memberID", use: delete)
        group.rejectOtherMethods("images/:imageID/members", allowed: [.get, .post])
        group.rejectOtherMethods("images/:imageID/members/:memberID", allowed: [.get, .put, .delete])
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let body = try await APISupport.jsonObject(request, context: context)
        let candidate = try APISupport.string(
            body, "member", missing: "Member to be added not specified", mistyped: "Expected a member in the form: {\"member\": \"tenant_id\"}")
        guard !candidate.isEmpty else { throw DomainError.invalid("Member can't be empty") }
        return GlanceRepresentation.member(try await useCases.sharing.addMember(candidate, to: id, by: context.actor))
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        GlanceRepresentation.members(try await useCases.sharing.members(of: try APISupport.imageID(context), for: context.principal, api: .v2))
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let member = try await useCases.sharing.member(APISupport.parameter(context, "memberID"), of: try APISupport.imageID(context), for: context.principal)
        return GlanceRepresentation.member(member)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try APISupport.imageID(context)
        let body = try await APISupport.jsonObject(request, context: context)
        let status = try APISupport.string(body, "status", missing: "Status not specified", mistyped: "Expected a status in the form: {\"status\": \"status\"}")
        let member = try await useCases.sharing.answer(id, member: APISupport.parameter(context, "memberID"), status: status, by: context.actor)
        return GlanceRepresentation.member(member)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await useCases.sharing.removeMember(APISupport.parameter(context, "memberID"), from: try APISupport.imageID(context), by: context.actor, api: .v2)
        return APISupport.empty(.noContent)
    }
}
