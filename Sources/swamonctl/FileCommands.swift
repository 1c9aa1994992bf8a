import ArgumentParser
import SwamonProtocol

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a file, as the DAMON debugfs file would read.")
    @ParentCommand var swamonctl: Swamonctl
    @Argument(help: ArgumentHelp("The file: FILE or CONTEXT/FILE, e.g. attrs or second/target_ids.", valueName: "path"))
    var path: String

    func validate() throws { _ = try parsedPath(path) }

    func run() throws {
        let session = swamonctl.session
        let content = try session.run(.read(try parsedPath(path)))
        if session.json { return print(jsonText(["ok": true, "content": content])) }
        print(content, terminator: "")
    }
}

struct Write: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a file, as 'echo CONTENT > FILE' would (no content clears, as for target_ids).")
    @ParentCommand var swamonctl: Swamonctl
    @Argument(help: ArgumentHelp("The file: FILE or CONTEXT/FILE.", valueName: "path")) var path: String
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The content; words are joined with spaces.", valueName: "content"))
    var content: [String] = []

    func validate() throws { _ = try parsedPath(path) }

    func run() throws {
        try swamonctl.session.write(try parsedPath(path), content.joined(separator: " "))
    }
}
