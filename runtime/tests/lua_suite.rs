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
