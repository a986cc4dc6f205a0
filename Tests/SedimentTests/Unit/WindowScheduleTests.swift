import Testing
@testable import Sediment

@Suite("WindowSchedule")
struct WindowScheduleTests {
    static func settings(_ minutesCount: Int64, _ format: WindowSettings.Format = .jsonl) -> WindowSettings {
        var settings = WindowSettings()
        settings.granularity = minutes(minutesCount)
        settings.format = format
        return settings
    }

    /// One entry from the beginning of time, as the index records a topic's first settings.
    static func constant(_ minutesCount: Int64) -> WindowSchedule {
        WindowSchedule(entries: [.init(since: .min, settings: settings(minutesCount))])
    }

    /// 2023-11-14T00:00:00Z, the UTC midnight before `windowBase`.
    static let midnight: Int64 = 1_699_920_000_000

    @Test("a window is [start, start + granularity) with start a multiple of the granularity since the epoch", arguments: [1, 5, 7, 15, 60, 1440] as [Int64])
    func alignment(minutesCount: Int64) {
        let schedule = Self.constant(minutesCount)
        let length = minutes(minutesCount)
        // Times around windowBase, every 17 s over three windows: some land on boundaries.
        for time in stride(from: windowBase - length, to: windowBase + 2 * length, by: 17_000) {
            let window = schedule.window(containing: time)
            #expect(window.start % length == 0)
            #expect(window.end == window.start + length)
            #expect((window.start..<window.end).contains(time), "\(time) outside \(window.start)..<\(window.end)")
            #expect(window.settings.granularity == length)
        }
    }

    @Test("windows are aligned in UTC: a day runs from UTC midnight, an hour from :00 UTC, 7 minutes from the epoch")
    func utcAlignment() {
        let evening = windowBase + minutes(37)  // 2023-11-14T22:37Z
        #expect(Self.constant(1440).window(containing: evening).start == Self.midnight)
        #expect(Self.constant(1440).window(containing: evening).end == Self.midnight + UTCDate.millisecondsPerDay)
        #expect(Self.constant(60).window(containing: evening).start == windowBase)
        #expect(Self.constant(5).window(containing: evening).start == windowBase + minutes(35))
        // windowBase is not a multiple of 7 minutes: such windows follow the epoch, not the hour.
        let seven = Self.constant(7).window(containing: evening)
        #expect(seven.start % minutes(7) == 0)
        #expect(seven.start != windowBase + minutes(35))
        #expect(seven.start <= evening && evening < seven.end)
    }

    @Test("a timestamp on a boundary opens the next window; one millisecond earlier is in the previous one")
    func boundaries() {
        let schedule = Self.constant(5)
        #expect(schedule.window(containing: windowBase).start == windowBase)
        #expect(schedule.window(containing: windowBase - 1).start == windowBase - minutes(5))
        #expect(schedule.window(containing: windowBase - 1).end == windowBase)
        #expect(schedule.window(containing: windowBase + minutes(5) - 1).start == windowBase)
    }

    @Test("times before the epoch round down, not toward zero")
    func beforeEpoch() {
        let schedule = Self.constant(5)
        #expect(schedule.window(containing: -1).start == -minutes(5))
        #expect(schedule.window(containing: -1).end == 0)
        #expect(schedule.window(containing: -minutes(5)).start == -minutes(5))
        #expect(schedule.window(containing: -minutes(5) - 1).start == -minutes(10))
        #expect(schedule.window(containing: 0).start == 0)
        // 1969-12-31T23:59:59.999Z is in the day that starts at 1969-12-31T00:00Z.
        #expect(Self.constant(1440).window(containing: -1).start == -UTCDate.millisecondsPerDay)
    }

    @Test("the last window before Int64.max ends at Int64.max instead of overflowing")
    func endOfTime() {
        let window = Self.constant(60).window(containing: .max)
        #expect(window.start <= .max && window.start > .max - minutes(60))
        #expect(window.start % minutes(60) == 0)
        #expect(window.end == .max)
    }

    @Test("the first window starts at Int64.min instead of overflowing, and ends on its own boundary, where the next starts")
    func startOfTime() {
        let schedule = Self.constant(60)
        let first = schedule.window(containing: .min)
        #expect(first.start == .min)
        #expect(first.end % minutes(60) == 0 && first.end > .min && first.end <= .min + minutes(60))
        #expect(schedule.window(containing: first.end).start == first.end)
        #expect(schedule.window(containing: first.end - 1) == first)
    }

