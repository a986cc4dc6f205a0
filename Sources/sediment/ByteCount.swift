/// Bytes for people: 1.5 GiB, 300 KiB.
struct ByteCount: CustomStringConvertible {
    let value: Int64
    init(_ value: Int) { self.value = Int64(value) }
    init(_ value: Int64) { self.value = value }

    var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f", amount) + " " + units[unit]
    }
}
