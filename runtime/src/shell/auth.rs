//! Who gets in (README "Remote shell", "Authentication"): the TLS handshake (with client
//! certificates when asked for), then the token line `auth <token>`, before any byte reaches Lua.
//! Failed attempts are counted per source address (IPv6 per /64): each is answered only after a
//! delay that doubles with the failures, and the address is refused unchecked for as long again
//! afterwards, so guessing goes no faster than one try per delay whatever the number of
//! connections. Refusals are logged on stderr, the unchecked ones at most once a second per
//! address.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Write as _;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use ring::hmac;
use ring::rand::{SecureRandom as _, SystemRandom};
use smol::future::FutureExt as _;
use smol::net::TcpStream;

use super::conn::Conn;
use super::tls::{Failed, Tls};
use super::{Ctx, Latch};

/// The environment variable that can hold the token.
pub const TOKEN_ENV: &str = "PKTGEN_SHELL_TOKEN";

/// What the token line starts with.
const AUTH: &[u8] = b"auth ";

/// Token lengths accepted from a file or the environment.
const TOKEN_MIN: usize = 16;
const TOKEN_MAX: usize = 512;

/// How long a client has for the TLS handshake, and then for its auth line.
const AUTH_WAIT: Duration = Duration::from_secs(10);

/// The first failure's delay; each further one doubles it, up to `DELAY_MAX`.
const DELAY_FIRST: Duration = Duration::from_millis(250);
const DELAY_MAX: Duration = Duration::from_secs(8);

/// An address's failures are forgotten after this long without one.
const FORGET: Duration = Duration::from_secs(600);

/// Connections that have not authenticated yet, per address and in all.
const PENDING_PER_ADDR: usize = 16;
const PENDING_MAX: usize = 256;

/// Addresses remembered before the stale ones are forgotten.
const BOOK_MAX: usize = 4096;

/// Unchecked refusals are logged at most this often per address (the rest are counted).
const LOG_EVERY: Duration = Duration::from_secs(1);

/// Where the token comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `--shell-token-file`: read, or created with a random token when missing.
    File(PathBuf),
    /// The value of [`TOKEN_ENV`].
    Env(String),
}

/// The token, kept as an HMAC tag under a random key: checking a guess is an HMAC verify,
/// constant-time whatever the guess and its length.
pub struct Token {
    key: hmac::Key,
    tag: hmac::Tag,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

impl Token {
    fn new(secret: &[u8]) -> Result<Token, String> {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .map_err(|_| "the system's random generator failed".to_string())?;
        let tag = hmac::sign(&key, secret);
        Ok(Token { key, tag })
    }

    /// Whether `given` is the token.
    pub fn check(&self, given: &[u8]) -> bool {
        hmac::verify(&self.key, given, self.tag.as_ref()).is_ok()
    }
}

/// Why a token text is unusable, if it is.
fn token_problem(t: &[u8]) -> Option<String> {
    if t.len() < TOKEN_MIN {
        Some(format!(
            "is {} characters long; a token needs at least {TOKEN_MIN} (a short one can be guessed)",
            t.len()
        ))
    } else if t.len() > TOKEN_MAX {
        Some(format!("is longer than {TOKEN_MAX} characters"))
    } else {
        t.iter().position(|b| !b.is_ascii_graphic()).map(|i| {
            format!(
                "has a space, a control character or a non-ASCII byte at offset {i}; a token is printable ASCII without spaces"
            )
        })
    }
}

/// A fresh random token: 32 bytes in hex.
fn random_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| "the system's random generator failed".to_string())?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Reads the token file, or creates it (mode 0600, a random token) when it does not exist.
/// Returns the token and the start-up line that says where it is.
fn token_file(path: &Path) -> Result<(Vec<u8>, String), String> {
    let name = path.display();
    match std::fs::read(path) {
        Ok(text) => {
            let t = text.trim_ascii().to_vec();
            if let Some(p) = token_problem(&t) {
                return Err(format!("--shell-token-file {name}: the token {p}"));
            }
            let mut note = format!("pktgen: Lua shell token file: {name}");
            if let Ok(m) = std::fs::metadata(path)
                && m.permissions().mode() & 0o077 != 0
            {
                note.push_str(&format!(
                    "\npktgen: WARNING: {name} can be read by other users (mode {:04o}); chmod 600 it",
                    m.permissions().mode() & 0o7777
                ));
            }
            Ok((t, note))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let t = random_token()?;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("--shell-token-file {name}: cannot create it: {e}"))?;
            f.write_all(format!("{t}\n").as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("--shell-token-file {name}: cannot write it: {e}"))?;
            Ok((
                t.into_bytes(),
                format!("pktgen: Lua shell token file: {name} (created with a random token, mode 0600)"),
            ))
        }
        Err(e) => Err(format!("--shell-token-file {name}: {e}")),
    }
}

