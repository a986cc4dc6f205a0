/// `run --http`'s `/`: a link to each task's console.
struct TaskIndexPage: Sendable {
    let tasks: [String]

    var html: String {
        var page = ConsolePage.head(title: "Sediment: \(tasks.count) tasks")
        page += "<header><h1>Sediment</h1><span class=\"archive\">\(tasks.count) tasks</span></header><main><section><h2>Tasks</h2><ul>"
        for task in tasks {
            let escaped = HTML.escape(task)
            page += "<li><a href=\"/tasks/\(escaped)/\">\(escaped)</a> · <a href=\"/tasks/\(escaped)/api/status\">status</a></li>"
        }
        return page + "</ul><p><a href=\"/metrics\">/metrics</a> · <a href=\"/readyz\">/readyz</a></p></section></main></body></html>"
    }
}
