//! The terminal on stdout, when there is one: the live page at the top, above a scroll region
//! where output scrolls and the line being typed stays on the bottom row. Everything is drawn
//! with crossterm commands, each redraw in one write, all from the executor thread (so a redraw
//! never interleaves with a script's output). Keys are read in cbreak mode (no canonical input,
//! no echo; signals and output processing stay as they were), so the line editor owns the echo
//! and can put the typed line back after anything else is written.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{IsTerminal as _, Write as _};

use crossterm::cursor::{Hide, MoveTo, MoveToColumn, MoveUp, RestorePosition, SavePosition, Show};
use crossterm::style::{
    Attribute, Color, Print, ResetColor, SetAttribute, SetBackgroundColor, SetForegroundColor,
};
use crossterm::terminal::{Clear, ClearType};
use crossterm::{Command, queue};
use rustix::termios::{self, LocalModes, OptionalActions, SpecialCodeIndex, Termios};

/// Rows always left below the page for output and the prompt.
const MIN_OUTPUT_ROWS: u16 = 4;

/// DECSTBM, the scroll region, which crossterm has no command for: rows `top..=bottom`
/// (1-based); `None` resets it to the whole screen. Terminals move the cursor home after it.
struct ScrollRegion(Option<(u16, u16)>);

impl Command for ScrollRegion {
    fn write_ansi(&self, f: &mut impl fmt::Write) -> fmt::Result {
        match self.0 {
            Some((top, bottom)) => write!(f, "\x1b[{top};{bottom}r"),
            None => f.write_str("\x1b[r"),
        }
    }
}

/// How a stretch of text looks: colours and one attribute, each unset meaning "as it is".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Foreground colour.
    pub fg: Option<Color>,
    /// Background colour.
    pub bg: Option<Color>,
    /// Bold, underlined, ...
    pub attr: Option<Attribute>,
}

impl Style {
    /// A style from Pktgen's theme names (`"green"`, `"none"`, `"bold"`, ...); unknown names
    /// change nothing (the Lua side has checked them).
    pub fn from_names(fg: Option<&str>, bg: Option<&str>, attr: Option<&str>) -> Style {
        Style {
            fg: fg.and_then(color),
            bg: bg.and_then(color),
            attr: attr.and_then(attribute),
        }
    }

    fn queue(&self, b: &mut Vec<u8>) {
        if let Some(a) = self.attr {
            let _ = queue!(b, SetAttribute(a));
        }
        if let Some(c) = self.fg {
            let _ = queue!(b, SetForegroundColor(c));
        }
        if let Some(c) = self.bg {
            let _ = queue!(b, SetBackgroundColor(c));
        }
    }

    fn plain(&self) -> bool {
        *self == Style::default()
    }
}

/// Pktgen's colour names: the eight ANSI colours (SGR 30-37 / 40-47); "default" is the
/// terminal's own; "none" leaves the colour alone.
fn color(name: &str) -> Option<Color> {
    Some(match name {
        "black" => Color::Black,
        "red" => Color::DarkRed,
        "green" => Color::DarkGreen,
        "yellow" => Color::DarkYellow,
        "blue" => Color::DarkBlue,
        "magenta" => Color::DarkMagenta,
        "cyan" => Color::DarkCyan,
        "white" => Color::Grey,
        "default" => Color::Reset,
        _ => return None,
    })
}

/// Pktgen's attribute names.
fn attribute(name: &str) -> Option<Attribute> {
    Some(match name {
        "bold" | "bright" => Attribute::Bold,
        "underscore" | "underline" => Attribute::Underlined,
        "blink" => Attribute::SlowBlink,
        "reverse" => Attribute::Reverse,
        "concealed" => Attribute::Hidden,
        _ => return None,
    })
}

/// One line of a page: styled pieces of text.
pub type Line = Vec<(String, Style)>;

/// The prompt and the line being typed, while the console waits for input.
#[derive(Debug, Default)]
struct PromptLine {
    text: Option<&'static str>,
    style: Style,
    input: Vec<char>,
    cursor: usize,
}

/// The page area as last drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Layout {
    rows: u16,
    cols: u16,
    height: u16,
}

