//! The native `engine` module as Lua sees it: runs `runtime/tests/lua/*.lua`, each in its own
//! `pktgen --exit` process; a script fails by raising an error.

mod common;

#[test]
fn engine_module_scripts() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/lua");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/lua")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "lua"));
    files.sort();
    assert!(!files.is_empty());
    let mut failed = Vec::new();
    for f in &files {
        let o = common::run(common::pktgen(&["--exit", "-f", f.to_str().expect("utf8")]), "");
        let (out, err) = common::text(&o);
        if !o.status.success() {
            failed.push(format!(
                "{}: {:?}\n--- stdout\n{out}--- stderr\n{err}",
                f.display(),
                o.status
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
