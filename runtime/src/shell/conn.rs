//! A client's connection, plain TCP or TLS over it, as the sessions see it: a reader and a
//! writer that can be used at the same time, and the TCP socket under them for its options, the
//! hang-up check and the final shutdown. Bytes read ahead (the auth line, the program-mode
//! hello) can be put back in front of the reader.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_rustls::server::TlsStream;
use smol::future::FutureExt as _;
use smol::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, Cursor};
use smol::net::TcpStream;

/// What the client sends (decrypted under TLS).
pub type Reader = Box<dyn AsyncRead + Unpin>;
/// What goes to the client (encrypted under TLS).
pub type Writer = Box<dyn AsyncWrite + Unpin>;

/// How long closing may take: a TLS close_notify to a client that reads nothing, the last line
/// of a refusal.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// How long a refused client's input is read and dropped after the refusal, and how much of it.
/// Closing a socket with unread input resets the connection, and a reset can destroy the
/// refusal line before the client reads it (a piped `socat` has sent its whole file by then).
const DRAIN_WAIT: Duration = Duration::from_secs(1);
const DRAIN_MAX: usize = 4 << 20;

/// One client's connection.
pub struct Conn {
    /// The socket: options, the hang-up check, the final shutdown.
    pub tcp: TcpStream,
    /// The client's bytes.
    pub rd: Reader,
    /// Bytes to the client.
    pub wr: Writer,
    /// Who it is.
    pub peer: SocketAddr,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Conn({})", self.peer)
    }
}

/// Bytes read ahead of the session, up to the end of the first line if it came.
#[derive(Debug)]
pub struct Ahead {
    bytes: Vec<u8>,
    /// Where the first line ends (past its `\n`).
    end: Option<usize>,
}

impl Ahead {
    /// The first line without its `\n` or `\r\n`, if a whole one came.
    pub fn line(&self) -> Option<&[u8]> {
        let l = &self.bytes[..self.end? - 1];
        Some(l.strip_suffix(b"\r").unwrap_or(l))
    }

    /// Puts back what follows the first line (the line is consumed).
    pub fn consume(mut self, conn: &mut Conn) {
        let rest = self.bytes.split_off(self.end.unwrap_or(self.bytes.len()));
        conn.unread(rest);
    }

    /// Puts everything back.
    pub fn put_back(self, conn: &mut Conn) {
        conn.unread(self.bytes);
    }
}

impl Conn {
    /// A plain TCP connection.
    pub fn plain(tcp: TcpStream, peer: SocketAddr) -> Conn {
        Conn {
            rd: Box::new(tcp.clone()),
            wr: Box::new(tcp.clone()),
            tcp,
            peer,
        }
    }

    /// A TLS connection whose handshake is done.
    pub fn tls(tcp: TcpStream, tls: TlsStream<TcpStream>, peer: SocketAddr) -> Conn {
        let (rd, wr) = smol::io::split(tls);
        Conn {
            tcp,
            rd: Box::new(rd),
            wr: Box::new(wr),
            peer,
        }
    }

    /// Puts `bytes` back in front of what is still to be read.
    pub fn unread(&mut self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        let rest = std::mem::replace(&mut self.rd, Box::new(smol::io::empty()));
        self.rd = Box::new(Cursor::new(bytes).chain(rest));
    }

    /// Reads the first line, at most `max` bytes, for as long as `more(bytes so far)` says the
    /// line is still worth waiting for and `deadline` has not passed. Nothing is consumed: the
    /// caller puts the bytes back, or what follows the line.
    pub async fn first_line(&mut self, max: usize, deadline: Instant, more: impl Fn(&[u8]) -> bool) -> Ahead {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            if let Some(i) = bytes.iter().position(|&b| b == b'\n') {
                return Ahead {
                    bytes,
                    end: Some(i + 1),
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if bytes.len() > max || !more(&bytes) || left.is_zero() {
                return Ahead { bytes, end: None };
            }
            let read = async { self.rd.read(&mut buf).await.ok() }
                .or(async {
                    smol::Timer::after(left).await;
                    None
                })
                .await;
            match read {
                Some(n) if n > 0 => bytes.extend_from_slice(&buf[..n]),
                // EOF, an error, the deadline: no whole line.
                _ => return Ahead { bytes, end: None },
            }
        }
    }

    /// Ends the connection: the writer closed (a TLS close_notify), then the socket shut.
    pub async fn close(mut self) {
        self.close_writer().await;
        let _ = self.tcp.shutdown(std::net::Shutdown::Both);
    }

    /// Closes the writer, waiting at most [`CLOSE_WAIT`] for a client that reads nothing.
    async fn close_writer(&mut self) {
        let _ = self
            .wr
            .close()
            .or(async {
                smol::Timer::after(CLOSE_WAIT).await;
                Ok(())
            })
            .await;
    }

    /// Sends `msg` as one line and closes, reading what the client still sends for a moment so
    /// that the line reaches it (see [`DRAIN_WAIT`]).
    pub async fn refuse(mut self, msg: &str) {
        let line = format!("{msg}\n");
        let _ = async {
            self.wr.write_all(line.as_bytes()).await?;
            self.wr.close().await
        }
        .or(async {
            smol::Timer::after(CLOSE_WAIT).await;
            Ok(())
        })
        .await;
        self.drain_and_shut().await;
    }

    /// Ends a connection whose client may still be sending (it broke a limit): the writer
    /// closed, then what the client still sends read and dropped for a moment, so that the last
    /// reply reaches it instead of being cut by a reset (see [`DRAIN_WAIT`]).
    pub async fn close_draining(mut self) {
        self.close_writer().await;
        self.drain_and_shut().await;
    }

    async fn drain_and_shut(mut self) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut drained = 0;
        let deadline = Instant::now() + DRAIN_WAIT;
        while drained < DRAIN_MAX {
            let left = deadline.saturating_duration_since(Instant::now());
            let n = async { self.rd.read(&mut buf).await.unwrap_or(0) }
                .or(async {
                    smol::Timer::after(left).await;
                    0
                })
                .await;
            if n == 0 {
                break;
            }
            drained += n;
        }
        let _ = self.tcp.shutdown(std::net::Shutdown::Both);
    }
}
