//! The shell's door against the attempts of issue 24's review, each on a real pktgen on a free
//! loopback port: a guesser cannot keep the owner out; parallel guesses from one address are
//! answered one per delay; an HTTP request to the open shell runs nothing; a slow metrics
//! client does not hold up a scrape; secret files that others could read, own or redirect are
//! refused; a child started from Lua does not see the token. Tests run one at a time (they
//! measure delays), and timings are asserted as orders and wide bounds.

mod common;

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::Served;

const WRONG: &str = "pktgen shell: authentication failed: wrong token; closing";

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A fresh directory for one test.
fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pktgen-door-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Sends `text` on a new connection, half-closes, and reads everything pktgen sends until it
/// closes (at most `limit`).
fn exchange(port: u16, text: &str, limit: Duration) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(limit)).expect("timeout");
    s.write_all(text.as_bytes()).expect("send");
    let _ = s.shutdown(Shutdown::Write);
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// The token pktgen wrote into `path`.
fn token(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("token file")
        .trim()
        .to_string()
}

#[test]
fn the_owner_gets_in_while_another_client_guesses_wrong_in_a_loop() {
    let _turn = common::heavy();
    let _s = serial();
    let d = dir("owner");
    let tok = d.join("token");
    let srv = Served::start(&["--shell-token-file", &tok.to_string_lossy()]);
    let tok = token(&tok);
    let port = srv.port;

    // The guesser: a wrong token, wait for the answer, again, for 8 s.
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    let guesser = std::thread::spawn(move || {
        let mut answers = Vec::new();
        while !stop2.load(Ordering::Relaxed) {
            let t0 = Instant::now();
            let r = exchange(
                port,
                "auth 0123456789abcdef0123456789abcdef\n",
                Duration::from_secs(30),
            );
            answers.push((r, t0.elapsed()));
        }
        answers
    });
    // The owner, with the right token, every 400 ms meanwhile.
    let mut owner = Vec::new();
    let end = Instant::now() + Duration::from_secs(8);
    std::thread::sleep(Duration::from_millis(300));
    while Instant::now() < end {
        let t0 = Instant::now();
        let r = exchange(
            port,
            &format!("auth {tok}\nprint('in ' .. 6 * 7)\n"),
            Duration::from_secs(30),
        );
        owner.push((r.contains("in 42"), t0.elapsed(), r));
        std::thread::sleep(Duration::from_millis(400));
    }
    stop.store(true, Ordering::Relaxed);
    let answers = guesser.join().expect("guesser");

    let log = srv.stderr();
    assert!(owner.len() >= 5, "the owner tried {} times", owner.len());
    for (ok, took, r) in &owner {
        assert!(ok, "the owner was refused while a guesser guessed: {r:?}\n{log}");
        assert!(*took < Duration::from_secs(3), "the owner waited {took:?}\n{log}");
    }
    // Every guess was refused, each answered later than the one before, up to seconds.
    assert!(answers.iter().all(|(r, _)| r.starts_with(WRONG)), "{answers:?}");
    assert!(
        (2..=12).contains(&answers.len()),
        "{} guesses answered in 8 s: {answers:?}",
        answers.len()
    );
    let slowest = answers.iter().map(|a| a.1).max().unwrap_or_default();
    let owner_slowest = owner.iter().map(|o| o.1).max().unwrap_or_default();
    assert!(
        slowest >= Duration::from_secs(1) && owner_slowest < slowest,
        "the guesser's slowest answer took {slowest:?}, the owner's {owner_slowest:?}"
    );
}

#[test]
fn sixteen_parallel_wrong_guesses_from_one_address_are_answered_one_per_delay() {
    let _turn = common::heavy();
    let _s = serial();
    let d = dir("parallel");
    let tok = d.join("token");
    let srv = Served::start(&["--shell-token-file", &tok.to_string_lossy()]);
    // 16 connections first, then the 16 wrong tokens together.
    let conns: Vec<TcpStream> = (0..16)
        .map(|_| TcpStream::connect(("127.0.0.1", srv.port)).expect("connect"))
        .collect();
    let t0 = Instant::now();
    let readers: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, mut s)| {
            s.write_all(format!("auth wrong-token-{i:02}-0123456789abcdef0123\n").as_bytes())
                .expect("send");
            s.set_read_timeout(Some(Duration::from_secs(7))).expect("timeout");
            std::thread::spawn(move || {
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                out.starts_with(WRONG).then(|| t0.elapsed())
            })
        })
        .collect();
    let mut answered: Vec<Duration> = readers
        .into_iter()
        .filter_map(|r| r.join().expect("reader"))
        .collect();
    answered.sort();
    // The delays double from 250 ms: answers at about 0.25, 0.75, 1.75, 3.75 s, the next at
    // 7.75 s, past the 7 s the clients wait.
    assert!(
        (2..=5).contains(&answered.len()),
        "{} of 16 wrong guesses answered within 7 s: {answered:?}",
        answered.len()
    );
    for (i, w) in answered.windows(2).enumerate() {
        let gap = w[1] - w[0];
        // Half the delay: a busy machine may release one answer late and the next on time.
        let want = Duration::from_millis(250 << (i + 1)) / 2;
        assert!(
            gap >= want,
            "answers {i} and {} came {gap:?} apart: {answered:?}",
            i + 1
        );
    }
    let log = srv.stderr();
    assert!(log.contains("wrong token (failure 16 from loopback"), "{log}");
}

