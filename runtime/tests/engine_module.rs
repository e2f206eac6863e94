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

/// The names docs/ENGINE_MODULE.md documents: every `engine.name` in the first cell of a row of
/// its table (a row may document two, as `latsampler_start` / `latsampler_stop`).
fn documented() -> std::collections::BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ENGINE_MODULE.md");
    let text = std::fs::read_to_string(&path).expect("docs/ENGINE_MODULE.md");
    let mut names = std::collections::BTreeSet::new();
    for line in text.lines().filter(|l| l.starts_with("| `engine.")) {
        let first_cell = line.split("` | ").next().unwrap_or("");
        for part in first_cell.split("`engine.").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names
}

/// Every name `require "engine"` holds is documented, and every documented name is there.
#[test]
fn every_registered_name_is_documented_and_every_documented_name_registered() {
    let o = common::run(
        common::pktgen(&["--exit"]),
        r#"local t = {} for k in pairs(require "engine") do t[#t + 1] = k end
           table.sort(t) print("NAMES " .. table.concat(t, " "))"#,
    );
    let (out, err) = common::text(&o);
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("NAMES "))
        .unwrap_or_else(|| {
            panic!(
                "no NAMES line; status {:?}\n--- stdout\n{out}--- stderr\n{err}",
                o.status
            )
        });
    let registered: std::collections::BTreeSet<String> = line.split(' ').map(str::to_string).collect();
    let docs = documented();
    assert!(registered.len() > 40, "too few names registered: {registered:?}");
    let undocumented: Vec<_> = registered.difference(&docs).collect();
    let missing: Vec<_> = docs.difference(&registered).collect();
    assert!(
        undocumented.is_empty() && missing.is_empty(),
        "registered but not in docs/ENGINE_MODULE.md: {undocumented:?}; documented but not registered: {missing:?}"
    );
}
