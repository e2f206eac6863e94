//! The shell's program mode (docs/PROGRAM_MODE.md): a connection whose first line is [`HELLO`]
//! speaks JSON lines instead of text. Each request (`{"id", "lua"}` or `{"id", "call", "args"}`)
//! gets exactly one reply line carrying its id, the output it printed, and either the values it
//! returned (as JSON) or its error and traceback, so a program never guesses where a reply ends.
//! Every other connection is handed to the text session unchanged.
//!
//! Requests of one connection run one at a time, in order, on the shared interpreter, with the
//! same budget, quit policy and limits as text chunks; other clients run at their yields.

use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::{Function, MultiValue, Table, Value};
use serde_json::{Map, Value as Json, json};
use smol::channel::{Receiver, Sender};
use smol::future::{FutureExt as _, zip};
use smol::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::chunker::{Chunker, Ready};
use super::conn::{Conn, Reader, Writer};
use super::{Ctx, Latch, auth, session};
use crate::lua::json as json_api;
use crate::lua::output::{OutBuf, Scoped, budget_message};

/// The first line that switches a connection to program mode (then `\n` or `\r\n`).
pub const HELLO: &str = "#pktgen-program 1";

/// The protocol version the hello reply announces.
const PROTOCOL: u32 = 1;

/// How long a connection may take to finish sending a hello line it started.
const HELLO_WAIT: Duration = Duration::from_secs(2);

/// Requests read but not yet run; past this the reader stops reading (TCP pushes back).
const QUEUE: usize = 8;

/// Serves one connection: program mode after a hello line, the text shell otherwise.
pub async fn serve(ctx: Rc<Ctx>, mut conn: Conn) {
    let deadline = Instant::now() + HELLO_WAIT;
    // Only the start of a hello line is worth waiting for; anything else goes to the text
    // session at once, every byte of it.
    let could_be = |b: &[u8]| {
        let b = b.strip_suffix(b"\r").unwrap_or(b);
        HELLO.as_bytes().starts_with(b)
    };
    let Some(ahead) = async { Some(conn.first_line(HELLO.len() + 2, deadline, could_be).await) }
        .or(async {
            ctx.closing.wait().await;
            None
        })
        .await
    else {
        return;
    };
    let line = ahead.line();
    if line == Some(HELLO.as_bytes()) {
        ahead.consume(&mut conn);
        program(ctx, conn).await;
    } else if ctx.gate.as_ref().is_none_or(|g| g.token.is_none()) && line.is_some_and(auth::is_auth_line) {
        // A client that thinks it needs a token (a client configured for another pktgen, or
        // this one started without its token): say so rather than run the line as Lua.
        conn.refuse(auth::NOT_HERE).await;
    } else {
        ahead.put_back(&mut conn);
        session::serve(ctx, conn).await;
    }
}

/// What a request asks for.
enum Job {
    Lua(String),
    Call {
        name: String,
        args: Vec<Json>,
    },
    /// A request that cannot run: the reply is this error.
    Bad(String),
    /// The input broke a limit: reply with this error, then close.
    Close(String),
}

struct Request {
    id: Json,
    job: Job,
}

/// How a request ended.
enum Outcome {
    Values(Vec<Json>),
    Error(String),
}

async fn program(ctx: Rc<Ctx>, mut conn: Conn) {
    // Replies are small and the client waits for them.
    let _ = conn.tcp.set_nodelay(true);
    let hello = json!({"hello": "pktgen", "protocol": PROTOCOL, "version": crate::version::PKTGEN_VERSION});
    let line = format!("{hello}\n");
    if conn.wr.write_all(line.as_bytes()).await.is_err() || conn.wr.flush().await.is_err() {
        return;
    }
    let abort = Latch::default();
    let (tx, rx) = smol::channel::bounded(QUEUE);
    let peer = conn.peer.to_string();
    let read = async {
        read_requests(&ctx, &mut conn.rd, tx, &abort)
            .or(ctx.closing.wait())
            .await;
    };
    let run = run_requests(&ctx, rx, &mut conn.wr, &peer, &abort);
    // A client that is gone (a failed read or write) has its running request dropped, which
    // cancels it at its current yield.
    async {
        zip(read, run).await;
    }
    .or(abort.wait())
    .await;
    if abort.is_fired() {
        // Over its input limit, the client may still be sending: drain, so the reply reaches it.
        conn.close_draining().await;
    } else {
        conn.close().await;
    }
}

