import SwamonCore

/// A masim-style access pattern: memory regions, then phases that each access some of them for a
/// while. Parsed from masim's configuration text (`sjp38/masim`): paragraphs separated by blank
/// lines, `#` starts a comment; the first paragraph lists regions as `name, size[, init_file]`;
/// every further paragraph is a phase: its name, its duration in milliseconds, then one line per
/// accessed region `region, randomness (1 random | 0 sequential), stride, weight[, ro|wo|rw]`.
public struct WorkloadConfig: Equatable, Sendable {
    public struct Region: Equatable, Sendable {
        public var name: String
        public var size: Int

        public init(name: String, size: Int) {
            self.name = name
            self.size = size
        }
    }

    public enum AccessMode: String, Equatable, Sendable {
        case readOnly = "ro"
        case writeOnly = "wo"
        case readWrite = "rw"
    }

    public struct Access: Equatable, Sendable {
        /// Index into `regions`.
        public var region: Int
        public var random: Bool
        /// Bytes between two accesses of a sequential pattern.
        public var stride: Int
        /// Relative share of the phase's accesses.
        public var weight: Int
        /// nil: the generator's default mode.
        public var mode: AccessMode?
        /// swamon's extension: only this many pages per mille of the region are accessed, a fixed
        /// pseudo-random set of them (`pages=PERMIL` after the mode); nil: every page.
        public var pagePermil: Int?

        public init(region: Int, random: Bool, stride: Int, weight: Int, mode: AccessMode? = nil, pagePermil: Int? = nil) {
            self.region = region
            self.random = random
            self.stride = stride
            self.weight = weight
            self.mode = mode
            self.pagePermil = pagePermil
        }
    }

    public struct Phase: Equatable, Sendable {
        public var name: String
        public var milliseconds: Int
        public var accesses: [Access]

        public init(name: String, milliseconds: Int, accesses: [Access]) {
            self.name = name
            self.milliseconds = milliseconds
            self.accesses = accesses
        }

        /// Indices of the regions this phase touches (weight above zero).
        public var touchedRegions: [Int] { accesses.filter { $0.weight > 0 }.map(\.region) }
    }

    public var regions: [Region]
    public var phases: [Phase]

    public init(regions: [Region], phases: [Phase]) {
        self.regions = regions
        self.phases = phases
    }
}

extension WorkloadConfig {
    /// The offsets of the pages an access with a page share touches in region number `region`:
    /// each page is in with probability `permil`/1000, decided by a hash of the region's number
    /// and the page's, so every run places them alike.
    public static func sharedPages(regionSize: Int, region: Int, permil: Int, pageSize: Int) -> [Int] {
        stride(from: 0, to: regionSize, by: pageSize).filter { offset in
            var hash = SplitMix64(seed: UInt64(region) << 40 ^ UInt64(offset / pageSize))
            return hash.next() % 1000 < UInt64(permil)
        }
    }
}

/// Why a workload configuration was refused; `line` is 1-based.
public struct WorkloadConfigError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public var description: String { "line \(line): \(message)" }
}

extension WorkloadConfig {
    public init(parsing text: String) throws(WorkloadConfigError) {
        var paragraphs: [[(number: Int, fields: [String])]] = [[]]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = content.trimmingSpaces()
            if trimmed.isEmpty {
                // masim: a blank line ends a paragraph; a comment-only line does not.
                if raw.trimmingSpaces().isEmpty, !(paragraphs.last?.isEmpty ?? true) { paragraphs.append([]) }
                continue
            }
            paragraphs[paragraphs.count - 1].append((index + 1, trimmed.split(separator: ",").map { String($0.trimmingSpaces()) }))
        }
        paragraphs.removeAll { $0.isEmpty }
        guard let regionLines = paragraphs.first else { throw WorkloadConfigError(line: 1, message: "no regions") }

