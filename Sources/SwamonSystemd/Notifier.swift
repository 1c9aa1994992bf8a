import CSystemd
import Glibc

/// sd_notify(3) for a `Type=notify` service. Every call is a no-op when the daemon was not
/// started by systemd (no `NOTIFY_SOCKET`).
public enum Notifier {
    /// Configuration loaded, socket listening, kernel probed: the service is up.
    public static func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    /// The one-line state `systemctl status` shows.
    public static func status(_ text: String) { send("STATUS=\(text)") }

    /// "Still alive": sent only while the monitoring threads prove they are.
    public static func watchdog() { send("WATCHDOG=1") }

    /// Shutdown has begun.
    public static func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }

    /// The watchdog interval systemd expects pings within (`WatchdogSec=`), if any.
    public static func watchdogInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    static func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}

/// sd_listen_fds(3): listening sockets handed over by socket activation (`swamond.socket`, and
/// `swamond-metrics.socket` with `FileDescriptorName=metrics`).
public enum SocketActivation {
    /// The control socket (the first passed descriptor not named `metrics`) and the metrics
    /// socket, each nil when not passed. Clears `LISTEN_FDS` so children do not inherit it: ask
    /// once, at startup.
    public static func listeningDescriptors() -> (control: Int32?, metrics: Int32?) {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return (nil, nil) }
        var control: Int32?
        var metrics: Int32?
        for index in 0..<Int(count) {
            let name = names?[index].map { String(cString: $0) } ?? ""
            let descriptor = SD_LISTEN_FDS_START + Int32(index)
            if name == "metrics" { metrics = metrics ?? descriptor } else { control = control ?? descriptor }
            free(names?[index])
        }
        free(names)
        return (control, metrics)
    }
}
