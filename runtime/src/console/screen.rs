//! The live page: once a second (and at once when `cls`, `update`, `page` or `screen` ask), the
//! chosen page is rendered by the Lua stdlib (`pktgen.console.screen`'s `render`) and drawn in place at
//! the top of the terminal. Counters are read through the `engine` module, never the data path.

use std::rc::Rc;
use std::time::Duration;

use mlua::{Function, Lua, Table, Value};
use smol::future::FutureExt as _;

use super::term::{Line, Style, Term};
use crate::state::Shared;

/// How often the page is redrawn (the engine's rates cover one second).
const PERIOD: Duration = Duration::from_secs(1);

/// `require("pktgen.console.screen")[name]`.
fn screen_fn(lua: &Lua, name: &str) -> mlua::Result<Function> {
    let require: Function = lua.globals().get("require")?;
    let m: Table = require.call("pktgen.console.screen")?;
    m.get(name)
}

fn opt_str(t: &Table, k: &str) -> Option<String> {
    t.get::<Option<String>>(k).ok().flatten()
}

fn style_of(t: &Table) -> Style {
    Style::from_names(
        opt_str(t, "fg").as_deref(),
        opt_str(t, "bg").as_deref(),
        opt_str(t, "attr").as_deref(),
    )
}

/// The current page at `cols` x `rows`: lines of `{text, fg, bg, attr}` pieces.
fn render(lua: &Lua, cols: u16, rows: u16) -> mlua::Result<Vec<Line>> {
    let lines: Table = screen_fn(lua, "render")?.call((cols, rows))?;
    let mut out = Vec::new();
    for line in lines.sequence_values::<Table>() {
        let mut l = Line::new();
        for piece in line?.sequence_values::<Table>() {
            let piece = piece?;
            l.push((piece.get::<String>("text")?, style_of(&piece)));
        }
        out.push(l);
    }
    Ok(out)
}

/// The prompt's style from the theme (Pktgen's `pktgen.prompt` item), plain with the theme off.
pub fn prompt_style(lua: &Lua) -> Style {
    screen_fn(lua, "prompt_style")
        .and_then(|f| f.call::<Value>(()))
        .ok()
        .and_then(|v| v.as_table().map(style_of))
        .unwrap_or_default()
}

/// Shows the next (`step` 1) or previous (-1) page, for PageDown / PageUp.
pub fn step_page(lua: &Lua, step: i32) {
    if let Ok(f) = screen_fn(lua, "step") {
        let _ = f.call::<()>(step);
    }
}

/// Keeps the page drawn while the display is on: with a console, by default; without one (a
/// script in a terminal, stdin not one), only once something asked for the screen.
pub async fn run(lua: Lua, shared: Shared, term: Rc<Term>, console: bool) {
    loop {
        let tick = async {
            smol::Timer::after(PERIOD).await;
        };
        tick.or(shared.redraw_requested()).await;
        let full = shared.take_full_redraw();
        if !(shared.display() && (console || shared.display_asked())) {
            term.page_off();
            continue;
        }
        let (cols, rows) = super::term::size();
        let lines = render(&lua, cols, rows).unwrap_or_else(|e| {
            // A broken page (a bad --lua-path override) says so where the page would be.
            vec![vec![(
                format!("page: {}", crate::lua::report(&e).lines().next().unwrap_or("")),
                Style::default(),
            )]]
        });
        term.draw_page(&lines, full);
    }
}
