//! The console on a terminal: a `lua`-style REPL (multi-line input, expression lines print their
//! values) that also takes Pktgen CLI command lines (`start 0`, `set 0 rate 10`, `quit`). With a
//! terminal on stdout too, it shows Pktgen's live pages above a line editor ([`screen`], [`term`],
//! [`editor`]); with stdout a pipe or a file, plain lines and a per-second rate line.

mod editor;
mod screen;
mod term;

use std::cell::Cell;
use std::io::{BufRead as _, Write as _};
use std::rc::Rc;
use std::time::Duration;

use crossterm::event::Event;
use engine::Engine;
use mlua::{Function, Lua, MultiValue, Value};
use smol::channel::{Receiver, Sender};
use smol::future::FutureExt as _;

use crate::lua;
use crate::state::Shared;
pub use screen::run as screen;
pub use term::Term;

const PROMPT: &str = "pktgen> ";
const MORE: &str = ">> ";

/// The prompt currently shown in plain mode (if the console is waiting for input), so the rate
/// line can go on a line of its own and show the prompt again after it.
#[derive(Clone, Debug, Default)]
pub struct Prompt(Rc<Cell<Option<&'static str>>>);

/// How the console talks to the person: plain lines (stdout is not a terminal), or the terminal
/// with pages and a line editor.
#[derive(Clone, Debug)]
pub enum Ui {
    /// Prompts and errors as plain text; lines read by the terminal's own line discipline.
    Plain(Prompt),
    /// The terminal on stdout.
    Term(Rc<Term>),
}

impl Ui {
    fn show_prompt(&self, lua: &Lua, p: &'static str) {
        match self {
            Ui::Plain(prompt) => {
                print!("{p}");
                let _ = std::io::stdout().flush();
                prompt.0.set(Some(p));
            }
            Ui::Term(t) => t.set_prompt(Some(p), screen::prompt_style(lua)),
        }
    }

    /// The REPL took `line`, entered at prompt `p`: on the terminal it joins the output then (so
    /// lines typed ahead show in order with what they print).
    fn took(&self, p: &'static str, line: &str) {
        match self {
            Ui::Plain(prompt) => prompt.0.set(None),
            Ui::Term(t) => t.echo(p, line),
        }
    }

    fn error(&self, msg: &str) {
        match self {
            Ui::Term(t) if t.stderr_is_terminal() => t.output(format!("{msg}\n").as_bytes()),
            _ => eprintln!("{msg}"),
        }
    }
}

/// Turns Pktgen's theme (colours, `-T`) on from the start.
pub fn enable_theme(lua: &Lua) {
    let r = lua
        .load("require('pktgen.console.theme').set_state(true)")
        .set_name("=theme")
        .exec();
    if let Err(e) = r {
        eprintln!("pktgen: -T: {}", lua::report(&e));
    }
}

/// Words that start a Pktgen CLI command (Pktgen's cli-functions.c); a line starting with one of
/// them goes to `pktgen.console.cli` unless the word is a Lua global (then the line is Lua).
const CLI_WORDS: &[&str] = &[
    "start",
    "stop",
    "str",
    "stp",
    "set",
    "enable",
    "disable",
    "range",
    "seq",
    "sequence",
    "page",
    "clear",
    "clr",
    "load",
    "save",
    "script",
    "lua",
    "latency",
    "pcap",
    "help",
    "theme",
    "screen",
    "cls",
    "reset",
    "restart",
    "rnd",
    "ping4",
    "delay",
    "sleep",
    "pause",
    "prime",
    "quit",
    "exit",
    "capture",
    "blink",
    "redisplay",
    "update",
    "ppp",
    "port",
];

/// Whether `line` is a Pktgen CLI command rather than Lua.
fn looks_like_cli(lua: &Lua, line: &str) -> bool {
    let word_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let (word, rest) = line.split_at(word_end);
    if !CLI_WORDS.contains(&word) {
        return false;
    }
    // `start = 1`, `start(0)`, `start.x`, `start:go()`: Lua syntax, not a command.
    let rest = rest.trim_start();
    if ["=", "(", ".", "[", ":", ","].iter().any(|p| rest.starts_with(p)) && !rest.starts_with("==") {
        return false;
    }
    lua.globals()
        .get::<Value>(word)
        .map(|v| v.is_nil())
        .unwrap_or(true)
}

/// Reads stdin lines on a plain thread (a terminal cannot be made non-blocking without changing
/// it for everyone sharing it); the channel closes at EOF.
fn spawn_reader() -> smol::channel::Receiver<String> {
    let (tx, rx) = smol::channel::unbounded();
    let _ = std::thread::Builder::new()
        .name("pktgen-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                match line {
                    Ok(l) => {
                        if tx.send_blocking(l).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                }
            }
        });
    rx
}

