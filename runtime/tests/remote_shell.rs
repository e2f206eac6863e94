//! The shell off loopback, for real (docs/SHELL.md, "Remote shell"): each test makes a veth pair into a
//! network namespace of its own, pktgen listens on the outer end's address (198.18.0.0/15, the
//! benchmarking range, a /30 per test), and the clients run inside the namespace through
//! `ip netns exec`: `socat` (TCP and OPENSSL), and Python's `ssl` through clients/python
//! (runtime/tests/remote_shell/clients.py). Certificates are made by the openssl command-line
//! tool. Needs root, `ip`, `socat`, `openssl` and `python3`. Every wait has a deadline.

mod common;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::Served;
use common::netns::Peer;
use serde_json::Value;

/// How long one client run may take.
const CLIENT: Duration = Duration::from_secs(60);

/// The lines pktgen refuses with (runtime/src/shell/auth.rs).
const REQUIRED: &str = "pktgen shell: authentication required: send `auth <token>` as the first line";
const WRONG: &str = "pktgen shell: authentication failed: wrong token; closing";

const HELLO: &str = "Hello World!!!!";

fn need_tools() {
    common::need_tools(
        &["ip", "socat", "openssl", "python3"],
        "for the remote shell tests (make deps installs it)",
    );
}

/// A namespace joined to us by a veth /30: pktgen listens on `ours`, clients come from
/// `theirs`. `n` (0..4) tells this process's tests apart; the process id the processes.
struct Net {
    peer: Peer,
    ours: Ipv4Addr,
    theirs: Ipv4Addr,
    dir: PathBuf,
}

