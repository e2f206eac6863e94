//! Turning a client's byte stream into chunks. Bytes accumulate until the client pauses (or
//! half-closes); then, if the text so far compiles (or fails for a reason other than ending too
//! early), it becomes one chunk. So a file piped in runs whole, with its top-level `local`s, an
//! interactive line runs when Enter is pressed, and an unfinished `for ... do` waits for its `end`.
//!
//! "Paused" means: nothing arrived for [`PAUSE`], or the last read was a short write that ends a
//! line with nothing more queued behind it (what an interactive client or a one-line `echo`
//! sends). A piped file arrives in large writes (socat's are 8 KiB), so only its last write can
//! be short, and the whole text runs then. Otherwise a file could run in pieces and lose its
//! `local`s, which is Pktgen's bug #25.

use std::time::Duration;

use mlua::chunk::ChunkMode;
use mlua::{Function, Lua};

/// How long a client must be quiet before what it sent counts as finished.
pub const PAUSE: Duration = Duration::from_millis(50);

/// Reads shorter than this that end a line count as a pause (see the module doc).
pub const SHORT_WRITE: usize = 4096;

/// The chunk name clients see in error messages (`stdin:1: ...`, as with Pktgen and `lua`).
const NAME: &str = "=stdin";

/// What the buffered input amounts to now.
#[derive(Debug)]
pub enum Ready {
    /// Nothing but whitespace (dropped).
    Nothing,
    /// An incomplete chunk: wait for more.
    Wait,
    /// A chunk to run; `expr` means its values are printed (an expression line, as in `lua`).
    Run {
        /// The compiled chunk.
        f: Function,
        /// Whether it was compiled as `return <text>`.
        expr: bool,
    },
    /// A message for the client instead of a chunk (a syntax error, rejected bytes); the input
    /// is dropped and the connection stays usable.
    Error(String),
}

/// One client's input not yet run.
#[derive(Debug)]
pub struct Chunker {
    buf: Vec<u8>,
    max: usize,
    crlf: Option<bool>,
}

impl Chunker {
    /// A chunker that holds at most `max` bytes of input not yet run.
    pub fn new(max: usize) -> Self {
        Chunker {
            buf: Vec::new(),
            max,
            crlf: None,
        }
    }

