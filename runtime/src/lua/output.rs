//! Where Lua output goes: the *current sink*, which follows the running chunk rather than the
//! function that prints. The console and the `-f` scripts write to the process stdout (through
//! Lua's own `print`/`io.write`, unchanged); a shell client's chunk writes to that client's
//! [`OutBuf`]. [`Scoped`] wraps a chunk's future and switches the sink around every poll, so when
//! two clients' chunks interleave at their yields (`pktgen.delay`), each resumes with its own
//! sink, and a function defined by one client and called by another writes to the caller.
//!
//! `print`, `io.write`, `io.flush`, and the `write`/`flush` methods of `io.stdout`/`io.stderr`
//! (hence `io.output():write`) are replaced by functions that consult the sink. Each client has
//! its own default files (`io.output`, `io.input`, and so `io.write`, `io.read`, `io.lines()`,
//! `io.close()`), starting as its connection; the console keeps Lua's. Reading the process
//! stdin from a client (`io.read`, `io.lines()`, `io.stdin:read`) is refused: it would block the
//! one thread every client and the console share.
//!
//! When the console owns a terminal (its live pages, its line editor), it installs a
//! [`ConsoleSink`]: the console's and the scripts' output to stdout then goes through it, so it
//! can keep the page and the line being typed intact around what scripts print.
//!
//! The same context carries the shell's CPU budget: the instruction hook (`interrupt.rs`) asks
//! [`Router::check_budget`] whether the client code running now has gone too long without yielding.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use mlua::{Function, Lua, MultiValue, Value};
use smol::channel::{Receiver, Sender};

/// Bytes a chunk wrote for one shell client, waiting for that client's writer task.
#[derive(Debug)]
pub struct OutBuf {
    /// Who this is, for messages (`127.0.0.1:40000`).
    pub peer: String,
    buf: RefCell<Vec<u8>>,
    limit: usize,
    /// Set when the client can no longer be written to (gone, or too far behind).
    broken: Cell<bool>,
    // A one-slot channel as a wake-up: `try_send` never blocks and coalesces wake-ups.
    wake_tx: Sender<()>,
    wake_rx: Receiver<()>,
    // Closed (never sent on) when the buffer breaks: a broadcast to whoever waits in `gone`.
    gone_tx: Sender<()>,
    gone_rx: Receiver<()>,
    // The client's own `io.output()` / `io.input()` (fields `output`, `input`; unset: its
    // connection), made on first use.
    io: RefCell<Option<mlua::Table>>,
}

impl OutBuf {
    /// A buffer for `peer` holding at most `limit` unsent bytes.
    pub fn new(peer: String, limit: usize) -> Self {
        let (wake_tx, wake_rx) = smol::channel::bounded(1);
        let (gone_tx, gone_rx) = smol::channel::bounded(1);
        OutBuf {
            gone_tx,
            gone_rx,
            peer,
            buf: RefCell::new(Vec::new()),
            limit,
            broken: Cell::new(false),
            wake_tx,
            wake_rx,
            io: RefCell::new(None),
        }
    }

    /// The table holding this client's default io files, so that `io.output(file)` from one
    /// client changes neither another client's nor the console's.
    ///
    /// # Errors
    /// Lua failing to allocate.
    pub fn io_defaults(&self, lua: &Lua) -> mlua::Result<mlua::Table> {
        if let Some(t) = &*self.io.borrow() {
            return Ok(t.clone());
        }
        let t = lua.create_table()?;
        *self.io.borrow_mut() = Some(t.clone());
        Ok(t)
    }

    /// Appends `bytes` and wakes the writer.
    ///
    /// # Errors
    /// The client is gone, or has not read `limit` bytes of earlier output (a client that does
    /// not read must not make the server buffer without end).
    pub fn push(&self, bytes: &[u8]) -> Result<(), String> {
        if self.broken.get() {
            return Err(format!("shell client {} is gone", self.peer));
        }
        {
            let mut b = self.buf.borrow_mut();
            if b.len() + bytes.len() > self.limit {
                self.set_broken();
                return Err(format!(
                    "shell client {} has more than {} bytes of output unread; dropping it",
                    self.peer, self.limit
                ));
            }
            b.extend_from_slice(bytes);
        }
        let _ = self.wake_tx.try_send(());
        Ok(())
    }

