import ArgumentParser
import SwamonProtocol

struct Attrs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or set the monitoring attributes of a context.",
        discussion: "Five numbers set them: the sampling, aggregation and regions-update intervals in µs, then the minimum and maximum number of regions (e.g. 5000 100000 1000000 10 1000).")
    @ParentCommand var swamonctl: Swamonctl
    @Option(help: "Context (default: the root context).") var context: String?
    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp("sample_us aggr_us update_us min_nr_regions max_nr_regions (none: show them).", valueName: "values"))
    var values: [String] = []

    static let names = ["sample_us", "aggr_us", "update_us", "min_nr_regions", "max_nr_regions"]

    func validate() throws { _ = try numbers() }

    /// The five values as numbers, refusing anything else before a request is sent.
    func numbers() throws -> [UInt64] {
        guard !values.isEmpty else { return [] }
        guard values.count == 5 else {
            throw ValidationError("give five numbers (\(Self.names.joined(separator: " "))), not \(values.count)")
        }
        return try zip(Self.names, values).map { name, text in
            if text.hasPrefix("-") { throw ValidationError("\(name) must not be negative: '\(text)'") }
            guard let number = UInt64(text) else {
                throw ValidationError("\(name) must be a whole number from 0 to \(UInt64.max): '\(text)'")
            }
            return number
        }
    }

    func run() throws {
        let session = swamonctl.session
        let path = ControlPath(context: context, file: "attrs")
        let numbers = try numbers()
        if !numbers.isEmpty {
            return try session.write(path, numbers.map(String.init).joined(separator: " "))
        }
        let text = try session.run(.read(path))
        guard session.json else { return print(text, terminator: "") }
        let read = text.split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) }
        print(jsonText(Dictionary(uniqueKeysWithValues: zip(Self.names, read))))
    }
}
