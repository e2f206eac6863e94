//! Embeds the Lua standard library (`../lua/**/*.lua`) into the binary, so `pktgen` runs from any
//! directory, and reads the vendored Lua's release and copyright for `engine.build`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "lua") {
            out.push(p);
        }
    }
}

/// `#define NAME "value"` from lua.h, without the quotes.
fn define(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("#define")?.trim_start();
        let rest = rest.strip_prefix(name)?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        Some(rest.trim().to_string())
    })
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').to_string()
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let lua_dir = manifest.join("..").join("lua");
    // A directory here makes cargo rescan it, so new and removed modules are picked up too.
    println!("cargo:rerun-if-changed={}", lua_dir.display());
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    walk(&lua_dir, &mut files);
    let mut src = String::from("/// Embedded stdlib files: (path relative to lua/, source).\n");
    src.push_str("pub(crate) static FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&lua_dir).expect("walked under lua/");
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let abs = fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        writeln!(
            src,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .expect("write to String");
    }
    src.push_str("];\n");

    // mlua-sys (links = "lua") exports the vendored Lua's include directory to direct dependents.
    let header = env::var("DEP_LUA_INCLUDE")
        .ok()
        .and_then(|d| fs::read_to_string(Path::new(&d).join("lua.h")).ok())
        .unwrap_or_default();
    let major = define(&header, "LUA_VERSION_MAJOR")
        .map(|s| unquote(&s))
        .unwrap_or_else(|| "5".into());
    let minor = define(&header, "LUA_VERSION_MINOR")
        .map(|s| unquote(&s))
        .unwrap_or_else(|| "4".into());
    let release = define(&header, "LUA_VERSION_RELEASE").map(|s| unquote(&s));
    let lua_release = match release {
        Some(r) => format!("Lua {major}.{minor}.{r}"),
        None => format!("Lua {major}.{minor}"),
    };
    // LUA_COPYRIGHT is `LUA_RELEASE "  Copyright (C) ..."`: keep the quoted tail.
    let tail = define(&header, "LUA_COPYRIGHT")
        .and_then(|s| {
            s.split_once('"')
                .map(|(_, t)| t.trim_end_matches('"').to_string())
        })
        .unwrap_or_else(|| "  Copyright (C) 1994-2025 Lua.org, PUC-Rio".into());
    let authors = define(&header, "LUA_AUTHORS")
        .map(|s| unquote(&s))
        .unwrap_or_else(|| "R. Ierusalimschy, L. H. de Figueiredo, W. Celes".into());
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out_dir.join("stdlib_files.rs"), src).expect("write OUT_DIR/stdlib_files.rs");

    let mut src = String::new();
    writeln!(src, "/// The vendored Lua's release, e.g. `Lua 5.4.9`.").expect("write");
    writeln!(src, "pub(crate) const LUA_RELEASE: &str = {lua_release:?};").expect("write");
    writeln!(src, "/// The vendored Lua's copyright line.").expect("write");
    writeln!(
        src,
        "pub(crate) const LUA_COPYRIGHT: &str = {:?};",
        format!("{lua_release}{tail}")
    )
    .expect("write");
    writeln!(src, "/// The vendored Lua's authors.").expect("write");
    writeln!(src, "pub(crate) const LUA_AUTHORS: &str = {authors:?};").expect("write");

    fs::write(out_dir.join("lua_version.rs"), src).expect("write OUT_DIR/lua_version.rs");
}
