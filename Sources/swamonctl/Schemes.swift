import ArgumentParser
import SwamonClient
import SwamonCore
import SwamonProtocol

/// `swamonctl schemes …`: DAMOS schemes in words, with their statistics.
struct Schemes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, add or remove the DAMOS schemes of a context.",
        discussion: """
            With no subcommand, lists the schemes with what they did since monitoring started. While the \
            context runs, changes take effect at its next aggregation (commit_schemes); otherwise they are \
            written to schemes.
            """,
        subcommands: [List.self, Add.self, Remove.self, Clear.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the schemes and their statistics.")
        @ParentCommand var swamonctl: Swamonctl
        @Option(help: "Context (default: the root context).") var context: String?

        func run() throws {
            let session = swamonctl.session
            let client = try session.connect()
            let schemes = try SchemeText.read(session, context: context, on: client)
            let stats = try session.run(.read(ControlPath(context: context, file: "schemes_stats")), on: client)
                .split(separator: "\n").map { $0.split(separator: " ").compactMap { UInt64($0) } }
            let aggregation = try SchemeText.aggregationInterval(session, context: context, on: client)
            if session.json {
                let items: [[String: Any]] = schemes.enumerated().map { index, numbers in
                    let s = index < stats.count && stats[index].count == 5 ? stats[index] : [0, 0, 0, 0, 0]
                    return [
                        "index": index, "action": SchemeText.actionName(numbers[6]), "inputs": numbers,
                        "nr_tried": s[0], "sz_tried": s[1], "nr_applied": s[2], "sz_applied": s[3], "qt_exceeds": s[4],
                    ]
                }
                return print(jsonText(items))
            }
            if schemes.isEmpty { return print("no schemes") }
            for (index, numbers) in schemes.enumerated() {
                print("\(index): \(SchemeText.describe(numbers, aggregationInterval: aggregation))")
                if index < stats.count, stats[index].count == 5 {
                    let s = stats[index]
                    print("   tried \(s[0]) regions (\(humanBytes(s[1]))), applied to \(s[2]) (\(humanBytes(s[3]))), quota used up in \(s[4]) windows")
                }
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a scheme.",
            discussion: """
                ACTION is willneed, cold, pageout, hugepage, nohugepage, stat or collapse. Sizes take K, M, G \
                (binary); ages take ms, s, m, h and become aggregation intervals of the context's attrs. \
                Example: swamonctl schemes add pageout --min-age 30s --max-accesses 0 --quota 100MiB/1s
                """)
        @ParentCommand var swamonctl: Swamonctl
        @Option(help: "Context (default: the root context).") var context: String?
        @Argument(help: "What to do to matching regions.") var action: String
        @Option(help: "Smallest region size (default 0).") var minSize = "0"
        @Option(help: "Largest region size (default max).") var maxSize = "max"
        @Option(help: "Fewest accesses per aggregation (default 0).") var minAccesses: UInt32 = 0
        @Option(help: "Most accesses per aggregation (default any).") var maxAccesses: UInt32 = UInt32.max
        @Option(help: "Youngest age, as a duration (default 0).") var minAge = "0"
        @Option(help: "Oldest age, as a duration (default any).") var maxAge = "max"
        @Option(help: ArgumentHelp("Size quota per reset interval, SIZE/INTERVAL (e.g. 100MiB/1s).", valueName: "size/interval"))
        var quota: String?
        @Option(help: ArgumentHelp("Time quota per reset interval, e.g. 10ms (needs --quota's interval or --reset).", valueName: "duration"))
        var quotaTime: String?
        @Option(help: ArgumentHelp("Quota reset interval when --quota gives none (default 1s).", valueName: "duration"))
        var reset: String?
        @Option(help: ArgumentHelp("Prioritisation weights size,accesses,age (default 0,1,1 with a quota).", valueName: "s,a,g"))
        var weights: String?
        @Option(help: ArgumentHelp("Free-memory watermarks in per mille, HIGH,MID,LOW[/CHECK_INTERVAL] (e.g. 500,400,200/5s).", valueName: "h,m,l"))
        var watermarks: String?

        func run() throws {
            let session = swamonctl.session
            let client = try session.connect()
            guard let actionNumber = SchemeText.actionNumber(action) else {
                throw session.fail("unknown action '\(action)': use \(SchemeText.actions.joined(separator: ", "))", code: ExitCode(64))
            }
            let aggregation = try SchemeText.aggregationInterval(session, context: context, on: client)
            func size(_ text: String, _ name: String) throws -> UInt64 {
                guard let value = Quantities.bytes(text) else { throw session.fail("--\(name): not a size: '\(text)'", code: ExitCode(64)) }
                return value
            }
            func microseconds(_ text: String, _ name: String, _ what: String = "a duration") throws -> UInt64 {
                guard let us = Quantities.microseconds(text) else { throw session.fail("--\(name): not \(what): '\(text)'", code: ExitCode(64)) }
                return us
            }
            func age(_ text: String, _ name: String) throws -> UInt64 {
                if text == "max" { return UInt64(UInt32.max) }
                return min(try microseconds(text, name) / max(aggregation, 1), UInt64(UInt32.max))
            }
            var quotaBytes: UInt64 = 0
            var resetMs: UInt64 = 0
            if let reset { resetMs = try microseconds(reset, "reset") / 1000 }
            if let quota {
                let parts = quota.split(separator: "/", maxSplits: 1).map(String.init)
                quotaBytes = try size(parts[0], "quota")
                if parts.count == 2 { resetMs = try microseconds(parts[1], "quota", "an interval") / 1000 }
            }
            var quotaMs: UInt64 = 0
            if let quotaTime { quotaMs = max(try microseconds(quotaTime, "quota-time") / 1000, 1) }
            if (quotaBytes != 0 || quotaMs != 0) && resetMs == 0 { resetMs = 1000 }
            var weight: [UInt64] = quotaBytes != 0 || quotaMs != 0 ? [0, 1, 1] : [0, 0, 0]
            if let weights {
                let parsed = weights.split(separator: ",").compactMap { UInt64($0) }
                guard parsed.count == 3, parsed.allSatisfy({ $0 <= UInt64(UInt32.max) }) else {
                    throw session.fail("--weights: give three numbers, size,accesses,age", code: ExitCode(64))
                }
                weight = parsed
            }
            var marks: [UInt64] = [0, 0, 0, 0, 0]
            if let watermarks {
                let parts = watermarks.split(separator: "/", maxSplits: 1).map(String.init)
                let levels = parts[0].split(separator: ",").compactMap { UInt64($0) }
                guard levels.count == 3 else { throw session.fail("--watermarks: give HIGH,MID,LOW in per mille", code: ExitCode(64)) }
                let interval = parts.count == 2 ? try microseconds(parts[1], "watermarks", "an interval") : 5_000_000
                marks = [1, interval, levels[0], levels[1], levels[2]]
            }
            let record: [UInt64] = [
                try size(minSize, "min-size"), try size(maxSize, "max-size"), UInt64(minAccesses), UInt64(maxAccesses),
                try age(minAge, "min-age"), try age(maxAge, "max-age"), actionNumber, quotaMs, quotaBytes, resetMs,
            ] + weight + marks
            let existing = try SchemeText.read(session, context: context, on: client)
            try SchemeText.write(session, context: context, existing + [record], on: client)
            if !session.json {
                print("added \(existing.count): \(SchemeText.describe(record, aggregationInterval: aggregation))")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the scheme at an index (as listed).")
        @ParentCommand var swamonctl: Swamonctl
        @Option(help: "Context (default: the root context).") var context: String?
        @Argument(help: "Index of the scheme.") var index: Int

        func run() throws {
            let session = swamonctl.session
            let client = try session.connect()
            var schemes = try SchemeText.read(session, context: context, on: client)
            guard schemes.indices.contains(index) else {
                throw session.fail("no scheme \(index); there are \(schemes.count)", code: ExitCode(64))
            }
            schemes.remove(at: index)
            try SchemeText.write(session, context: context, schemes, on: client)
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every scheme.")
        @ParentCommand var swamonctl: Swamonctl
        @Option(help: "Context (default: the root context).") var context: String?

        func run() throws {
            let session = swamonctl.session
            try SchemeText.write(session, context: context, [], on: try session.connect())
        }
    }
}

/// `swamonctl tune attrs|schemes …`: online tuning of a running context (the sysfs `commit`).
struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change attrs or schemes of a running context without stopping it.",
        discussion: "Takes effect at the context's next aggregation, keeping its regions and targets; on a stopped context it is a plain write. Example: swamonctl tune attrs 5000 200000 1000000 10 1000",
        subcommands: [TuneAttrs.self, TuneSchemes.self])

    struct TuneAttrs: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "attrs", abstract: "Commit new attrs (five numbers, as for 'attrs').")
        @ParentCommand var swamonctl: Swamonctl
        @Option(help: "Context (default: the root context).") var context: String?
        @Argument(help: "sample_us aggr_us update_us min_nr_regions max_nr_regions") var values: [UInt64]

        func validate() throws {
            guard values.count == 5 else { throw ValidationError("give five numbers (\(Attrs.names.joined(separator: " ")))") }
        }

        func run() throws {
            try swamonctl.session.write(ControlPath(context: context, file: "commit_attrs"), values.map(String.init).joined(separator: " "))
        }
    }

    struct TuneSchemes: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "schemes", abstract: "Commit new schemes (18-number records, as for 'schemes').")
        @ParentCommand var swamonctl: Swamonctl
        @Option(help: "Context (default: the root context).") var context: String?
        @Argument(help: "The records' numbers, whitespace-separated (none: no schemes).") var values: [UInt64] = []

        func run() throws {
            try swamonctl.session.write(ControlPath(context: context, file: "commit_schemes"), values.map(String.init).joined(separator: " "))
        }
    }
}

