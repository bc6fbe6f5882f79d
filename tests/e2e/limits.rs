//! Connection limits on a real node: a request head that never finishes,
//! an idle connection and a stalled body are closed within their
//! timeouts; 2,000 idle connections do not stop `/healthz`; past the
//! connection limit the node answers a coded 503 instead of falling over.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use stakebid_tests::{http, scratch, Node};

use crate::{args, BIN};

/// Sends `bytes`, then reads until the server closes; (seconds it took, what came back).
fn until_closed(addr: &str, bytes: &[u8]) -> (f64, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let t = Instant::now();
    s.write_all(bytes).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    (t.elapsed().as_secs_f64(), String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn slow_and_idle_connections_are_closed_and_idle_crowds_do_not_stop_health() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let dir = scratch("limits");
    let extra = args(&[
        "--no-auctions",
        "--header-timeout-secs",
        "2",
        "--body-timeout-secs",
        "3",
        "--idle-timeout-secs",
        "4",
    ]);
    let node = Node::start(BIN, &dir, None, &extra);
    let addr = node.addr.as_str();

    // A partial request line/head: closed by the header-read timeout (2 s).
    let (secs, _) = until_closed(addr, b"GET /healthz HTTP/1.1\r\nHost: x");
    assert!((1.5..4.0).contains(&secs), "partial head closed after {secs:.1} s");
    // A stalled body: answered 408 with its code by the body timeout (3 s).
    let (secs, out) = until_closed(
        addr,
        b"POST /v1/intents HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"a\":",
    );
    assert!((2.5..5.0).contains(&secs), "stalled body closed after {secs:.1} s");
    assert!(out.starts_with("HTTP/1.1 408") && out.contains("request.body_timeout"), "{out}");
    // An idle keep-alive connection after one answered request: closed by the idle timeout (4 s).
    let (secs, out) = until_closed(addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!((3.5..7.0).contains(&secs), "idle connection closed after {secs:.1} s");

    // 2,000 idle connections, then a health check: answered at once.
    let crowd: Vec<TcpStream> = (0..2000).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let t = Instant::now();
    let (status, _) = http(addr, "GET", "/healthz", "").expect("/healthz answers");
    assert_eq!(status, 200);
    assert!(t.elapsed() < Duration::from_secs(2), "/healthz took {:?}", t.elapsed());
    drop(crowd);
}

#[test]
fn past_the_connection_limit_the_node_sheds_with_a_coded_503() {
    let dir = scratch("shed");
    let node = Node::start(BIN, &dir, None, &args(&["--no-auctions", "--max-connections", "40"]));
    let held: Vec<TcpStream> = (0..40).map(|_| TcpStream::connect(&node.addr).unwrap()).collect();
    // Give the node a moment to accept them all.
    std::thread::sleep(Duration::from_millis(300));
    let (_, out) = until_closed(&node.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 503") && out.contains("server.overloaded"), "{out}");
    drop(held);
    // Room again: served.
    let ok = stakebid_tests::wait_for(Duration::from_secs(5), || {
        http(&node.addr, "GET", "/healthz", "").filter(|(s, _)| *s == 200)
    });
    assert!(ok.is_some(), "served again once connections closed");
}