/// The terminal on stdout (see the module docs).
pub struct Term {
    prompt: RefCell<PromptLine>,
    // Some while a page is drawn (a scroll region is set).
    page: Cell<Option<Layout>>,
    // Columns of output after its last newline (0: the output ended with a newline).
    partial: Cell<usize>,
    stderr_tty: bool,
    saved: RefCell<Option<Termios>>,
    left: Cell<bool>,
}

impl fmt::Debug for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Term")
            .field("page", &self.page.get())
            .field("partial", &self.partial.get())
            .finish_non_exhaustive()
    }
}

/// The terminal's size (columns, rows), 80x24 when it cannot say.
pub fn size() -> (u16, u16) {
    match termios::tcgetwinsize(std::io::stdout()) {
        Ok(w) if w.ws_col > 0 && w.ws_row > 0 => (w.ws_col, w.ws_row),
        _ => (80, 24),
    }
}

/// The column reached after writing `bytes` from column `col`: a newline or carriage return
/// goes back to 0, a tab to the next multiple of 8, escape sequences take no room, and every
/// other character one column (UTF-8 continuation bytes none).
fn advance(mut col: usize, bytes: &[u8]) -> usize {
    let mut esc = false;
    for &c in bytes {
        if esc {
            // CSI sequences end at a byte in @..~; a lone ESC x ends at x.
            if (0x40..=0x7e).contains(&c) && c != b'[' {
                esc = false;
            }
            continue;
        }
        match c {
            b'\n' | b'\r' => col = 0,
            b'\t' => col = (col / 8 + 1) * 8,
            0x1b => esc = true,
            0x80..=0xbf => {}
            c if c < 0x20 || c == 0x7f => {}
            _ => col += 1,
        }
    }
    col
}

impl Term {
    /// The terminal on stdout, or `None` when stdout is not one.
    pub fn new() -> Option<Term> {
        std::io::stdout().is_terminal().then(|| Term {
            prompt: RefCell::new(PromptLine::default()),
            page: Cell::new(None),
            partial: Cell::new(0),
            stderr_tty: std::io::stderr().is_terminal(),
            saved: RefCell::new(None),
            left: Cell::new(false),
        })
    }

