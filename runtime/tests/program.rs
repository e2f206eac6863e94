//! The shell's program mode end to end (docs/PROGRAM_MODE.md): the real `pktgen` on a free
//! port, plain TCP clients that send the hello line and JSON requests, and the real `socat` on
//! the same shell in text mode at the same time. Every wait has a deadline.
//!
//! The tests take a lock and run one at a time, as the shell tests do: budgets and delays should
//! not depend on the neighbours on a two-core machine.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Served;
use serde_json::{Value, json};

/// How long any one reply may take.
const REPLY: Duration = Duration::from_secs(30);

/// A program-mode client.
struct Prog {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Prog {
    fn connect(port: u16) -> Prog {
        let w = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        w.set_read_timeout(Some(REPLY)).expect("timeout");
        w.set_nodelay(true).expect("nodelay");
        let mut p = Prog {
            r: BufReader::new(w.try_clone().expect("clone")),
            w,
        };
        p.w.write_all(b"#pktgen-program 1\n").expect("hello");
        let hello = p.line();
        assert_eq!(hello["hello"], "pktgen", "{hello}");
        assert_eq!(hello["protocol"], 1, "{hello}");
        p
    }

    fn send(&mut self, req: &Value) {
        self.w
            .write_all(format!("{req}\n").as_bytes())
            .expect("send request");
    }

    /// The next reply line, parsed; fails on a timeout, a close, or a line that is not JSON.
    fn line(&mut self) -> Value {
        let mut s = String::new();
        let n = self.r.read_line(&mut s).expect("read a reply");
        assert!(n > 0 && s.ends_with('\n'), "connection closed mid-reply: {s:?}");
        serde_json::from_str(&s).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {s:?}"))
    }

    fn ask(&mut self, req: Value) -> Value {
        self.send(&req);
        let r = self.line();
        assert_eq!(r["id"], req["id"], "reply to {req}: {r}");
        r
    }

    fn lua(&mut self, id: i64, src: &str) -> Value {
        self.ask(json!({"id": id, "lua": src}))
    }

    /// Whether the server closed the connection (EOF within the deadline).
    fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.r.read(&mut b), Ok(0))
    }
}

fn ok(r: &Value) -> &Vec<Value> {
    assert_eq!(r["ok"], true, "{r}");
    r["values"].as_array().expect("values")
}

fn err(r: &Value) -> String {
    assert_eq!(r["ok"], false, "{r}");
    assert!(r.get("values").is_none(), "an error reply has no values: {r}");
    r["error"].as_str().expect("error").to_string()
}

