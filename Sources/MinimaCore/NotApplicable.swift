/// How text and tables show a value that does not apply, such as the MCE of real-valued targets
/// (JSON writes it as `null`, `NullWhenAbsent`; CSV leaves the cell empty).
public enum NotApplicable {
    /// The mark in text and Markdown tables.
    public static let mark = "—"

    /// `value` formatted by `format`, or the mark when there is none.
    public static func text<Value>(_ value: Value?, _ format: (Value) -> String) -> String {
        value.map(format) ?? mark
    }
}

extension NotApplicable {
    /// A fraction as a percentage in `format` (`"%.4f"` → `12.3456%`), or the mark.
    public static func percent(_ fraction: Double?, _ format: String = "%.4f") -> String {
        text(fraction) { String(format: format, 100 * $0) + "%" }
    }
}
