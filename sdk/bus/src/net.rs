//! Local networking helpers shared by the node's launchers (devnet, local
//! cluster, private Postgres) and the test harness.

/// A TCP port on 127.0.0.1 free at the time of asking (the OS picks it;
/// the caller binds it soon after, as every launcher here does).
pub fn free_port() -> std::io::Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")?.local_addr().map(|a| a.port())
}
