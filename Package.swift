// swift-tools-version:6.0
import PackageDescription
#if canImport(Glibc)
import Glibc
#endif

/// How release builds link swamond, the one long-running process: with lld, relative relocations
/// packed (DT_RELR: 10 KB instead of 1.3 MB of `.rela.dyn` read at every start) and no dynamic
/// symbol table of its own (the Swift driver exports every symbol of an executable; nothing
/// looks them up). About 2 MiB less resident when idle (docs/benchmarks.md, "The daemon under load").
/// DT_RELR needs glibc 2.36 where the binary runs; built against an older one, only the
/// exports are dropped. Debug builds link as SwiftPM does.
let daemonReleaseLinking: [LinkerSetting] = {
    var flags = ["-Xlinker", "--no-export-dynamic"]
    #if canImport(Glibc)
    var text = [CChar](repeating: 0, count: 64)  // "glibc 2.36"
    _ = confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count)
    let name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let version = name.split(separator: " ").last?.split(separator: ".").compactMap { Int($0) } ?? []
    if version.count >= 2, (version[0], version[1]) >= (2, 36) {
        flags = ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"] + flags
    }
    #endif
    return [.unsafeFlags(flags, .when(platforms: [.linux], configuration: .release))]
}()

let package = Package(
    name: "swamon",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SwamonCore", targets: ["SwamonCore"]),
        .executable(name: "swamond", targets: ["swamond"]),
        .executable(name: "swamonctl", targets: ["swamonctl"]),
        .executable(name: "swamon-sysfs", targets: ["swamon-sysfs"]),
        .executable(name: "swamon-sim", targets: ["swamon-sim"]),
        .executable(name: "swamon-bench", targets: ["swamon-bench"]),
        .executable(name: "swamon-workload", targets: ["swamon-workload"]),
        .executable(name: "swamon-minimal-sampler", targets: ["swamon-minimal-sampler"]),
        .executable(name: "swamon-fuzz-parsers", targets: ["swamon-fuzz-parsers"]),
        .executable(name: "swamon-fuzz-registry", targets: ["swamon-fuzz-registry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure DAMON logic: no I/O, standard library only.
        .target(name: "SwamonCore"),
        // A scripted address space (hot and cold ranges) for the demo, benchmarks and property tests.
        .target(name: "SwamonSimulation", dependencies: ["SwamonCore"]),
        // The wire contract: requests, responses and every debugfs file's text. No I/O.
        .target(name: "SwamonProtocol", dependencies: ["SwamonCore"]),
        // Everything that touches Linux: /proc parsing, pidfds, the access-check backends.
        .target(
            name: "SwamonLinux",
            dependencies: ["SwamonCore", "CSwamonLinux", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(name: "CSwamonLinux"),
        // libsystemd (pkg-config libsystemd, from libsystemd-dev): sd_notify, sd_listen_fds, the journal.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "SwamonSystemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        // The daemon's logic: configuration, context registry, monitoring threads, control server.
        .target(
            name: "SwamonDaemon",
            dependencies: [
                "SwamonCore", "SwamonProtocol", "SwamonLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "swamond",
            dependencies: [
                "SwamonDaemon", "SwamonProtocol", "SwamonSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: daemonReleaseLinking
        ),
        // zlib (from zlib1g-dev): damo's json_compressed record files.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Records and reports: damo's record format, working set, access table, idle curve,
        // heatmaps for terminals and SVG. Pure: bytes in, text out.
        .target(name: "SwamonReports", dependencies: ["SwamonCore", "SwamonProtocol", "CZlib"]),
        // DAMON's sysfs admin tree (Linux 6.12) as staged inputs over swamond's protocol: what
        // swamon-sysfs serves through FUSE. Pure: a link to swamond in, file contents out.
        .target(
            name: "SwamonSysfs",
            dependencies: ["SwamonCore", "SwamonProtocol", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // libfuse 3 (pkg-config fuse3, from libfuse3-dev): the FUSE file system of swamon-sysfs.
        .systemLibrary(name: "CFuse", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        .executableTarget(
            name: "swamon-sysfs",
            dependencies: [
                "CFuse", "SwamonSysfs", "SwamonClient", "SwamonProtocol", "SwamonLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // A blocking client of the control socket, for swamonctl and the benchmarks.
        .target(name: "SwamonClient", dependencies: ["SwamonProtocol"]),
        // libedit (pkg-config libedit, from libedit-dev): line editing and history at swamonctl's prompt.
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .executableTarget(
            name: "swamonctl",
            dependencies: [
                "SwamonClient", "SwamonCore", "SwamonProtocol", "SwamonReports", "SwamonSystemd", "SwamonLinux", "CEditLine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "swamon-sim",
            dependencies: [
                "SwamonCore", "SwamonSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // masim-style access patterns: configuration format, built-in patterns, ground-truth log.
        .target(name: "SwamonWorkload", dependencies: ["SwamonCore"]),
        .executableTarget(
            name: "swamon-workload",
            dependencies: ["SwamonCore", "SwamonLinux", "SwamonWorkload", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The yardstick of the overhead benchmark: the least work page_idle allows (no framework).
        .executableTarget(name: "swamon-minimal-sampler"),
        .executableTarget(
            name: "swamon-bench",
            dependencies: [
                "SwamonCore", "SwamonSimulation", "SwamonLinux", "SwamonClient", "SwamonProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fuzz targets: libFuzzer entry points when built with -sanitize=fuzzer -DFUZZING
        // (Tests/fuzz/run.sh), corpus replayers otherwise.
        .target(name: "SwamonFuzzing"),
        .executableTarget(
            name: "swamon-fuzz-parsers",
            dependencies: [
                "SwamonFuzzing", "SwamonCore", "SwamonProtocol", "SwamonLinux", "SwamonDaemon", "SwamonWorkload", "SwamonReports", "SwamonSysfs",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "swamon-fuzz-registry",
            dependencies: ["SwamonFuzzing", "SwamonDaemon", "SwamonProtocol", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "SwamonCoreTests", dependencies: ["SwamonCore", "SwamonSimulation"]),
        .testTarget(name: "SwamonWorkloadTests", dependencies: ["SwamonWorkload"]),
        .testTarget(name: "SwamonProtocolTests", dependencies: ["SwamonProtocol", "SwamonCore"]),
        .testTarget(name: "SwamonReportsTests", dependencies: ["SwamonReports", "SwamonProtocol"]),
        .testTarget(
            name: "SwamonSysfsTests",
            dependencies: ["SwamonSysfs", "SwamonProtocol", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .testTarget(name: "SwamonLinuxTests", dependencies: ["SwamonLinux", "SwamonCore", "SwamonTestSupport"]),
        // Real child processes and a real daemon for the tests.
        .target(name: "SwamonTestSupport", path: "Tests/SwamonTestSupport"),
        .testTarget(
            name: "SwamondTests",
            dependencies: ["SwamonProtocol", "SwamonReports", "SwamonDaemon", "SwamonCore", "SwamonLinux", "SwamonClient", "SwamonTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