/// Loads the token. Returns it and the start-up line that says where it comes from.
///
/// # Errors
/// The file cannot be read or created, or the token is empty, too short, too long or has
/// spaces or control characters.
pub fn load_token(src: &TokenSource) -> Result<(Token, String), String> {
    let (secret, note) = match src {
        TokenSource::File(p) => token_file(p)?,
        TokenSource::Env(v) => {
            if let Some(p) = token_problem(v.as_bytes()) {
                return Err(format!("{TOKEN_ENV}: the token {p}"));
            }
            (
                v.as_bytes().to_vec(),
                format!("pktgen: Lua shell token from ${TOKEN_ENV}"),
            )
        }
    };
    Ok((Token::new(&secret)?, note))
}

/// Whether a first line is a token line (`auth` and one word).
pub fn is_auth_line(line: &[u8]) -> bool {
    line.strip_prefix(AUTH)
        .is_some_and(|t| !t.is_empty() && t.iter().all(u8::is_ascii_graphic))
}

/// An address as failures are counted: IPv4 as is (also when mapped into IPv6), IPv6 by its
/// /64, the block one host is usually given.
fn source(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        },
        v4 => v4,
    }
}

#[derive(Debug, Default)]
struct Entry {
    /// Failed attempts (wrong token, refused client certificate) since the last quiet period.
    failures: u32,
    last_failure: Option<Instant>,
    /// No attempt from here is checked before this.
    locked_until: Option<Instant>,
    /// Connections from here not authenticated yet.
    pending: usize,
    /// Refusals not logged yet (rate limit), and when one was last logged.
    unlogged: u64,
    last_log: Option<Instant>,
}

/// The failures and pending connections of every source address.
#[derive(Debug, Default)]
pub struct Book {
    by_source: RefCell<HashMap<IpAddr, Entry>>,
    pending: Cell<usize>,
}

/// A connection counted as pending until it authenticated or was refused.
pub struct Pending {
    book: Rc<Book>,
    source: IpAddr,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.book.pending.set(self.book.pending.get().saturating_sub(1));
        if let Some(e) = self.book.by_source.borrow_mut().get_mut(&self.source) {
            e.pending = e.pending.saturating_sub(1);
        }
    }
}

/// The delay before the answer to the `n`th failure.
fn delay(n: u32) -> Duration {
    DELAY_FIRST
        .saturating_mul(1 << n.saturating_sub(1).min(16))
        .min(DELAY_MAX)
}

impl Book {
    /// Counts a new connection from `source` as pending; `None` when too many are.
    fn enter(self: &Rc<Self>, source: IpAddr) -> Option<Pending> {
        let mut map = self.by_source.borrow_mut();
        if map.len() >= BOOK_MAX {
            let now = Instant::now();
            let stale = |e: &Entry| e.last_failure.is_none_or(|t| now - t > FORGET);
            map.retain(|_, e| e.pending > 0 || !stale(e));
            if map.len() >= BOOK_MAX {
                // More sources failing at once than the book holds: forget the unlocked ones.
                map.retain(|_, e| e.pending > 0 || e.locked_until.is_some_and(|t| t > now));
            }
        }
        let e = map.entry(source).or_default();
        if e.pending >= PENDING_PER_ADDR || self.pending.get() >= PENDING_MAX {
            return None;
        }
        e.pending += 1;
        self.pending.set(self.pending.get() + 1);
        Some(Pending {
            book: Rc::clone(self),
            source,
        })
    }

