import CSwamonLinux
import Glibc

/// A named, detached POSIX thread running a closure: the monitoring threads, the state saver and
/// the supervisor. (Foundation's Thread would pull Foundation, ICU and their data into the daemon
/// for nothing else.)
public enum DetachedThread {
    final class Body {
        let name: String
        let run: () -> Void

        init(name: String, run: @escaping () -> Void) {
            self.name = name
            self.run = run
        }
    }

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept, as the kernel
    /// allows); traps only if the system cannot make a thread at all.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            swamon_set_thread_name(body.name)
            body.run()
            return nil
        }, box)
        precondition(status == 0, "cannot start thread \(name): \(String(cString: strerror(status)))")
        pthread_detach(thread)
    }
}
