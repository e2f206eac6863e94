//! Who gets in (docs/SHELL.md "Remote shell", "Letting in only who belongs"): the TLS handshake (with client
//! certificates when asked for), then the token line `auth <token>`, before any byte reaches Lua.
//!
//! Every token line is checked when it arrives, so the right token always gets in, whoever else
//! is guessing from the same address. What is slowed is the answer to a wrong one: failures are
//! counted per source (an IPv4 address; IPv6 per /64 and per /48; every loopback address as one),
//! the answer to the n-th comes after a delay that doubles with n, and a source's wrong answers
//! go out one at a time, each a delay after the one before, and at most [`GLOBAL_RATE`] a second
//! across all sources. Each waiting answer holds its connection as pending, and pending
//! connections are capped per source and in all, so a source cannot have more guesses checked
//! than its pending cap plus one per delay. Refusals are logged on stderr, those that are not
//! failures at most once a second per source.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ring::hmac;
use ring::rand::{SecureRandom as _, SystemRandom};
use smol::future::FutureExt as _;
use smol::net::TcpStream;

use super::conn::Conn;
use super::secret;
use super::tls::{Failed, Tls};
use super::{Ctx, Latch};

/// The environment variable that can hold the token.
pub const TOKEN_ENV: &str = "PKTGEN_SHELL_TOKEN";

/// What the token line starts with.
const AUTH: &[u8] = b"auth ";

/// The longest token accepted from a file or the environment.
const TOKEN_MAX: usize = 512;

/// The least a chosen token must carry (see [`token_bits`]).
const TOKEN_BITS: f64 = 128.0;

/// How a good token is made, for the messages that refuse a weak one.
const MAKE_ONE: &str = "openssl rand -hex 32";

/// How long a client has for the TLS handshake, and then for its auth line.
const AUTH_WAIT: Duration = Duration::from_secs(10);

/// The first failure's delay; each further one doubles it, up to `DELAY_MAX`.
const DELAY_FIRST: Duration = Duration::from_millis(250);
const DELAY_MAX: Duration = Duration::from_secs(4);

/// Wrong answers sent per second at most, all sources together.
pub const GLOBAL_RATE: u32 = 20;

/// A source's failures are forgotten after this long without one.
const FORGET: Duration = Duration::from_secs(600);

/// Connections that have not authenticated yet (or wait for the answer to a wrong token), per
/// source, per IPv6 /48, and in all.
const PENDING_PER_SOURCE: usize = 32;
const PENDING_PER_NET: usize = 64;
const PENDING_MAX: usize = 256;

/// Sources remembered; past it, those with few failures and nothing pending are forgotten.
const BOOK_MAX: usize = 4096;

/// A source with this many failures is not forgotten to make room (only after [`FORGET`]).
const MANY: u32 = 3;

/// Refusals that are not failures are logged at most this often per source (the rest counted).
const LOG_EVERY: Duration = Duration::from_secs(1);

/// Where the token comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `--shell-token-file`: read, or created with a random token when missing.
    File(PathBuf),
    /// The value of [`TOKEN_ENV`] (removed from the environment at start-up).
    Env(String),
}

/// Set by pktgen for its own restart (see [`take_env_token`]): `PID:FD`, the pipe the token
/// waits in. Another process (a child that inherited it) has another pid and ignores it.
const TOKEN_FD_ENV: &str = "PKTGEN_SHELL_TOKEN_FD";

/// The token from the environment, taken once at start-up (see [`take_env_token`]).
static ENV_TOKEN: Mutex<Option<String>> = Mutex::new(None);

