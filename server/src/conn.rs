//! Connections that cannot hold the server: a client that stops sending in the middle of its
//! headers or body (or sits idle between requests) is cut after [`STALL`], and the graceful
//! stop waits at most [`GRACE`] for requests in flight. Without these, one half-sent request
//! kept SIGTERM from ever finishing, and new connections were refused meanwhile.

use axum::serve::Listener;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// How long a connection may go without reading or writing a byte. It bounds a stalled
/// request's headers and its body alike (hyper has no header timer without one configured).
pub const STALL: Duration = Duration::from_secs(30);
/// How long the graceful stop waits for requests in flight before the process exits.
pub const GRACE: Duration = Duration::from_secs(5);

/// A TCP listener whose connections fail with `TimedOut` after `stall` without progress.
pub struct StallingListener {
    inner: TcpListener,
    stall: Duration,
}

impl StallingListener {
    pub fn new(inner: TcpListener, stall: Duration) -> StallingListener {
        StallingListener { inner, stall }
    }
}

impl Listener for StallingListener {
    type Io = StallGuard<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = Listener::accept(&mut self.inner).await;
        (StallGuard::new(io, self.stall), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// An I/O stream whose reads fail once `stall` has passed since its last progress in either
/// direction (a response being written counts: a slow handler is not a stalled client).
pub struct StallGuard<T> {
    inner: T,
    stall: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<T> StallGuard<T> {
    pub fn new(inner: T, stall: Duration) -> StallGuard<T> {
        StallGuard {
            inner,
            stall,
            deadline: Box::pin(tokio::time::sleep(stall)),
        }
    }

    fn progressed(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.stall);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for StallGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.progressed();
                Poll::Ready(result)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "client stalled",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for StallGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if result.is_ready() {
            this.progressed();
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::StallGuard;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_read_with_no_progress_fails_after_the_stall_time() {
        let (client, server) = tokio::io::duplex(64);
        let mut guarded = StallGuard::new(server, Duration::from_millis(100));
        let mut client = client;
        client.write_all(b"POST / HT").await.unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(guarded.read(&mut buf).await.unwrap(), 9);
        let error = guarded.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        drop(client);
    }
}