    @Test("a change of settings ends the window in force at the change and starts the new one there")
    func changeCutsWindows() {
        let change = windowBase + minutes(22)
        let schedule = WindowSchedule(entries: [
            .init(since: .min, settings: Self.settings(60)), .init(since: change, settings: Self.settings(5)),
        ])
        let before = schedule.window(containing: windowBase + minutes(10))
        #expect(before.start == windowBase && before.end == change)
        #expect(before.settings.granularity == minutes(60))
        // The change falls inside a 5-minute window: the first new window starts at the change.
        let first = schedule.window(containing: change)
        #expect(first.start == change && first.end == windowBase + minutes(25))
        #expect(first.settings.granularity == minutes(5))
        let next = schedule.window(containing: windowBase + minutes(26))
        #expect(next.start == windowBase + minutes(25) && next.end == windowBase + minutes(30))
        #expect(schedule.window(containing: change - 1).end == change)
    }

    @Test("going to a longer granularity: the first long window starts at the change and ends on its own boundary")
    func changeToLonger() {
        let change = windowBase + minutes(10)
        let schedule = WindowSchedule(entries: [
            .init(since: .min, settings: Self.settings(5)), .init(since: change, settings: Self.settings(60)),
        ])
        let first = schedule.window(containing: windowBase + minutes(30))
        #expect(first.start == change && first.end == windowBase + minutes(60))
        #expect(schedule.window(containing: windowBase + minutes(61)).start == windowBase + minutes(60))
        #expect(schedule.window(containing: change - 1).start == windowBase + minutes(5))
    }

    @Test("over several changes, windows tile time with no gap or overlap, each under the entry in force at its start")
    func tiling() {
        let entries: [WindowSchedule.Entry] = [
            .init(since: windowBase + minutes(95), settings: Self.settings(15, .text)),
            .init(since: .min, settings: Self.settings(60)),
            .init(since: windowBase + minutes(7), settings: Self.settings(5)),
            .init(since: windowBase + minutes(200), settings: Self.settings(1)),
        ]
        let schedule = WindowSchedule(entries: entries)
        #expect(schedule.entries.map(\.since) == entries.map(\.since).sorted())
        #expect(schedule.current.granularity == minutes(1))
        var window = schedule.window(containing: windowBase - minutes(120))
        var count = 0
        while window.start < windowBase + minutes(260) {
            let inForce = schedule.entries.last { $0.since <= window.start }!
            #expect(window.settings == inForce.settings, "window at \(window.start)")
            #expect(window.end - window.start <= window.settings.granularity)
            for time in [window.start, (window.start + window.end) / 2, window.end - 1] {
                #expect(schedule.window(containing: time) == window)
            }
            let next = schedule.window(containing: window.end)
            #expect(next.start == window.end)
            window = next
            count += 1
        }
        // 3 hour windows, the cut one, the 5-minute ones, the 15-minute ones, 60 one-minute ones.
        #expect(count > 80)
    }

    @Test("a range is lossless only when no window it could meet is text")
    func lossless() {
        let textFrom = windowBase + minutes(30)
        let jsonlAgain = windowBase + minutes(90)
        let schedule = WindowSchedule(entries: [
            .init(since: .min, settings: Self.settings(5)),
            .init(since: textFrom, settings: Self.settings(5, .text)),
            .init(since: jsonlAgain, settings: Self.settings(5)),
        ])
        #expect(schedule.isLossless(in: windowBase...(textFrom - 1)))
        #expect(!schedule.isLossless(in: windowBase...textFrom))
        #expect(!schedule.isLossless(in: (textFrom + 1)...(textFrom + 2)))
        #expect(!schedule.isLossless(in: (jsonlAgain - 1)...jsonlAgain))
        #expect(schedule.isLossless(in: jsonlAgain...(jsonlAgain + minutes(500))))
        // Both ends jsonl, text in between.
        #expect(!schedule.isLossless(in: windowBase...(jsonlAgain + 1)))
        #expect(schedule.isLossless(in: Int64.min...Int64.min))
        #expect(Self.constant(5).isLossless(in: Int64.min...Int64.max))
    }

    @Test("the longest window is the longest granularity of any entry, not the current one")
    func longestWindow() {
        let schedule = WindowSchedule(entries: [
            .init(since: .min, settings: Self.settings(5)),
            .init(since: windowBase, settings: Self.settings(120)),
            .init(since: windowBase + minutes(600), settings: Self.settings(15)),
        ])
        #expect(schedule.longestWindow == minutes(120))
        #expect(schedule.current.granularity == minutes(15))
    }
}
