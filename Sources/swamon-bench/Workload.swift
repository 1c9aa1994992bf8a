import ArgumentParser
import Foundation

/// A swamon-workload child (from the directory this executable lives in), ready once it printed
/// its ranges; killed by `stop`.
final class Workload {
    let process = Process()
    let hot: Range<UInt64>
    let cold: Range<UInt64>

    init(hotMiB: Int, coldMiB: Int) throws {
        process.executableURL = siblingExecutable("swamon-workload")
        process.arguments = ["--hot-mib", "\(hotMiB)", "--cold-mib", "\(coldMiB)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 0x0A { line.append(byte) }
        // "ready pid P hot A-B cold C-D"
        let fields = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard fields.count == 7 else { throw ValidationError("swamon-workload said: \(String(decoding: line, as: UTF8.self))") }
        func range(_ text: Substring) -> Range<UInt64> {
            let bounds = text.split(separator: "-").compactMap { UInt64($0, radix: 16) }
            return bounds[0]..<bounds[1]
        }
        hot = range(fields[4])
        cold = range(fields[6])
    }

    var pid: Int32 { process.processIdentifier }

    var residentKiB: Int { residentKiBOf(pid) }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
