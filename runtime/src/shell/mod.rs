//! The Lua shell on TCP (docs/ARCHITECTURE.md "The shell"): every client on the one interpreter, with
//! the console and the scripts, and every chunk's output sent to the client that sent it.
//!
//! - `listener`: address checks, bind, accept loop, client limit.
//! - `auth`: who gets in: the token line, failed attempts per address; `tls`: the handshake
//!   and client certificate pins; `secret`: opening the token and key files safely.
//! - `conn`: a connection, plain or TLS, as the sessions read and write it.
//! - `session`: one client: reading, running chunks in order, writing, cancelling.
//! - `chunker`: when received bytes form a chunk; rejected input.
//! - `output`: the client's writer task.
//! - `program`: program mode (JSON lines, one reply per request) for connections that ask for it.
//!
//! Which client's code runs (and so where `print` goes, and its CPU budget) is
//! `crate::lua::output`'s business; the quit policy lives there too.

mod auth;
mod chunker;
mod conn;
mod listener;
mod output;
mod program;
mod secret;
mod session;
mod tls;

pub use auth::{TokenSource, env_token, take_env_token};
pub use tls::Files as TlsFiles;

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::Lua;
use smol::LocalExecutor;
use smol::channel::{Receiver, Sender};

use crate::lua::output::Router;

/// A one-shot broadcast: closing the channel wakes every waiter, now and later.
#[derive(Debug)]
pub struct Latch {
    tx: Sender<()>,
    rx: Receiver<()>,
}

impl Default for Latch {
    fn default() -> Self {
        let (tx, rx) = smol::channel::bounded(1);
        Latch { tx, rx }
    }
}

impl Latch {
    /// Fires (idempotent).
    pub fn fire(&self) {
        self.tx.close();
    }

    /// Whether it fired.
    pub fn is_fired(&self) -> bool {
        self.tx.is_closed()
    }

    /// Resolves once it fired.
    pub async fn wait(&self) {
        let _ = self.rx.recv().await;
    }
}

/// The shell's settings (from the command line).
#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port` to listen on.
    pub addr: String,
    /// `--shell-allow-remote`: a non-loopback address is allowed without a token or client
    /// certificates.
    pub allow_remote: bool,
    /// Where the token clients must send first comes from, if one is required.
    pub token: Option<TokenSource>,
    /// TLS, if asked for.
    pub tls: Option<TlsFiles>,
    /// `--shell-max-clients`.
    pub max_clients: usize,
    /// `--shell-max-input`: bytes pending per client before it is closed.
    pub max_input: usize,
    /// Unread output per client before it is dropped.
    pub max_output: usize,
}

/// What every session shares.
#[derive(Debug)]
pub struct Ctx {
    lua: Lua,
    router: Rc<Router>,
    max_clients: usize,
    max_input: usize,
    max_output: usize,
    active: Cell<usize>,
    closing: Latch,
    /// TLS and the token, when either is configured.
    gate: Option<auth::Gate>,
}

/// A running shell.
#[derive(Debug)]
pub struct Shell {
    ctx: Rc<Ctx>,
    /// The address it listens on (with the real port when 0 was asked for).
    pub local: SocketAddr,
    /// Whether other hosts can reach it.
    pub remote: bool,
    /// Whether clients get in without a token or a client certificate.
    pub open: bool,
    /// Whether clients send a token without TLS (it crosses the network in clear when remote).
    pub token_in_clear: bool,
    /// Start-up lines saying how it is protected (the token file, TLS).
    pub notes: Vec<String>,
}

/// Binds the listener now (so clients can connect as soon as this returns, before any script
/// runs, as in Pktgen) and spawns the accept loop on `ex`.
///
/// # Errors
/// See [`listener::bind`]; the token or the TLS files unusable; the router missing from `lua`.
pub fn start(lua: &Lua, cfg: &Config, ex: &Rc<LocalExecutor<'static>>) -> Result<Shell, String> {
    let router = crate::lua::output::router(lua).ok_or("the Lua state has no output router")?;
    let mut notes = Vec::new();
    let tls = match &cfg.tls {
        None => None,
        Some(f) => {
            let t = tls::load(f)?;
            notes.push(format!(
                "pktgen: Lua shell speaks TLS only (certificate {}){}",
                f.cert.display(),
                match &f.client_ca {
                    Some(ca) => format!(
                        "; clients need a certificate signed by {}{}",
                        ca.display(),
                        if f.client_names.is_empty() && f.client_fingerprints.is_empty() {
                            " (any such certificate, whoever it names)".to_string()
                        } else {
                            format!(
                                " and named {:?} or with SHA-256 fingerprint {:?}",
                                f.client_names, f.client_fingerprints
                            )
                        }
                    ),
                    None => String::new(),
                }
            ));
            Some(t)
        }
    };
    let token = match &cfg.token {
        None => None,
        Some(src) => {
            let (t, note) = auth::load_token(src)?;
            notes.push(note);
            Some(t)
        }
    };
    let open = token.is_none() && !tls.as_ref().is_some_and(|t| t.client_certs);
    let token_in_clear = token.is_some() && tls.is_none();
    let (std_listener, remote) = listener::bind(&cfg.addr, cfg.allow_remote || !open)?;
    let local = std_listener
        .local_addr()
        .map_err(|e| format!("Lua shell on {}: {e}", cfg.addr))?;
    let l = smol::net::TcpListener::try_from(std_listener)
        .map_err(|e| format!("Lua shell on {}: {e}", cfg.addr))?;
    let ctx = Rc::new(Ctx {
        lua: lua.clone(),
        router,
        max_clients: cfg.max_clients.max(1),
        max_input: cfg.max_input.max(1),
        max_output: cfg.max_output,
        active: Cell::new(0),
        closing: Latch::default(),
        gate: (token.is_some() || tls.is_some()).then(|| auth::Gate::new(token, tls)),
    });
    ex.spawn(listener::accept_loop(Rc::clone(&ctx), l, Rc::clone(ex)))
        .detach();
    Ok(Shell {
        ctx,
        local,
        remote,
        open,
        token_in_clear,
        notes,
    })
}

impl Shell {
    /// Stops accepting, cancels the clients' chunks, and waits (at most `grace`) for their
    /// output to be sent and their sockets closed. Run it on the executor that runs the sessions.
    pub async fn close(&self, grace: Duration) {
        self.ctx.closing.fire();
        let deadline = Instant::now() + grace;
        // Sessions end on their own once `closing` fired; this only waits for them.
        while self.ctx.active.get() > 0 && Instant::now() < deadline {
            smol::Timer::after(Duration::from_millis(5)).await;
        }
    }
}