#[test]
fn replies_separate_output_values_and_errors() {
    let _g = common::heavy();
    let srv = Served::start(&[]);
    let mut c = Prog::connect(srv.port);

    let r = c.lua(
        1,
        "print('a', 1) io.write('b') return 1, 2.5, 'x', {[0] = 'y', n = 1}, nil, true",
    );
    assert_eq!(r["output"], "a\t1\nb");
    assert_eq!(
        ok(&r),
        &vec![
            json!(1),
            json!(2.5),
            json!("x"),
            json!({"0": "y", "n": 1}),
            Value::Null,
            json!(true)
        ]
    );
    // An expression gives its values, as on the text shell; a statement gives none.
    assert_eq!(ok(&c.lua(2, "1 + 1")), &vec![json!(2)]);
    assert_eq!(ok(&c.lua(3, "x12 = 7")), &Vec::<Value>::new());
    assert_eq!(
        ok(&c.lua(4, "x12")),
        &vec![json!(7)],
        "globals persist between requests"
    );

    // Errors: the message, its traceback apart, and what was printed before.
    let r = c.lua(5, "print('before') error('boom')");
    assert_eq!(err(&r), "stdin:1: boom");
    assert_eq!(r["output"], "before\n");
    let tb = r["traceback"].as_str().expect("traceback");
    assert!(
        tb.starts_with("stack traceback:") && tb.contains("in main chunk"),
        "{tb}"
    );
    let r = c.lua(6, "pktgen.set(0, 'rate', 'fast')");
    assert_eq!(
        err(&r),
        "set: value for 'rate' must be a finite number, got 'fast'; the range is 0..100"
    );
    assert!(
        r["traceback"]
            .as_str()
            .is_some_and(|t| t.contains("pktgen.internal.settings")),
        "{r}"
    );
    assert!(err(&c.lua(7, "for i = 1, do")).contains("unexpected symbol"));
    assert!(
        err(&c.lua(8, "print('\\0' .. 'ok') x = '\u{0}'")).contains("NUL byte"),
        "as on the text shell"
    );

    // call: a function in pktgen (or a global) with JSON arguments, its values back.
    let r = c.ask(json!({"id": "s", "call": "portStats", "args": ["0-1"]}));
    let ps = &ok(&r)[0];
    assert_eq!(ps["n"], 2, "{ps}");
    assert!(
        ps["0"]["curr"]["opackets"].is_u64() && ps["1"]["sizes"]["_64"].is_u64(),
        "{ps}"
    );
    let r = c.ask(json!({"id": 9, "call": "string.format", "args": ["%s|%s|%d", "a", null, 3]}));
    assert_eq!(ok(&r), &vec![json!("a|nil|3")]);
    let r = c.ask(json!({"id": 10, "call": "set", "args": [0, "size", 128]}));
    assert_eq!(ok(&r), &Vec::<Value>::new());
    assert!(err(&c.ask(json!({"id": 11, "call": "nosuch"}))).contains("no function \"nosuch\""));
    assert!(err(&c.ask(json!({"id": 12, "call": "set", "args": [0, "size", "big"]}))).contains("size"));

    // Values JSON cannot hold: a function on its own is its tostring, a recursive table an error.
    let r = c.lua(13, "print");
    assert!(
        ok(&r)[0].as_str().is_some_and(|s| s.starts_with("function: ")),
        "{r}"
    );
    assert!(err(&c.lua(14, "local t = {} t.t = t return t")).contains("recursive table"));

    // Requests that are not requests get an error reply with the id when there is one.
    c.w.write_all(b"{\"id\": 15,\n\n").expect("send");
    let r = c.line();
    assert_eq!(r["id"], Value::Null);
    assert!(err(&r).contains("request is not valid JSON"), "{r}");
    assert!(err(&c.ask(json!({"id": 16, "lau": "1"}))).contains("unknown request key \"lau\""));
    assert!(err(&c.ask(json!({"id": 17}))).contains("needs \"lua\""));

    // Pipelined requests: one reply each, in order, each with its id.
    for i in 100..140 {
        c.send(&json!({"id": i, "lua": format!("pktgen.delay({}) print({i}) return {i} * 2", i % 3)}));
    }
    for i in 100..140 {
        let r = c.line();
        assert_eq!(r["id"], i, "{r}");
        assert_eq!(r["output"], format!("{i}\n"));
        assert_eq!(ok(&r), &vec![json!(i * 2)]);
    }
    // A quit is refused from a client as on the text shell, and nothing else was left behind.
    assert!(err(&c.lua(18, "pktgen.quit()")).contains("--shell-allow-quit"));
    assert!(srv.stderr().contains("listening"), "{}", srv.stderr());
}

#[test]
fn long_output_arrives_whole_in_one_reply() {
    let _g = common::heavy();
    let srv = Served::start(&[]);
    let mut c = Prog::connect(srv.port);
    // 4 MiB of lines with quotes, tabs and UTF-8, written in pieces across yields.
    let r = c.lua(
        1,
        "for i = 1, 64 do io.write(string.rep('\"é\\t' .. i .. '\\n', 65536 // (#tostring(i) + 5))) \
         if i % 8 == 0 then pktgen.delay(1) end end return 'done'",
    );
    let out = r["output"].as_str().expect("output");
    let want: String = (1..=64)
        .map(|i: usize| format!("\"é\t{i}\n").repeat(65536 / (i.to_string().len() + 5)))
        .collect();
    assert_eq!(out.len(), want.len());
    assert!(out == want, "the output differs");
    assert_eq!(ok(&r), &vec![json!("done")]);
    // Past the output limit (16 MiB per client): an error, and the connection stays usable.
    let r = c.lua(
        2,
        "local s = string.rep('x', 1 << 20) for i = 1, 17 do io.write(s) end return 1",
    );
    assert!(
        err(&r).starts_with("the request printed more than 16777216 bytes"),
        "{}",
        r["error"]
    );
    assert_eq!(r["output"].as_str().map(str::len), Some(16 << 20));
    assert_eq!(ok(&c.lua(3, "'still here'")), &vec![json!("still here")]);
}

#[test]
fn budget_and_input_limits_as_in_text_mode() {
    let _g = common::heavy();
    let srv = Served::start(&["--shell-budget-ms", "300", "--shell-max-input", "4096"]);
    let mut c = Prog::connect(srv.port);
    assert!(err(&c.lua(1, "while true do end")).contains("--shell-budget-ms"));
    let r = c.lua(2, "while true do pcall(function() while true do end end) end");
    assert!(err(&r).contains("it was stopped"), "{r}");
    assert_eq!(
        ok(&c.lua(3, "pktgen.delay(500) return 'yields are fine'")),
        &vec![json!("yields are fine")]
    );
    // A request line past --shell-max-input: text mode's message, then the connection closes.
    c.send(&json!({"id": 4, "lua": format!("return '{}'", "y".repeat(5000))}));
    let r = c.line();
    assert!(err(&r).contains("--shell-max-input"), "{r}");
    assert!(c.closed(), "the connection closes after the limit");
    let mut d = Prog::connect(srv.port);
    assert_eq!(
        ok(&d.lua(5, "'others are fine'")),
        &vec![json!("others are fine")]
    );
}

