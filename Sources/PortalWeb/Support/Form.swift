import Foundation

/// A submitted form's fields, in order, repeats kept (checkbox lists).
struct Form: Sendable {
    let fields: [(name: String, value: String)]

    init(fields: [(name: String, value: String)]) { self.fields = fields }

    /// The first value of a field, trimmed; nil when absent or blank.
    subscript(_ name: String) -> String? {
        guard let value = fields.first(where: { $0.name == name })?.value.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// Every value of a field.
    func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map { $0.value.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// A checkbox.
    func flag(_ name: String) -> Bool {
        guard let value = self[name] else { return false }
        return ["on", "true", "1", "yes"].contains(value.lowercased())
    }
}
