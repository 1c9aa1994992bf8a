/// The answer to one request: content lines, then `ok` or `error <ERRNO> <message>`.
public enum Response: Equatable, Sendable {
    /// `content` is a file's text as debugfs prints it (ending with a newline), or empty.
    case ok(content: String)
    case error(ControlError)

    public static let ok = Response.ok(content: "")

    /// The bytes on the wire.
    public var text: String {
        switch self {
        case .ok(let content): content + "ok\n"
        case .error(let error): "error \(error.name.rawValue) \(error.message)\n"
        }
    }

    /// Whether `line` (without its newline) ends a response.
    public static func isStatusLine(_ line: Substring) -> Bool {
        line == "ok" || line.hasPrefix("error ")
    }

    /// Reads back a response from its content lines and its status line.
    public init(contentLines: [Substring], statusLine: Substring) {
        if statusLine == "ok" {
            self = .ok(content: contentLines.map { $0 + "\n" }.joined())
            return
        }
        let fields = statusLine.dropFirst("error ".count).split(separator: " ", maxSplits: 1)
        let name = fields.first.flatMap { ErrorName(rawValue: String($0)) } ?? .EINVAL
        self = .error(ControlError(name, fields.count > 1 ? String(fields[1]) : ""))
    }
}

/// What `version` prints.
public let protocolVersion = 1
public let swamonVersion = "0.1.0"