#[test]
fn thirty_two_clients_each_get_their_own_replies() {
    let _g = common::heavy();
    let srv = Served::start(&[]);
    let mut c = Prog::connect(srv.port);
    // Defined by one client, called by all: output goes to the caller, values back to it.
    ok(&c.lua(
        1,
        "function whoami(i, j) print('client ' .. i .. ' round ' .. j) pktgen.delay(j % 3) return i, j end",
    ));
    let port = srv.port;
    let threads: Vec<_> = (0..32)
        .map(|i| {
            std::thread::spawn(move || {
                let mut c = Prog::connect(port);
                for j in 0..40 {
                    let id = format!("{i}/{j}");
                    let r = if j % 2 == 0 {
                        c.ask(json!({"id": id, "call": "whoami", "args": [i, j]}))
                    } else {
                        c.ask(
                            json!({"id": id, "lua": format!("io.write('{i}:{j}') return {i} * 1000 + {j}")}),
                        )
                    };
                    if j % 2 == 0 {
                        assert_eq!(r["output"], format!("client {i} round {j}\n"), "{r}");
                        assert_eq!(ok(&r), &vec![json!(i), json!(j)]);
                    } else {
                        assert_eq!(r["output"], format!("{i}:{j}"), "{r}");
                        assert_eq!(ok(&r), &vec![json!(i * 1000 + j)]);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    assert_eq!(ok(&c.lua(2, "pktgen.portCount()")), &vec![json!(2)]);
}

#[test]
fn text_clients_are_unchanged_beside_program_clients() {
    let _g = common::heavy();
    let srv = Served::start(&[]);
    let mut p = Prog::connect(srv.port);
    ok(&p.lua(1, "shared = 'set by a program'"));
    // A file piped through socat runs as one chunk, as always, and sees the program's global.
    let mut child = Command::new("socat")
        .args(["-", &format!("TCP4:127.0.0.1:{}", srv.port)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn socat (is it installed?)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"local a = 'text'\nprint(a, shared)\n")
        .expect("feed socat");
    let o = common::wait(child);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "text\tset by a program\n");
    // A first line that only looks like the hello is Lua (and a syntax error) in text mode.
    let mut t = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
    t.set_read_timeout(Some(REPLY)).expect("timeout");
    t.write_all(b"#pktgen-program 2\n").expect("send");
    let mut buf = [0u8; 256];
    let n = t.read(&mut buf).expect("read");
    let got = String::from_utf8_lossy(&buf[..n]);
    assert!(got.starts_with("stdin:1: unexpected symbol near '#'"), "{got}");
    // A hello sent in pieces still switches.
    let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
    s.set_read_timeout(Some(REPLY)).expect("timeout");
    for piece in [
        &b"#pktgen-"[..],
        b"program 1\r",
        b"\n{\"id\":1,\"lua\":\"2+2\"}\n",
    ] {
        s.write_all(piece).expect("send");
        std::thread::sleep(Duration::from_millis(30));
    }
    let mut r = BufReader::new(s);
    let mut hello = String::new();
    r.read_line(&mut hello).expect("hello");
    assert!(hello.starts_with("{\"hello\":\"pktgen\""), "{hello}");
    let mut reply = String::new();
    r.read_line(&mut reply).expect("reply");
    assert_eq!(reply, "{\"id\":1,\"ok\":true,\"output\":\"\",\"values\":[4]}\n");
    assert_eq!(ok(&p.lua(2, "shared")), &vec![json!("set by a program")]);
}

#[test]
fn quitting_answers_every_request_before_closing() {
    let _g = common::heavy();
    let srv = Served::start(&["--shell-allow-quit"]);
    let mut a = Prog::connect(srv.port);
    // Both in one write: pktgen answers the requests it has read (one still in flight when it
    // quits cannot be).
    let two = format!(
        "{}\n{}\n",
        json!({"id": "long", "lua": "pktgen.delay(20000) return 'finished'"}),
        json!({"id": "queued", "lua": "return 'never'"})
    );
    a.w.write_all(two.as_bytes()).expect("send");
    let mut b = Prog::connect(srv.port);
    assert_eq!(ok(&b.lua(1, "pktgen.quit()")), &Vec::<Value>::new());
    let r = a.line();
    assert_eq!(r["id"], "long");
    assert_eq!(err(&r), "pktgen is shutting down; the request was cancelled");
    let r = a.line();
    assert_eq!(r["id"], "queued");
    assert_eq!(err(&r), "pktgen is shutting down; the request was not run");
    assert!(a.closed(), "the connection closes after the last reply");
    let o = srv.stop();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