/// The schemes file as swamonctl handles it: records of 18 input numbers.
enum SchemeText {
    static let actions = Scheme.Action.allCases.map(\.name)

    static func actionNumber(_ name: String) -> UInt64? {
        if let number = UInt64(name), Scheme.Action(rawValue: UInt32(clamping: number)) != nil { return number }
        return Scheme.Action.allCases.first { $0.name == name.lowercased() }.map { UInt64($0.rawValue) }
    }

    static func actionName(_ number: UInt64) -> String {
        Scheme.Action(rawValue: UInt32(clamping: number))?.name ?? "action \(number)"
    }

    /// The context's schemes, each cut to its 18 inputs (the read-back appends statistics).
    static func read(_ session: Session, context: String?, on client: ControlClient) throws -> [[UInt64]] {
        try session.run(.read(ControlPath(context: context, file: "schemes")), on: client).split(separator: "\n").map { line in
            Array(line.split(separator: " ").prefix(18).compactMap { UInt64($0) })
        }.filter { $0.count == 18 }
    }

    /// Writes `schemes`, or `commit_schemes` while the context runs.
    static func write(_ session: Session, context: String?, _ schemes: [[UInt64]], on client: ControlClient) throws {
        let pid = try session.run(.read(ControlPath(context: context, file: "kdamond_pid")), on: client)
        let file = pid.hasPrefix("none") ? "schemes" : "commit_schemes"
        try session.write(ControlPath(context: context, file: file), schemes.flatMap { $0 }.map(String.init).joined(separator: " "))
    }

