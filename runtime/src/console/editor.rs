//! The console's line editor: what a key does to the line being typed (emacs-style keys, a
//! history of entered lines), apart from the terminal so it can be tested on its own.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Lines kept in the history.
const HISTORY: usize = 500;

/// What the console does after a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing changed.
    None,
    /// The line or the cursor changed: show it again.
    Redraw,
    /// Enter: run this line.
    Submit(String),
    /// Ctrl-D on an empty line: end the console (as EOF does).
    Eof,
    /// Ctrl-L: clear the screen and redraw the page.
    ClearScreen,
    /// PageDown / PageUp: the next or the previous page.
    Page(i32),
}

/// The line being typed, its cursor and the history.
#[derive(Debug, Default)]
pub struct Editor {
    line: Vec<char>,
    cursor: usize,
    history: Vec<String>,
    // Some(i) while browsing the history at entry i; `stash` keeps the line typed before.
    browsing: Option<usize>,
    stash: Vec<char>,
}

impl Editor {
    /// The line being typed.
    pub fn line(&self) -> &[char] {
        &self.line
    }

    /// The cursor, as a character index into [`Editor::line`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn set_line(&mut self, line: Vec<char>) {
        self.cursor = line.len();
        self.line = line;
    }

    fn word_start(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && self.line[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !self.line[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    fn history_step(&mut self, back: bool) -> Action {
        let n = self.history.len();
        let next = match (self.browsing, back) {
            (None, true) if n > 0 => Some(n - 1),
            (Some(i), true) if i > 0 => Some(i - 1),
            (Some(i), false) if i + 1 < n => Some(i + 1),
            (Some(_), false) => {
                self.browsing = None;
                let stash = std::mem::take(&mut self.stash);
                self.set_line(stash);
                return Action::Redraw;
            }
            _ => return Action::None,
        };
        if self.browsing.is_none() {
            self.stash = std::mem::take(&mut self.line);
        }
        self.browsing = next;
        if let Some(i) = next {
            let l = self.history[i].chars().collect();
            self.set_line(l);
        }
        Action::Redraw
    }

    fn submit(&mut self) -> Action {
        let text: String = self.line.iter().collect();
        self.line.clear();
        self.cursor = 0;
        self.browsing = None;
        self.stash.clear();
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            if self.history.len() == HISTORY {
                self.history.remove(0);
            }
            self.history.push(text.clone());
        }
        Action::Submit(text)
    }

    /// Applies one key.
    pub fn key(&mut self, k: KeyEvent) -> Action {
        if k.kind == KeyEventKind::Release {
            return Action::None;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let len = self.line.len();
        match k.code {
            KeyCode::Enter => return self.submit(),
            KeyCode::Char('j' | 'm') if ctrl => return self.submit(),
            KeyCode::Char('d') if ctrl && len == 0 => return Action::Eof,
            KeyCode::Char('l') if ctrl => return Action::ClearScreen,
            KeyCode::PageDown => return Action::Page(1),
            KeyCode::PageUp => return Action::Page(-1),
            KeyCode::Up => return self.history_step(true),
            KeyCode::Down => return self.history_step(false),
            KeyCode::Char('p') if ctrl => return self.history_step(true),
            KeyCode::Char('n') if ctrl => return self.history_step(false),
            KeyCode::Left | KeyCode::Char('b') if (k.code == KeyCode::Left || ctrl) && self.cursor > 0 => {
                self.cursor -= 1;
            }
            KeyCode::Right | KeyCode::Char('f')
                if (k.code == KeyCode::Right || ctrl) && self.cursor < len =>
            {
                self.cursor += 1;
            }
            KeyCode::Home => self.cursor = 0,
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Backspace | KeyCode::Char('h')
                if (k.code == KeyCode::Backspace || ctrl) && self.cursor > 0 =>
            {
                self.cursor -= 1;
                self.line.remove(self.cursor);
            }
            KeyCode::Delete | KeyCode::Char('d')
                if (k.code == KeyCode::Delete || ctrl) && self.cursor < len =>
            {
                self.line.remove(self.cursor);
            }
            KeyCode::Char('u') if ctrl => {
                self.line.drain(..self.cursor);
                self.cursor = 0;
            }
            KeyCode::Char('k') if ctrl => self.line.truncate(self.cursor),
            KeyCode::Char('w') if ctrl => {
                let from = self.word_start();
                self.line.drain(from..self.cursor);
                self.cursor = from;
            }
            KeyCode::Tab => {
                self.line.insert(self.cursor, ' ');
                self.cursor += 1;
            }
            KeyCode::Char(c) if !ctrl && !k.modifiers.contains(KeyModifiers::ALT) => {
                self.line.insert(self.cursor, c);
                self.cursor += 1;
            }
            _ => return Action::None,
        }
        Action::Redraw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn typed(e: &mut Editor, s: &str) {
        for c in s.chars() {
            assert_eq!(e.key(key(KeyCode::Char(c))), Action::Redraw);
        }
    }

    fn text(e: &Editor) -> String {
        e.line().iter().collect()
    }

    #[test]
    fn typing_moving_and_deleting() {
        let mut e = Editor::default();
        typed(&mut e, "start 0");
        e.key(key(KeyCode::Left));
        e.key(key(KeyCode::Left));
        typed(&mut e, "x");
        assert_eq!(text(&e), "startx 0");
        assert_eq!(e.cursor(), 6);
        e.key(key(KeyCode::Backspace));
        e.key(ctrl('a'));
        e.key(key(KeyCode::Delete));
        assert_eq!(text(&e), "tart 0");
        e.key(ctrl('e'));
        e.key(ctrl('w'));
        assert_eq!(text(&e), "tart ");
        e.key(ctrl('a'));
        e.key(ctrl('k'));
        assert_eq!(text(&e), "");
        assert_eq!(e.key(ctrl('d')), Action::Eof);
    }

    #[test]
    fn enter_submits_and_remembers() {
        let mut e = Editor::default();
        typed(&mut e, "page range");
        assert_eq!(e.key(key(KeyCode::Enter)), Action::Submit("page range".into()));
        assert_eq!(text(&e), "");
        typed(&mut e, "stop 0");
        e.key(key(KeyCode::Enter));
        typed(&mut e, "half");
        e.key(key(KeyCode::Up));
        assert_eq!(text(&e), "stop 0");
        e.key(key(KeyCode::Up));
        assert_eq!(text(&e), "page range");
        assert_eq!(e.key(key(KeyCode::Up)), Action::None);
        e.key(key(KeyCode::Down));
        e.key(key(KeyCode::Down));
        assert_eq!(text(&e), "half", "the line typed before browsing comes back");
        assert_eq!(e.key(key(KeyCode::Enter)), Action::Submit("half".into()));
    }

    #[test]
    fn page_and_screen_keys() {
        let mut e = Editor::default();
        assert_eq!(e.key(key(KeyCode::PageDown)), Action::Page(1));
        assert_eq!(e.key(key(KeyCode::PageUp)), Action::Page(-1));
        assert_eq!(e.key(ctrl('l')), Action::ClearScreen);
        typed(&mut e, "x");
        assert_eq!(e.key(ctrl('d')), Action::None, "Ctrl-D ends only an empty line");
    }
}