    /// Takes everything buffered so far.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf.borrow_mut())
    }

    /// Resolves when something was pushed (or the buffer broke) since the last call.
    pub async fn changed(&self) {
        let _ = self.wake_rx.recv().await;
    }

    /// Wakes the writer without new bytes (to let it notice that the session ended).
    pub fn wake(&self) {
        let _ = self.wake_tx.try_send(());
    }

    /// Marks the client unwritable (a write failed or it overflowed).
    pub fn set_broken(&self) {
        self.broken.set(true);
        self.gone_tx.close();
        self.wake();
    }

    /// Resolves once the client can no longer be written to.
    pub async fn gone(&self) {
        let _ = self.gone_rx.recv().await;
    }

    /// Whether the client can no longer be written to.
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }
}

/// Writes bytes to the console's terminal.
pub type WriteFn = Rc<dyn Fn(&[u8])>;

/// Where the console's own output goes instead of C's stdout while the console owns the terminal.
#[derive(Clone)]
pub struct ConsoleSink {
    /// Writes bytes to the terminal.
    pub write: WriteFn,
    /// Gives the terminal back as it was (before `os.exit` leaves the process).
    pub leave: Rc<dyn Fn()>,
    /// Whether `io.stderr` goes there too (stderr is the same terminal).
    pub stderr: bool,
}

impl std::fmt::Debug for ConsoleSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSink")
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}

/// The running code's output context; stored as Lua app data (`Rc<Router>`).
#[derive(Debug, Default)]
pub struct Router {
    current: RefCell<Option<Rc<OutBuf>>>,
    console: RefCell<Option<ConsoleSink>>,
    deadline: Cell<Option<Instant>>,
    budget: Cell<Option<Duration>>,
    // Checks that found the running client over budget since its last resume.
    strikes: Cell<u32>,
    allow_quit: Cell<bool>,
}

impl Router {
    /// The shell client whose code runs now, if any (`None`: console, scripts, stdin).
    pub fn client(&self) -> Option<Rc<OutBuf>> {
        self.current.borrow().clone()
    }

    /// Sends the console's stdout (and stderr, if `sink.stderr`) output to `sink` (`None`: to
    /// C's stdout, as Lua does).
    pub fn set_console(&self, sink: Option<ConsoleSink>) {
        *self.console.borrow_mut() = sink;
    }

    /// Gives the console's terminal back as it was, if the console has one.
    pub fn leave_console(&self) {
        let leave = self.console.borrow().as_ref().map(|c| Rc::clone(&c.leave));
        if let Some(leave) = leave {
            leave();
        }
    }

    /// The console's sink for a write to stdout (`stderr` false) or stderr, if one is installed.
    fn console_sink(&self, stderr: bool) -> Option<WriteFn> {
        let c = self.console.borrow();
        let c = c.as_ref()?;
        (!stderr || c.stderr).then(|| Rc::clone(&c.write))
    }

    /// Called from the instruction hook: what to do with the code running now. Client code past
    /// its budget first gets an error (enough for `while true do end`); if it is still running at
    /// the next check (it caught the error with pcall), the hook yields its coroutine instead,
    /// which hands control back to [`Scoped`], and that drops (cancels) the chunk. Errors and
    /// yields alternate because a yield is not possible everywhere (inside a metamethod called
    /// from Rust, for example), and an error reaches code that yielding cannot.
    ///
    /// # Errors
    /// The budget message, on odd strikes.
    pub fn check_budget(&self) -> mlua::Result<mlua::VmState> {
        let (Some(d), Some(b)) = (self.deadline.get(), self.budget.get()) else {
            return Ok(mlua::VmState::Continue);
        };
        if Instant::now() < d {
            return Ok(mlua::VmState::Continue);
        }
        let n = self.strikes.get() + 1;
        self.strikes.set(n);
        if n % 2 == 1 {
            Err(mlua::Error::runtime(budget_message(b)))
        } else {
            Ok(mlua::VmState::Yield)
        }
    }