/// Reads terminal events (keys, resizes) on a plain thread, as [`spawn_reader`] reads lines.
fn spawn_events() -> Receiver<Event> {
    let (tx, rx) = smol::channel::unbounded();
    let _ = std::thread::Builder::new()
        .name("pktgen-keys".into())
        .spawn(move || {
            while let Ok(ev) = crossterm::event::read() {
                if tx.send_blocking(ev).is_err() {
                    return;
                }
            }
        });
    rx
}

/// The line editor: applies keys to the typed line, shows it, and sends each entered line to
/// the REPL. At Ctrl-D (or when the keys stop coming) it closes `lines`, which the REPL takes
/// as the end of its input; it then waits forever, so the REPL finishes what it runs.
async fn edit(lua: &Lua, shared: &Shared, term: &Term, events: Receiver<Event>, lines: Sender<String>) {
    let mut ed = editor::Editor::default();
    while let Ok(ev) = events.recv().await {
        match ev {
            Event::Key(k) => match ed.key(k) {
                editor::Action::None => {}
                editor::Action::Redraw => term.set_input(ed.line(), ed.cursor()),
                editor::Action::Submit(line) => {
                    term.set_input(&[], 0);
                    if lines.send(line).await.is_err() {
                        break;
                    }
                }
                editor::Action::Eof => break,
                editor::Action::ClearScreen => shared.request_redraw(true),
                editor::Action::Page(step) => screen::step_page(lua, step),
            },
            Event::Resize(..) => shared.request_redraw(false),
            _ => {}
        }
    }
    drop(lines);
    std::future::pending::<()>().await;
}

async fn call(lua: &Lua, ui: &Ui, f: Function, args: impl mlua::IntoLuaMulti) {
    let r = f.call_async::<MultiValue>(args).await;
    lua::flush_lua_stdout(lua);
    match r {
        Ok(values) if !values.is_empty() => {
            // Like the `lua` REPL: results go through the global print (tostring on each).
            if let Ok(print) = lua.globals().get::<Function>("print")
                && let Err(e) = print.call::<()>(values)
            {
                ui.error(&lua::report(&e));
            }
            lua::flush_lua_stdout(lua);
        }
        Ok(_) => {}
        Err(e) => ui.error(&lua::report(&e)),
    }
}

/// Runs the console until EOF (Ctrl-D) or `quit`; both request a quit. Console errors are shown
/// but do not count as failures (an interactive typo should not change the exit status).
pub async fn run(lua: &Lua, shared: &Shared, ui: &Ui) {
    match ui {
        Ui::Term(t) if t.enable_keys() => {
            let (tx, rx) = smol::channel::unbounded();
            // The page shows from the console's first moment, not a second later.
            shared.request_redraw(false);
            edit(lua, shared, t, spawn_events(), tx)
                .or(repl(lua, shared, ui, rx))
                .await;
        }
        _ => repl(lua, shared, ui, spawn_reader()).await,
    }
}

