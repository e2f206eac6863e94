//! The life cycle (docs/ARCHITECTURE.md, "Runtime"): script files in order, then the console (stdin a
//! terminal) or stdin as one chunk, then keep serving until SIGINT/SIGTERM, `quit` or
//! `pktgen.quit()` (with `--exit`, quit right away). Everything runs as tasks on one smol
//! `LocalExecutor` on the main thread, because the Lua state is not `Send`; the 22022 shell adds
//! its listener (and one task per client) on the same executor.

use std::io::{IsTerminal as _, Read as _};
use std::rc::Rc;
use std::time::Duration;

use async_signal::{Signal, Signals};
use engine::Engine;
use mlua::Lua;
use smol::LocalExecutor;
use smol::future::FutureExt as _;
use smol::stream::StreamExt as _;

use crate::args::Args;
use crate::console::{self, Prompt, Term, Ui};
use crate::lua;
use crate::shell::{self, Shell};
use crate::state::Shared;

/// How the run ended, for the exit status.
#[derive(Debug)]
enum End {
    /// Scripts and stdin done (with `--exit`), or a quit request.
    Done,
    /// SIGINT or SIGTERM.
    Signal(Signal),
}

/// Scripts, then console or stdin, then serving until asked to quit.
async fn session(lua: &Lua, args: &Args, shared: &Shared, ui: &Ui) {
    for path in &args.files {
        if shared.quit_status().is_some() {
            return;
        }
        if let Err(msg) = lua::run_file(lua, path).await {
            // Pktgen runs every -f file; so do we, and the failure shows in the exit status.
            eprintln!("pktgen: {path}: {msg}");
            shared.set_failed();
        }
    }
    if shared.quit_status().is_some() {
        return;
    }
    if shared.interactive() {
        console::run(lua, shared, ui).await;
    } else {
        // A pipe, a file, /dev/null or a service manager's stdin: read it all, run it as one chunk
        // (so its top-level locals work), reading on a blocking thread to keep the executor free.
        let input = smol::unblock(|| {
            let mut v = Vec::new();
            std::io::stdin().lock().read_to_end(&mut v).map(|_| v)
        })
        .await;
        match input {
            Ok(src) if src.iter().any(|b| !b.is_ascii_whitespace()) => {
                if let Err(e) = lua::run_chunk(lua, &src, "=stdin").await {
                    eprintln!("pktgen: stdin: {}", lua::report(&e));
                    shared.set_failed();
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("pktgen: reading stdin: {e}"),
        }
    }
    if args.opts.exit {
        return;
    }
    shared.quit_requested().await;
}

async fn signalled(signals: Option<Signals>) -> End {
    // Without signal handling Ctrl-C still ends the process, just without a clean shutdown.
    let Some(mut signals) = signals else {
        return std::future::pending().await;
    };
    match signals.next().await {
        Some(Ok(s)) => End::Signal(s),
        _ => std::future::pending().await,
    }
}

/// Runs everything on the executor and returns the exit status. On return the ports are stopped
/// and the Lua state is dropped; the caller shuts the engine down.
pub fn run(e: &'static Engine, args: &Args) -> i32 {
    // Handlers go in before any script runs, so a signal never finds the default action (death
    // without stopping the ports) once the first script may have started traffic.
    let signals = Signals::new([Signal::Int, Signal::Term]).ok();
    let shared = Shared::default();
    shared.set_interactive(std::io::stdin().is_terminal());
    let setup = lua::Setup {
        lua_path: args.opts.lua_path.clone().map(Into::into),
        pcap: args.pcap.clone(),
        jumbo: args.opts.jumbo,
    };
    let lua = match lua::new(&setup, e, shared.clone()) {
        Ok(l) => l,
        Err(msg) => {
            eprintln!("pktgen: {msg}");
            return 1;
        }
    };

    if let Err(msg) = crate::interrupt::install(&lua) {
        eprintln!("pktgen: Ctrl-C cannot interrupt busy Lua code: {msg}");
    }

    if let Some(r) = lua::output::router(&lua) {
        let ms = args.opts.shell_budget_ms;
        r.set_budget((ms > 0).then(|| Duration::from_millis(ms)));
        r.set_allow_quit(args.opts.shell_allow_quit);
    }

    if let Some(addr) = &args.metrics {
        match crate::metrics::start(e, addr) {
            Ok((local, remote)) => eprintln!(
                "pktgen: metrics on http://{local}/metrics{}",
                if remote {
                    " (reachable from other hosts; read-only)"
                } else {
                    ""
                }
            ),
            Err(msg) => {
                eprintln!("pktgen: {msg}");
                return 1;
            }
        }
    }

    let ex = Rc::new(LocalExecutor::new());
    let shell = match start_shell(&lua, args, &ex) {
        Ok(s) => s,
        Err(status) => return status,
    };
    if args.opts.theme {
        console::enable_theme(&lua);
    }
    let (term, ui) = start_ui(&lua, e, &shared, &ex);

    let main = async {
        let work = async {
            session(&lua, args, &shared, &ui).await;
            End::Done
        };
        // A quit request cancels whatever runs at its next yield (Pktgen's quit is immediate).
        let quit = async {
            shared.quit_requested().await;
            End::Done
        };
        work.or(quit).or(signalled(signals)).await
    };
    let end = smol::block_on(ex.run(main));
    // The terminal as it was before anything more is printed (the shutdown's messages, the
    // captures written).
    if let Some(t) = &term {
        t.leave();
    }

    let status = match end {
        End::Signal(s) => {
            if shared.interactive() && term.is_none() {
                println!();
            }
            eprintln!("pktgen: {s:?}, shutting down");
            i32::from(shared.failed())
        }
        End::Done => match shared.quit_status() {
            Some(s) if s != 0 => s,
            _ => i32::from(shared.failed()),
        },
    };
    if let Some(sh) = &shell {
        // Clients get what their chunks wrote before the ports stop and the process goes.
        smol::block_on(ex.run(sh.close(Duration::from_secs(2))));
    }
    lua::finish_captures(&lua);
    crate::results::record::finish();
    crate::metrics::finish();
    lua::flush_lua_stdout(&lua);
    for p in 0..e.port_count() {
        let _ = e.stop(p);
    }
    // Tasks hold Lua handles: drop them before the state, and the state before EAL goes.
    drop(shell);
    drop(ex);
    drop(lua);
    status
}

/// The console: a terminal on stdout gets the live pages, and the console's and scripts' output
/// goes through it so the page and the typed line stay whole; anything else gets plain lines.
fn start_ui(
    lua: &Lua,
    e: &'static Engine,
    shared: &Shared,
    ex: &LocalExecutor<'static>,
) -> (Option<Rc<Term>>, Ui) {
    let term = Term::new().map(Rc::new);
    let ui = match &term {
        Some(t) => {
            if let Some(r) = lua::output::router(lua) {
                lua::flush_lua_stdout(lua);
                let (w, l) = (Rc::clone(t), Rc::clone(t));
                r.set_console(Some(lua::output::ConsoleSink {
                    write: Rc::new(move |b| w.output(b)),
                    leave: Rc::new(move || l.leave()),
                    stderr: t.stderr_is_terminal(),
                }));
            }
            ex.spawn(console::screen(
                lua.clone(),
                shared.clone(),
                Rc::clone(t),
                shared.interactive(),
            ))
            .detach();
            Ui::Term(Rc::clone(t))
        }
        None => {
            let prompt = Prompt::default();
            if shared.interactive() {
                ex.spawn(console::rates(lua.clone(), e, shared.clone(), prompt.clone()))
                    .detach();
            }
            Ui::Plain(prompt)
        }
    };
    (term, ui)
}

/// Starts the Lua shell if asked for. A shell address given on the command line that cannot be
/// used is fatal (status 1); the default one (busy: another pktgen runs) only warns.
fn start_shell(lua: &mlua::Lua, args: &Args, ex: &Rc<LocalExecutor<'static>>) -> Result<Option<Shell>, i32> {
    let Some(addr) = &args.listen else {
        return Ok(None);
    };
    let o = &args.opts;
    let env = match shell::env_token() {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("pktgen: {msg}");
            return Err(1);
        }
    };
    let token = match (&o.shell_token_file, env) {
        (Some(f), _) => Some(shell::TokenSource::File(f.into())),
        (None, Some(v)) => Some(shell::TokenSource::Env(v)),
        (None, None) => None,
    };
    let tls = match (&o.shell_tls_cert, &o.shell_tls_key) {
        (Some(cert), Some(key)) => Some(shell::TlsFiles {
            cert: cert.into(),
            key: key.into(),
            client_ca: o.shell_tls_client_ca.as_ref().map(Into::into),
            client_names: o.shell_client_name.clone(),
            client_fingerprints: o.shell_client_fingerprint.clone(),
        }),
        _ => None,
    };
    let cfg = shell::Config {
        addr: addr.clone(),
        allow_remote: o.shell_allow_remote,
        token,
        tls,
        max_clients: o.shell_max_clients,
        max_input: o.shell_max_input,
        // Enough for a big prints() dump; a client that reads nothing is dropped past it.
        max_output: 16 << 20,
    };
    match shell::start(lua, &cfg, ex) {
        Ok(sh) => {
            eprintln!("pktgen: Lua shell listening on {}", sh.local);
            for n in &sh.notes {
                eprintln!("{n}");
            }
            if sh.remote && sh.open {
                eprintln!(
                    "pktgen: WARNING: the Lua shell on {} is reachable from other hosts. It has no \
                     authentication (no --shell-token-file, no --shell-tls-client-ca) and runs any \
                     Lua code it is sent (os.execute included) with this process's privileges. See \
                     docs/SHELL.md, \"Remote shell\".",
                    sh.local
                );
            }
            if sh.remote && sh.token_in_clear {
                eprintln!(
                    "pktgen: WARNING: the Lua shell on {} is reachable from other hosts without TLS: \
                     the token and every command cross the network in clear, where anyone on the \
                     path can read the token and take over a session. Add --shell-tls-cert and \
                     --shell-tls-key, or keep the shell on loopback and tunnel (ssh -L). See \
                     docs/SHELL.md, \"Remote shell\".",
                    sh.local
                );
            }
            Ok(Some(sh))
        }
        Err(msg)
            if o.listen.is_some()
                || o.shell_addr.is_some()
                || o.shell
                || o.shell_token_file.is_some()
                || o.shell_tls_cert.is_some() =>
        {
            eprintln!("pktgen: {msg}");
            Err(1)
        }
        Err(msg) => {
            eprintln!("pktgen: {msg}; continuing without the shell (--no-listen silences this)");
            Ok(None)
        }
    }
}