/// Reads request lines until EOF (the channel then closes), the client is gone (`abort`), or a
/// line outgrows `--shell-max-input`.
async fn read_requests(ctx: &Ctx, stream: &mut Reader, jobs: Sender<Request>, abort: &Latch) {
    let mut buf: Vec<u8> = Vec::new();
    let mut scanned = 0;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) => return,
            Ok(n) => n,
            Err(_) => {
                abort.fire();
                return;
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        while let Some(i) = buf[scanned..].iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=scanned + i).collect();
            scanned = 0;
            let too_long = line.len() > ctx.max_input.saturating_add(1);
            let req = if too_long {
                Some(over_limit(ctx))
            } else {
                parse(&line)
            };
            if let Some(req) = req
                && (jobs.send(req).await.is_err() || too_long)
            {
                return;
            }
        }
        scanned = buf.len();
        if buf.len() > ctx.max_input {
            let _ = jobs.send(over_limit(ctx)).await;
            return;
        }
    }
}

/// The reply to input past `--shell-max-input`: text mode's message, then the connection closes.
fn over_limit(ctx: &Ctx) -> Request {
    Request {
        id: Json::Null,
        job: Job::Close(format!(
            "pktgen shell: input exceeds {} bytes without forming a request (--shell-max-input); closing",
            ctx.max_input
        )),
    }
}

/// A request line as a [`Request`]; `None` for a blank line.
fn parse(line: &[u8]) -> Option<Request> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let bad = |id: Json, msg: String| {
        Some(Request {
            id,
            job: Job::Bad(msg),
        })
    };
    let obj: Map<String, Json> = match serde_json::from_slice(line) {
        Ok(Json::Object(o)) => o,
        Ok(_) => {
            return bad(
                Json::Null,
                "a request is a JSON object: {\"id\": ..., \"lua\": \"...\"} or {\"id\": ..., \"call\": \"name\", \"args\": [...]}".into(),
            );
        }
        Err(e) => return bad(Json::Null, format!("request is not valid JSON: {e}")),
    };
    let id = obj.get("id").cloned().unwrap_or(Json::Null);
    if let Some(k) = obj
        .keys()
        .find(|k| !["id", "lua", "call", "args"].contains(&k.as_str()))
    {
        return bad(
            id,
            format!("unknown request key {k:?} (a request has id, and lua or call with args)"),
        );
    }
    let job = match (obj.get("lua"), obj.get("call"), obj.get("args")) {
        (Some(Json::String(src)), None, None) => Job::Lua(src.clone()),
        (None, Some(Json::String(name)), args) => match args {
            None => Job::Call {
                name: name.clone(),
                args: Vec::new(),
            },
            Some(Json::Array(a)) => Job::Call {
                name: name.clone(),
                args: a.clone(),
            },
            Some(other) => Job::Bad(format!("\"args\" must be an array, got {other}")),
        },
        (Some(_), Some(_), _) => Job::Bad("a request has \"lua\" or \"call\", not both".into()),
        (Some(Json::String(_)), None, Some(_)) => Job::Bad("\"args\" goes with \"call\", not \"lua\"".into()),
        (Some(_), None, _) => Job::Bad("\"lua\" must be a string of Lua source".into()),
        (None, Some(_), _) => Job::Bad("\"call\" must be a function name (a string)".into()),
        (None, None, _) => {
            Job::Bad("a request needs \"lua\" (Lua source) or \"call\" (a function name)".into())
        }
    };
    Some(Request { id, job })
}