/// Takes [`TOKEN_ENV`] out of pktgen's environment, so that no child process (`os.execute`,
/// `io.popen`) inherits it and `/proc/PID/environ` does not show it. Safe Rust cannot edit the
/// environment of a running process, so when the variable is set pktgen writes the token into a
/// pipe and executes itself again (same pid, same arguments) without it; the new image reads
/// the pipe here. Call it first thing in `main`; [`env_token`] hands the value over later.
///
/// # Errors
/// The variable is not UTF-8 or longer than 4 KiB, or the restart or the pipe failed.
pub fn take_env_token() -> Result<(), String> {
    use std::io::{Read as _, Write as _};
    use std::os::fd::AsRawFd as _;
    use std::os::unix::process::CommandExt as _;

    let me = std::process::id();
    if let Some(v) = std::env::var_os(TOKEN_FD_ENV)
        && let Some((pid, fd)) = v.to_string_lossy().split_once(':')
        && pid == me.to_string()
    {
        let mut t = String::new();
        std::fs::File::open(format!("/proc/self/fd/{fd}"))
            .and_then(|mut f| f.read_to_string(&mut t))
            .map_err(|e| format!("reading ${TOKEN_ENV} back after the restart: {e}"))?;
        *ENV_TOKEN.lock().unwrap_or_else(|p| p.into_inner()) = Some(t);
        return Ok(());
    }
    let Some(v) = std::env::var_os(TOKEN_ENV) else {
        return Ok(());
    };
    let v = v
        .into_string()
        .map_err(|_| format!("${TOKEN_ENV} is not UTF-8; a token is printable ASCII"))?;
    if v.len() > 4096 {
        return Err(format!(
            "${TOKEN_ENV} is longer than 4 KiB; a token is at most {TOKEN_MAX} characters"
        ));
    }
    let (r, w) = rustix::pipe::pipe().map_err(|e| format!("a pipe for ${TOKEN_ENV}: {e}"))?;
    std::fs::File::from(w)
        .write_all(v.as_bytes())
        .map_err(|e| format!("a pipe for ${TOKEN_ENV}: {e}"))?;
    let exe = std::env::current_exe().map_err(|e| format!("restarting without ${TOKEN_ENV}: {e}"))?;
    let mut args = std::env::args_os();
    let mut c = std::process::Command::new(exe);
    if let Some(a0) = args.next() {
        c.arg0(a0);
    }
    let e = c
        .args(args)
        .env_remove(TOKEN_ENV)
        .env(TOKEN_FD_ENV, format!("{me}:{}", r.as_raw_fd()))
        .exec();
    Err(format!("restarting without ${TOKEN_ENV} in the environment: {e}"))
}

