//! The Lua standard library (`lua/` in the repository), embedded at build time, and the
//! `package.searchers` entry that finds it: module `pktgen.console.cli` is
//! `pktgen/console/cli.lua` (or `pktgen/console/cli/init.lua`), `Pktgen` is `Pktgen.lua`. A `--lua-path DIR` is searched first, so users
//! can read, override and extend the stdlib without rebuilding.

use std::path::{Path, PathBuf};

use mlua::{Function, Lua, MultiValue, Result, Table, Value};

include!(concat!(env!("OUT_DIR"), "/stdlib_files.rs"));

/// The embedded source of `rel` (a path under `lua/`, `/`-separated), if any.
pub fn embedded(rel: &str) -> Option<&'static str> {
    FILES.iter().find(|(p, _)| *p == rel).map(|(_, s)| *s)
}

/// The candidate file names of module `name`, relative to a stdlib root.
fn candidates(name: &str) -> [String; 2] {
    let base = name.replace('.', "/");
    [format!("{base}.lua"), format!("{base}/init.lua")]
}

/// Finds `name` in `dir` (if given) then in the embedded copy: (source, chunk name).
fn find(dir: Option<&Path>, name: &str) -> std::result::Result<(Vec<u8>, String), String> {
    let cands = candidates(name);
    let mut tried = Vec::new();
    if let Some(d) = dir {
        for c in &cands {
            let p = d.join(c);
            match std::fs::read(&p) {
                Ok(src) => return Ok((src, format!("@{}", p.display()))),
                Err(_) => tried.push(format!("no file '{}'", p.display())),
            }
        }
    }
    for c in &cands {
        if let Some(src) = embedded(c) {
            return Ok((src.as_bytes().to_vec(), format!("=stdlib:{name}")));
        }
    }
    tried.push(format!("no embedded stdlib module '{name}'"));
    Err(tried.join("\n\t"))
}

/// Installs the stdlib searcher right after `package.preload`'s, and puts `dir` (if given) at
/// the front of `package.path` so `package.searchpath` sees what `require` sees.
///
/// # Errors
/// `package` missing or Lua failing to allocate.
pub fn install(lua: &Lua, dir: Option<PathBuf>) -> Result<()> {
    let package: Table = lua.globals().get("package")?;
    if let Some(d) = &dir {
        let old: String = package.get("path")?;
        let d = d.display();
        package.set("path", format!("{d}/?.lua;{d}/?/init.lua;{old}"))?;
    }
    let searcher = lua.create_function(move |lua, name: String| -> Result<MultiValue> {
        match find(dir.as_deref(), &name) {
            Ok((src, chunk)) => {
                let f: Function = lua.load(src).set_name(&chunk).into_function()?;
                // Like Lua's own searchers: the loader plus the "file name" it was found at.
                Ok(MultiValue::from_iter([
                    Value::Function(f),
                    Value::String(lua.create_string(chunk.trim_start_matches(['@', '=']))?),
                ]))
            }
            Err(msg) => Ok(MultiValue::from_iter([Value::String(lua.create_string(msg)?)])),
        }
    })?;
    let searchers: Table = package.get("searchers")?;
    // Position 2: after package.preload (so `engine` and test doubles win), before package.path,
    // so a stray Pktgen.lua in the working directory does not shadow ours.
    let n = searchers.raw_len();
    for i in (2..=n).rev() {
        let v: Value = searchers.raw_get(i)?;
        searchers.raw_set(i + 1, v)?;
    }
    searchers.raw_set(2, searcher)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_map_to_files() {
        assert_eq!(
            candidates("pktgen.cli"),
            ["pktgen/cli.lua".to_string(), "pktgen/cli/init.lua".to_string()]
        );
        assert_eq!(candidates("Pktgen")[0], "Pktgen.lua");
    }

    #[test]
    fn lua_path_dir_wins_and_misses_are_listed() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("pktgen-stdlib-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("x"))?;
        std::fs::write(dir.join("x/init.lua"), "return { where = 'dir', name = ... }")?;
        let lua = Lua::new();
        install(&lua, Some(dir.clone()))?;
        let t: Table = lua.load("return require 'x'").eval()?;
        assert_eq!(t.get::<String>("where")?, "dir");
        assert_eq!(t.get::<String>("name")?, "x");
        let err = lua
            .load("require 'no.such.mod'")
            .exec()
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(err.contains("no embedded stdlib module 'no.such.mod'"), "{err}");
        assert!(err.contains("no/such/mod/init.lua"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