/// Runs requests in order and writes one reply for each; returns when the reader is done and
/// the queue is empty, after a limit's closing reply, or when a reply cannot be written.
async fn run_requests(ctx: &Ctx, jobs: Receiver<Request>, stream: &mut Writer, peer: &str, abort: &Latch) {
    while let Ok(Request { id, job }) = jobs.recv().await {
        let out = Rc::new(OutBuf::new(peer.to_string(), ctx.max_output));
        let last = matches!(job, Job::Close(_));
        let work = async {
            match job {
                Job::Bad(m) | Job::Close(m) => Outcome::Error(m),
                Job::Lua(src) => run_lua(ctx, &out, &src).await,
                Job::Call { name, args } => run_call(ctx, &out, &name, &args).await,
            }
        };
        // pktgen quitting cancels the running request (at its yield) and the queued ones, each
        // still with its reply.
        let outcome = if ctx.closing.is_fired() {
            Outcome::Error("pktgen is shutting down; the request was not run".into())
        } else {
            async { Some(work.await) }
                .or(async {
                    ctx.closing.wait().await;
                    None
                })
                .await
                .unwrap_or_else(|| {
                    Outcome::Error("pktgen is shutting down; the request was cancelled".into())
                })
        };
        let outcome = if out.is_broken() {
            Outcome::Error(format!(
                "the request printed more than {} bytes (the shell's output limit per client); its output was cut there",
                ctx.max_output
            ))
        } else {
            outcome
        };
        let line = reply(id, &out.take(), outcome);
        if stream.write_all(line.as_bytes()).await.is_err() || stream.flush().await.is_err() {
            abort.fire();
            return;
        }
        if last {
            return;
        }
    }
}

/// Compiles `src` as the text shell compiles a chunk (an expression gives its values).
async fn run_lua(ctx: &Ctx, out: &Rc<OutBuf>, src: &str) -> Outcome {
    let mut c = Chunker::new(usize::MAX);
    if let Err(m) = c.push(src.as_bytes()) {
        return Outcome::Error(m);
    }
    match c.ready(&ctx.lua, true) {
        Ready::Nothing | Ready::Wait => Outcome::Values(Vec::new()),
        Ready::Error(m) => Outcome::Error(m),
        Ready::Run { f, expr } => match execute(ctx, out, f, MultiValue::new()).await {
            // `io.write(...)` as an expression returns the stdout file: its output is the point.
            Ok(v) if expr && session::is_stdout(&ctx.lua, &v) => Outcome::Values(Vec::new()),
            r => values(ctx, r),
        },
    }
}

/// Calls the function `name` names with `args`.
async fn run_call(ctx: &Ctx, out: &Rc<OutBuf>, name: &str, args: &[Json]) -> Outcome {
    let f = match lookup(&ctx.lua, name) {
        Ok(f) => f,
        Err(m) => return Outcome::Error(m),
    };
    let mut a = MultiValue::new();
    for (i, j) in args.iter().enumerate() {
        // A null argument is nil; nulls inside tables stay pktgen.json.null.
        let v = match j {
            Json::Null => Value::Nil,
            j => match json_api::to_lua(&ctx.lua, j) {
                Ok(v) => v,
                Err(m) => return Outcome::Error(format!("call {name}: argument {}: {m}", i + 1)),
            },
        };
        a.push_back(v);
    }
    values(ctx, execute(ctx, out, f, a).await)
}

/// `name` (`portStats`, `range.dst_ip`, `string.format`) looked up in `pktgen`, then in the
/// globals.
fn lookup(lua: &mlua::Lua, name: &str) -> Result<Function, String> {
    let walk = |root: Table| -> Option<Function> {
        let mut parts = name.split('.');
        let mut v: Value = root.get(parts.next()?).ok()?;
        for p in parts {
            let Value::Table(t) = v else { return None };
            v = t.get(p).ok()?;
        }
        match v {
            Value::Function(f) => Some(f),
            _ => None,
        }
    };
    let g = lua.globals();
    g.get::<Table>("pktgen")
        .ok()
        .and_then(walk)
        .or_else(|| walk(g))
        .ok_or_else(|| format!("call: no function {name:?} in pktgen or the globals"))
}