/// The token [`take_env_token`] took from the environment, once.
///
/// # Errors
/// None today; kept for a source that can fail.
pub fn env_token() -> Result<Option<String>, String> {
    Ok(ENV_TOKEN.lock().unwrap_or_else(|p| p.into_inner()).take())
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

/// An alphabet a token is judged against: its name, its size, and which bytes are in it.
type Alphabet = (&'static str, f64, fn(u8) -> bool);

/// The alphabets a token is judged against, smallest first.
const ALPHABETS: [Alphabet; 6] = [
    ("decimal digits", 10.0, |b| b.is_ascii_digit()),
    ("hex digits", 16.0, |b| {
        b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
    }),
    ("upper-case hex digits", 16.0, |b| {
        b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
    }),
    ("lower-case letters and digits", 36.0, |b| {
        b.is_ascii_lowercase() || b.is_ascii_digit()
    }),
    ("base64 characters", 64.0, |b| {
        b.is_ascii_alphanumeric() || b"+/=-_".contains(&b)
    }),
    ("printable ASCII", 94.0, |b| b.is_ascii_graphic()),
];

/// The bits a token can carry at most, judged as if each character were drawn at random from
/// the smallest usual alphabet holding all of them (decimal, hex, lower-case alphanumerics,
/// base64, printable ASCII): length × log2(alphabet). A token that repeats itself counts as its
/// repeating part only, and one with fewer than 8 different characters as log2(different) bits
/// a character. An upper bound: it refuses short and patterned tokens, it cannot tell a random string from a phrase.
/// Returns the bits and the alphabet's name.
pub fn token_bits(t: &[u8]) -> (f64, &'static str) {
    let (name, size) = ALPHABETS
        .iter()
        .find(|(_, _, ok)| t.iter().all(|&b| ok(b)))
        .map_or(("printable ASCII", 94.0), |(n, s, _)| (*n, *s));
    let mut seen = [false; 256];
    t.iter().for_each(|&b| seen[usize::from(b)] = true);
    let distinct = seen.iter().filter(|&&s| s).count();
    let per_char = if distinct < 8 {
        (distinct.max(1) as f64).log2()
    } else {
        f64::log2(size)
    };
    // The shortest prefix the token repeats (itself, when it does not).
    let period = (1..=t.len())
        .find(|&p| t.iter().enumerate().all(|(i, &b)| b == t[i % p]))
        .unwrap_or(0);
    (period as f64 * per_char, name)
}

/// Why a token text is unusable, if it is.
fn token_problem(t: &[u8]) -> Option<String> {
    if t.len() > TOKEN_MAX {
        return Some(format!("is longer than {TOKEN_MAX} characters"));
    }
    if let Some(i) = t.iter().position(|b| !b.is_ascii_graphic()) {
        return Some(format!(
            "has a space, a control character or a non-ASCII byte at offset {i}; a token is printable ASCII without spaces"
        ));
    }
    let (bits, alphabet) = token_bits(t);
    (bits < TOKEN_BITS).then(|| {
        format!(
            "carries at most {bits:.0} bits ({} characters of {alphabet}); a token needs {TOKEN_BITS:.0} \
             bits or more, e.g. 32 random hex digits. Make one with `{MAKE_ONE}`",
            t.len()
        )
    })
}

/// A fresh random token: 32 bytes (256 bits) in hex.
fn random_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| "the system's random generator failed".to_string())?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Reads the token file, or creates it (mode 0600, a random token) when it does not exist.
/// Returns the token and the start-up line that says where it is.
fn token_file(path: &std::path::Path) -> Result<(Vec<u8>, String), String> {
    const FLAG: &str = "--shell-token-file";
    let name = path.display();
    match secret::read(FLAG, path) {
        Ok(text) => {
            let t = text.trim_ascii().to_vec();
            if let Some(p) = token_problem(&t) {
                let fix = if p.contains(MAKE_ONE) {
                    format!(" > {name}, or remove {name} and pktgen writes a random one")
                } else {
                    String::new()
                };
                return Err(format!("{FLAG} {name}: the token {p}{fix}"));
            }
            Ok((t, format!("pktgen: Lua shell token file: {name}")))
        }
        Err((std::io::ErrorKind::NotFound, _)) => {
            let t = random_token()?;
            secret::create(FLAG, path, format!("{t}\n").as_bytes())?;
            Ok((
                t.into_bytes(),
                format!("pktgen: Lua shell token file: {name} (created with a random token, mode 0600)"),
            ))
        }
        Err((_, msg)) => Err(msg),
    }
}

/// Loads the token. Returns it and the start-up line that says where it comes from.
///
/// # Errors
/// The file cannot be read or created or is refused (see [`secret::open`]), or the token is
/// too long, has spaces or control characters, or carries fewer than 128 bits.
pub fn load_token(src: &TokenSource) -> Result<(Token, String), String> {
    let (secret, note) = match src {
        TokenSource::File(p) => token_file(p)?,
        TokenSource::Env(v) => {
            if let Some(p) = token_problem(v.as_bytes()) {
                let fix = if p.contains(MAKE_ONE) {
                    format!(": export {TOKEN_ENV}=$({MAKE_ONE})")
                } else {
                    String::new()
                };
                return Err(format!("${TOKEN_ENV}: the token {p}{fix}"));
            }
            (
                v.as_bytes().to_vec(),
                format!("pktgen: Lua shell token from ${TOKEN_ENV} (now removed from pktgen's environment)"),
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

/// What failures are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// One source: an IPv4 address, an IPv6 /64 (the block one host is usually given), or
    /// loopback (every address of 127/8 and ::1: a local user can use any of them).
    Source(IpAddr),
    /// An IPv6 /48, the block one site is usually given.
    Net(Ipv6Addr),
    /// Every source the book had no room for, together.
    Overflow,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Source(ip) if ip.is_loopback() => f.write_str("loopback"),
            Key::Source(IpAddr::V6(v6)) => write!(f, "{v6}/64"),
            Key::Source(ip) => write!(f, "{ip}"),
            Key::Net(v6) => write!(f, "{v6}/48"),
            Key::Overflow => f.write_str("the sources pktgen has no room to count apart"),
        }
    }
}

/// The source an address counts as (see [`Key::Source`]).
fn source(ip: IpAddr) -> IpAddr {
    let v4_or_v6 = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match v4_or_v6 {
        a if a.is_loopback() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

/// The keys an address's failures count under: its source, and its /48 for IPv6.
fn keys(ip: IpAddr) -> Vec<Key> {
    match source(ip) {
        IpAddr::V6(v6) => vec![
            Key::Source(IpAddr::V6(v6)),
            Key::Net(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 80) - 1))),
        ],
        v4 => vec![Key::Source(v4)],
    }
}

#[derive(Debug, Default)]
struct Entry {
    /// Failed attempts (wrong token, refused client certificate) since the last quiet period.
    failures: u32,
    last_failure: Option<Instant>,
    /// When the last wrong answer to here goes (or went) out; the next one waits its delay
    /// after it.
    answered_at: Option<Instant>,
    /// Connections from here not authenticated yet.
    pending: usize,
    /// Refusals not logged yet (rate limit), and when one was last logged.
    unlogged: u64,
    last_log: Option<Instant>,
}

impl Entry {
    fn stale(&self, now: Instant) -> bool {
        self.last_failure.is_none_or(|t| now - t > FORGET)
    }

    /// Whether it may be forgotten to make room: nothing pending, and few failures or none
    /// lately.
    fn evictable(&self, now: Instant) -> bool {
        self.pending == 0 && (self.stale(now) || self.failures < MANY)
    }
}

/// The failures and pending connections of every source.
#[derive(Debug, Default)]
pub struct Book {
    by_key: RefCell<HashMap<Key, Entry>>,
    pending: Cell<usize>,
    /// The earliest the next wrong answer may go out, all sources together.
    next_global: Cell<Option<Instant>>,
}

/// A connection counted as pending until it authenticated or was refused.
pub struct Pending {
    book: Rc<Book>,
    keys: Vec<Key>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.book.pending.set(self.book.pending.get().saturating_sub(1));
        let mut map = self.book.by_key.borrow_mut();
        for k in &self.keys {
            if let Some(e) = map.get_mut(k) {
                e.pending = e.pending.saturating_sub(1);
            }
        }
    }
}

