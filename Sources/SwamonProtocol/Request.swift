/// `[<context>/]<file>`; no context means the root context (context 0).
public struct ControlPath: Equatable, Sendable, CustomStringConvertible {
    public var context: String?
    public var file: String

    public init(context: String? = nil, file: String) {
        self.context = context
        self.file = file
    }

    public init(parsing text: Substring) throws(ControlError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1 where !parts[0].isEmpty:
            self.init(file: String(parts[0]))
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            self.init(context: String(parts[0]), file: String(parts[1]))
        default:
            throw ControlError(.ENOENT, "no such path '\(text)': paths are FILE or CONTEXT/FILE")
        }
    }

    public var description: String { context.map { "\($0)/\(file)" } ?? file }
}

/// One request line (see docs/protocol.md).
public enum Request: Equatable, Sendable {
    case read(ControlPath)
    /// `content` is the rest of the line after the single space that follows the path, verbatim.
    case write(ControlPath, content: String)
    case help
    case version
    case status
    case watch(context: String?)
    case quit

    /// Parses one line without its `\n`; a trailing `\r` is ignored.
    public init(parsing rawLine: Substring) throws(ControlError) {
        var line = rawLine
        if line.last == "\r" { line = line.dropLast() }
        let verbEnd = line.firstIndex(of: " ") ?? line.endIndex
        let verb = line[..<verbEnd]
        let rest = verbEnd == line.endIndex ? line[verbEnd...] : line[line.index(after: verbEnd)...]
        switch verb {
        case "read":
            guard !rest.isEmpty, !rest.contains(" ") else {
                throw ControlError(.EINVAL, "usage: read PATH")
            }
            self = .read(try ControlPath(parsing: rest))
        case "write":
            let pathEnd = rest.firstIndex(of: " ") ?? rest.endIndex
            guard pathEnd != rest.startIndex else { throw ControlError(.EINVAL, "usage: write PATH [CONTENT]") }
            let content = pathEnd == rest.endIndex ? "" : String(rest[rest.index(after: pathEnd)...])
            self = .write(try ControlPath(parsing: rest[..<pathEnd]), content: content)
        case "help", "version", "status", "quit":
            guard rest.isEmpty else { throw ControlError(.EINVAL, "'\(verb)' takes no arguments") }
            self = verb == "help" ? .help : verb == "version" ? .version : verb == "status" ? .status : .quit
        case "watch":
            guard !rest.contains(" ") else { throw ControlError(.EINVAL, "usage: watch [CONTEXT]") }
            self = .watch(context: rest.isEmpty ? nil : String(rest))
        case "":
            throw ControlError(.EINVAL, "empty request: try 'help'")
        default:
            throw ControlError(.EINVAL, "unknown command '\(verb.prefix(64))': try 'help'")
        }
    }

    /// The request as a line, without the newline.
    public var line: String {
        switch self {
        case .read(let path): "read \(path)"
        case .write(let path, let content): content.isEmpty ? "write \(path)" : "write \(path) \(content)"
        case .help: "help"
        case .version: "version"
        case .status: "status"
        case .watch(let context): context.map { "watch \($0)" } ?? "watch"
        case .quit: "quit"
        }
    }
}