/// Runs `f(args)` as this client's code: output to `out`, the shell's budget and quit policy.
async fn execute(ctx: &Ctx, out: &Rc<OutBuf>, f: Function, args: MultiValue) -> mlua::Result<MultiValue> {
    let run = f.call_async::<MultiValue>(args);
    match Scoped::new(Rc::clone(&ctx.router), Some(Rc::clone(out)), run).await {
        Some(r) => r,
        None => Err(mlua::Error::runtime(format!(
            "{} (the chunk caught the error and went on; it was stopped)",
            ctx.router.budget().map(budget_message).unwrap_or_default()
        ))),
    }
}

fn values(ctx: &Ctx, r: mlua::Result<MultiValue>) -> Outcome {
    match r {
        Ok(v) => {
            let mut list = Vec::with_capacity(v.len());
            for (i, x) in v.iter().enumerate() {
                match json_api::to_json_lenient(&ctx.lua, x) {
                    Ok(j) => list.push(j),
                    Err(m) => {
                        return Outcome::Error(format!(
                            "the request ran, but its value #{} cannot be sent as JSON: {m}",
                            i + 1
                        ));
                    }
                }
            }
            Outcome::Values(list)
        }
        Err(e) => Outcome::Error(crate::lua::report(&e)),
    }
}

/// The reply line: `{"id", "ok", "output", "values"}` or `{"id", "ok", "output", "error",
/// "traceback"}`, with the traceback split off the error text.
fn reply(id: Json, output: &[u8], outcome: Outcome) -> String {
    let output = String::from_utf8_lossy(output);
    let v = match outcome {
        Outcome::Values(values) => json!({"id": id, "ok": true, "output": output, "values": values}),
        Outcome::Error(text) => {
            let (error, traceback) = match text.find("\nstack traceback:") {
                Some(i) => (&text[..i], &text[i + 1..]),
                None => (text.as_str(), ""),
            };
            json!({"id": id, "ok": false, "output": output, "error": error, "traceback": traceback})
        }
    };
    format!("{v}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(line: &str) -> (Json, String) {
        match parse(line.as_bytes()) {
            None => (Json::Null, "blank".into()),
            Some(Request { id, job }) => (
                id,
                match job {
                    Job::Lua(s) => format!("lua {s}"),
                    Job::Call { name, args } => format!("call {name} {}", Json::Array(args)),
                    Job::Bad(m) | Job::Close(m) => format!("bad {m}"),
                },
            ),
        }
    }

    #[test]
    fn requests_parse_or_say_what_is_wrong() {
        assert_eq!(job(r#"{"id": 7, "lua": "1+1"}"#), (json!(7), "lua 1+1".into()));
        assert_eq!(
            job(r#"{"id": "a", "call": "portStats", "args": ["0-1"]}"#),
            (json!("a"), r#"call portStats ["0-1"]"#.into())
        );
        assert_eq!(job("  \r\n").1, "blank");
        assert!(job("{").1.starts_with("bad request is not valid JSON"));
        assert!(job("[1]").1.starts_with("bad a request is a JSON object"));
        assert!(
            job(r#"{"id": 1, "lau": "x"}"#)
                .1
                .contains("unknown request key \"lau\"")
        );
        assert!(job(r#"{"id": 1}"#).1.contains("needs \"lua\""));
        assert!(job(r#"{"lua": "x", "call": "y"}"#).1.contains("not both"));
        assert!(job(r#"{"call": "y", "args": 3}"#).1.contains("must be an array"));
        assert_eq!(job(r#"{"lua": 1}"#).0, Json::Null);
    }

    #[test]
    fn replies_are_one_line_with_the_traceback_apart() {
        let r = reply(
            json!(3),
            b"a\nb\n",
            Outcome::Error("stdin:1: boom\nstack traceback:\n\t[C]: in ?".into()),
        );
        assert_eq!(r.matches('\n').count(), 1, "{r}");
        let v: Json = serde_json::from_str(&r).unwrap_or_default();
        assert_eq!(v["error"], "stdin:1: boom");
        assert_eq!(v["traceback"], "stack traceback:\n\t[C]: in ?");
        assert_eq!(v["output"], "a\nb\n");
        assert_eq!(v["ok"], false);
        let r = reply(json!(null), b"", Outcome::Values(vec![json!(2)]));
        assert_eq!(r, "{\"id\":null,\"ok\":true,\"output\":\"\",\"values\":[2]}\n");
    }
}