    /// How long a client's chunk may run without yielding (`None`: no limit).
    pub fn budget(&self) -> Option<Duration> {
        self.budget.get()
    }

    /// Sets how long a client's chunk may run without yielding (`None`: no limit).
    pub fn set_budget(&self, b: Option<Duration>) {
        self.budget.set(b);
    }

    /// Lets shell clients call `pktgen.quit()` / `os.exit()` (`--shell-allow-quit`).
    pub fn set_allow_quit(&self, on: bool) {
        self.allow_quit.set(on);
    }

    /// Checks the quit policy for the code running now.
    ///
    /// # Errors
    /// A shell client without `--shell-allow-quit`, with a message naming `who` and the flag.
    pub fn may_quit(&self, who: &str) -> Result<(), String> {
        match self.client() {
            Some(c) if !self.allow_quit.get() => Err(format!(
                "{who}: refused for shell client {}: it would stop pktgen for every client and \
                 the console; start pktgen with --shell-allow-quit to allow it",
                c.peer
            )),
            _ => Ok(()),
        }
    }

    fn enter(&self, out: Option<Rc<OutBuf>>) -> (Option<Rc<OutBuf>>, Option<Instant>) {
        let deadline = match (&out, self.budget.get()) {
            (Some(_), Some(b)) => Some(Instant::now() + b),
            _ => None,
        };
        let prev = self.current.replace(out);
        self.strikes.set(0);
        (prev, self.deadline.replace(deadline))
    }

    fn killed(&self) -> Option<Duration> {
        (self.strikes.get() > 0).then(|| self.budget.get()).flatten()
    }

    fn leave(&self, prev: (Option<Rc<OutBuf>>, Option<Instant>)) {
        self.current.replace(prev.0);
        self.deadline.set(prev.1);
    }
}

/// What a client whose chunk went over `budget` is told.
pub fn budget_message(budget: Duration) -> String {
    format!(
        "interrupted: this chunk ran for more than {} ms without yielding (--shell-budget-ms); \
         let it wait with pktgen.delay() or split the work",
        budget.as_millis()
    )
}

/// The router of `lua` (installed by [`install`]).
pub fn router(lua: &Lua) -> Option<Rc<Router>> {
    lua.app_data_ref::<Rc<Router>>().map(|r| Rc::clone(&r))
}

/// A future that runs with `out` as the current sink (and the client's budget restarted) during
/// each of its polls, and also while it is dropped (a cancelled chunk's to-be-closed variables
/// run then). It resolves to `None` when it cancelled the chunk for running past its budget.
#[derive(Debug)]
pub struct Scoped<F> {
    router: Rc<Router>,
    out: Option<Rc<OutBuf>>,
    inner: Option<Pin<Box<F>>>,
}

