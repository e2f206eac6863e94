//! One client: a reader that turns bytes into chunks, a runner that runs them one at a time on
//! the shared Lua state with the client's output as the sink, and a writer. They run
//! concurrently in the client's task, so a chunk waiting in `pktgen.delay` still has its output
//! sent and later lines queued; other clients and the console run at the same yields.
//!
//! Endings: half-close → the queued chunks finish, the output is flushed, the socket closes.
//! Reset, failed write or a hang-up (the client is gone) → the running chunk is dropped, which
//! cancels it at its current yield. Over-long input, an overflowing output buffer or pktgen
//! quitting → a last message, a short grace for the writer, then close.
//!
//! A client that closes after sending sends the same FIN as one that half-closes and still
//! reads; only writing to it would tell them apart. So after EOF the socket is polled for a
//! hang-up, and TCP keepalive makes one happen once the client's end no longer exists (its
//! kernel answers the probe with a reset) or no longer answers.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use mlua::{Function, MultiValue};
use smol::channel::{Receiver, Sender};
use smol::future::{FutureExt as _, poll_once, zip};
use smol::io::AsyncReadExt as _;
use smol::net::TcpStream;

use super::chunker::{Chunker, PAUSE, Ready};
use super::conn::{Conn, Reader};
use super::output::write_loop;
use super::{Ctx, Latch};
use crate::lua::output::{OutBuf, Scoped};

/// How long the writer may still take once the session ended (a client that stopped reading
/// must not hold the session open, or pktgen's exit).
const FLUSH_GRACE: Duration = Duration::from_secs(5);

/// Chunks compiled but not yet run; past this the reader stops reading (TCP pushes back).
const QUEUE: usize = 8;

/// Keepalive: probes after this long without traffic, then this often, and the connection is
/// given up after this many go unanswered.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(2);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);
const KEEPALIVE_PROBES: u32 = 5;

/// How often a half-closed client's socket is checked for a hang-up while its chunks run.
const HANGUP_POLL: Duration = Duration::from_millis(100);

enum Job {
    Run { f: Function, expr: bool },
    Say(String),
}

enum Event {
    Data(usize),
    Eof,
    Pause,
    Gone,
}

async fn next_event(stream: &mut Reader, buf: &mut [u8], timed: bool) -> Event {
    let read = async {
        match stream.read(buf).await {
            Ok(0) => Event::Eof,
            Ok(n) => Event::Data(n),
            Err(_) => Event::Gone,
        }
    };
    if timed {
        read.or(async {
            smol::Timer::after(PAUSE).await;
            Event::Pause
        })
        .await
    } else {
        read.await
    }
}

/// Reads until EOF, sending chunks to the runner; returns at EOF (the channel then closes) or
/// when the client is gone or over its input limit (after firing `abort`).
async fn read_loop(
    ctx: &Ctx,
    stream: &mut Reader,
    jobs: Sender<Job>,
    out: &OutBuf,
    abort: &Latch,
    crlf: &Cell<bool>,
) {
    let mut chunker = Chunker::new(ctx.max_input);
    let mut buf = vec![0u8; 64 * 1024];
    // Whether the pending input changed since it was last compiled (no need to compile an
    // unfinished `for` again every pause while the user thinks).
    let mut dirty = false;
    loop {
        let mut eof = false;
        match next_event(stream, &mut buf, chunker.pending() && dirty).await {
            Event::Gone => {
                abort.fire();
                return;
            }
            Event::Eof => eof = true,
            Event::Pause => {}
            Event::Data(n) => {
                if let Err(msg) = chunker.push(&buf[..n]) {
                    let _ = out.push(format!("{msg}\n").as_bytes());
                    abort.fire();
                    return;
                }
                crlf.set(chunker.crlf());
                dirty = true;
                if !Chunker::short_line(&buf[..n]) {
                    continue;
                }
                // A short line counts as a pause only if nothing is queued right behind it.
                match poll_once(stream.read(&mut buf)).await {
                    None => {}
                    Some(Ok(0)) => eof = true,
                    Some(Ok(m)) => {
                        if let Err(msg) = chunker.push(&buf[..m]) {
                            let _ = out.push(format!("{msg}\n").as_bytes());
                            abort.fire();
                            return;
                        }
                        continue;
                    }
                    Some(Err(_)) => {
                        abort.fire();
                        return;
                    }
                }
            }
        }
        if chunker.pending() && (dirty || eof) {
            dirty = false;
            let job = match chunker.ready(&ctx.lua, eof) {
                Ready::Nothing | Ready::Wait => None,
                Ready::Run { f, expr } => Some(Job::Run { f, expr }),
                Ready::Error(m) => Some(Job::Say(m)),
            };
            if let Some(job) = job
                && jobs.send(job).await.is_err()
            {
                return;
            }
        }
        if eof {
            return;
        }
    }
}