/// The delay before the answer to the `n`th failure.
fn delay(n: u32) -> Duration {
    DELAY_FIRST
        .saturating_mul(1 << n.saturating_sub(1).min(16))
        .min(DELAY_MAX)
}

/// How pending connections are capped under `k`.
fn cap(k: Key) -> usize {
    match k {
        Key::Source(_) => PENDING_PER_SOURCE,
        Key::Net(_) => PENDING_PER_NET,
        Key::Overflow => PENDING_MAX,
    }
}

impl Book {
    /// The keys `ip` counts under, with room made in the book; a source it has no room for
    /// (more than [`BOOK_MAX`] sources that failed often, lately) counts as [`Key::Overflow`].
    fn room_for(&self, ip: IpAddr) -> Vec<Key> {
        let mut map = self.by_key.borrow_mut();
        let wanted = keys(ip);
        let missing = wanted.iter().filter(|k| !map.contains_key(k)).count();
        if map.len() + missing > BOOK_MAX {
            let now = Instant::now();
            map.retain(|_, e| !e.evictable(now));
        }
        wanted
            .into_iter()
            .map(|k| {
                if map.contains_key(&k) || map.len() < BOOK_MAX {
                    k
                } else {
                    Key::Overflow
                }
            })
            .fold(Vec::new(), |mut v, k| {
                if !v.contains(&k) {
                    v.push(k);
                }
                v
            })
    }

    /// Counts a new connection from `ip` as pending; `None` when too many are.
    fn enter(self: &Rc<Self>, ip: IpAddr) -> Option<Pending> {
        let keys = self.room_for(ip);
        let mut map = self.by_key.borrow_mut();
        if self.pending.get() >= PENDING_MAX
            || keys
                .iter()
                .any(|k| map.get(k).is_some_and(|e| e.pending >= cap(*k)))
        {
            return None;
        }
        for k in &keys {
            map.entry(*k).or_default().pending += 1;
        }
        self.pending.set(self.pending.get() + 1);
        Some(Pending {
            book: Rc::clone(self),
            keys,
        })
    }