    /// Adds received bytes.
    ///
    /// # Errors
    /// More than `max` bytes are pending: the message to send before closing.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), String> {
        if self.buf.len() + bytes.len() > self.max {
            self.buf.clear();
            return Err(format!(
                "pktgen shell: input exceeds {} bytes without forming a chunk (--shell-max-input); closing",
                self.max
            ));
        }
        if self.crlf.is_none()
            && let Some(i) = bytes.iter().position(|&b| b == b'\n')
        {
            let prev = if i > 0 { bytes.get(i - 1) } else { self.buf.last() };
            self.crlf = Some(prev == Some(&b'\r'));
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Whether input is waiting.
    pub fn pending(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Whether the client's first line ended in CR LF (telnet; answered in kind).
    pub fn crlf(&self) -> bool {
        self.crlf == Some(true)
    }

    /// Whether the last read (`last`) looks like the end of what the client meant to send now.
    pub fn short_line(last: &[u8]) -> bool {
        last.len() < SHORT_WRITE && last.last() == Some(&b'\n')
    }

    /// Decides what the pending input is. `eof`: the client half-closed, so an incomplete chunk
    /// is an error rather than something to wait on.
    pub fn ready(&mut self, lua: &Lua, eof: bool) -> Ready {
        if self.buf.iter().all(u8::is_ascii_whitespace) {
            self.buf.clear();
            return Ready::Nothing;
        }
        if let Some(msg) = reject(&self.buf) {
            self.buf.clear();
            return Ready::Error(msg);
        }
        // Valid UTF-8 was just checked.
        let text = String::from_utf8_lossy(&self.buf).into_owned();
        match compile(lua, &text) {
            Compiled::Incomplete if !eof => Ready::Wait,
            c => {
                self.buf.clear();
                match c {
                    Compiled::Ok { f, expr } => Ready::Run { f, expr },
                    Compiled::Incomplete => Ready::Error(format!(
                        "{}\n(the input ended before the chunk was complete)",
                        incomplete_message(lua, &text)
                    )),
                    Compiled::Error(m) => Ready::Error(m),
                }
            }
        }
    }
}

/// Why `src` cannot be Lua source for the shell: NUL bytes or invalid UTF-8.
pub fn reject(src: &[u8]) -> Option<String> {
    if let Some(i) = src.iter().position(|&b| b == 0) {
        return Some(format!(
            "pktgen shell: input rejected: NUL byte at offset {i}; send Lua source text \
             (write \\0 inside a string for a zero byte)"
        ));
    }
    if let Err(e) = std::str::from_utf8(src) {
        return Some(format!(
            "pktgen shell: input rejected: invalid UTF-8 at byte offset {}; send Lua source as \
             UTF-8 text (write \\xNN inside a string for raw bytes)",
            e.valid_up_to()
        ));
    }
    None
}

enum Compiled {
    Ok { f: Function, expr: bool },
    Incomplete,
    Error(String),
}

fn load(lua: &Lua, src: impl AsRef<[u8]>) -> mlua::Result<Function> {
    // Text only: precompiled bytecode can crash the VM, and a client must not be able to.
    lua.load(src.as_ref())
        .set_name(NAME)
        .set_mode(ChunkMode::Text)
        .into_function()
}

fn compile(lua: &Lua, text: &str) -> Compiled {
    // Pktgen's (and Lua 5.1's) `=expr` shorthand.
    if let Some(rest) = text.trim_start().strip_prefix('=') {
        return match load(lua, format!("return {rest}")) {
            Ok(f) => Compiled::Ok { f, expr: true },
            Err(mlua::Error::SyntaxError {
                incomplete_input: true,
                ..
            }) => Compiled::Incomplete,
            Err(e) => Compiled::Error(crate::lua::report(&e)),
        };
    }
    // Like lua.c: an expression first, so `1+1` and `pktgen.portCount()` print their values.
    // The newline keeps a trailing comment from swallowing the `;`.
    if let Ok(f) = load(lua, format!("return {text}\n;")) {
        return Compiled::Ok { f, expr: true };
    }
    match load(lua, text) {
        Ok(f) => Compiled::Ok { f, expr: false },
        Err(mlua::Error::SyntaxError {
            incomplete_input: true,
            ..
        }) => Compiled::Incomplete,
        Err(e) => Compiled::Error(crate::lua::report(&e)),
    }
}

fn incomplete_message(lua: &Lua, text: &str) -> String {
    match load(lua, text) {
        Err(e) => crate::lua::report(&e),
        Ok(_) => "incomplete chunk".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(c: &mut Chunker, lua: &Lua, eof: bool) -> &'static str {
        match c.ready(lua, eof) {
            Ready::Nothing => "nothing",
            Ready::Wait => "wait",
            Ready::Run { expr: true, .. } => "expr",
            Ready::Run { expr: false, .. } => "stmt",
            Ready::Error(_) => "error",
        }
    }

    #[test]
    fn statements_expressions_and_continuations() {
        let lua = Lua::new();
        let mut c = Chunker::new(1 << 20);
        for (input, want) in [
            ("x = 1\n", "stmt"),
            ("1 + 1\n", "expr"),
            ("=x\n", "expr"),
            ("f()\n", "expr"),
            ("  \r\n", "nothing"),
            ("local a = 1\nprint(a)\n", "stmt"),
            ("x = = 1\n", "error"),
        ] {
            c.push(input.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(ready(&mut c, &lua, false), want, "{input:?}");
            assert!(!c.pending());
        }
        c.push(b"for i = 1, 2 do\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ready(&mut c, &lua, false), "wait");
        assert!(c.pending());
        c.push(b"print(i) end\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ready(&mut c, &lua, false), "stmt");
        c.push(b"if x then\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ready(&mut c, &lua, true),
            "error",
            "incomplete at EOF is an error"
        );
    }

    #[test]
    fn bad_bytes_are_rejected_and_limits_hold() {
        let lua = Lua::new();
        let mut c = Chunker::new(16);
        c.push(b"print('\0')\n").unwrap_or_else(|e| panic!("{e}"));
        match c.ready(&lua, false) {
            Ready::Error(m) => assert!(m.contains("NUL byte at offset 7"), "{m}"),
            other => panic!("{other:?}"),
        }
        c.push(b"print('\xff')\n").unwrap_or_else(|e| panic!("{e}"));
        match c.ready(&lua, false) {
            Ready::Error(m) => assert!(m.contains("invalid UTF-8 at byte offset 7"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(c.push(&[b' '; 17]).is_err_and(|m| m.contains("exceeds 16 bytes")));
    }

    #[test]
    fn bytecode_never_loads() -> mlua::Result<()> {
        let lua = Lua::new();
        let dump: mlua::LuaString = lua
            .load("return string.dump(function(a) return a + 1 end)")
            .eval()?;
        let dump = dump.as_bytes().to_vec();
        // A whole, valid chunk that loads and runs as binary; the shell's load refuses it.
        let f = lua.load(&dump).set_mode(ChunkMode::Binary).into_function()?;
        assert_eq!(f.call::<i64>(41)?, 42);
        let err = load(&lua, &dump).map_or_else(|e| e.to_string(), |_| String::new());
        assert!(err.contains("attempt to load a binary chunk"), "{err:?}");
        Ok(())
    }

    #[test]
    fn crlf_and_short_lines() {
        let mut c = Chunker::new(100);
        c.push(b"print(1)\r").unwrap_or_else(|e| panic!("{e}"));
        c.push(b"\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(c.crlf());
        assert!(Chunker::short_line(b"print(1)\n"));
        assert!(!Chunker::short_line(b"print(1)"));
        assert!(!Chunker::short_line(&[b'\n'; SHORT_WRITE]));
    }
}
