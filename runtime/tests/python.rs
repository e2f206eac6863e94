//! The Python client's tests and the `--metrics` scrape tests (clients/python/tests, pytest)
//! against this build's `pktgen`, so `cargo test` (and `make test`) runs them and fails with
//! them. They test the client in the tree (PYTHONPATH), not an older installed copy; `make deps`
//! installs pytest and prometheus_client.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn python_client_and_metrics_pass_pytest() {
    let root = common::root();
    let child = Command::new("python3")
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "clients/python/tests",
        ])
        .current_dir(&root)
        .env("PKTGEN_BIN", env!("CARGO_BIN_EXE_pktgen"))
        .env("PYTHONPATH", root.join("clients/python/src"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3 -m pytest (make deps installs python3, pytest and prometheus_client)");
    let o = common::wait_within(child, Duration::from_secs(600));
    let (out, err) = common::text(&o);
    // Exit 5 is "no tests collected": a failure here too.
    assert!(
        o.status.success(),
        "pytest failed ({:?}):\n{out}\n{err}",
        o.status
    );
    assert!(out.contains(" passed"), "pytest ran no test:\n{out}\n{err}");
    eprintln!("{}", out.lines().last().unwrap_or_default());
}
