import ArgumentParser
import Sediment

/// `--key`, `--key-prefix` and `--header`: the flags of a `MessageFilter`, for every
/// command that selects messages (`query`, and `replay`).
struct MessageFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only messages with this key (its UTF-8 bytes); repeat for several.", valueName: "key"))
    var key: [String] = []

    @Option(help: ArgumentHelp("Only messages whose key starts with this; repeat for several (with --key: either).", valueName: "prefix"))
    var keyPrefix: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only messages with this header, with VALUE when given; repeat: every NAME required, the values of one NAME alternatives.",
            valueName: "name[=value]"))
    var header: [String] = []

    func filter() throws -> MessageFilter {
        MessageFilter(
            keys: key.map { Array($0.utf8) }, keyPrefixes: keyPrefix.map { Array($0.utf8) },
            headers: try header.map { try MessageFilter.HeaderCondition(parsing: $0) })
    }
}

extension MessageQuery.Order: ExpressibleByArgument {}