    /// Counts a failure under `keys`; returns the failures counted under the first and when the
    /// answer goes out: each key's own delay after its previous wrong answer, and a global slot.
    fn failed(&self, keys: &[Key]) -> (u32, Instant, u64) {
        let now = Instant::now();
        let mut map = self.by_key.borrow_mut();
        let mut at = now;
        let mut first = None;
        for k in keys {
            let e = map.entry(*k).or_default();
            if e.stale(now) {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last_failure = Some(now);
            let after = e.answered_at.map_or(now, |t| t.max(now));
            at = at.max(after + delay(e.failures));
            if first.is_none() {
                first = Some((e.failures, std::mem::take(&mut e.unlogged)));
            }
        }
        let slot = self.next_global.get().map_or(now, |t| t.max(now));
        self.next_global
            .set(Some(slot + Duration::from_secs(1) / GLOBAL_RATE));
        at = at.max(slot);
        for k in keys {
            if let Some(e) = map.get_mut(k) {
                e.answered_at = Some(at);
                e.last_log = Some(now);
            }
        }
        let (n, unlogged) = first.unwrap_or_default();
        (n, at, unlogged)
    }

    /// Logs `line` unless `key` had a line logged within [`LOG_EVERY`]; then it is only
    /// counted. Returns whether it was the first counted since: the caller then calls
    /// [`Book::summary`] once that spell is over (see [`quiet_spell`]).
    fn log(&self, key: Key, line: impl FnOnce() -> String) -> bool {
        let now = Instant::now();
        let mut map = self.by_key.borrow_mut();
        let e = map.entry(key).or_default();
        if e.last_log.is_some_and(|t| now - t < LOG_EVERY) {
            e.unlogged += 1;
            return e.unlogged == 1;
        }
        e.last_log = Some(now);
        eprintln!("{}", line());
        false
    }

    /// Logs how many refusals from `key` went unlogged, if any.
    fn summary(&self, key: Key) {
        let mut map = self.by_key.borrow_mut();
        let Some(e) = map.get_mut(&key) else {
            return;
        };
        let n = std::mem::take(&mut e.unlogged);
        if n > 0 {
            e.last_log = Some(Instant::now());
            eprintln!("pktgen: Lua shell: {n} more connections from {key} refused (not logged one by one)");
        }
    }
}

/// After a refusal that started a spell of unlogged ones: waits the spell out (no longer counted
/// as pending) and logs their number.
async fn quiet_spell(book: &Book, key: Key, pending: Option<Pending>, closing: &Latch) {
    drop(pending);
    hold(LOG_EVERY, closing).await;
    book.summary(key);
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

/// The line to a client over the limit of pending connections.
const PENDING: &str =
    "pktgen shell: too many connections from your address are waiting to authenticate; try again later";

/// What a plain-text client of a TLS shell is told (in plain text).
const NOT_TLS: &str = "pktgen shell: this shell speaks TLS (pktgen runs with --shell-tls-cert); connect \
     with TLS, e.g. socat - OPENSSL:host:port,cafile=ca.pem";

/// What a client whose first line looks like HTTP is told (the unauthenticated shell).
pub const HTTP: &str = "pktgen shell: this is pktgen's Lua shell, not an HTTP server: a request that looks \
     like HTTP (a request line, Host: or Origin:) is refused, nothing ran; closing";

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

/// Whether the bytes so far may still become a first line that looks like HTTP.
fn could_be_http(b: &[u8]) -> bool {
    let word = b.iter().position(|&c| c == b' ').unwrap_or(b.len());
    let method = &b[..word];
    let header = |h: &[u8]| {
        let n = b.len().min(h.len());
        b[..n].eq_ignore_ascii_case(&h[..n])
    };
    header(b"host:")
        || header(b"origin:")
        || (!method.is_empty() && method.len() <= 16 && method.iter().all(u8::is_ascii_uppercase))
}

/// Whether a whole first line looks like HTTP: `METHOD target HTTP/x`, or a `Host:` or `Origin:`
/// header line.
pub fn looks_like_http(line: &[u8]) -> bool {
    let lower = line.to_ascii_lowercase();
    if lower.starts_with(b"host:") || lower.starts_with(b"origin:") {
        return true;
    }
    let mut parts = line.split(|&c| c == b' ').filter(|p| !p.is_empty());
    let (Some(m), Some(_), Some(v), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    m.iter().all(u8::is_ascii_uppercase) && v.starts_with(b"HTTP/")
}

/// The unauthenticated shell's one check: a first line that looks like HTTP (a web page on this
/// host reaching the shell through the browser) closes the connection with one line.
async fn not_http(ctx: &Ctx, tcp: TcpStream, peer: SocketAddr) -> Option<Conn> {
    let mut conn = Conn::plain(tcp, peer);
    let deadline = Instant::now() + AUTH_WAIT;
    let ahead = async { Some(conn.first_line(8192, deadline, could_be_http).await) }
        .or(async {
            ctx.closing.wait().await;
            None
        })
        .await?;
    if ahead.line().is_some_and(looks_like_http) {
        eprintln!("pktgen: Lua shell: refused {peer}: its first line looks like HTTP");
        conn.refuse(HTTP).await;
        return None;
    }
    ahead.put_back(&mut conn);
    Some(conn)
}

/// Takes a new connection through the gate: returns it ready for the session (the auth line
/// consumed), or `None` once it was refused. Without a gate only HTTP is refused.
pub async fn admit(ctx: &Ctx, tcp: TcpStream, peer: SocketAddr) -> Option<Conn> {
    let Some(gate) = &ctx.gate else {
        return not_http(ctx, tcp, peer).await;
    };
    let Some(pending) = gate.book.enter(peer.ip()) else {
        let key = Key::Source(source(peer.ip()));
        let quiet = gate.book.log(key, || {
            format!(
                "pktgen: Lua shell: refused {peer}: {PENDING_PER_SOURCE} connections from {key} (or \
                 {PENDING_PER_NET} from its /48, or {PENDING_MAX} in all) are waiting to authenticate"
            )
        });
        if gate.tls.is_some() {
            // Nothing it could read can be said before the handshake.
            let _ = tcp.shutdown(std::net::Shutdown::Both);
        } else {
            Conn::plain(tcp, peer).refuse(PENDING).await;
        }
        if quiet {
            quiet_spell(&gate.book, key, None, &ctx.closing).await;
        }
        return None;
    };
    match check(ctx, gate, tcp, peer, &pending).await {
        Ok(conn) => Some(conn),
        Err(Refusal::Done) => None,
        Err(Refusal::Say(conn, reply, log)) => {
            let key = pending.keys[0];
            let quiet = gate.book.log(key, || log);
            if let Some(conn) = conn {
                conn.refuse(&reply).await;
            }
            if quiet {
                quiet_spell(&gate.book, key, Some(pending), &ctx.closing).await;
            }
            None
        }
    }
}

/// The gate's checks in order: the TLS handshake (and the client certificate), the token line.
async fn check(
    ctx: &Ctx,
    gate: &Gate,
    tcp: TcpStream,
    peer: SocketAddr,
    pending: &Pending,
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
                // rustls has sent its alert (or the pins refused it); the close waits like a
                // wrong token's answer.
                failure(gate, pending, peer, &why, &ctx.closing).await;
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
            failure(gate, pending, peer, "wrong token", &ctx.closing).await;
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

/// Counts and logs a failed attempt, then waits until its answer may go out.
async fn failure(gate: &Gate, pending: &Pending, peer: SocketAddr, why: &str, closing: &Latch) {
    let (n, at, unlogged) = gate.book.failed(&pending.keys);
    let src = pending.keys[0];
    let since = if unlogged > 0 {
        format!("; {unlogged} more connections from there refused since the last line")
    } else {
        String::new()
    };
    let wait = at.saturating_duration_since(Instant::now());
    eprintln!(
        "pktgen: Lua shell: authentication failed from {peer}: {why} (failure {n} from {src}; answered after {:.2} s{since})",
        wait.as_secs_f64()
    );
    hold(wait, closing).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_check_and_weak_ones_are_named() {
        let t = Token::new(b"0123456789abcdef").unwrap_or_else(|e| panic!("{e}"));
        assert!(t.check(b"0123456789abcdef"));
        assert!(!t.check(b"0123456789abcdeF"));
        assert!(!t.check(b"0123456789abcde"));
        assert!(!t.check(b""));
        // 16 hex digits: 64 bits; 32: 128; 22 base64 characters: 132.
        assert!(token_problem(b"0123456789abcdef").is_some_and(|p| p.contains("at most 64 bits")));
        assert!(token_problem(b"9f2c0a7e4b1d8c3f6a5e0b9d2c7f4a1e").is_none());
        assert!(token_problem(b"Zm9vYmFyYmF6cXV4cXV1eA").is_none());
        assert!(token_problem(b"short").is_some_and(|p| p.contains(MAKE_ONE)));
        // Repeats and short patterns carry little whatever their length.
        assert!(token_problem(&[b'a'; 500]).is_some_and(|p| p.contains("at most 0 bits")));
        assert!(token_problem(&b"abab".repeat(40)).is_some_and(|p| p.contains("at most 2 bits")));
        assert!(token_problem(&b"0123456789abcdef".repeat(8)).is_some_and(|p| p.contains("at most 64 bits")));
        assert!(token_problem(b"0123456789 abcdef0123456789abcdef").is_some_and(|p| p.contains("offset 10")));
        assert!(token_problem(&[b'a'; 600]).is_some());
        assert!(token_problem(random_token().unwrap_or_default().as_bytes()).is_none());
        assert!(is_auth_line(b"auth abc") && !is_auth_line(b"auth ") && !is_auth_line(b"author x"));
    }

    #[test]
    fn wrong_answers_from_a_source_go_one_per_delay() {
        assert_eq!(delay(1), Duration::from_millis(250));
        assert_eq!(delay(3), Duration::from_secs(1));
        assert_eq!(delay(40), DELAY_MAX);
        let b = Rc::new(Book::default());
        let a: IpAddr = "10.0.0.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let t0 = Instant::now();
        let (n1, at1, _) = b.failed(&keys(a));
        let (n2, at2, _) = b.failed(&keys(a));
        let (n3, at3, _) = b.failed(&keys(a));
        assert_eq!((n1, n2, n3), (1, 2, 3));
        assert!(at1 >= t0 + delay(1) && at2 >= at1 + delay(2) && at3 >= at2 + delay(3));
        // Another source waits only for the global slot.
        let other: IpAddr = "10.0.0.3".parse().unwrap_or(a);
        let (n, at, _) = b.failed(&keys(other));
        assert_eq!(n, 1);
        assert!(
            at < at2,
            "another source's answer waits for its own failures only"
        );
        let held: Vec<_> = (0..PENDING_PER_SOURCE).filter_map(|_| b.enter(a)).collect();
        assert_eq!(held.len(), PENDING_PER_SOURCE);
        assert!(b.enter(a).is_none(), "a source's pending connections are bounded");
        assert!(b.enter(other).is_some());
        drop(held);
        assert!(b.enter(a).is_some());
    }

    #[test]
    fn sources_that_failed_often_stay_in_the_book() {
        let b = Rc::new(Book::default());
        let ip = |i: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
        for _ in 0..MANY {
            b.failed(&b.room_for(ip(0)));
        }
        // A flood of sources with one failure each never pushes the one that failed often out.
        for i in 1..(2 * BOOK_MAX as u32) {
            b.failed(&b.room_for(ip(i)));
        }
        let map = b.by_key.borrow();
        assert!(map.len() <= BOOK_MAX);
        assert_eq!(map.get(&Key::Source(ip(0))).map(|e| e.failures), Some(MANY));
    }

    #[test]
    fn ipv6_sources_count_by_slash_64_and_48_and_loopback_as_one() {
        let p = |s: &str| keys(s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])));
        assert_eq!(p("2001:db8:1:2::5"), p("2001:db8:1:2:ffff::1"));
        assert_ne!(p("2001:db8:1:2::5")[0], p("2001:db8:1:3::5")[0]);
        assert_eq!(p("2001:db8:1:2::5")[1], p("2001:db8:1:3::5")[1]);
        assert_ne!(p("2001:db8:1:2::5")[1], p("2001:db8:2:2::5")[1]);
        assert_eq!(p("::ffff:10.0.0.2"), p("10.0.0.2"));
        assert_eq!(p("127.0.0.1"), p("127.3.2.1"));
        assert_eq!(p("::1"), p("127.0.0.1"));
    }

    #[test]
    fn http_first_lines_are_told_apart_from_lua() {
        for l in [
            "GET / HTTP/1.1",
            "POST /x HTTP/1.0",
            "Host: 127.0.0.1:22022",
            "origin: http://a",
        ] {
            assert!(looks_like_http(l.as_bytes()), "{l}");
        }
        for l in [
            "print('GET / HTTP/1.1')",
            "X = 1",
            "A B HTTP",
            "pktgen.start(0)",
            "auth x",
        ] {
            assert!(!looks_like_http(l.as_bytes()), "{l}");
        }
        assert!(could_be_http(b"POS") && could_be_http(b"POST /") && could_be_http(b"Ho"));
        assert!(!could_be_http(b"print(") && !could_be_http(b"x = 1") && !could_be_http(b"#pktgen"));
    }
}