impl Net {
    fn new(n: u32) -> Net {
        need_tools();
        let pid = std::process::id();
        let index = (pid & 0x1fff) * 4 + n;
        let base = u32::from(Ipv4Addr::new(198, 18, 0, 0)) + index * 4;
        let (ours, theirs) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
        let peer = Peer::create(&format!("r{pid}{n}"), &format!("{theirs}/30"))
            .unwrap_or_else(|e| panic!("setting up the veth pair: {e}"));
        peer.address_ours(&format!("{ours}/30"))
            .unwrap_or_else(|e| panic!("addressing our end: {e}"));
        let dir = std::env::temp_dir().join(format!("pktgen-remote-{pid}-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Net {
            peer,
            ours,
            theirs,
            dir,
        }
    }

    /// `sh -c script` inside the namespace, in the workspace root; its output and how long it
    /// took.
    fn sh(&self, script: &str) -> (Output, Duration) {
        let mut c = self.peer.command("sh");
        c.args(["-c", script])
            .current_dir(common::root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let t0 = Instant::now();
        let o = common::wait_within(c.spawn().expect("ip netns exec sh"), CLIENT);
        (o, t0.elapsed())
    }

    /// `clients.py args...` inside the namespace; its JSON line.
    fn python(&self, args: &[&str]) -> Value {
        let mut c = self.peer.command("python3");
        c.arg(clients_py()).args(args);
        python_json(c)
    }

    /// Python's `ssl` through the client (`clients.py tls`), from the namespace: pktgen on
    /// `port` checked with `ca`, with these `more` arguments (`--token-file`, `--cert`/`--key`).
    fn python_tls(&self, port: u16, ca: &str, more: &[&str]) -> Value {
        let (ours, port) = (self.ours.to_string(), port.to_string());
        let mut args = vec!["tls", &ours, &port, "--cafile", ca];
        args.extend_from_slice(more);
        self.python(&args)
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn clients_py() -> PathBuf {
    common::root().join("runtime/tests/remote_shell/clients.py")
}

/// Runs a clients.py command and parses its last line.
fn python_json(mut c: Command) -> Value {
    c.current_dir(common::root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let o = common::wait_within(c.spawn().expect("python3"), Duration::from_secs(300));
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "clients.py failed:\n{out}\n{err}");
    let last = out.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("clients.py said {last:?} ({e})\n{err}"))
}

/// The certificates of `clients/python/tests/conftest.py`'s `make_pki` in `dir`, pktgen's for
/// `ip`.
fn pki(dir: &str, ip: Ipv4Addr) -> Certs {
    let mut c = Command::new("python3");
    c.arg(clients_py()).args(["pki", dir, &ip.to_string()]);
    Certs(python_json(c))
}

fn text(o: &Output) -> String {
    let (out, err) = common::text(o);
    format!("--- stdout\n{out}--- stderr\n{err}")
}

/// The certificates of [`pki`], by name.
struct Certs(Value);

impl Certs {
    fn get(&self, name: &str) -> String {
        self.0[name].as_str().unwrap_or_default().to_string()
    }
}

/// Certificates for `net.ours`, and pktgen speaking TLS there with `more` arguments.
fn tls_served(net: &Net, more: &[&str]) -> (Served, Certs) {
    let c = pki(&net.path(""), net.ours);
    let (cert, key) = (c.get("server_cert"), c.get("server_key"));
    let mut args = vec!["--shell-tls-cert", &cert, "--shell-tls-key", &key];
    args.extend_from_slice(more);
    (Served::start_on(&net.ours.to_string(), &args), c)
}

/// docs/SHELL.md's way to run hello-world with a token: the auth line, then the file, into socat's
/// `target` address.
fn hello_with_token(tok: &str, target: &str) -> String {
    format!("(echo \"auth $(cat {tok})\"; cat test/hello-world.lua) | socat -t 10 - {target}")
}

/// Asserts that pktgen logged a failed attempt from the namespace, saying `why`; returns its
/// stderr.
fn failure_logged(srv: &Served, net: &Net, why: &str) -> String {
    let log = srv.stderr();
    assert!(
        log.contains(&format!("authentication failed from {}:", net.theirs)) && log.contains(why),
        "{log}"
    );
    log
}

/// A chunk that leaves a file behind if it runs.
fn marker_chunk(net: &Net) -> (String, PathBuf) {
    let marker = PathBuf::from(net.path("ran"));
    let chunk = net.path("marker.lua");
    std::fs::write(
        &chunk,
        format!(
            "io.open({:?}, 'w'):close() print('RAN')\n",
            marker.to_string_lossy()
        ),
    )
    .expect("chunk");
    (chunk, marker)
}

#[test]
fn a_token_lets_in_only_who_has_it() {
    let _turn = common::heavy();
    let net = Net::new(0);
    let tok = net.path("token");
    // No --shell-allow-remote: a token is enough to listen off loopback.
    let srv = Served::start_on(&net.ours.to_string(), &["--shell-token-file", &tok]);
    srv.stderr_with(&format!(
        "token file: {tok} (created with a random token, mode 0600)"
    ));
    // A token without TLS off loopback: said at start-up.
    srv.stderr_with(
        "is reachable from other hosts without TLS: the token and every command cross the network in clear",
    );
    let addr = format!("{}:{}", net.ours, srv.port);
    let (chunk, marker) = marker_chunk(&net);

    // Without the token: one line saying why, and nothing ran.
    let (o, _) = net.sh(&format!("socat -t 10 - TCP:{addr} < {chunk}"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with(REQUIRED) && out.lines().count() == 1,
        "{}",
        text(&o)
    );

    // A wrong token: refused, after a delay, and nothing ran.
    let (o, took) = net.sh(&format!(
        "(echo auth not-the-token-0123456789; cat {chunk}) | socat -t 10 - TCP:{addr}"
    ));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("{WRONG}\n"),
        "{}",
        text(&o)
    );
    assert!(
        took >= Duration::from_millis(250),
        "a wrong token was answered after {took:?}, not slowed"
    );
    let log = failure_logged(&srv, &net, "wrong token (failure 1 from");
    assert!(
        log.contains(&format!("refused {}:", net.theirs)) && log.contains("is not `auth <token>`"),
        "{log}"
    );

    // The right token, as docs/SHELL.md shows it, right after the failure: the seed's hello world runs.
    let (o, _) = net.sh(&hello_with_token(&tok, &format!("TCP:{addr}")));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(HELLO) && out.contains("Lua Version"), "{}", text(&o));
    assert!(!marker.exists(), "a refused client's chunk ran");
    drop(srv);
}

#[test]
fn tls_with_socat_and_python_and_a_wrong_ca_refused() {
    let _turn = common::heavy();
    let net = Net::new(1);
    let tok = net.path("token");
    let (srv, c) = tls_served(&net, &["--shell-token-file", &tok]);
    let f = |k: &str| c.get(k);
    let addr = format!("{}:{}", net.ours, srv.port);

    // socat over TLS, checking pktgen's certificate with the CA, the token first.
    let (o, _) = net.sh(&hello_with_token(
        &tok,
        &format!("OPENSSL:{addr},cafile={}", f("ca")),
    ));
    assert!(String::from_utf8_lossy(&o.stdout).contains(HELLO), "{}", text(&o));

    // Python's ssl module, through the client, in program mode.
    let v = net.python_tls(srv.port, &f("ca"), &["--token-file", &tok]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["value"], 42, "{v}");
    assert!(v["output"].as_str().is_some_and(|s| s.contains(HELLO)), "{v}");

    // A CA that did not sign pktgen's certificate: both clients refuse to go on.
    let (o, _) = net.sh(&hello_with_token(
        &tok,
        &format!("OPENSSL:{addr},cafile={}", f("other_ca")),
    ));
    assert!(
        !o.status.success() && !String::from_utf8_lossy(&o.stdout).contains(HELLO),
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("certificate verify failed"),
        "{}",
        text(&o)
    );
    let v = net.python_tls(srv.port, &f("other_ca"), &["--token-file", &tok]);
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["error"], "PktgenConnectionError", "{v}");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("CERTIFICATE_VERIFY_FAILED")),
        "{v}"
    );

    // Plain TCP to a TLS shell: told so, in plain text.
    let (o, _) = net.sh(&format!("socat -t 10 - TCP:{addr} < test/hello-world.lua"));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("pktgen shell: this shell speaks TLS"),
        "{}",
        text(&o)
    );
    drop(srv);
}