    static func aggregationInterval(_ session: Session, context: String?, on client: ControlClient) throws -> UInt64 {
        try session.attributes(context: context, on: client)?.aggregationInterval ?? 100_000
    }

    /// One scheme in words, e.g. "pageout regions of 4.0 KiB or more, 0 accesses, idle for 30 s or
    /// more; quota 100.0 MiB per 1 s".
    static func describe(_ n: [UInt64], aggregationInterval: UInt64) -> String {
        func range(_ low: UInt64, _ high: UInt64, max: UInt64, _ show: (UInt64) -> String) -> String {
            switch (low, high) {
            case _ where low == high: show(low)
            case (0, max): "any"
            case (0, _): "up to \(show(high))"
            case (_, max): "\(show(low)) or more"
            default: "\(show(low)) to \(show(high))"
            }
        }
        let age = { (aggregations: UInt64) in Quantities.duration(microseconds: aggregations &* aggregationInterval) }
        var text = "\(actionName(n[6])): size \(range(n[0], n[1], max: UInt64.max, humanBytes)), accesses \(range(n[2], n[3], max: UInt64(UInt32.max)) { "\($0)" }), age \(range(n[4], n[5], max: UInt64(UInt32.max), age))"
        if n[7] != 0 || n[8] != 0 {
            var limits: [String] = []
            if n[8] != 0 { limits.append(humanBytes(n[8])) }
            if n[7] != 0 { limits.append("\(n[7]) ms") }
            text += "; quota \(limits.joined(separator: " and ")) per \(Quantities.duration(microseconds: n[9] * 1000)) (weights \(n[10]),\(n[11]),\(n[12]))"
        }
        if n[13] == 1 {
            text += "; active while free memory is \(n[17])‰..\(n[15])‰ (resumes below \(n[16])‰), checked every \(Quantities.duration(microseconds: n[14]))"
        }
        return text
    }
}