impl<F> Scoped<F> {
    /// Wraps `inner` so it runs as `out`'s code (`None`: the console's).
    pub fn new(router: Rc<Router>, out: Option<Rc<OutBuf>>, inner: F) -> Self {
        Scoped {
            router,
            out,
            inner: Some(Box::pin(inner)),
        }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(f) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let prev = this.router.enter(this.out.clone());
        let r = f.as_mut().poll(cx);
        let killed = this.router.killed();
        this.router.leave(prev);
        match r {
            Poll::Ready(v) => {
                this.inner = None;
                Poll::Ready(Some(v))
            }
            // Pending with strikes: the hook yielded a chunk that outlived its budget error.
            Poll::Pending if killed.is_some() => {
                drop(this.inner.take());
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> Drop for Scoped<F> {
    fn drop(&mut self) {
        if let Some(f) = self.inner.take() {
            let prev = self.router.enter(self.out.clone());
            drop(f);
            self.router.leave(prev);
        }
    }
}

/// The bytes `io.write` would write for `args` (strings and numbers only).
fn write_bytes(lua: &Lua, who: &str, args: MultiValue) -> mlua::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for (i, v) in args.into_iter().enumerate() {
        let type_name = v.type_name();
        let Some(s) = lua.coerce_string(v)? else {
            return Err(mlua::Error::runtime(format!(
                "bad argument #{} to '{who}' (string expected, got {type_name})",
                i + 1
            )));
        };
        bytes.extend_from_slice(&s.as_bytes());
    }
    Ok(bytes)
}

/// `print` that writes to the running client, or the console's sink, or Lua's own stdout.
fn install_print(lua: &Lua, router: &Rc<Router>) -> mlua::Result<()> {
    let orig_print: Function = lua.globals().get("print")?;
    let tostring: Function = lua.globals().get("tostring")?;
    let r = Rc::clone(router);
    let print = lua.create_function(move |_, args: MultiValue| {
        let out = r.client();
        let sink = if out.is_none() {
            r.console_sink(false)
        } else {
            None
        };
        if out.is_none() && sink.is_none() {
            return orig_print.call::<()>(args);
        }
        // As Lua's print: tostring of each argument, tab-separated, then a newline; one push so
        // a line from one chunk is never split by another's.
        let mut line = Vec::new();
        for (i, v) in args.into_iter().enumerate() {
            if i > 0 {
                line.push(b'\t');
            }
            match v {
                Value::String(s) => line.extend_from_slice(&s.as_bytes()),
                v => {
                    let s: mlua::LuaString = tostring.call(v)?;
                    line.extend_from_slice(&s.as_bytes());
                }
            }
        }
        line.push(b'\n');
        match (out, sink) {
            (Some(out), _) => out.push(&line).map_err(mlua::Error::runtime),
            (None, Some(sink)) => {
                sink(&line);
                Ok(())
            }
            (None, None) => Ok(()),
        }
    })?;
    lua.globals().raw_set("print", print)?;
    Ok(())
}

/// The io wrappers, in Lua so the console's case stays exactly Lua's own functions (return
/// values, error messages, buffering with C stdio), and only a client's (and the console's when
/// it owns a terminal: a ConsoleSink) goes through Rust. A client's default files are its own
/// (`client_io()`; unset: its connection), so one client's `io.output(file)` redirects neither
/// another client nor the console.
const IO_WRAPPERS: &str = r##"
local client_write, client_flush, client_read, client_io, console_on = ...
local io, rawequal, select, type, error, format = io, rawequal, select, type, error, string.format
local stdin, stdout, stderr = io.stdin, io.stdout, io.stderr
local meth = getmetatable(stdout).__index
local m_write, m_flush, m_read, m_lines = meth.write, meth.flush, meth.read, meth.lines
local io_write, io_flush, io_read, io_lines, io_output, io_input, io_close, io_open, io_type =
  io.write, io.flush, io.read, io.lines, io.output, io.input, io.close, io.open, io.type
local function std_out(f) return rawequal(f, stdout) or rawequal(f, stderr) end
function meth.write(f, ...)
  if std_out(f) and client_write("write", rawequal(f, stderr), ...) then return f end
  return m_write(f, ...)
end
function meth.flush(f, ...)
  if std_out(f) and client_flush() then return f end
  return m_flush(f, ...)
end
function meth.read(f, ...)
  if rawequal(f, stdin) then client_read("read") end
  return m_read(f, ...)
end
function meth.lines(f, ...)
  if rawequal(f, stdin) then client_read("lines") end
  return m_lines(f, ...)
end
local std, mode = { output = stdout, input = stdin }, { output = "w", input = "r" }
-- The running client's default file of `kind` (nil: the console runs), with Lua's
-- error for a closed one.
local function default(kind)
  local t = client_io()
  if t == nil then return nil end
  local f = t[kind] or std[kind]
  if io_type(f) == "closed file" then error(format("default %s file is closed", kind), 3) end
  return f
end
-- io.output / io.input: Lua's for the console; a client's own, checked as Lua does.
local function chooser(kind, orig)
  return function(...)
    local t = client_io()
    if t == nil then return orig(...) end
    local f = ...
    if type(f) == "string" then
      local h, err = io_open(f, mode[kind])
      if not h then
        local why = err:sub(1, #f + 2) == f .. ": " and err:sub(#f + 3) or err
        error(format("cannot open file '%s' (%s)", f, why), 2)
      end
      t[kind] = h
    elseif f ~= nil then
      local ty = io_type(f)
      if ty == "closed file" then error("attempt to use a closed file", 2) end
      if ty ~= "file" then
        error(format("bad argument #1 to '%s' (FILE* expected, got %s)", kind, type(f)), 2)
      end
      t[kind] = f
    end
    return t[kind] or std[kind]
  end
end
io.output, io.input = chooser("output", io_output), chooser("input", io_input)
function io.write(...)
  local out = default("output")
  if out == nil then
    -- The console's: Lua's own, or its terminal's sink when it has one (and
    -- io.output() was not pointed elsewhere).
    if console_on() and rawequal(io_output(), stdout) then return stdout:write(...) end
    return io_write(...)
  end
  return out:write(...)
end
function io.flush()
  local out = default("output")
  if out == nil then return io_flush() end
  return out:flush()
end
function io.close(...)
  if select("#", ...) > 0 or client_io() == nil then return io_close(...) end
  return default("output"):close()
end
function io.read(...)
  local inp = default("input")
  if inp == nil then return io_read(...) end
  return inp:read(...)
end
function io.lines(...)
  if (...) ~= nil then return io_lines(...) end
  local inp = default("input")
  if inp == nil then return io_lines(...) end
  return inp:lines(select(2, ...))
end
"##;

/// Replaces `print` and the io functions with sink-aware ones and stores the [`Router`] as app
/// data. Run before the stdlib loads, so modules that keep a local copy get these.
///
/// # Errors
/// Lua failing to allocate, or the io library missing.
pub fn install(lua: &Lua) -> mlua::Result<Rc<Router>> {
    let router = Rc::new(Router::default());
    lua.set_app_data(Rc::clone(&router));

    install_print(lua, &router)?;

    let r = Rc::clone(&router);
    let client_write =
        lua.create_function(
            move |lua, (who, stderr, args): (String, bool, MultiValue)| match r.client() {
                Some(out) => {
                    let bytes = write_bytes(lua, &who, args)?;
                    out.push(&bytes).map_err(mlua::Error::runtime).map(|()| true)
                }
                None => match r.console_sink(stderr) {
                    Some(sink) => {
                        sink(&write_bytes(lua, &who, args)?);
                        Ok(true)
                    }
                    None => Ok(false),
                },
            },
        )?;
    let r = Rc::clone(&router);
    let client_flush = lua.create_function(move |_, ()| match r.client() {
        Some(out) => {
            out.wake();
            Ok(true)
        }
        None => Ok(false),
    })?;
    let r = Rc::clone(&router);
    let client_read = lua.create_function(move |_, who: String| match r.client() {
        Some(c) => Err::<(), _>(mlua::Error::runtime(format!(
            "{who}: shell client {} cannot read pktgen's standard input (it would stall every \
             client and the console); send the data as part of the chunk instead",
            c.peer
        ))),
        None => Ok(()),
    })?;

    let r = Rc::clone(&router);
    let client_io = lua.create_function(move |lua, ()| match r.client() {
        Some(c) => c.io_defaults(lua).map(Some),
        None => Ok(None),
    })?;

    let wrap: Function = lua.load(IO_WRAPPERS).set_name("=output").into_function()?;
    let r = Rc::clone(&router);
    let console_on = lua.create_function(move |_, ()| Ok(r.console_sink(false).is_some()))?;
    wrap.call::<()>((client_write, client_flush, client_read, client_io, console_on))?;
    Ok(router)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(lua: &Lua, r: &Rc<Router>, out: &Rc<OutBuf>, code: &str) -> mlua::Result<()> {
        let f = lua.load(code).into_function()?;
        smol::block_on(Scoped::new(
            Rc::clone(r),
            Some(Rc::clone(out)),
            f.call_async::<()>(()),
        ))
        .unwrap_or_else(|| Err(mlua::Error::runtime("over budget")))
    }

    #[test]
    fn client_output_goes_to_its_buffer() -> mlua::Result<()> {
        let lua = Lua::new();
        let r = install(&lua)?;
        let out = Rc::new(OutBuf::new("a".into(), 1 << 20));
        client(
            &lua,
            &r,
            &out,
            "print(1, 2.5, nil, 'x') io.write('w', 3) io.stdout:write('s'):write('t') \
             io.output():write('o') io.stderr:write('e') io.flush()",
        )?;
        assert_eq!(String::from_utf8_lossy(&out.take()), "1\t2.5\tnil\tx\nw3stoe");
        let e = client(&lua, &r, &out, "io.write({})").map_or_else(|e| e.to_string(), |()| String::new());
        assert!(
            e.contains("bad argument #1 to 'write' (string expected, got table)"),
            "{e}"
        );
        let e = client(&lua, &r, &out, "io.read()").map_or_else(|e| e.to_string(), |()| String::new());
        assert!(e.contains("cannot read pktgen's standard input"), "{e}");
        Ok(())
    }

    #[test]
    fn each_client_has_its_own_default_output() -> mlua::Result<()> {
        let lua = Lua::new();
        let r = install(&lua)?;
        let a = Rc::new(OutBuf::new("a".into(), 1 << 20));
        let b = Rc::new(OutBuf::new("b".into(), 1 << 20));
        client(&lua, &r, &a, "f = io.tmpfile() io.output(f) io.write('to f')")?;
        client(
            &lua,
            &r,
            &b,
            "io.write('b') assert(rawequal(io.output(), io.stdout))",
        )?;
        client(
            &lua,
            &r,
            &a,
            "io.write(' again') f:seek('set') print(f:read('a'))",
        )?;
        lua.load("assert(rawequal(io.output(), io.stdout), 'the console kept its default')")
            .exec()?;
        assert_eq!(a.take(), b"to f again\n");
        assert_eq!(b.take(), b"b");
        Ok(())
    }

    #[test]
    fn output_follows_the_caller_not_the_definer() -> mlua::Result<()> {
        let lua = Lua::new();
        let r = install(&lua)?;
        let a = Rc::new(OutBuf::new("a".into(), 1 << 20));
        let b = Rc::new(OutBuf::new("b".into(), 1 << 20));
        client(&lua, &r, &a, "function shout(x) print('from', x) end")?;
        client(&lua, &r, &b, "shout('b')")?;
        assert!(a.take().is_empty());
        assert_eq!(b.take(), b"from\tb\n");
        assert!(r.client().is_none(), "the sink is restored after the chunk");
        Ok(())
    }

    #[test]
    fn console_output_goes_to_its_sink_and_clients_keep_theirs() -> mlua::Result<()> {
        let lua = Lua::new();
        let r = install(&lua)?;
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = Rc::clone(&got);
        r.set_console(Some(ConsoleSink {
            write: Rc::new(move |b: &[u8]| g.borrow_mut().extend_from_slice(b)),
            leave: Rc::new(|| {}),
            stderr: false,
        }));
        lua.load("print('p', 1) io.write('w', 2) io.stdout:write('s') assert(io.write('x') == io.stdout)")
            .exec()?;
        assert_eq!(String::from_utf8_lossy(&got.borrow()), "p\t1\nw2sx");
        let e = lua
            .load("io.write({})")
            .exec()
            .map_or_else(|e| e.to_string(), |()| String::new());
        assert!(
            e.contains("bad argument #1 to 'write' (string expected, got table)"),
            "{e}"
        );
        let out = Rc::new(OutBuf::new("a".into(), 1 << 20));
        client(&lua, &r, &out, "print('to the client')")?;
        assert_eq!(out.take(), b"to the client\n");
        assert_eq!(
            String::from_utf8_lossy(&got.borrow()),
            "p\t1\nw2sx",
            "the client's print is not the console's"
        );
        Ok(())
    }

    #[test]
    fn unread_output_is_bounded() -> mlua::Result<()> {
        let lua = Lua::new();
        let r = install(&lua)?;
        let out = Rc::new(OutBuf::new("slow".into(), 10));
        let e = client(&lua, &r, &out, "print('0123456789abc')")
            .map_or_else(|e| e.to_string(), |()| String::new());
        assert!(e.contains("more than 10 bytes of output unread"), "{e}");
        assert!(out.is_broken());
        Ok(())
    }
}