#[test]
fn mutual_tls_refuses_a_client_without_a_certificate() {
    let _turn = common::heavy();
    let net = Net::new(2);
    // Client certificates are enough to listen off loopback: no token, no --shell-allow-remote.
    let ca = net.path("ca.pem"); // where make_pki puts the CA

    let (srv, c) = tls_served(&net, &["--shell-tls-client-ca", &ca]);
    let f = |k: &str| c.get(k);
    srv.stderr_with("clients need a certificate signed by");
    let addr = format!("{}:{}", net.ours, srv.port);
    let (chunk, marker) = marker_chunk(&net);

    let (o, _) = net.sh(&format!(
        "socat -t 10 - OPENSSL:{addr},cafile={},cert={},key={} < test/hello-world.lua",
        f("ca"),
        f("client_cert"),
        f("client_key")
    ));
    assert!(String::from_utf8_lossy(&o.stdout).contains(HELLO), "{}", text(&o));
    let v = net.python_tls(
        srv.port,
        &f("ca"),
        &["--cert", &f("client_cert"), "--key", &f("client_key")],
    );
    assert_eq!(v["value"], 42, "{v}");

    // Without a certificate: the handshake is refused, nothing runs.
    let (o, _) = net.sh(&format!(
        "socat -t 10 - OPENSSL:{addr},cafile={} < {chunk}",
        f("ca")
    ));
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("RAN"),
        "{}",
        text(&o)
    );
    let v = net.python_tls(srv.port, &f("ca"), &[]);
    assert_eq!(v["error"], "AuthenticationError", "{v}");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("CERTIFICATE_REQUIRED")),
        "{v}"
    );
    failure_logged(&srv, &net, "no client certificate presented");
    // A certificate signed by another CA is refused as well.
    let mine = Path::new(&net.path("")).join("mine");
    std::fs::create_dir_all(&mine).expect("dir");
    let q = pki(&mine.to_string_lossy(), net.ours);
    let g = |k: &str| q.get(k);
    let v = net.python_tls(
        srv.port,
        &f("ca"),
        &["--cert", &g("client_cert"), "--key", &g("client_key")],
    );
    assert_eq!(v["error"], "AuthenticationError", "{v}");
    assert!(
        !marker.exists(),
        "a client without a certificate had its chunk run"
    );
    drop(srv);
}

