import Hummingbird

/// The request context of the server's routes: Hummingbird's core storage plus the client's
/// address (admin endpoints answer loopback clients only unless allowed).
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's IP address.
    let clientIP: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress
    }

    /// True when the client is on this machine (127.0.0.0/8 or ::1, also IPv4-mapped).
    var isLoopbackClient: Bool {
        guard let ip = clientIP else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
