import ArgumentParser
import Logging
import Sediment
import SedimentObjectStore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the archiving tasks of a config file side by side, each as dump would.",
        discussion: """
            FILE is YAML: a list of tasks, each what one `sediment dump` command line says \
            (its keys are dump's flags without the dashes), plus `defaults` for keys every \
            task shares. The README's "Config file" section lists every key with its type \
            and default; examples/sediment.yaml is a complete file.

            The file is checked whole before anything starts: every problem is printed as \
            FILE:LINE:COLUMN: key.path: what is wrong, and the command exits 64 having \
            created nothing. --check stops there and prints the plan of each task.

            Each task runs as its own pipeline: consume, store, compact, upload. A task that \
            fails is logged with its name and error and started again after 1 s, then 2 s, \
            4 s... up to 5 minutes (back to 1 s after a run of a minute or more), while the \
            others go on. SIGINT or SIGTERM stops every task as dump stops (each writes, \
            fsyncs, commits and compacts what it holds; uploads get --shutdown-timeout) and \
            exits 0; a second signal exits at once. --http serves /metrics, /healthz and \
            /readyz (every task consuming) meanwhile. A task with \
            until-caught-up: true is done once caught up; the command exits once every task \
            is done. on-window runs a command per window file, as dump's --on-window does.
            """
    )

    @Option(help: ArgumentHelp("The config file (YAML).", valueName: "file"))
    var config: String

    @Flag(help: "Check the file and print each task's plan; start nothing.")
    var check = false

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error.", valueName: "level"))
    var logLevel: Logger.Level = .notice

    @Flag(name: .long, help: "Log errors only (the same as --log-level error).")
    var quiet = false

    @OptionGroup(title: "Service") var service: ServiceOptions

    func run() async throws {
        try await reportingAsyncErrors {
            let file = try RunConfiguration.load(path: config)
            if let warning = FilePermissions.warning(for: config, holding: "settings that may include Kafka passwords") {
                standardErrorLogger(level: .warning).warning("\(warning)")
            }
            if check {
                print(file.plan, terminator: "")
                return
            }
            let logger = standardErrorLogger(level: quiet ? .error : logLevel)
            let readiness = Readiness()
            let services = try service.services(
                isReady: { readiness.isReady }, archives: file.tasks.map { ($0.name, $0.pipeline.archive) }, logger: logger)
            var options = TaskRunner.Options()
            options.shutdownTimeout = try service.shutdownDuration()
            let runner = TaskRunner(tasks: file.tasks, options: options, logger: logger)
            readiness.watch(runner)
            for outcome in try await runner.run(untilSignals: [.sigterm, .sigint], alongside: services, onSecondSignal: exitAtOnce) {
                var line = "task \(outcome.task): " + (outcome.summary.map(describe) ?? "nothing stored")
                if outcome.failures > 0 {
                    line += "; failed \(outcome.failures) of \(outcome.attempts) runs, last: \(outcome.lastError ?? "")"
                }
                print(line)
            }
        }
    }
}