#[test]
fn guessing_leaves_the_owner_other_clients_and_the_ports_alone() {
    let _turn = common::heavy();
    let net = Net::new(3);
    let tok = net.path("token");
    let srv = Served::start_on(&net.ours.to_string(), &["--shell-token-file", &tok]);
    let ours = net.ours.to_string();
    let port = srv.port.to_string();
    let stop = net.path("stop");

    // A client beside pktgen (its address is ours, not the namespace's) starts port 0 sending
    // for ever and keeps asking and connecting while the attack runs.
    let mut legit = Command::new("python3")
        .arg(clients_py())
        .args(["legit", &ours, &port, &tok, &stop])
        .current_dir(common::root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let lines = common::line_reader(legit.stdout.take().expect("stdout"));
    let ready = lines.recv_timeout(Duration::from_secs(60));
    assert_eq!(ready.as_deref(), Ok("READY"), "the legit client did not start");

    // 4 threads guess for 12 s from the namespace; the owner comes from there too, each second.
    let attack = net.python(&["attack", &ours, &port, &tok, "12"]);
    std::fs::write(&stop, "").expect("stop file");
    let o = common::wait_within(legit, Duration::from_secs(120));
    let out: Vec<String> = lines.try_iter().collect();
    assert!(o.status.success(), "legit client: {out:?}\n{}", text(&o));
    let legit: Value = serde_json::from_str(out.last().map_or("", String::as_str))
        .unwrap_or_else(|e| panic!("legit client said {out:?} ({e})"));
    eprintln!("attack: {attack}\nlegit: {legit}");

    // Every guess was checked and refused as wrong, none ran Lua, and the answers came one per
    // delay (250 ms doubling to 4 s): a handful in 12 s, not hundreds.
    let r = &attack["replies"];
    let n = |k: &str| r[k].as_u64().unwrap_or(0);
    assert_eq!(n("other"), 0, "{attack}");
    assert_eq!(n("pending"), 0, "{attack}");
    assert!(n("wrong") >= 3 && n("wrong") <= 16, "guesses answered: {attack}");
    let log = srv.stderr();
    let logged = log.matches("wrong token (failure ").count() as u64;
    assert!(logged >= n("wrong"), "{log}");
    // The owner, from the guessers' own address, got in every time.
    assert_eq!(attack["owner_errors"], Value::Array(vec![]), "{attack}");
    assert!(attack["owner_in"].as_u64().unwrap_or(0) >= 5, "{attack}");
    // The client that got in before, from the attacker's address, was answered throughout.
    assert!(attack["before_answered"].as_u64().unwrap_or(0) >= 1, "{attack}");
    assert_eq!(attack["before_wrong"], 0, "{attack}");
    // Other clients came and went, and the port kept sending; it counts exactly.
    assert_eq!(legit["errors"], Value::Array(vec![]), "{legit}");
    assert!(legit["connects"].as_u64().unwrap_or(0) >= 1, "{legit}");
    assert_eq!(legit["increasing"], true, "{legit}");
    assert!(legit["sent"].as_u64().unwrap_or(0) > 0, "{legit}");
    assert_eq!(legit["sent"], legit["received"], "{legit}");
    drop(srv);
}

#[test]
fn unusable_settings_are_named_and_open_remote_shells_still_need_the_flag() {
    let _turn = common::heavy();
    let dir = std::env::temp_dir().join(format!("pktgen-remote-{}-cli", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let short = dir.join("short");
    std::fs::write(&short, "abc\n").expect("token");
    std::fs::set_permissions(&short, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pktgen"));
        c.current_dir(common::root())
            .arg("--exit")
            .args(args)
            .env_remove("PKTGEN_SHELL_TOKEN");
        let o = common::run(c, "");
        (o.status.code(), common::text(&o).1)
    };
    let short = short.to_string_lossy();
    let (code, err) = run(&["--listen", "127.0.0.1:0", "--shell-token-file", &short]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "--shell-token-file {short}: the token carries at most 5 bits"
        )),
        "{err}"
    );
    let (code, err) = run(&[
        "--listen",
        "127.0.0.1:0",
        "--shell-tls-cert",
        "/nonexistent.pem",
        "--shell-tls-key",
        "/nonexistent.key",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("--shell-tls-cert /nonexistent.pem: "), "{err}");
    let (code, err) = run(&["--shell-tls-cert", "x.pem"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("go together"), "{err}");
    // Off loopback without a token or client certificates: refused, and told how to fix it.
    let (code, err) = run(&["--listen", "0.0.0.0:0"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("--shell-token-file") && err.contains("--shell-allow-remote"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