#[test]
fn an_http_request_to_the_open_shell_runs_nothing() {
    let _turn = common::heavy();
    let _s = serial();
    let d = dir("http");
    let marker = d.join("ran");
    let srv = Served::start(&[]);
    let body = format!("io.open({:?}, 'w'):close()\n", marker.to_string_lossy());
    // What a web page's fetch() sends: the head, then the body in a second segment.
    let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            srv.port,
            body.len()
        )
        .as_bytes(),
    )
    .expect("head");
    std::thread::sleep(Duration::from_millis(300));
    let _ = s.write_all(body.as_bytes());
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(
        out.starts_with("pktgen shell: this is pktgen's Lua shell, not an HTTP server")
            && out.lines().count() == 1,
        "{out:?}"
    );
    // A first line that is a header alone is refused too; Lua still runs for everyone else.
    let out = exchange(srv.port, &format!("Host: x\r\n{body}"), Duration::from_secs(20));
    assert!(out.contains("not an HTTP server"), "{out:?}");
    let out = exchange(
        srv.port,
        "GET = 1 print('still ' .. GET)\n",
        Duration::from_secs(20),
    );
    assert!(out.contains("still 1"), "{out:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!marker.exists(), "the HTTP body ran as Lua");
    let log = srv.stderr();
    assert!(log.contains("its first line looks like HTTP"), "{log}");
}

/// One HTTP/1.0 GET of /metrics; the status line and how long it took.
fn scrape(port: u16) -> (String, Duration) {
    let t0 = Instant::now();
    let out = exchange(port, "GET /metrics HTTP/1.0\r\n\r\n", Duration::from_secs(20));
    (out.lines().next().unwrap_or_default().to_string(), t0.elapsed())
}

