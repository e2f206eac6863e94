//! The Lua shell end to end: the real `pktgen` listening on a free port (`--listen
//! 127.0.0.1:0`; the port comes from its "listening on" line, never 22022), driven by the real
//! `socat` and `nc` and by plain TCP clients. Every wait is for a condition, with a deadline.
//!
//! The tests take a lock and run one at a time: each pktgen spins a TX worker, and the machine
//! may have two cores; the budget and pause timings should not depend on the neighbours.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{root, temp_file};

/// How long any one expected reply may take.
const REPLY: Duration = Duration::from_secs(60);

/// A running `pktgen` with its shell, port 0 sending at a low rate, and stdin at EOF.
struct Server {
    child: Option<Child>,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(test: &str, extra: &[&str]) -> Server {
        let traffic = temp_file(
            test,
            "traffic.lua",
            "pktgen.set(0, 'count', 0) pktgen.set(0, 'rate', 1) pktgen.start(0)\n",
        );
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pktgen"));
        cmd.current_dir(root())
            .args(["--listen", "127.0.0.1:0", "-f"])
            .arg(&traffic)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn pktgen");
        let err = child.stderr.take().expect("stderr");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let log = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { return };
                if let Some(p) = line.strip_prefix("pktgen: Lua shell listening on 127.0.0.1:") {
                    let _ = tx.send(p.parse::<u16>().expect("port"));
                }
                log.lock().unwrap_or_else(|p| p.into_inner()).push_str(&line);
                log.lock().unwrap_or_else(|p| p.into_inner()).push('\n');
            }
        });
        let mut s = Server {
            child: Some(child),
            port: 0,
            stderr,
        };
        s.port = rx
            .recv_timeout(REPLY)
            .unwrap_or_else(|_| panic!("no 'listening on' line; stderr: {}", s.stderr()));
        s
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// SIGTERM and the exit status (the clean shutdown path).
    fn stop(mut self) -> Output {
        let child = self.child.take().expect("child");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        common::wait(child)
    }

    /// Waits for the process to end by itself.
    fn wait(mut self) -> Output {
        common::wait(self.child.take().expect("child"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A plain TCP client, for exact per-connection checks.
struct Client {
    s: TcpStream,
    got: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        Client { s, got: Vec::new() }
    }

    fn send(&mut self, text: impl AsRef<[u8]>) {
        self.s.write_all(text.as_ref()).expect("send");
    }

    /// Reads until `done(received)` or the deadline; returns what arrived (and forgets it).
    fn read_until(&mut self, what: &str, done: impl Fn(&[u8]) -> bool) -> String {
        let end = Instant::now() + REPLY;
        while !done(&self.got) && self.fill(what, end, false) {}
        String::from_utf8_lossy(&std::mem::take(&mut self.got)).into_owned()
    }

    /// Adds what arrives within the read timeout to `got`, failing past `end`. False once the
    /// server has closed; a read error means that too when `closing`, and fails otherwise.
    fn fill(&mut self, what: &str, end: Instant, closing: bool) -> bool {
        assert!(
            Instant::now() < end,
            "waiting for {what}; got {:?}",
            String::from_utf8_lossy(&self.got)
        );
        let mut buf = [0u8; 65536];
        match self.s.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                self.got.extend_from_slice(&buf[..n]);
                true
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                true
            }
            Err(_) if closing => false,
            Err(e) => panic!("read while waiting for {what}: {e}"),
        }
    }

    /// Sends `chunk` and checks that exactly `want` comes back (extra bytes would show up in the
    /// next exchange or in [`Client::finish`]).
    fn round(&mut self, chunk: &str, want: &str) {
        self.send(chunk);
        let n = want.len();
        let got = self.read_until(want, |g| g.len() >= n);
        assert_eq!(got, want, "reply to {chunk:?}");
    }

    /// Sends `chunk` and returns the reply once it contains `needle`.
    fn reply_with(&mut self, chunk: impl AsRef<[u8]>, needle: &str) -> String {
        self.send(chunk);
        self.read_until(needle, |g| String::from_utf8_lossy(g).contains(needle))
    }

    /// Half-closes and returns everything up to the server's close.
    fn finish(mut self) -> String {
        self.s.shutdown(Shutdown::Write).expect("shutdown");
        let end = Instant::now() + REPLY;
        while self.fill("the server to close", end, true) {}
        String::from_utf8_lossy(&self.got).into_owned()
    }

    /// Whether nothing has arrived (without waiting for more than a moment).
    fn quiet(&mut self) -> bool {
        let mut b = [0u8; 1];
        self.s.set_nonblocking(true).expect("nonblocking");
        let r = self.s.read(&mut b);
        self.s.set_nonblocking(false).expect("blocking");
        matches!(r, Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

/// `socat - TCP4:127.0.0.1:port` with `input` on its stdin.
fn socat(port: u16, input: Stdio, feed: Option<&[u8]>) -> Output {
    socat_with(&[], "", port, input, feed)
}

/// `socat <opts> - TCP4:127.0.0.1:port<tcp_opts>` with `input` on its stdin.
fn socat_with(opts: &[&str], tcp_opts: &str, port: u16, input: Stdio, feed: Option<&[u8]>) -> Output {
    let mut child = Command::new("socat")
        .args(opts)
        .args(["-", &format!("TCP4:127.0.0.1:{port}{tcp_opts}")])
        .current_dir(root())
        .stdin(input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn socat (is it installed?)");
    if let Some(bytes) = feed {
        let mut i = child.stdin.take().expect("stdin");
        i.write_all(bytes).expect("feed socat");
    }
    common::wait(child)
}

/// The banner as `pktgen test/hello-world.lua --exit` prints it on stdout.
fn banner() -> String {
    let o = common::run(common::pktgen(&["test/hello-world.lua", "--exit"]), "");
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out.lines().count(), 6, "{out}");
    out
}

/// Port 0 still sends and its TX counter still grows.
fn traffic_still_runs(c: &mut Client) {
    c.round("print(pktgen.isSending(0)[0])\n", "y\n");
    c.round(
        "local e = require('engine') local a = e.stats(0).tx_packets pktgen.delay(200) print(e.stats(0).tx_packets > a)\n",
        "true\n",
    );
}

#[test]
fn seed_commands_print_the_banner() {
    let _g = common::heavy();
    let banner = banner();
    let srv = Server::start("seeds", &[]);

    // socat - TCP4:localhost:22022 < test/hello-world.lua
    let file = std::fs::File::open(root().join("test/hello-world.lua")).expect("hello-world.lua");
    let o = socat(srv.port, Stdio::from(file), None);
    assert!(
        o.status.success(),
        "socat: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), banner);

    // echo "f,e = loadfile('test/hello-world.lua'); f();" | socat - TCP4:localhost:22022
    let o = socat(
        srv.port,
        Stdio::piped(),
        Some(b"f,e = loadfile('test/hello-world.lua'); f();\n"),
    );
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), banner);

    // The interactive session, line by line (this socat has no READLINE: `socat -V` says
    // WITH_READLINE is undefined, so socat's stdin is a pipe written one line at a time, each
    // line written only after the previous one's answer arrived; closing it is Ctrl-D).
    let mut child = Command::new("socat")
        .args(["-", &format!("TCP4:127.0.0.1:{}", srv.port)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat");
    let mut input = child.stdin.take().expect("stdin");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut out = out;
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut got = Vec::new();
    let mut expect = |want: &str| {
        let end = Instant::now() + REPLY;
        while got.len() < want.len() {
            let left = end.saturating_duration_since(Instant::now());
            got.extend(rx.recv_timeout(left).expect("socat output"));
        }
        assert_eq!(String::from_utf8_lossy(&got), want);
        got.clear();
    };
    input
        .write_all(b"f,e = loadfile(\"test/hello-world.lua\")\n")
        .expect("line 1");
    // The loadfile line prints nothing; this line shows it ran, and what it left behind.
    input.write_all(b"print(type(f), e)\n").expect("line 2");
    expect("function\tnil\n");
    input.write_all(b"f()\n").expect("line 3");
    expect(&banner);
    drop(input);
    let status = common::wait(child).status;
    assert!(status.success());
    reader.join().expect("reader");

    // nc with CR LF line ends (what telnet sends) gets CR LF back.
    let mut child = Command::new("nc")
        .args(["-N", "-C", "127.0.0.1", &srv.port.to_string()])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nc");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"f,e = loadfile('test/hello-world.lua'); f();\n")
        .expect("feed nc");
    let o = common::wait(child);
    assert!(o.status.success(), "nc: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), banner.replace('\n', "\r\n"));

    // telnet: its own lines come first, then the banner (from a pipe telnet sends the line
    // ends as typed, so the answer comes back with them; nc -C above covers CR LF).
    let mut child = Command::new("telnet")
        .args(["127.0.0.1", &srv.port.to_string()])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("telnet (make deps installs it)");
    let mut input = child.stdin.take().expect("stdin");
    let mut out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    input
        .write_all(b"f,e = loadfile('test/hello-world.lua'); f();\n")
        .expect("feed telnet");
    let want = banner.clone();
    let mut got = Vec::new();
    let end = Instant::now() + REPLY;
    while !String::from_utf8_lossy(&got).contains(&want) {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(b) => got.extend(b),
            Err(_) => panic!(
                "telnet got no banner; output so far: {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
    let text = String::from_utf8_lossy(&got).to_string();
    assert!(text.starts_with("Trying 127.0.0.1"), "{text:?}");
    assert!(
        text.ends_with(&want),
        "only the banner follows telnet's own lines: {text:?}"
    );
    drop(input);
    let _ = common::wait(child);
    reader.join().expect("reader");

    let mut c = srv.client();
    traffic_still_runs(&mut c);
}

#[test]
fn piped_file_runs_as_one_chunk_with_its_locals() {
    let _g = common::heavy();
    let srv = Server::start("locals", &[]);
    // Over 64 KiB, so socat sends it in several writes: they must still make one chunk.
    let pad = "-- padding to make socat write this file in several pieces\n".repeat(1500);
    let script = temp_file(
        "locals",
        "locals.lua",
        &format!(
            "local function add(a, b) return a + b end\nlocal n = 40\n{pad}print('sum', add(n, 2))\n{pad}io.write('end\\n')\n"
        ),
    );
    let o = socat(
        srv.port,
        Stdio::from(std::fs::File::open(&script).expect("open")),
        None,
    );
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), "sum\t42\nend\n");
    let mut c = srv.client();
    // The locals stayed local; nothing leaked into the globals.
    c.round("print(add, n)\n", "nil\tnil\n");
}

#[test]
fn each_of_32_clients_gets_exactly_its_own_output() {
    let _g = common::heavy();
    let srv = Server::start("many", &[]);
    let mut c = srv.client();
    // Defined by one client, called by all: the output goes to the caller.
    c.round(
        "require 'Pktgen' function whoami(i, j) printf('client %d round %d\\n', i, j) end print('defined')\n",
        "defined\n",
    );
    let port = srv.port;
    let threads: Vec<_> = (0..32)
        .map(|i| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for j in 0..100 {
                    match j % 4 {
                        0 => c.round(&format!("print('c{i}', {j})\n"), &format!("c{i}\t{j}\n")),
                        1 => c.round(
                            &format!("io.write('w', {i}, ':', {j}, '\\n')\n"),
                            &format!("w{i}:{j}\n"),
                        ),
                        2 => c.round(&format!("whoami({i}, {j})\n"), &format!("client {i} round {j}\n")),
                        _ => c.round(&format!("{i} * 1000 + {j}\n"), &format!("{}\n", i * 1000 + j)),
                    }
                }
                assert_eq!(c.finish(), "", "client {i}: output after the last round");
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    traffic_still_runs(&mut c);
}

#[test]
fn a_delay_in_one_client_does_not_stop_the_others() {
    let _g = common::heavy();
    let srv = Server::start("delay", &[]);
    let mut slow = srv.client();
    // The slow chunk waits in pktgen.delay until the fast client says so: however slow the
    // machine, the fast client's answers can only come while the slow chunk is delayed.
    let t0 = Instant::now();
    slow.send("pktgen.delay(1000) while not go do pktgen.delay(10) end print('slow done')\n");
    let mut fast = srv.client();
    for k in 0..20 {
        fast.round(&format!("print({k})\n"), &format!("{k}\n"));
    }
    assert!(slow.quiet(), "the delayed chunk finished early");
    fast.round("go = true print('go')\n", "go\n");
    let got = slow.read_until("slow done", |g| g.ends_with(b"slow done\n"));
    assert_eq!(got, "slow done\n");
    assert!(
        t0.elapsed() >= Duration::from_millis(1000),
        "the delay was cut short"
    );
}

/// A good chunk on `c` and on a new connection.
fn still_fine(srv: &Server, c: &mut Client, tag: &str) {
    c.round(
        &format!("print('same after {tag}')\n"),
        &format!("same after {tag}\n"),
    );
    let mut o = srv.client();
    o.round(
        &format!("print('other after {tag}')\n"),
        &format!("other after {tag}\n"),
    );
    assert_eq!(o.finish(), "");
}

#[test]
fn bad_input_never_hurts_anyone_else() {
    let _g = common::heavy();
    let srv = Server::start("bad", &["--shell-budget-ms", "300", "--shell-max-input", "65536"]);
    let mut c = srv.client();
    c.round("x = 1 print(x)\n", "1\n");

    let r = c.reply_with("x = = 1\n", "\n");
    assert!(r.starts_with("stdin:1: unexpected symbol near '='"), "{r}");
    still_fine(&srv, &mut c, "syntax error");

    let r = c.reply_with(
        "local function inner() error('boom') end inner()\n",
        "stack traceback:",
    );
    assert!(r.starts_with("stdin:1: boom\nstack traceback:\n"), "{r}");
    assert!(r.contains("inner"), "{r}");
    still_fine(&srv, &mut c, "runtime error");

    let r = c.reply_with(b"print('\xff\xfe')\n", "\n");
    assert!(r.contains("invalid UTF-8 at byte offset 7"), "{r}");
    still_fine(&srv, &mut c, "invalid UTF-8");

    let r = c.reply_with(b"print('a\0b')\n", "\n");
    assert!(r.contains("NUL byte at offset 8"), "{r}");
    still_fine(&srv, &mut c, "NUL");

    // load() takes source text only: a corrupted binary chunk is refused instead of run.
    let r = c.reply_with(
        "local d = string.dump(function() return 1 end) print(load(d:sub(1, 20) .. ('\\255'):rep(40)))\n",
        "\n",
    );
    assert!(
        r.starts_with("nil\tload: binary (precompiled) chunks are refused"),
        "{r}"
    );
    still_fine(&srv, &mut c, "binary chunk");

    let t0 = Instant::now();
    let r = c.reply_with("while true do end\n", "--shell-budget-ms");
    assert!(
        r.contains("interrupted: this chunk ran for more than 300 ms"),
        "{r}"
    );
    // Interrupted, not run to the reply timeout (the margin is for a loaded machine).
    assert!(
        t0.elapsed() < Duration::from_secs(15),
        "interrupted after {:?}",
        t0.elapsed()
    );
    still_fine(&srv, &mut c, "runaway loop");
    // A pcall around the loop does not keep it alive: the hook raises again outside it.
    let r = c.reply_with(
        "while true do pcall(function() while true do end end) end\n",
        "--shell-budget-ms",
    );
    assert!(r.contains("interrupted"), "{r}");
    still_fine(&srv, &mut c, "runaway loop under pcall");

    for quit in ["pktgen.quit()", "os.exit(3)"] {
        let r = c.reply_with(format!("{quit}\n"), "--shell-allow-quit");
        assert!(r.contains("refused for shell client 127.0.0.1:"), "{r}");
        still_fine(&srv, &mut c, quit);
    }

    // Display calls work from the shell (they change nothing on a client's screen).
    c.round(
        "pktgen.cls() pktgen.page('main') pktgen.screen('on') print('display ok')\n",
        "display ok\n",
    );
    let r = c.reply_with("pktgen.help()\n", "quit()");
    assert!(r.starts_with("pktgen Lua API"), "{r}");

    // Over-long input: an error, then the server closes that connection.
    let mut big = srv.client();
    big.send(format!("x = '{}", "a".repeat(70_000)));
    let r = big.finish();
    assert!(r.contains("input exceeds 65536 bytes"), "{r}");
    still_fine(&srv, &mut c, "over-long input");

    // Disconnecting mid-chunk cancels that chunk: its counter stops.
    let mut gone = srv.client();
    gone.reply_with(
        "n = 0 while true do n = n + 1 print(n) pktgen.delay(5) end\n",
        "3\n",
    );
    drop(gone);
    let end = Instant::now() + REPLY;
    loop {
        let r = c.reply_with("local a = n pktgen.delay(100) print(n == a)\n", "\n");
        if r == "true\n" {
            break;
        }
        assert_eq!(r, "false\n");
        assert!(Instant::now() < end, "the disconnected client's chunk still runs");
    }
    still_fine(&srv, &mut c, "disconnect");

    traffic_still_runs(&mut c);
    assert_eq!(c.finish(), "");
    let o = srv.stop();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn client_limit_refuses_with_one_line() {
    let _g = common::heavy();
    let srv = Server::start("limit", &["--shell-max-clients", "2"]);
    let mut a = srv.client();
    let mut b = srv.client();
    a.round("print('a')\n", "a\n");
    b.round("print('b')\n", "b\n");
    let mut c = srv.client();
    let r = c.read_until("refusal", |g| g.ends_with(b"\n"));
    assert_eq!(
        r,
        "pktgen shell: too many clients (2 connected, --shell-max-clients); try again later\n"
    );
    assert_eq!(a.finish(), "");
    // A freed slot is usable again (the count drops when the session ends).
    let end = Instant::now() + REPLY;
    loop {
        let mut d = srv.client();
        d.send("print('d')\n");
        let r = d.read_until("d or refusal", |g| g.ends_with(b"\n"));
        if r == "d\n" {
            break;
        }
        assert!(r.contains("too many clients") && Instant::now() < end, "{r}");
    }
    traffic_still_runs(&mut b);
}

#[test]
fn quit_from_a_client_when_allowed_is_clean() {
    let _g = common::heavy();
    let srv = Server::start("quit", &["--shell-allow-quit"]);
    let mut other = srv.client();
    other.send("pktgen.delay(60000)\n");
    let mut c = srv.client();
    c.send("print('bye') io.write('unflushed') pktgen.quit()\n");
    assert_eq!(c.finish(), "bye\nunflushed");
    assert_eq!(other.finish(), "");
    let o = srv.wait();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let srv = Server::start("exit", &["--shell-allow-quit"]);
    let mut c = srv.client();
    c.send("os.exit(3)\n");
    let r = c.finish();
    assert!(
        r.starts_with("os.exit(3): pktgen is quitting\nstack traceback:"),
        "{r}"
    );
    assert_eq!(srv.wait().status.code(), Some(3));
}

#[test]
fn only_loopback_without_the_flag() {
    let _g = common::heavy();
    let o = common::run(
        {
            let mut c = Command::new(env!("CARGO_BIN_EXE_pktgen"));
            c.current_dir(root()).args(["--listen", "0.0.0.0:0", "--exit"]);
            c
        },
        "",
    );
    let (_, err) = common::text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not loopback") && err.contains("--shell-allow-remote"),
        "{err}"
    );

    let mut c = Command::new(env!("CARGO_BIN_EXE_pktgen"));
    c.current_dir(root())
        .args(["--listen", "0.0.0.0:0", "--shell-allow-remote", "--exit"]);
    let o = common::run(c, "");
    let (_, err) = common::text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("WARNING: the Lua shell on 0.0.0.0:"), "{err}");
    assert!(err.contains("runs any Lua code"), "{err}");
}

#[test]
fn io_output_and_input_are_each_clients_own() {
    let _g = common::heavy();
    let file = temp_file("io", "a.txt", "");
    let input = temp_file("io", "in.txt", "line one\nline two\n");
    // Console code (a -f script) that waits for the clients, then reports its own defaults.
    let console = temp_file(
        "io",
        "console.lua",
        "for _ = 1, 3000 do if go then break end pktgen.delay(10) end\n\
         local s = tostring(rawequal(io.output(), io.stdout)) .. ' ' .. tostring(rawequal(io.input(), io.stdin))\n\
         io.write('from the console\\n') io.flush()\n\
         io.output(io.tmpfile()) console_io = s\n",
    );
    let srv = Server::start("io", &["-f", console.to_str().expect("utf-8 path")]);
    let (file_s, input_s) = (file.display().to_string(), input.display().to_string());
    let mut a = srv.client();
    let mut b = srv.client();
    a.round(
        &format!("io.output('{file_s}') print(io.type(io.output()), rawequal(io.output(), io.stdout))\n"),
        "file\tfalse\n",
    );
    a.round("io.write('a to its file\\n') print('a printed')\n", "a printed\n");
    // b's io.write still reaches b, and its default output is its connection.
    b.round("io.write('b', 2, '\\n')\n", "b2\n");
    b.round("print(rawequal(io.output(), io.stdout))\n", "true\n");
    a.round(
        &format!("io.input('{input_s}') print(io.read('l')) for l in io.lines() do print('next', l) end\n"),
        "line one\nnext\tline two\n",
    );
    let r = b.reply_with("io.read()\n", "\n");
    assert!(r.contains("cannot read pktgen's standard input"), "{r}");
    // The console keeps its own defaults too.
    b.round(
        "go = true for _ = 1, 1000 do if console_io then break end pktgen.delay(10) end print(console_io)\n",
        "true true\n",
    );
    // ... and its io.output(file) leaves the clients' alone.
    b.round("io.write('b still\\n')\n", "b still\n");
    // io.close() closes the client's default output; io.stdout brings the connection back.
    a.round("print(io.close())\n", "true\n");
    a.round(
        "print(pcall(io.write, 'x'))\n",
        "false\tdefault output file is closed\n",
    );
    a.round("io.output(io.stdout) io.write('a back\\n')\n", "a back\n");
    let r = a.reply_with("io.output('/nonexistent/dir/x')\n", "\n");
    assert!(
        r.contains("cannot open file '/nonexistent/dir/x' (No such file or directory)"),
        "{r}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("a's file"),
        "a to its file\n"
    );
    assert_eq!(a.finish(), "");
    assert_eq!(b.finish(), "");
}

/// socat sends `chunk`, half-closes at the end of its input, waits 0.2 s for output (there is
/// none), then closes with `tcp_opts` on its socket.
fn socat_and_leave(port: u16, tcp_opts: &str, chunk: &str) {
    let o = socat_with(
        &["-t", "0.2"],
        tcp_opts,
        port,
        Stdio::piped(),
        Some(chunk.as_bytes()),
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), "", "the chunk prints nothing");
}

#[test]
fn a_client_gone_while_its_chunk_is_silent_is_noticed() {
    let _g = common::heavy();
    let srv = Server::start("silent", &[]);
    let mut c = srv.client();
    // Two clients whose chunks count without printing, then leave after half-closing: one resets
    // the connection (SO_LINGER 0), the other closes it; its kernel is told to forget the closed
    // connection after 1 s (TCP_LINGER2) instead of Linux's 60 s, which is when a keepalive probe
    // gets a reset back.
    socat_and_leave(
        srv.port,
        ",linger=0",
        "reset_n = 0 while true do reset_n = reset_n + 1 pktgen.delay(5) end\n",
    );
    socat_and_leave(
        srv.port,
        ",linger2=1",
        "closed_n = 0 while true do closed_n = closed_n + 1 pktgen.delay(5) end\n",
    );
    let end = Instant::now() + REPLY;
    loop {
        let r = c.reply_with(
            "local a, b = reset_n, closed_n pktgen.delay(100) print(a ~= nil and reset_n == a, b ~= nil and closed_n == b)\n",
            "\n",
        );
        if r == "true\ttrue\n" {
            break;
        }
        assert!(
            Instant::now() < end,
            "a gone client's chunk still runs (reset stopped, closed stopped: {r:?})"
        );
    }
    // A client that half-closes and keeps reading is not gone: its silent chunk runs on (past
    // the keepalive probes, which its kernel answers) and its output arrives.
    let mut half = srv.client();
    half.send("pktgen.delay(4000) print('still here')\n");
    assert_eq!(half.finish(), "still here\n");
    traffic_still_runs(&mut c);
}
