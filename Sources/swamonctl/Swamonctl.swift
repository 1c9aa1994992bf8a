import ArgumentParser
import Foundation
import SwamonClient
import SwamonProtocol

/// Options every subcommand takes.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "swamond's control socket (default: $SWAMON_SOCKET, /run/swamond/swamond.sock, or the per-user runtime path).")
    var socket: String?

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    var path: String {
        socket
            ?? SocketPath.clientDefault(
                uid: getuid(), environment: ProcessInfo.processInfo.environment,
                systemExists: FileManager.default.fileExists(atPath: SocketPath.system))
    }

    func connect() throws -> ControlClient {
        do { return try ControlClient(path: path) } catch { throw fail(error.description) }
    }

    /// Sends one request; on an error reply prints `ERRNO message` to stderr and exits 1.
    func run(_ request: Request) throws -> String {
        let client = try connect()
        let response: Response
        do { response = try client.send(request) } catch { throw fail(error.description) }
        switch response {
        case .ok(let content): return content
        case .error(let error):
            if json {
                print(jsonText(["ok": false, "errno": error.name.rawValue, "message": error.message]))
            } else {
                FileHandle.standardError.write(Data("swamonctl: \(error.name.rawValue) \(error.message)\n".utf8))
            }
            throw ExitCode.failure
        }
    }

    /// Writes a file; prints `{"ok":true}` under --json.
    func write(_ path: ControlPath, _ content: String) throws {
        _ = try run(.write(path, content: content))
        if json { print(jsonText(["ok": true])) }
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("swamonctl: \(message)\n".utf8))
        return ExitCode.failure
    }
}

func jsonText(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "null" }
    return String(decoding: data, as: UTF8.self)
}

func contextPath(_ context: String?, _ file: String) -> ControlPath {
    ControlPath(context: context, file: file)
}

@main
struct Swamonctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamonctl",
        abstract: "Control swamond, the user-space DAMON daemon.",
        discussion: """
            With no command, reads raw protocol requests ('read attrs', 'write monitor_on on', …) from a prompt.
            Exit status: 0 on success, 1 when swamond refused (its errno and message go to stderr).
            """,
        subcommands: [
            Interactive.self, Read.self, Write.self, Attrs.self, Targets.self, Start.self, Stop.self, Contexts.self,
            Status.self, Regions.self, Watch.self,
        ],
        defaultSubcommand: Interactive.self
    )
}

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a file: swamonctl read [CONTEXT/]FILE")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The file, e.g. attrs or foo/target_ids.") var path: String

    func run() throws {
        let parsed: ControlPath
        do { parsed = try ControlPath(parsing: Substring(path)) } catch { throw options.fail(error.description) }
        let content = try options.run(.read(parsed))
        print(options.json ? jsonText(["ok": true, "content": content]) : content, terminator: options.json ? "\n" : "")
    }
}

struct Write: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a file: swamonctl write [CONTEXT/]FILE [CONTENT…]")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The file, e.g. attrs or foo/target_ids.") var path: String
    @Argument(parsing: .captureForPassthrough, help: "The content; words are joined with spaces.") var content: [String] = []

    func run() throws {
        let parsed: ControlPath
        do { parsed = try ControlPath(parsing: Substring(path)) } catch { throw options.fail(error.description) }
        try options.write(parsed, content.joined(separator: " "))
    }
}

struct Attrs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or set monitoring attributes: swamonctl attrs [SAMPLE_US AGGR_US UPDATE_US MIN MAX]")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "Context (default: the root context).") var context: String?
    @Argument var values: [UInt64] = []

    func validate() throws {
        guard values.isEmpty || values.count == 5 else {
            throw ValidationError("give five numbers: sample_us aggr_us update_us min_nr_regions max_nr_regions")
        }
    }

    func run() throws {
        let path = contextPath(context, "attrs")
        if !values.isEmpty {
            return try options.write(path, values.map(String.init).joined(separator: " "))
        }
        let text = try options.run(.read(path))
        guard options.json else { return print(text, terminator: "") }
        let numbers = text.split(separator: " ").compactMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let keys = ["sample_us", "aggr_us", "update_us", "min_nr_regions", "max_nr_regions"]
        print(jsonText(Dictionary(uniqueKeysWithValues: zip(keys, numbers))))
    }
}

struct Targets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or set the monitored processes: swamonctl targets [PID… | paddr]",
        discussion: "Use 'swamonctl write target_ids' (no content) to clear the targets.")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "Context (default: the root context).") var context: String?
    @Argument var pids: [String] = []

    func run() throws {
        let path = contextPath(context, "target_ids")
        if !pids.isEmpty {
            return try options.write(path, pids.joined(separator: " "))
        }
        let text = try options.run(.read(path))
        guard options.json else { return print(text, terminator: "") }
        print(jsonText(text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }))
    }
}

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start every context (monitor_on on).")
    @OptionGroup var options: ConnectionOptions
    func run() throws {
        try options.write(ControlPath(file: "monitor_on"), "on")
    }
}

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop every context (monitor_on off).")
    @OptionGroup var options: ConnectionOptions
    func run() throws {
        try options.write(ControlPath(file: "monitor_on"), "off")
    }
}

