//! The HTTP server loop: hyper's HTTP/1 connection driver under limits
//! that `axum::serve` does not have.
//!
//! ```text
//! accept ──over max_connections?──▶ coded 503 (`server.overloaded`), close
//!   │
//!   ▼ one task per connection (holds a connection permit)
//! hyper http1 ── request ──▶ router
//!   │   body wrapped in a whole-body deadline (`request.body_timeout`)
//!   ▼
//! watchdog: a head begun (first byte read) but not complete within
//!           `header_read` → dropped; nothing in flight and nothing being
//!           read for `idle` → dropped
//! ```
//!
//! hyper's own `header_read_timeout` is not used: it starts when the
//! connection becomes ready for a request, so it would also cut every idle
//! keep-alive connection at the header timeout. Here the header clock
//! starts at the first byte of a head, and idleness is its own limit.
//!
//! A request counts as in flight until its response body is finished, so a
//! server-sent event stream is never "idle"; event streams are bounded in
//! number by the events endpoint instead ([`Limits::max_event_streams`]).

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// The server's limits. Defaults: headers within 10 s, a whole body within
/// 30 s, an idle keep-alive connection closed after 60 s, 4,096 connections,
/// 1,000 event streams.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to receive a request's complete head (request line and headers).
    pub header_read: Duration,
    /// Time to receive a request's complete body, from its head.
    pub body: Duration,
    /// A connection with no request in flight for this long is closed.
    pub idle: Duration,
    /// Open connections at most; more are answered 503 and closed.
    pub max_connections: usize,
    /// Concurrent `/v1/events` streams at most; more are answered 503.
    pub max_event_streams: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            max_connections: 4096,
            max_event_streams: 1000,
        }
    }
}

impl Limits {
    /// Caps `max_connections` below the process's open-file limit
    /// (`nofile`), keeping `reserve` descriptors for the store, the bus and
    /// the chain link: a node at its connection limit sheds load with a 503
    /// instead of failing `accept` and its own file opens.
    pub fn within_files(mut self, nofile: u64, reserve: u64) -> Limits {
        let room = nofile.saturating_sub(reserve).max(16);
        self.max_connections = self.max_connections.min(room as usize);
        self
    }
}

/// What shed connections are told.
const OVERLOADED: &str = r#"{"code":"server.overloaded","message":"the node is at its connection limit; retry in a moment"}"#;

/// Serves `app` on `listener` under `limits` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                // Out of descriptors (or a connection reset while queued):
                // back off instead of spinning; the limit above makes it rare.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        match permits.clone().try_acquire_owned() {
            Ok(permit) => {
                tokio::spawn(connection(stream, app.clone(), limits, permit));
            }
            Err(_) => {
                tokio::spawn(shed(stream));
            }
        }
    }
}

/// Answers a connection over the limit with a coded 503 and closes it.
async fn shed(mut stream: TcpStream) {
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        OVERLOADED.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(OVERLOADED.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// What a connection is doing: requests in flight, when it last finished
/// one, and when the head now being read began (0: none).
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    last_ms: AtomicU64,
    head_ms: AtomicU64,
}

impl Activity {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64 + 1
    }

    fn touch(&self) {
        self.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Bytes arrived: with nothing in flight they begin a request head.
    fn read_some(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let _ = self.head_ms.compare_exchange(
                0,
                self.now_ms(),
                Ordering::AcqRel,
                Ordering::Relaxed,
            );
        }
    }

    /// Whether the connection has overstayed a limit.
    fn expired(&self, l: &Limits) -> bool {
        let now = self.now_ms();
        let head = self.head_ms.load(Ordering::Acquire);
        if head != 0 {
            return Duration::from_millis(now - head) >= l.header_read;
        }
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return false;
        }
        Duration::from_millis(now - self.last_ms.load(Ordering::Relaxed).max(1)) >= l.idle
    }
}

/// The socket, telling [`Activity`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    act: Arc<Activity>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.act.read_some();
        }
        r
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Marks a request in flight until dropped (with its response body).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(a: &Arc<Activity>) -> InFlight {
        a.in_flight.fetch_add(1, Ordering::AcqRel);
        // The head is complete: hyper dispatched the request.
        a.head_ms.store(0, Ordering::Release);
        InFlight(a.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn connection(stream: TcpStream, app: Router, limits: Limits, _permit: OwnedSemaphorePermit) {
    let activity = Arc::new(Activity {
        started: Instant::now(),
        in_flight: AtomicUsize::new(0),
        last_ms: AtomicU64::new(0),
        head_ms: AtomicU64::new(0),
    });
    let act = activity.clone();
    // Who is at the other end, for the per-address rate limit.
    let peer = stream.peer_addr().ok().map(|a| super::rate::Peer(a.ip()));
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let guard = InFlight::new(&act);
        let mut req = req.map(|b| Body::new(Deadline::new(b, limits.body)));
        if let Some(p) = peer {
            req.extensions_mut().insert(p);
        }
        let app = app.clone();
        async move {
            let res = app.oneshot(req).await.unwrap_or_else(|e| match e {});
            Ok::<_, std::convert::Infallible>(
                res.map(|b| Body::new(Tracked { inner: b, _guard: guard })),
            )
        }
    });
    let io = TokioIo::new(Watched { inner: stream, act: activity.clone() });
    let conn =
        hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, svc);
    tokio::pin!(conn);
    let tick = (limits.idle.min(limits.header_read) / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            () = tokio::time::sleep(tick) => {
                if activity.expired(&limits) {
                    // Nothing in flight (a head being read is not a request
                    // yet): dropping the connection loses nothing.
                    return;
                }
            }
        }
    }
}

/// A response body that keeps its request "in flight" until it is done.
struct Tracked {
    inner: Body,
    _guard: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that must arrive whole before its deadline: a client
/// that stalls (or drips) its body cannot hold a connection and a handler.
struct Deadline {
    inner: Incoming,
    sleep: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl Deadline {
    fn new(inner: Incoming, limit: Duration) -> Deadline {
        Deadline { inner, sleep: Box::pin(tokio::time::sleep(limit)), limit }
    }
}

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
struct BodyTimeout(Duration);

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(f) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(f.map(|r| r.map_err(Into::into)));
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimeout(self.limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