async fn repl(lua: &Lua, shared: &Shared, ui: &Ui, lines: Receiver<String>) {
    let mut buf = String::new();
    loop {
        let prompt = if buf.is_empty() { PROMPT } else { MORE };
        ui.show_prompt(lua, prompt);
        let Ok(line) = lines.recv().await else {
            if let Ui::Plain(_) = ui {
                println!();
            }
            shared.request_quit(0);
            return;
        };
        ui.took(prompt, &line);
        if buf.is_empty() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            if t == "quit" || t == "exit" {
                shared.request_quit(0);
                return;
            }
            if looks_like_cli(lua, t) {
                match lua::cli_fn(lua, "run_line") {
                    Ok(f) => call(lua, ui, f, t).await,
                    Err(e) => ui.error(&lua::report(&e)),
                }
                continue;
            }
            // An expression line prints its values (lua.c: try `return <line>` first).
            if let Ok(f) = lua
                .load(format!("return {line}"))
                .set_name("=stdin")
                .into_function()
            {
                call(lua, ui, f, ()).await;
                continue;
            }
        }
        buf.push_str(&line);
        buf.push('\n');
        match lua.load(buf.as_str()).set_name("=stdin").into_function() {
            Ok(f) => {
                buf.clear();
                call(lua, ui, f, ()).await;
            }
            Err(mlua::Error::SyntaxError {
                incomplete_input: true,
                ..
            }) => {}
            Err(e) => {
                buf.clear();
                ui.error(&lua::report(&e));
            }
        }
    }
}

fn si(v: f64, unit: &str) -> String {
    if v >= 1e9 {
        format!("{:.2} G{unit}", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2} M{unit}", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1} K{unit}", v / 1e3)
    } else {
        format!("{v:.0} {unit}")
    }
}

/// One line with every port's rates, e.g.
/// `port 0: tx 14.88 Mpps 7.62 Gb/s rx 0 pps 0 b/s | port 1: ...`.
fn rate_line(e: &Engine) -> String {
    (0..e.port_count())
        .filter_map(|p| e.rates(p).ok().map(|r| (p, r)))
        .map(|(p, r)| {
            format!(
                "port {p}: tx {} {} rx {} {}",
                si(r.tx_pps, "pps"),
                si(r.tx_bps, "b/s"),
                si(r.rx_pps, "pps"),
                si(r.rx_bps, "b/s")
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Prints the rate line once a second while display is on and some port sends (or has just
/// stopped, so the last line shows the final rates going to zero once). For a console whose
/// stdout is not a terminal: plain lines, no escape codes.
pub async fn rates(lua: Lua, e: &'static Engine, shared: Shared, prompt: Prompt) {
    let mut was_sending = false;
    loop {
        smol::Timer::after(Duration::from_secs(1)).await;
        let sending = (0..e.port_count()).any(|p| e.is_sending(p).unwrap_or(false));
        if shared.display() && (sending || was_sending) {
            lua::flush_lua_stdout(&lua);
            // After a prompt, on a line of its own; the prompt follows again.
            if prompt.0.get().is_some() {
                println!();
            }
            println!("{}", rate_line(e));
            if let Some(p) = prompt.0.get() {
                print!("{p}");
            }
            let _ = std::io::stdout().flush();
        }
        was_sending = sending;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_lines_are_told_from_lua() {
        let lua = Lua::new();
        assert!(looks_like_cli(&lua, "start 0"));
        assert!(looks_like_cli(&lua, "set 0 rate 10"));
        assert!(looks_like_cli(&lua, "quit"));
        assert!(looks_like_cli(&lua, "lua 'print(1)'"));
        assert!(!looks_like_cli(&lua, "start = 1"));
        assert!(!looks_like_cli(&lua, "print(1)"));
        assert!(!looks_like_cli(&lua, "pktgen.start(0)"));
        assert!(!looks_like_cli(&lua, "stop(0)"));
        lua.globals().set("start", 1).unwrap_or_else(|e| panic!("{e}"));
        assert!(!looks_like_cli(&lua, "start 0"));
    }

    #[test]
    fn si_units() {
        assert_eq!(si(14_880_952.0, "pps"), "14.88 Mpps");
        assert_eq!(si(0.0, "b/s"), "0 b/s");
        assert_eq!(si(10e9, "b/s"), "10.00 Gb/s");
    }
}