        var regions: [Region] = []
        for (number, fields) in regionLines {
            guard (2...3).contains(fields.count), !fields[0].isEmpty else {
                throw WorkloadConfigError(line: number, message: "a region is 'name, size[, init_file]'")
            }
            guard let size = Int(fields[1]), size > 0 else {
                throw WorkloadConfigError(line: number, message: "region size '\(fields[1])' is not a positive number of bytes")
            }
            guard !regions.contains(where: { $0.name == fields[0] }) else {
                throw WorkloadConfigError(line: number, message: "region '\(fields[0])' is defined twice")
            }
            if fields.count == 3, fields[2] != "none" {
                throw WorkloadConfigError(line: number, message: "init data files are not supported; use 'none'")
            }
            regions.append(Region(name: fields[0], size: size))
        }

        var phases: [Phase] = []
        for paragraph in paragraphs.dropFirst() {
            guard paragraph.count >= 3 else {
                throw WorkloadConfigError(line: paragraph[0].number, message: "a phase is a name, a duration in ms and at least one access line")
            }
            let name = paragraph[0].fields.joined(separator: ",")
            guard paragraph[1].fields.count == 1, let milliseconds = Int(paragraph[1].fields[0]), milliseconds > 0 else {
                throw WorkloadConfigError(line: paragraph[1].number, message: "phase duration must be a positive number of milliseconds")
            }
            var accesses: [Access] = []
            for (number, fields) in paragraph.dropFirst(2) {
                guard (4...6).contains(fields.count) else {
                    throw WorkloadConfigError(
                        line: number, message: "an access is 'region, randomness, stride, weight[, ro|wo|rw[, pages=PERMIL]]'")
                }
                guard let region = regions.firstIndex(where: { $0.name == fields[0] }) else {
                    throw WorkloadConfigError(line: number, message: "unknown region '\(fields[0])'")
                }
                guard let randomness = Int(fields[1]), randomness == 0 || randomness == 1 else {
                    throw WorkloadConfigError(line: number, message: "randomness must be 1 (random) or 0 (sequential)")
                }
                guard let stride = Int(fields[2]), stride > 0 else {
                    throw WorkloadConfigError(line: number, message: "stride must be a positive number of bytes")
                }
                guard let weight = Int(fields[3]), weight >= 0 else {
                    throw WorkloadConfigError(line: number, message: "weight must be zero or more")
                }
                var mode: AccessMode?
                var pagePermil: Int?
                if fields.count == 6 {
                    guard fields[5].hasPrefix("pages="), let permil = Int(fields[5].dropFirst(6)), (1...1000).contains(permil) else {
                        throw WorkloadConfigError(line: number, message: "the page share must be pages=PERMIL, 1 to 1000")
                    }
                    pagePermil = permil
                }
                if fields.count >= 5 {
                    guard let given = AccessMode(rawValue: fields[4]) else {
                        throw WorkloadConfigError(line: number, message: "access mode must be ro, wo or rw")
                    }
                    mode = given
                }
                accesses.append(
                    Access(region: region, random: randomness == 1, stride: stride, weight: weight, mode: mode, pagePermil: pagePermil))
            }
            guard accesses.contains(where: { $0.weight > 0 }) else {
                throw WorkloadConfigError(line: paragraph[0].number, message: "phase '\(name)' has no access with a weight above zero")
            }
            phases.append(Phase(name: name, milliseconds: milliseconds, accesses: accesses))
        }
        guard !phases.isEmpty else { throw WorkloadConfigError(line: regionLines.last!.number, message: "no phases") }
        self.init(regions: regions, phases: phases)
    }

    /// The configuration in masim's format; parsing it gives back the same configuration.
    public var text: String {
        var lines = ["# regions"] + regions.map { "\($0.name), \($0.size)" }
        for phase in phases {
            lines += ["", phase.name, "\(phase.milliseconds)"]
            lines += phase.accesses.map { access in
                "\(regions[access.region].name), \(access.random ? 1 : 0), \(access.stride), \(access.weight)"
                    + (access.mode.map { ", \($0.rawValue)" } ?? (access.pagePermil == nil ? "" : ", wo"))
                    + (access.pagePermil.map { ", pages=\($0)" } ?? "")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