#[test]
fn a_trickling_metrics_client_does_not_delay_a_scrape() {
    let _turn = common::heavy();
    let _s = serial();
    let srv = Served::start(&["--metrics", "127.0.0.1:0"]);
    let mport = srv.metrics.expect("metrics port");
    // Three clients each sending a byte every 300 ms, for as long as pktgen lets them.
    let trickle: Vec<_> = (0..3)
        .map(|_| {
            std::thread::spawn(move || {
                let t0 = Instant::now();
                let mut s = TcpStream::connect(("127.0.0.1", mport)).expect("connect");
                for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().cycle() {
                    if s.write_all(&[*b]).is_err() || t0.elapsed() > Duration::from_secs(15) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
                t0.elapsed()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // Scrapes while they trickle: each answered at once, eight at a time too.
    let (status, took) = scrape(mport);
    assert!(
        status.starts_with("HTTP/1.0 200") || status.starts_with("HTTP/1.1 200"),
        "{status}"
    );
    // Answered at all means within the server's own 2 s deadline from accept (it closes a
    // connection then, answered or not); the client's clock only bounds it, with room for a
    // loaded machine, far below the minutes a held endpoint took.
    assert!(
        took < Duration::from_secs(5),
        "a scrape took {took:?} beside slow clients"
    );
    let many: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(move || scrape(mport)))
        .collect();
    for m in many {
        let (status, took) = m.join().expect("scrape");
        assert!(status.contains(" 200"), "{status}");
        assert!(took < Duration::from_secs(5), "a parallel scrape took {took:?}");
    }
    // The slow clients were cut off at their deadline (2 s from accept), not served for ever.
    for t in trickle {
        let held = t.join().expect("trickle");
        assert!(
            held < Duration::from_secs(6),
            "a trickling client was held {held:?}"
        );
    }
    // hyper answers a malformed request itself.
    let out = exchange(mport, "NOT HTTP AT ALL\r\n\r\n", Duration::from_secs(20));
    assert!(out.is_empty() || out.starts_with("HTTP/1.1 400"), "{out:?}");
}

/// Runs pktgen with `args` until it exits (`--exit`); its status and stderr.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pktgen"));
    c.current_dir(common::root())
        .args(["--listen", "127.0.0.1:0", "--exit"])
        .args(args)
        .env_remove("PKTGEN_SHELL_TOKEN");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = common::run(c, "");
    (o.status.code(), common::text(&o).1)
}

#[test]
fn secret_files_others_could_read_own_or_redirect_are_refused() {
    let _turn = common::heavy();
    use std::os::unix::fs::PermissionsExt as _;
    let _s = serial();
    let d = dir("files");
    let good = "9f2c0a7e4b1d8c3f6a5e0b9d2c7f4a1e8b3d6c0f9e2a\n";
    let file = |name: &str, mode: u32| {
        let p = d.join(name);
        std::fs::write(&p, good).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        p.to_string_lossy().into_owned()
    };
    let refused = |args: &[&str], want: &[&str]| {
        let (code, err) = run(args, &[]);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        for w in want {
            assert!(err.contains(w), "{args:?}: no {w:?} in {err}");
        }
    };
    // Readable by others.
    let open = file("open", 0o644);
    refused(
        &["--shell-token-file", &open],
        &[
            &format!("--shell-token-file {open}: "),
            "mode 0644",
            &format!("chmod 600 {open}"),
        ],
    );
    // Owned by another user (tests run as root, who can give it away).
    let theirs = file("theirs", 0o600);
    let chown = Command::new("chown").args(["nobody", &theirs]).status();
    assert!(
        chown.is_ok_and(|s| s.success()),
        "chown nobody (the tests run as root)"
    );
    refused(
        &["--shell-token-file", &theirs],
        &[
            &format!("--shell-token-file {theirs}: owned by uid"),
            "use a file of your own",
        ],
    );
    // A symbolic link to a good file.
    let mine = file("mine", 0o600);
    let link = d.join("link").to_string_lossy().into_owned();
    std::os::unix::fs::symlink(&mine, &link).expect("symlink");
    refused(
        &["--shell-token-file", &link],
        &[
            &format!("--shell-token-file {link}: a symbolic link"),
            "readlink -f",
        ],
    );
    // The good file itself is fine; a weak token in it is not.
    let (code, err) = run(&["--shell-token-file", &mine], &[]);
    assert_eq!(code, Some(0), "{err}");
    let weak = d.join("weak");
    std::fs::write(&weak, "letmein-letmein\n").expect("write");
    std::fs::set_permissions(&weak, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let weak = weak.to_string_lossy().into_owned();
    refused(
        &["--shell-token-file", &weak],
        &[
            "a token needs 128 bits",
            "openssl rand -hex 32",
            &format!("> {weak}"),
        ],
    );
    let (code, err) = run(&[], &[("PKTGEN_SHELL_TOKEN", "hunter2hunter2")]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("export PKTGEN_SHELL_TOKEN=$(openssl rand -hex 32)"),
        "{err}"
    );
    // The TLS key is a secret file too: refused open to the group, fine once it is 0600.
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-days", "2", "-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "openssl: {}", common::text(&made).1);
    let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy().into_owned());
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    refused(
        &["--shell-tls-cert", &cert, "--shell-tls-key", &key],
        &[
            &format!("--shell-tls-key {key}: "),
            "mode 0640",
            &format!("chmod 600 {key}"),
        ],
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let (code, err) = run(&["--shell-tls-cert", &cert, "--shell-tls-key", &key], &[]);
    assert_eq!(code, Some(0), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_child_started_from_lua_does_not_see_the_token() {
    let _turn = common::heavy();
    let _s = serial();
    let d = dir("env");
    let tok = "9f2c0a7e4b1d8c3f6a5e0b9d2c7f4a1e8b3d6c0f";
    let script = d.join("env.lua");
    std::fs::write(
        &script,
        format!(
            "local env = io.popen('env'):read('a')\n\
             local proc = io.open('/proc/self/environ'):read('a')\n\
             print('child sees name: ' .. tostring(env:find('PKTGEN_SHELL_TOKEN=', 1, true) ~= nil))\n\
             print('child sees token: ' .. tostring(env:find('{tok}', 1, true) ~= nil))\n\
             print('environ has token: ' .. tostring(proc:find('{tok}', 1, true) ~= nil))\n"
        ),
    )
    .expect("script");
    let mut c = Command::new(env!("CARGO_BIN_EXE_pktgen"));
    c.current_dir(common::root())
        .args(["--listen", "127.0.0.1:0", &script.to_string_lossy(), "--exit"])
        .env("PKTGEN_SHELL_TOKEN", tok);
    let o = common::run(c, "");
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    for l in [
        "child sees name: false",
        "child sees token: false",
        "environ has token: false",
    ] {
        assert!(out.contains(l), "no {l:?} in:\n{out}\n{err}");
    }
    assert!(
        err.contains("token from $PKTGEN_SHELL_TOKEN (now removed"),
        "{err}"
    );
    // And the token still lets a client in.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pktgen"))
        .current_dir(common::root())
        .args(["--listen", "127.0.0.1:0"])
        .env("PKTGEN_SHELL_TOKEN", tok)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pktgen");
    let port: u16 = common::shell_port(&mut child).parse().expect("port");
    let out = exchange(
        port,
        &format!("auth {tok}\nprint(6 * 7)\n"),
        Duration::from_secs(20),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.contains("42"), "{out:?}");
    let _ = std::fs::remove_dir_all(&d);
}