/// Turns on TCP keepalive probes, so a client's end that went away turns into a hang-up.
fn keepalive(stream: &TcpStream) -> std::io::Result<()> {
    use rustix::net::sockopt;
    sockopt::set_socket_keepalive(stream, true)?;
    sockopt::set_tcp_keepidle(stream, KEEPALIVE_IDLE)?;
    sockopt::set_tcp_keepintvl(stream, KEEPALIVE_INTERVAL)?;
    sockopt::set_tcp_keepcnt(stream, KEEPALIVE_PROBES)?;
    Ok(())
}

/// Resolves once the connection is reset or given up. Polled: after EOF the socket is always
/// readable, so the executor cannot wait for this alone.
async fn hung_up(stream: &TcpStream) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    loop {
        // poll(2) reports POLLHUP and POLLERR whatever is asked for.
        let mut fds = [PollFd::new(stream, PollFlags::empty())];
        if poll(&mut fds, Some(&Timespec::default())).is_ok()
            && fds[0].revents().intersects(PollFlags::HUP | PollFlags::ERR)
        {
            return;
        }
        smol::Timer::after(HANGUP_POLL).await;
    }
}

/// Whether `v` is just `io.stdout` or `io.stderr` (what `io.write` and `f:write` return).
pub(super) fn is_stdout(lua: &mlua::Lua, v: &MultiValue) -> bool {
    let (1, Some(mlua::Value::UserData(u))) = (v.len(), v.front()) else {
        return false;
    };
    let Ok(io) = lua.globals().get::<mlua::Table>("io") else {
        return false;
    };
    ["stdout", "stderr"].iter().any(|name| {
        io.get::<mlua::Value>(*name)
            .is_ok_and(|f| f.to_pointer() == u.to_pointer())
    })
}

/// Runs one chunk as `out`'s code; its values (expression lines) and errors go to `out`.
async fn run_chunk(ctx: &Ctx, out: &Rc<OutBuf>, f: Function, expr: bool) {
    let lua = ctx.lua.clone();
    let o = Rc::clone(out);
    let run = async move {
        let r = match f.call_async::<MultiValue>(()).await {
            // Like lua.c: the global print shows the values, so a redefined print is honoured.
            // Except the file `io.write(...)` returns: a line that writes should show only what
            // it wrote, not `file (0x...)` after it.
            Ok(v) if expr && !v.is_empty() && !is_stdout(&lua, &v) => {
                match lua.globals().get::<Function>("print") {
                    Ok(print) => print.call::<()>(v),
                    Err(e) => Err(e),
                }
            }
            r => r.map(drop),
        };
        if let Err(e) = r {
            let _ = o.push(format!("{}\n", crate::lua::report(&e)).as_bytes());
        }
    };
    if Scoped::new(Rc::clone(&ctx.router), Some(Rc::clone(out)), run)
        .await
        .is_none()
        && let Some(b) = ctx.router.budget()
    {
        let msg = crate::lua::output::budget_message(b);
        let _ =
            out.push(format!("{msg} (the chunk caught the error and went on; it was stopped)\n").as_bytes());
    }
}

async fn run_loop(ctx: &Ctx, jobs: Receiver<Job>, out: &Rc<OutBuf>) {
    while let Ok(job) = jobs.recv().await {
        match job {
            Job::Say(m) => {
                let _ = out.push(format!("{m}\n").as_bytes());
            }
            Job::Run { f, expr } => run_chunk(ctx, out, f, expr).await,
        }
        if out.is_broken() {
            return;
        }
    }
}

/// Serves one client until it half-closes, goes away, breaks a limit, or the shell closes.
pub async fn serve(ctx: Rc<Ctx>, mut conn: Conn) {
    // Replies are small and the client waits for them.
    let _ = conn.tcp.set_nodelay(true);
    let _ = keepalive(&conn.tcp);
    let out = Rc::new(OutBuf::new(conn.peer.to_string(), ctx.max_output));
    let abort = Latch::default();
    let crlf = Cell::new(false);
    let ended = Latch::default();
    let (tx, rx) = smol::channel::bounded(QUEUE);

    let work = async {
        let input = async {
            read_loop(&ctx, &mut conn.rd, tx, &out, &abort, &crlf).await;
            // Past EOF the client may still read (half-closed) or be gone: only a hang-up says.
            hung_up(&conn.tcp).await;
        };
        let run = run_loop(&ctx, rx, &out);
        let stop = async {
            abort.wait().or(ctx.closing.wait()).or(out.gone()).await;
        };
        // The runner ends once the reader has ended and the queued chunks ran. Dropping `run`
        // here is what cancels a running chunk (mlua closes its coroutine).
        run.or(input).or(stop).await;
        ended.fire();
        out.wake();
    };
    let write = async {
        write_loop(&mut conn.wr, Rc::clone(&out), || crlf.get(), || ended.is_fired())
            .or(async {
                ended.wait().await;
                smol::Timer::after(FLUSH_GRACE).await;
            })
            .await;
    };
    zip(work, write).await;
    if abort.is_fired() {
        // Over its input limit, the client may still be sending: drain, so the error reaches it.
        conn.close_draining().await;
    } else {
        conn.close().await;
    }
}
