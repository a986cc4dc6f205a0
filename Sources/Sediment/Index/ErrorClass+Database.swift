import GRDB

extension ErrorClass {
    /// GRDB's errors are I/O. Here because `Index/` is the only folder that imports GRDB;
    /// it wraps what GRDB throws in `SedimentError(.database)`, so one that reaches a
    /// caller unwrapped is a slip, still the database's.
    init?(database error: any Error) {
        guard error is DatabaseError else { return nil }
        self = .io
    }
}
