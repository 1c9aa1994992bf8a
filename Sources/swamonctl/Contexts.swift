import ArgumentParser
import SwamonProtocol

struct Contexts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, add or remove monitoring contexts.", subcommands: [List.self, Add.self, Remove.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List contexts and their state.")
        @ParentCommand var swamonctl: Swamonctl
        func run() throws {
            let session = swamonctl.session
            let status = StatusReport(try session.run(.status))
            if session.json { return print(jsonText(status.contexts.map(StatusReport.typed))) }
            for context in status.contexts {
                print("\(context["context"] ?? "?") \(context["state"] ?? "?") targets \(context["targets"] ?? "-")")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Make a context (mk_contexts).")
        @ParentCommand var swamonctl: Swamonctl
        @Argument(help: "Its name: 1–64 of a-z, 0-9, _ and -, starting with a letter.") var name: String
        func validate() throws {
            do { try ContextName.validate(Substring(name)) } catch { throw ValidationError(error.message) }
        }
        func run() throws {
            try swamonctl.session.write(ControlPath(file: RootFile.mkContexts.rawValue), name)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a context (rm_contexts).")
        @ParentCommand var swamonctl: Swamonctl
        @Argument(help: "The context's name.") var name: String
        func validate() throws {
            do { try ContextName.validate(Substring(name)) } catch { throw ValidationError(error.message) }
        }
        func run() throws {
            try swamonctl.session.write(ControlPath(file: RootFile.rmContexts.rawValue), name)
        }
    }
}