    /// How long `source` is still refused unchecked, if it is.
    fn locked(&self, source: IpAddr) -> Option<Duration> {
        let until = self.by_source.borrow().get(&source)?.locked_until?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Counts a failure; returns the failures counted and the delay before the answer. The
    /// source stays locked for twice the delay (the wait, then as long again).
    fn failed(&self, source: IpAddr) -> (u32, Duration, u64) {
        let now = Instant::now();
        let mut map = self.by_source.borrow_mut();
        let e = map.entry(source).or_default();
        if e.last_failure.is_some_and(|t| now - t > FORGET) {
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        e.last_failure = Some(now);
        let d = delay(e.failures);
        e.locked_until = Some(now + 2 * d);
        let unlogged = std::mem::take(&mut e.unlogged);
        e.last_log = Some(now);
        (e.failures, d, unlogged)
    }

    /// Logs `line` unless `source` had a line logged within [`LOG_EVERY`]; then it is only
    /// counted. Returns whether it was the first counted since: the caller then calls
    /// [`Book::summary`] once that spell is over (see [`quiet_spell`]).
    fn log(&self, source: IpAddr, line: impl FnOnce() -> String) -> bool {
        let now = Instant::now();
        let mut map = self.by_source.borrow_mut();
        let e = map.entry(source).or_default();
        if e.last_log.is_some_and(|t| now - t < LOG_EVERY) {
            e.unlogged += 1;
            return e.unlogged == 1;
        }
        e.last_log = Some(now);
        eprintln!("{}", line());
        false
    }

    /// Logs how many refusals from `source` went unlogged, if any.
    fn summary(&self, source: IpAddr) {
        let mut map = self.by_source.borrow_mut();
        let Some(e) = map.get_mut(&source) else {
            return;
        };
        let n = std::mem::take(&mut e.unlogged);
        if n > 0 {
            e.last_log = Some(Instant::now());
            eprintln!(
                "pktgen: Lua shell: {n} more connections from {source} refused (not logged one by one)"
            );
        }
    }
}

/// After a refusal that started a spell of unlogged ones: waits the spell out (no longer counted
/// as pending) and logs their number.
async fn quiet_spell(book: &Book, source: IpAddr, pending: Pending, closing: &Latch) {
    drop(pending);
    hold(LOG_EVERY, closing).await;
    book.summary(source);
}

/// What protects the shell: TLS, the token, the book of failures.
#[derive(Debug)]
pub struct Gate {
    /// The token clients must send first, if one is set.
    pub token: Option<Token>,
    /// TLS, if configured.
    pub tls: Option<Tls>,
    book: Rc<Book>,
}

impl Gate {
    /// A gate with these checks.
    pub fn new(token: Option<Token>, tls: Option<Tls>) -> Gate {
        Gate {
            token,
            tls,
            book: Rc::default(),
        }
    }
}

/// The line a client without the token line gets.
const REQUIRED: &str = "pktgen shell: authentication required: send `auth <token>` as the first line \
     (the token pktgen was given in --shell-token-file or $PKTGEN_SHELL_TOKEN); closing";

/// The line a client with a wrong token gets.
const WRONG: &str = "pktgen shell: authentication failed: wrong token; closing";

/// The line a client sending `auth` to a shell without a token gets.
pub const NOT_HERE: &str = "pktgen shell: this shell takes no token (pktgen runs without --shell-token-file \
     and $PKTGEN_SHELL_TOKEN); send the Lua without the auth line; closing";

/// How the line to a client from a source that failed lately starts.
const LOCKED: &str = "pktgen shell: too many failed attempts from";

/// The line to a client over the limit of pending connections per source.
const PENDING: &str =
    "pktgen shell: too many connections from your address are waiting to authenticate; try again later";

/// What a plain-text client of a TLS shell is told (in plain text).
const NOT_TLS: &str = "pktgen shell: this shell speaks TLS (pktgen runs with --shell-tls-cert); connect \
     with TLS, e.g. socat - OPENSSL:host:port,cafile=ca.pem";

/// Waits `d`, or less if pktgen is closing.
async fn hold(d: Duration, closing: &Latch) {
    async {
        smol::Timer::after(d).await;
    }
    .or(closing.wait())
    .await;
}

/// How a connection was turned away, for [`admit`] to say and log.
enum Refusal {
    /// The line to send (`None`: nothing readable can be sent) and the line to log (rate-limited).
    Say(Option<Box<Conn>>, String, String),
    /// Already logged and answered.
    Done,
}

/// Takes a new connection through the gate: returns it ready for the session (the auth line
/// consumed), or `None` once it was refused. Without a gate it passes at once.
pub async fn admit(ctx: &Ctx, tcp: TcpStream, peer: SocketAddr) -> Option<Conn> {
    let Some(gate) = &ctx.gate else {
        return Some(Conn::plain(tcp, peer));
    };
    let src = source(peer.ip());
    let Some(pending) = gate.book.enter(src) else {
        let quiet = gate.book.log(src, || {
            format!(
                "pktgen: Lua shell: refused {peer}: {PENDING_PER_ADDR} connections from {src} (or {PENDING_MAX} in all) are waiting to authenticate"
            )
        });
        if gate.tls.is_some() {
            // Nothing it could read can be said before the handshake.
            let _ = tcp.shutdown(std::net::Shutdown::Both);
        } else {
            Conn::plain(tcp, peer).refuse(PENDING).await;
        }
        if quiet {
            hold(LOG_EVERY, &ctx.closing).await;
            gate.book.summary(src);
        }
        return None;
    };
    match check(ctx, gate, tcp, peer, src).await {
        Ok(conn) => Some(conn),
        Err(Refusal::Done) => None,
        Err(Refusal::Say(conn, reply, log)) => {
            let quiet = gate.book.log(src, || log);
            if let Some(conn) = conn {
                conn.refuse(&reply).await;
            }
            if quiet {
                quiet_spell(&gate.book, src, pending, &ctx.closing).await;
            }
            None
        }
    }
}

/// The gate's checks in order: the TLS handshake, the lock of a source that failed lately, the
/// token line.
async fn check(
    ctx: &Ctx,
    gate: &Gate,
    tcp: TcpStream,
    peer: SocketAddr,
    src: IpAddr,
) -> Result<Conn, Refusal> {
    let mut conn = match &gate.tls {
        None => Conn::plain(tcp, peer),
        Some(tls) => match async { Ok(tls.accept(&tcp, AUTH_WAIT).await) }
            .or(closed(&ctx.closing))
            .await?
        {
            Ok(s) => Conn::tls(tcp, s, peer),
            Err(Failed::NotTls) => {
                let log = format!("pktgen: Lua shell: refused {peer}: it does not speak TLS");
                return Err(Refusal::Say(
                    Some(Box::new(Conn::plain(tcp, peer))),
                    NOT_TLS.into(),
                    log,
                ));
            }
            Err(Failed::ClientCert(why)) => {
                // rustls has sent its alert; the close waits like a wrong token's answer.
                failure(gate, src, peer, &why, &ctx.closing).await;
                let _ = tcp.shutdown(std::net::Shutdown::Both);
                return Err(Refusal::Done);
            }
            Err(Failed::Other(why)) => {
                let _ = tcp.shutdown(std::net::Shutdown::Both);
                let log = format!("pktgen: Lua shell: TLS handshake with {peer} failed: {why}");
                return Err(Refusal::Say(None, String::new(), log));
            }
        },
    };
    if let Some(left) = gate.book.locked(src) {
        let secs = left.as_secs() + 1;
        let log = format!(
            "pktgen: Lua shell: refused {peer} unchecked: {src} failed to authenticate and waits {secs} s more"
        );
        let reply = format!("{LOCKED} {src}; try again in {secs} s; closing");
        return Err(Refusal::Say(Some(Box::new(conn)), reply, log));
    }
    let Some(token) = &gate.token else {
        return Ok(conn);
    };
    let deadline = Instant::now() + AUTH_WAIT;
    // Anything that cannot become an auth line is refused at once, not after the wait.
    let could_be = |b: &[u8]| AUTH.starts_with(b) || b.starts_with(AUTH);
    let ahead = async {
        Ok(conn
            .first_line(AUTH.len() + TOKEN_MAX + 2, deadline, could_be)
            .await)
    }
    .or(closed(&ctx.closing))
    .await?;
    match ahead.line().and_then(|l| l.strip_prefix(AUTH)) {
        Some(given) if token.check(given) => {
            ahead.consume(&mut conn);
            Ok(conn)
        }
        Some(_) => {
            failure(gate, src, peer, "wrong token", &ctx.closing).await;
            conn.refuse(WRONG).await;
            Err(Refusal::Done)
        }
        None => {
            let log = format!("pktgen: Lua shell: refused {peer}: its first line is not `auth <token>`");
            Err(Refusal::Say(Some(Box::new(conn)), REQUIRED.into(), log))
        }
    }
}

/// Resolves once pktgen closes, as a refusal that needs no more words.
async fn closed<T>(closing: &Latch) -> Result<T, Refusal> {
    closing.wait().await;
    Err(Refusal::Done)
}

/// Counts and logs a failed attempt, then waits its delay.
async fn failure(gate: &Gate, src: IpAddr, peer: SocketAddr, why: &str, closing: &Latch) {
    let (n, d, unlogged) = gate.book.failed(src);
    let since = if unlogged > 0 {
        format!("; {unlogged} more connections from there refused since the last line")
    } else {
        String::new()
    };
    eprintln!(
        "pktgen: Lua shell: authentication failed from {peer}: {why} (failure {n} from {src}; answered after {d:?}, and {src} is refused unchecked for as long again{since})"
    );
    hold(d, closing).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_check_and_bad_ones_are_named() {
        let t = Token::new(b"0123456789abcdef").unwrap_or_else(|e| panic!("{e}"));
        assert!(t.check(b"0123456789abcdef"));
        assert!(!t.check(b"0123456789abcdeF"));
        assert!(!t.check(b"0123456789abcde"));
        assert!(!t.check(b""));
        assert!(token_problem(b"short").is_some_and(|p| p.contains("at least 16")));
        assert!(token_problem(b"0123456789 abcdef").is_some_and(|p| p.contains("offset 10")));
        assert!(token_problem(&[b'a'; 600]).is_some());
        assert!(token_problem(random_token().unwrap_or_default().as_bytes()).is_none());
        assert!(is_auth_line(b"auth abc") && !is_auth_line(b"auth ") && !is_auth_line(b"author x"));
    }

    #[test]
    fn failures_double_the_delay_and_lock_the_source() {
        assert_eq!(delay(1), Duration::from_millis(250));
        assert_eq!(delay(3), Duration::from_secs(1));
        assert_eq!(delay(40), DELAY_MAX);
        let b = Rc::new(Book::default());
        let a: IpAddr = "10.0.0.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(b.locked(a).is_none());
        assert_eq!(b.failed(a).0, 1);
        let (n, d, _) = b.failed(a);
        assert_eq!((n, d), (2, Duration::from_millis(500)));
        assert!(b.locked(a).is_some_and(|l| l > d && l <= 2 * d));
        let other: IpAddr = "10.0.0.3".parse().unwrap_or(a);
        assert!(b.locked(other).is_none());
        let held: Vec<_> = (0..PENDING_PER_ADDR).filter_map(|_| b.enter(a)).collect();
        assert_eq!(held.len(), PENDING_PER_ADDR);
        assert!(b.enter(a).is_none(), "a source's pending connections are bounded");
        assert!(b.enter(other).is_some());
        drop(held);
        assert!(b.enter(a).is_some());
    }

    #[test]
    fn ipv6_sources_count_by_slash_64() {
        let p = |s: &str| source(s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])));
        assert_eq!(p("2001:db8:1:2::5"), p("2001:db8:1:2:ffff::1"));
        assert_ne!(p("2001:db8:1:2::5"), p("2001:db8:1:3::5"));
        assert_eq!(p("::ffff:10.0.0.2"), p("10.0.0.2"));
    }
}
