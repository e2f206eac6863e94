//! The Lua stdlib's own tests: every `test/lua/*.lua` in its own `pktgen --no-listen --exit -f`
//! process (each with its own EAL), which must exit 0. Run one after another: some measure rates,
//! and two processes on a 2-core machine would skew each other.

mod common;

#[test]
fn every_test_lua_script_passes() {
    let dir = common::root().join("test/lua");
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "lua"))
            .collect(),
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    files.sort();
    let mut failed = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(common::root())
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        let o = common::run(common::pktgen(&["--exit", "-f", &rel]), "");
        let (out, err) = common::text(&o);
        eprintln!("{rel}: {:?}", o.status);
        if !o.status.success() {
            failed.push(format!(
                "{rel}: {:?}\n--- stdout\n{out}--- stderr\n{err}",
                o.status
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

/// The same scripts, unchanged, piped through `socat` into a fresh pktgen's shell: each must run
/// as one chunk with no error coming back.
#[test]
fn every_test_lua_script_passes_through_the_shell() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    let dir = common::root().join("test/lua");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("test/lua")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    files.sort();
    let mut failed = Vec::new();
    for f in &files {
        let mut srv = Command::new(env!("CARGO_BIN_EXE_pktgen"))
            .current_dir(common::root())
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pktgen");
        let mut lines = BufReader::new(srv.stderr.take().expect("stderr")).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| {
                l.strip_prefix("pktgen: Lua shell listening on 127.0.0.1:")
                    .map(str::to_owned)
            })
            .expect("the shell's 'listening on' line");
        // Keep draining stderr so pktgen never blocks on it.
        std::thread::spawn(move || lines.for_each(drop));
        let mut client = Command::new("socat");
        client
            .args(["-t", "120", "-", &format!("TCP4:127.0.0.1:{port}")])
            .stdin(Stdio::from(std::fs::File::open(f).expect("script")))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let o = common::wait(client.spawn().expect("socat"));
        let _ = srv.kill();
        let _ = srv.wait();
        let (out, err) = common::text(&o);
        let rel = f.strip_prefix(common::root()).unwrap_or(f).display().to_string();
        eprintln!("{rel} through the shell: {:?}", o.status);
        if !o.status.success() || out.contains("stack traceback") {
            failed.push(format!("{rel}:\n--- client output\n{out}--- socat stderr\n{err}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} failed through the shell:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}