struct Contexts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, add or remove contexts.", subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List contexts and their state.")
        @OptionGroup var options: ConnectionOptions
        func run() throws {
            let status = StatusReport(try options.run(.status))
            if options.json { return print(jsonText(status.contexts)) }
            for context in status.contexts {
                print("\(context["context"] ?? "?") \(context["state"] ?? "?") targets \(context["targets"] ?? "-")")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Make a context (mk_contexts).")
        @OptionGroup var options: ConnectionOptions
        @Argument var name: String
        func run() throws {
            try options.write(ControlPath(file: "mk_contexts"), name)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a context (rm_contexts).")
        @OptionGroup var options: ConnectionOptions
        @Argument var name: String
        func run() throws {
            try options.write(ControlPath(file: "rm_contexts"), name)
        }
    }
}

/// `status` output: `key=value` words, a `daemon` line then one line per context.
struct StatusReport {
    var daemon: [String: String] = [:]
    var contexts: [[String: String]] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                let parts = word.split(separator: "=", maxSplits: 1)
                fields[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            if line.hasPrefix("daemon") {
                fields["daemon"] = nil
                daemon = fields
            } else {
                contexts.append(fields)
            }
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon and every context.")
    @OptionGroup var options: ConnectionOptions
    func run() throws {
        let text = try options.run(.status)
        guard options.json else { return print(text, terminator: "") }
        let report = StatusReport(text)
        print(jsonText(["daemon": report.daemon, "contexts": report.contexts]))
    }
}

struct Regions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the regions of the last aggregation.")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "Context (default: the root context).") var context: String?

    func run() throws {
        let text = try options.run(.read(contextPath(context, "regions")))
        let rows = text.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count == 5 }
        if options.json {
            print(jsonText(rows.map { row -> [String: Any] in
                [
                    "target": Int(row[0]) ?? 0, "start": Int(row[1], radix: 16) ?? 0, "end": Int(row[2], radix: 16) ?? 0,
                    "nr_accesses": Int(row[3]) ?? 0, "age": Int(row[4]) ?? 0,
                ]
            }))
            return
        }
        print("target  start-end                        size      nr_accesses  age")
        for row in rows {
            let size = (UInt64(row[2], radix: 16) ?? 0) - (UInt64(row[1], radix: 16) ?? 0)
            let range = "\(row[1])-\(row[2])"
            print(
                "\(row[0].padding(toLength: 7, withPad: " ", startingAt: 0)) \(range.padding(toLength: 32, withPad: " ", startingAt: 0))"
                    + " \(humanBytes(size).padding(toLength: 9, withPad: " ", startingAt: 0)) \(row[3].padding(toLength: 12, withPad: " ", startingAt: 0)) \(row[4])"
            )
        }
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stream one line per target per aggregation until interrupted.")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "Only this context.") var context: String?

    func run() throws {
        let client = try options.connect()
        do {
            let response = try client.send(.watch(context: context))
            if case .error(let error) = response { throw options.fail("\(error.name.rawValue) \(error.message)") }
            while let line = try client.readLine() {
                if options.json {
                    let f = line.split(separator: " ")
                    guard f.count >= 7 else { continue }
                    let regions = f.dropFirst(7).map { item -> [String: Any] in
                        let parts = item.split(separator: ":")
                        let bounds = parts[0].split(separator: "-")
                        return [
                            "start": Int(bounds[0], radix: 16) ?? 0, "end": Int(bounds[1], radix: 16) ?? 0,
                            "nr_accesses": Int(parts[1]) ?? 0, "age": Int(parts[2]) ?? 0,
                        ]
                    }
                    print(jsonText([
                        "context": String(f[1]), "target": Int(f[2]) ?? 0, "time_ns": Int(f[3]) ?? 0, "nr_regions": Int(f[4]) ?? 0,
                        "total_bytes": Int(f[5]) ?? 0, "accessed_bytes": Int(f[6]) ?? 0, "regions": regions,
                    ]))
                } else {
                    print(line)
                }
                fflush(nil)
            }
        } catch let error as ClientError {
            throw options.fail(error.description)
        }
    }
}

struct Interactive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell", abstract: "Type raw protocol requests at a prompt (the default with no command).")
    @OptionGroup var options: ConnectionOptions

    func run() throws {
        let client = try options.connect()
        let prompt = isatty(0) != 0
        var failed = false
        while true {
            if prompt {
                print("swamon> ", terminator: "")
                fflush(nil)
            }
            guard let line = Swift.readLine(strippingNewline: true) else { break }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            do {
                try client.sendLine(line)
                let response = try client.readResponse()
                switch response {
                case .ok(let content): print(content + "ok", terminator: "\n")
                case .error(let error):
                    print("error \(error.name.rawValue) \(error.message)")
                    failed = true
                }
                if line == "quit" { break }
            } catch {
                throw options.fail(error.description)
            }
        }
        if failed && !prompt { throw ExitCode.failure }
    }
}
