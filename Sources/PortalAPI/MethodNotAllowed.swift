import Hummingbird
import PortalAuth
import PortalDomain

extension RouterGroup {
    /// Answers the methods a path does not serve with 405 and an `Allow` header, as Glance's router does.
    func rejectOtherMethods(_ path: RouterPath, allowed: [HTTPRequest.Method]) {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] where !allowed.contains(method) {
            on(path, method: method) { _, _ -> Response in
                throw HTTPError(.methodNotAllowed, headers: [.allow: allow], message: "The method is not allowed for this resource; allowed: \(allow).")
            }
        }
    }
}
