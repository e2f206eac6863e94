//! Running the real `pktgen` binary from tests: a timeout on every run (a hung process fails the
//! test instead of the whole suite), the workspace root as working directory (so `test/...`
//! paths and Pktgen scripts' `package.path` additions work), and `--no-listen` always.

#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any one pktgen run may take.
pub const TIMEOUT: Duration = Duration::from_secs(60);

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

/// Waits for `child` up to `timeout`, killing it past that; returns its output.
pub fn wait_within(mut child: Child, timeout: Duration) -> Output {
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
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pktgen did not finish within {timeout:?}");
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
