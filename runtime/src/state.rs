//! Runtime state shared by the tasks on the one executor thread (scripts, console, rate line,
//! later the shell's clients) and by the `engine` module's functions: quit requests, the display
//! switch and redraw requests for the console's pages, and whether anything failed.

use std::cell::Cell;
use std::rc::Rc;

use smol::channel::{Receiver, Sender};

/// Shared by everything on the executor thread; cheap to clone (`Rc`).
#[derive(Clone, Debug)]
pub struct Shared(Rc<Inner>);

#[derive(Debug)]
struct Inner {
    quit: Cell<Option<i32>>,
    // Closing this channel wakes every waiter at once: a broadcast without another crate.
    quit_tx: Sender<()>,
    quit_rx: Receiver<()>,
    display: Cell<bool>,
    // Set once something turned the display on explicitly (screen("on"), the CLI's page).
    display_asked: Cell<bool>,
    // A one-slot channel coalescing redraw requests (cls, update, page, screen).
    redraw_tx: Sender<()>,
    redraw_rx: Receiver<()>,
    redraw_full: Cell<bool>,
    failed: Cell<bool>,
    interactive: Cell<bool>,
}

impl Default for Shared {
    fn default() -> Self {
        let (quit_tx, quit_rx) = smol::channel::bounded(1);
        let (redraw_tx, redraw_rx) = smol::channel::bounded(1);
        Shared(Rc::new(Inner {
            quit: Cell::new(None),
            quit_tx,
            quit_rx,
            display: Cell::new(true),
            display_asked: Cell::new(false),
            redraw_tx,
            redraw_rx,
            redraw_full: Cell::new(false),
            failed: Cell::new(false),
            interactive: Cell::new(false),
        }))
    }
}

impl Shared {
    /// Asks the runtime to stop ports and exit with `status` (the first request wins).
    pub fn request_quit(&self, status: i32) {
        if self.0.quit.get().is_none() {
            self.0.quit.set(Some(status));
        }
        self.0.quit_tx.close();
    }

    /// The status of a pending quit request, if any.
    pub fn quit_status(&self) -> Option<i32> {
        self.0.quit.get()
    }

    /// Resolves once a quit has been requested.
    pub async fn quit_requested(&self) {
        // recv fails (Closed) exactly when request_quit closed the channel; nothing is ever sent.
        let _ = self.0.quit_rx.recv().await;
    }

    /// Whether the console may show its pages (or, without a terminal on stdout, its per-second
    /// rate line): `engine.display`, `pktgen.screen`.
    pub fn display(&self) -> bool {
        self.0.display.get()
    }

    /// Sets [`Shared::display`] and has the screen redrawn (or put away).
    pub fn set_display(&self, on: bool) {
        self.0.display.set(on);
        if on {
            self.0.display_asked.set(true);
        }
        self.request_redraw(false);
    }

    /// Whether something turned the display on explicitly; without a console, only then are pages
    /// drawn (a script run in a terminal prints plain lines unless it asks for the screen).
    pub fn display_asked(&self) -> bool {
        self.0.display_asked.get()
    }

    /// Asks the screen task to redraw now; `full` clears the terminal first (`pktgen.cls`).
    pub fn request_redraw(&self, full: bool) {
        if full {
            self.0.redraw_full.set(true);
        }
        let _ = self.0.redraw_tx.try_send(());
    }

    /// Resolves at the next redraw request.
    pub async fn redraw_requested(&self) {
        let _ = self.0.redraw_rx.recv().await;
    }

    /// Whether a full redraw was asked for since the last call (and forgets it).
    pub fn take_full_redraw(&self) -> bool {
        self.0.redraw_full.replace(false)
    }

    /// Records that a script file or stdin chunk failed.
    pub fn set_failed(&self) {
        self.0.failed.set(true);
    }

    /// Whether any script file or stdin chunk failed.
    pub fn failed(&self) -> bool {
        self.0.failed.get()
    }

    /// Whether stdin is a terminal (console, rate line).
    pub fn interactive(&self) -> bool {
        self.0.interactive.get()
    }

    /// Sets [`Shared::interactive`].
    pub fn set_interactive(&self, on: bool) {
        self.0.interactive.set(on);
    }
}