    /// Whether stderr is the terminal too (so errors can go through [`Term::output`]).
    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_tty
    }

    /// Reads keys one by one without echo (cbreak mode) when stdin is a terminal; [`Term::leave`]
    /// restores the modes. Returns whether it could.
    pub fn enable_keys(&self) -> bool {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return false;
        }
        let Ok(orig) = termios::tcgetattr(&stdin) else {
            return false;
        };
        let mut t = orig.clone();
        t.local_modes.remove(LocalModes::ICANON | LocalModes::ECHO);
        t.special_codes[SpecialCodeIndex::VMIN] = 1;
        t.special_codes[SpecialCodeIndex::VTIME] = 0;
        if termios::tcsetattr(&stdin, OptionalActions::Now, &t).is_err() {
            return false;
        }
        *self.saved.borrow_mut() = Some(orig);
        true
    }

    fn write(b: &[u8]) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(b);
        let _ = out.flush();
    }

    /// Queues the prompt line: the prompt, the part of the input that fits, the cursor in it.
    fn queue_prompt(&self, b: &mut Vec<u8>) {
        let p = self.prompt.borrow();
        let Some(text) = p.text else { return };
        let cols = usize::from(size().0);
        let plen = text.chars().count();
        // The last column stays free: a character there would leave the cursor waiting to wrap.
        let room = cols.saturating_sub(plen + 1).max(1);
        let start = p.cursor.saturating_sub(room);
        let shown: String = p.input.iter().skip(start).take(room).collect();
        let _ = queue!(b, MoveToColumn(0));
        if p.style.plain() {
            let _ = queue!(b, Print(text));
        } else {
            p.style.queue(b);
            let _ = queue!(b, Print(text), SetAttribute(Attribute::Reset), ResetColor);
        }
        let col = plen + p.cursor - start;
        let _ = queue!(
            b,
            Print(shown),
            Clear(ClearType::UntilNewLine),
            MoveToColumn(u16::try_from(col).unwrap_or(u16::MAX))
        );
    }

    /// Shows `text` as the prompt (`None`: no prompt), with the input typed so far.
    pub fn set_prompt(&self, text: Option<&'static str>, style: Style) {
        let before = {
            let mut p = self.prompt.borrow_mut();
            if p.text == text && p.style == style {
                return;
            }
            p.style = style;
            std::mem::replace(&mut p.text, text)
        };
        let mut b = Vec::new();
        if text.is_none() {
            let _ = queue!(b, MoveToColumn(0), Clear(ClearType::CurrentLine));
        } else if before.is_none() && self.partial.get() > 0 {
            // The prompt goes below an unfinished line of output, not over it.
            b.extend_from_slice(b"\r\n");
        }
        self.queue_prompt(&mut b);
        Self::write(&b);
    }

    /// Shows `input` with the cursor before its character `cursor`.
    pub fn set_input(&self, input: &[char], cursor: usize) {
        {
            let mut p = self.prompt.borrow_mut();
            p.input = input.to_vec();
            p.cursor = cursor.min(input.len());
        }
        let mut b = Vec::new();
        self.queue_prompt(&mut b);
        Self::write(&b);
    }

    /// A line entered at `prompt` joins the output, as `prompt + line`; the prompt line below
    /// keeps whatever is being typed now.
    pub fn echo(&self, prompt: &str, line: &str) {
        self.output(format!("{prompt}{line}\n").as_bytes());
    }

    /// Writes output (the console's sink): above the prompt line when there is one, continuing
    /// an unfinished line of earlier output, and puts the prompt back below it.
    pub fn output(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let prompted = self.prompt.borrow().text.is_some();
        let mut b = Vec::with_capacity(bytes.len() + 64);
        let partial = self.partial.get();
        if prompted {
            let _ = queue!(b, MoveToColumn(0), Clear(ClearType::CurrentLine));
            let cols = usize::from(size().0);
            // Go back to the end of the unfinished line, just above the prompt. (One that ended
            // exactly at the margin wrapped: it goes on from the prompt's line.)
            if partial > 0 && !partial.is_multiple_of(cols) {
                let _ = queue!(
                    b,
                    MoveUp(1),
                    MoveToColumn(u16::try_from(partial % cols).unwrap_or(0))
                );
            }
        }
        b.extend_from_slice(bytes);
        let end = match bytes.iter().rposition(|&c| c == b'\n') {
            Some(i) => advance(0, &bytes[i + 1..]),
            None => advance(partial, bytes),
        };
        self.partial.set(end);
        if prompted {
            if end > 0 {
                b.extend_from_slice(b"\r\n");
            }
            self.queue_prompt(&mut b);
        }
        Self::write(&b);
    }

    /// Draws `lines` as the page, in place; `full` clears the whole screen first (cls). The
    /// page takes at most the screen's height less [`MIN_OUTPUT_ROWS`]; the rows below scroll.
    pub fn draw_page(&self, lines: &[Line], full: bool) {
        let (cols, height) = size();
        let rows = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .min(height.saturating_sub(MIN_OUTPUT_ROWS));
        if rows == 0 {
            self.page_off();
            return;
        }
        let now = Layout { rows, cols, height };
        let before = self.page.get();
        let prompted = self.prompt.borrow().text.is_some();
        let mut b = Vec::with_capacity(4096);
        let _ = queue!(b, Hide);
        let relayout = full || before != Some(now);
        if relayout {
            if prompted {
                let _ = queue!(b, MoveToColumn(0), Clear(ClearType::CurrentLine));
            }
            match before {
                _ if full => {
                    let _ = queue!(b, ScrollRegion(None), Clear(ClearType::All));
                }
                None => {
                    // Scroll what is on the screen up by the page's height, so its last lines
                    // stay visible in the output region (the rest goes to the scrollback).
                    let _ = queue!(b, ScrollRegion(None), MoveTo(0, height - 1));
                    b.extend(std::iter::repeat_n(b'\n', usize::from(rows)));
                }
                Some(old) if old.cols != cols || old.height != height => {
                    // Resized: the terminal has moved things about; start afresh.
                    let _ = queue!(b, ScrollRegion(None), Clear(ClearType::All));
                }
                Some(old) => {
                    // Rows the page no longer needs join the output region, blank.
                    for r in rows..old.rows {
                        let _ = queue!(b, MoveTo(0, r), Clear(ClearType::CurrentLine));
                    }
                }
            }
            self.partial.set(0);
            let _ = queue!(b, ScrollRegion(Some((rows + 1, height))));
        } else {
            let _ = queue!(b, SavePosition);
        }
        for (r, line) in lines.iter().take(usize::from(rows)).enumerate() {
            let _ = queue!(b, MoveTo(0, u16::try_from(r).unwrap_or(0)));
            let mut left = usize::from(cols);
            for (text, style) in line {
                if left == 0 {
                    break;
                }
                let piece: String = text.chars().take(left).collect();
                left -= piece.chars().count();
                if style.plain() {
                    let _ = queue!(b, Print(piece));
                } else {
                    style.queue(&mut b);
                    let _ = queue!(b, Print(piece), SetAttribute(Attribute::Reset), ResetColor);
                }
            }
            let _ = queue!(b, Clear(ClearType::UntilNewLine));
        }
        if relayout {
            let _ = queue!(b, MoveTo(0, height - 1));
            self.queue_prompt(&mut b);
        } else {
            let _ = queue!(b, RestorePosition);
        }
        let _ = queue!(b, Show);
        self.page.set(Some(now));
        Self::write(&b);
    }

    /// Takes the page away: the whole screen scrolls again, the page's rows are blank.
    pub fn page_off(&self) {
        let Some(old) = self.page.take() else { return };
        let mut b = Vec::new();
        let prompted = self.prompt.borrow().text.is_some();
        if prompted {
            let _ = queue!(b, MoveToColumn(0), Clear(ClearType::CurrentLine));
        }
        let _ = queue!(b, ScrollRegion(None));
        for r in 0..old.rows {
            let _ = queue!(b, MoveTo(0, r), Clear(ClearType::CurrentLine));
        }
        let _ = queue!(b, MoveTo(0, old.height.saturating_sub(1)));
        self.partial.set(0);
        self.queue_prompt(&mut b);
        Self::write(&b);
    }

    /// Gives the terminal back as it was: no scroll region, no prompt, colours reset, the cursor
    /// shown, the original input modes.
    pub fn leave(&self) {
        if self.left.replace(true) {
            return;
        }
        let mut b = Vec::new();
        if let Some(old) = self.page.take() {
            let _ = queue!(b, ScrollRegion(None), MoveTo(0, old.height.saturating_sub(1)));
        }
        if self.prompt.borrow_mut().text.take().is_some() {
            let _ = queue!(b, MoveToColumn(0), Clear(ClearType::CurrentLine));
        } else if self.partial.get() > 0 {
            b.extend_from_slice(b"\r\n");
        }
        let _ = queue!(b, SetAttribute(Attribute::Reset), ResetColor, Show);
        Self::write(&b);
        if let Some(t) = self.saved.borrow_mut().take() {
            let _ = termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &t);
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        self.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_after_output() {
        assert_eq!(advance(0, b"abc"), 3);
        assert_eq!(advance(3, b"de"), 5);
        assert_eq!(advance(5, b"x\nyz"), 2);
        assert_eq!(advance(0, b"a\tb"), 9);
        assert_eq!(advance(0, "µs".as_bytes()), 2);
        assert_eq!(advance(0, b"\x1b[31mred\x1b[0m"), 3);
        assert_eq!(advance(4, b"\r"), 0);
    }

    #[test]
    fn theme_names_map_to_ansi_colours() {
        let s = Style::from_names(Some("green"), Some("none"), Some("bold"));
        assert_eq!(s.fg, Some(Color::DarkGreen));
        assert_eq!(s.bg, None);
        assert_eq!(s.attr, Some(Attribute::Bold));
        assert!(Style::from_names(None, Some("default_bg"), Some("off")).plain());
    }

    #[test]
    fn scroll_region_escape() {
        let mut s = String::new();
        ScrollRegion(Some((31, 50)))
            .write_ansi(&mut s)
            .unwrap_or_else(|e| panic!("{e}"));
        ScrollRegion(None)
            .write_ansi(&mut s)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s, "\x1b[31;50r\x1b[r");
    }
}
