import Foundation

/// Reads sizes as people type them: `500MB`, `1MiB`, `64KB`, `1048576`. Decimal units
/// (KB, MB, GB) are powers of 1000, as in the product Sediment replaces; binary units
/// (KiB, MiB, GiB) powers of 1024.
public enum ByteSizeExpression {
    public static func parse(_ text: String, option: String) throws -> Int64 {
        let units: [(String, Int64)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
            ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000), ("B", 1),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (unit, scale) in units where trimmed.uppercased().hasSuffix(unit.uppercased()) {
            let number = trimmed.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
            if let amount = Int64(number), amount >= 0, amount <= Int64.max / scale { return amount * scale }
        }
        if let amount = Int64(trimmed), amount >= 0 { return amount }
        throw SedimentError(
            .invalidArgument, "cannot read \(option) '\(text)' as a size: use bytes or a whole number with KB, MB, GB, KiB, MiB or GiB (500MB)",
            context: ["option": option, "value": text])
    }
}

extension ByteSizeExpression {
    /// A size as it would be typed: the largest unit that divides it (`500MB`, `16MiB`).
    public static func text(_ bytes: Int64) -> String {
        let units: [(String, Int64)] = [("GiB", 1 << 30), ("GB", 1_000_000_000), ("MiB", 1 << 20), ("MB", 1_000_000), ("KiB", 1 << 10), ("KB", 1000)]
        for (unit, scale) in units where bytes != 0 && bytes % scale == 0 {
            return "\(bytes / scale)\(unit)"
        }
        return "\(bytes)B"
    }
}
