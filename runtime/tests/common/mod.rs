//! Running the real `pktgen` binary from tests: a timeout on every run (a hung process fails the
//! test instead of the whole suite), the workspace root as working directory (so `test/...`
//! paths and Pktgen scripts' `package.path` additions work), and `--no-listen` always.

#![allow(dead_code)]

pub mod dut;
pub mod netns;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The turn of tests that compete for the machine's CPUs (real traffic at a rate, namespaces, a
/// terminal under tmux): a test binary's tests run in parallel threads, and on a 2-CPU machine two
/// such tests side by side would each measure the other. Light tests run beside them.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits for the heavy tests' turn and holds it until the guard drops (a test that failed while
/// holding it does not stop the others).
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|p| p.into_inner())
}

/// How long any one pktgen run may take.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// Fails naming each of `tools` that is not on the PATH, and `why` it is needed.
pub fn need_tools(tools: &[&str], why: &str) {
    for tool in tools {
        assert!(
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .is_ok_and(|o| o.status.success()),
            "{tool} is needed {why}"
        );
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A `pktgen` command in the workspace root with `--no-listen` appended (after `--` when the
/// arguments have one, where pktgen's own arguments are).
pub fn pktgen(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pktgen"));
    c.current_dir(root());
    c.args(args);
    c.arg("--no-listen");
    c
}

/// A `pktgen` command on virtual devices instead of the embedded default: EAL without hugepages,
/// PCI or shared files, lcores 0-1, its own `--file-prefix`, one `--vdev` per entry of `vdevs`,
/// then `--` and `args` (pktgen's own arguments; `--no-listen` is appended as for [`pktgen`]).
pub fn pktgen_vdevs(file_prefix: &str, vdevs: &[&str], args: &[&str]) -> Command {
    let mut eal = vec![
        "--no-huge",
        "--no-pci",
        "--no-shconf",
        "--no-telemetry",
        "-m",
        "256",
        "-l",
        "0-1",
        "--file-prefix",
        file_prefix,
    ];
    for v in vdevs {
        eal.extend(["--vdev", v]);
    }
    eal.push("--");
    eal.extend(args);
    pktgen(&eal)
}

/// Waits for `child` up to [`TIMEOUT`], killing it past that; returns its output.
pub fn wait(child: Child) -> Output {
    wait_within(child, TIMEOUT)
}

/// Waits for `child` up to `limit`, killing it past that; returns its output.
pub fn wait_within(mut child: Child, limit: Duration) -> Output {
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut v);
        }
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut v);
        }
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child process did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: t_out.join().expect("stdout reader"),
        stderr: t_err.join().expect("stderr reader"),
    }
}

/// Runs `cmd` with `stdin` as its standard input (empty: /dev/null).
pub fn run(mut cmd: Command, stdin: &str) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_empty() {
        Stdio::null()
    } else {
        Stdio::piped()
    });
    let mut child = cmd.spawn().expect("spawn pktgen");
    if !stdin.is_empty() {
        let mut i = child.stdin.take().expect("stdin");
        i.write_all(stdin.as_bytes()).expect("write stdin");
    }
    wait(child)
}

/// Stdout and stderr as text, for assertions and failure messages.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A file in a fresh temporary directory for this test.
pub fn temp_file(test: &str, name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pktgen-rt-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, contents).expect("write temp file");
    p
}

/// A `pktgen` serving its shell on a free loopback port (never 22022), with stdin at EOF; its
/// stderr is kept for failure messages. Killed when dropped.
pub struct Served {
    child: Option<Child>,
    /// The shell's port.
    pub port: u16,
    /// The `--metrics` port, when asked for.
    pub metrics: Option<u16>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// Starts `pktgen --listen 127.0.0.1:0 <args>` and waits for its "listening" lines (and the
    /// metrics one when `args` has `--metrics`).
    pub fn start(args: &[&str]) -> Served {
        Served::start_on("127.0.0.1", args)
    }

    /// [`Served::start`] with the shell on `host` (an IPv4 address), on a free port.
    pub fn start_on(host: &str, args: &[&str]) -> Served {
        use std::io::{BufRead as _, BufReader};
        let shell_prefix = format!("pktgen: Lua shell listening on {host}:");
        let mut child = Command::new(env!("CARGO_BIN_EXE_pktgen"))
            .current_dir(root())
            .args(["--listen", &format!("{host}:0")])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pktgen");
        let err = child.stderr.take().expect("stderr");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let log = std::sync::Arc::clone(&stderr);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { return };
                for (what, prefix) in [
                    ("shell", shell_prefix.as_str()),
                    ("metrics", "pktgen: metrics on http://127.0.0.1:"),
                ] {
                    if let Some(p) = line.strip_prefix(prefix) {
                        let p = p.split('/').next().unwrap_or("").parse::<u16>().expect("port");
                        let _ = tx.send((what, p));
                    }
                }
                let mut l = log.lock().unwrap_or_else(|p| p.into_inner());
                l.push_str(&line);
                l.push('\n');
            }
        });
        let mut s = Served {
            child: Some(child),
            port: 0,
            metrics: None,
            stderr,
            reader: Some(reader),
        };
        let want_metrics = args.contains(&"--metrics");
        while s.port == 0 || (want_metrics && s.metrics.is_none()) {
            match rx.recv_timeout(TIMEOUT) {
                Ok(("shell", p)) => s.port = p,
                Ok((_, p)) => s.metrics = Some(p),
                Err(_) => panic!("pktgen did not say where it listens; stderr: {}", s.stderr()),
            }
        }
        s
    }

    /// What pktgen wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits (up to [`TIMEOUT`]) until stderr has `needle`; returns all of it so far.
    pub fn stderr_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let s = self.stderr();
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} on pktgen's stderr:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM (the clean shutdown path); returns the output once it exited, with all of stderr.
    pub fn stop(mut self) -> Output {
        let child = self.child.take().expect("child");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let mut o = wait(child);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        o.stderr = self.stderr().into_bytes();
        o
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The port of a pktgen started with `--listen 127.0.0.1:0` and a piped stderr, read from its
/// "listening on" line; the rest of its stderr is drained on a thread, so it never blocks.
pub fn shell_port(child: &mut Child) -> String {
    let mut lines = BufReader::new(child.stderr.take().expect("pktgen's stderr piped")).lines();
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("pktgen: Lua shell listening on 127.0.0.1:")
                .map(str::to_owned)
        })
        .expect("the shell's 'listening on' line");
    std::thread::spawn(move || lines.for_each(drop));
    port
}

/// The lines of `r` (a child's stdout or stderr) as they come, read on a thread of their own.
pub fn line_reader(r: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
