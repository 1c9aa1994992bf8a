public import SwamonCore
public import SwamonLinux
import SwamonProtocol

/// swamond's configuration (`etc/swamond.conf`): `key = value` lines, `#` comments. Every key
/// has a default; an unknown key or a bad value stops the daemon at startup with the line.
public struct Configuration: Equatable, Sendable {
    /// Path of the control socket the daemon binds (not used under socket activation).
    public var socketPath: String
    /// Permission bits of the socket file the daemon creates.
    public var socketMode: UInt32 = 0o660
    /// Members of this group may write; anyone else who can open the socket may only read.
    public var controlGroup = "swamon"
    /// `attrs` of the root context and of every context `mk_contexts` makes.
    public var defaultAttributes = Attributes.kernelDefault
    /// `access_check` of every new context: `auto` or a backend name.
    public var accessCheck: AccessCheckSetting = .auto
    /// `sampling` of every new context.
    public var sampling: SamplingSetting = .auto
    /// One results record per target every this many aggregations; 0 = none.
    public var journalEvery: UInt64 = 1
    /// Where contexts, attrs, operations, access checks and schemes are kept across restarts;
    /// empty = nowhere.
    public var stateFile = ""
    /// Most processes one context monitors (`target_ids`).
    public var maxTargets = 64
    /// Most contexts (`mk_contexts`), the root context included.
    public var maxContexts = 64
    /// Most control connections at once, and per uid.
    public var maxConnections = 256
    public var maxConnectionsPerUID = 32
    /// Most bytes of unfinished request lines held for all connections together.
    public var maxBufferedInput = 16 << 20
    /// Seconds a connection may sit with an unfinished request line, or without any request
    /// (a `watch` stream is never idle), before it is closed.
    public var requestTimeout: UInt64 = 30
    public var idleTimeout: UInt64 = 600
    /// `HOST:PORT` of the Prometheus endpoint (`GET /metrics`); empty = off. A socket systemd
    /// passes under the name `metrics` (swamond-metrics.socket) takes its place.
    public var metricsListen = ""
    /// A file rewritten (temporary file, then rename) at most once a second after aggregations,
    /// for node_exporter's textfile collector; empty = off.
    public var metricsTextfile = ""

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    public static let keys = [
        "socket_path", "socket_mode", "control_group", "default_attrs", "access_check", "sampling", "journal_every", "state_file",
        "max_targets", "max_contexts", "max_connections", "max_connections_per_uid", "max_buffered_input", "request_timeout",
        "idle_timeout", "metrics_listen", "metrics_textfile",
    ]

    /// Applies the `key = value` lines of `text` on top of `self`.
    public mutating func apply(_ text: String, source: String) throws(ConfigurationError) {
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }.trimmingSpaces()
            if line.isEmpty { continue }
            let location = "\(source):\(number + 1)"
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError("\(location): expected 'key = value', got '\(line)'")
            }
            let key = String(line[..<equals].trimmingSpaces())
            let value = String(line[line.index(after: equals)...].trimmingSpaces())
            do {
                try set(key, value)
            } catch {
                throw ConfigurationError("\(location): \(error.message)")
            }
        }
    }

    mutating func set(_ key: String, _ value: String) throws(ConfigurationError) {
        switch key {
        case "socket_path":
            guard value.hasPrefix("/") else { throw ConfigurationError("socket_path must be an absolute path") }
            socketPath = value
        case "socket_mode":
            guard let mode = UInt32(value, radix: 8), mode <= 0o777 else {
                throw ConfigurationError("socket_mode must be octal permission bits such as 0660")
            }
            socketMode = mode
        case "control_group":
            controlGroup = value
        case "default_attrs":
            do {
                let attributes = try AttrsFormat.parse(value)
                try attributes.validate()
                defaultAttributes = attributes
            } catch {
                throw ConfigurationError("default_attrs: \(error)")
            }
        case "access_check":
            guard let setting = AccessCheckSetting(rawValue: value) else {
                throw ConfigurationError("access_check must be auto, page_idle, soft_dirty or referenced")
            }
            accessCheck = setting
        case "sampling":
            guard let setting = SamplingSetting(rawValue: value) else { throw ConfigurationError(SamplingSetting.choices) }
            sampling = setting
        case "journal_every":
            guard let every = UInt64(value) else { throw ConfigurationError("journal_every must be a whole number") }
            journalEvery = every
        case "state_file":
            guard value.isEmpty || value.hasPrefix("/") else {
                throw ConfigurationError("state_file must be empty or an absolute path")
            }
            stateFile = value
        case "max_targets": maxTargets = try Self.count(value, key, 1...4096)
        case "max_contexts": maxContexts = try Self.count(value, key, 1...4096)
        case "max_connections": maxConnections = try Self.count(value, key, 1...65_536)
        case "max_connections_per_uid": maxConnectionsPerUID = try Self.count(value, key, 1...65_536)
        case "max_buffered_input": maxBufferedInput = try Self.count(value, key, (1 << 20)...(1 << 30))
        case "request_timeout": requestTimeout = UInt64(try Self.count(value, key, 1...86_400))
        case "idle_timeout": idleTimeout = UInt64(try Self.count(value, key, 0...31_536_000))
        case "metrics_listen":
            guard value.isEmpty || MetricsAddress(value) != nil else {
                throw ConfigurationError("metrics_listen must be empty or HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464")
            }
            metricsListen = value
        case "metrics_textfile":
            guard value.isEmpty || (value.hasPrefix("/") && !value.hasSuffix("/")) else {
                throw ConfigurationError("metrics_textfile must be empty or an absolute file path")
            }
            metricsTextfile = value
        default:
            throw ConfigurationError("unknown key '\(key)'; keys are \(Self.keys.joined(separator: ", "))")
        }
    }
}

extension Configuration {
    /// A whole number in `range`, or an error naming the key and the range.
    static func count(_ value: String, _ key: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw ConfigurationError("\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a context's `sampling` file holds: how its sampled pages are chosen.
public enum SamplingSetting: String, Equatable, Sendable {
    /// `sparse` with the page_idle backend (where it saves work), the kernel's `random` otherwise.
    case auto
    case random
    case sparse

    static let choices = "sampling must be auto, random or sparse"

    /// The strategy for a run with `backend`; `seed` places the sparse candidates.
    func strategy(for backend: AccessCheckKind, seed: UInt64) -> SamplingStrategy {
        switch self {
        case .random: .random
        case .sparse: .sparse(.standard(seed: seed))
        case .auto: backend == .pageIdle ? .sparse(.standard(seed: seed)) : .random
        }
    }
}

/// What a context's `access_check` file holds: a backend, or `auto` (the first that works).
public enum AccessCheckSetting: Equatable, Sendable {
    case auto
    case backend(AccessCheckKind)

    public init?(rawValue: String) {
        if rawValue == "auto" {
            self = .auto
        } else if let kind = AccessCheckKind(rawValue: rawValue) {
            self = .backend(kind)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .auto: "auto"
        case .backend(let kind): kind.rawValue
        }
    }
}
