import Foundation
import Testing
import SwamonTestSupport

/// The shipped etc/swamond.conf is the daemon's defaults, and bad configuration stops startup.
@Suite("configuration file")
struct ConfigurationFileTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("etc/swamond.conf").path

    @Test func shippedFileStartsTheDaemonWithTheKernelDefaults() throws {
        let text = try String(contentsOfFile: Self.shipped, encoding: .utf8)
        for key in ["socket_path", "socket_mode", "control_group", "default_attrs", "access_check", "sampling", "journal_every", "state_file"] {
            #expect(text.contains("\n\(key) ="), "\(key) is documented")
        }
        let settings = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty && !$0.hasPrefix("journal_every") }
        let daemon = try Daemon(settings: settings + ["journal_every = 0"])
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        expectOK(try daemon.ask("read access_check"), "auto\n")
        expectOK(try daemon.ask("read sampling"), "auto\n")
    }

    @Test(arguments: ["nonsense", "colour = blue", "default_attrs = 1 2 3", "socket_mode = 999", "access_check = psychic", "sampling = often"])
    func badConfigurationStopsStartup(line: String) throws {
        #expect(throws: TestFailure.self) { _ = try Daemon(settings: [line]) }
    }
}
