import SwamonClient
import SwamonProtocol
import SwamonSysfs

/// The tree's link to swamond: one connection, made again once if it broke (a restarted daemon).
final class SocketLink: SwamondLink {
    let path: String
    private var client: ControlClient?

    init(path: String) { self.path = path }

    func send(_ request: Request) throws(SwamondLinkError) -> String {
        for attempt in 0..<2 {
            do {
                let client = try self.client ?? ControlClient(path: path)
                self.client = client
                switch try client.send(request) {
                case .ok(let content): return content
                case .error(let error): throw SwamondLinkError.refused(error)
                }
            } catch let error as SwamondLinkError {
                throw error
            } catch {
                self.client = nil
                if attempt == 1 { throw SwamondLinkError.unreachable("\(error)") }
            }
        }
        throw SwamondLinkError.unreachable(path)
    }
}
