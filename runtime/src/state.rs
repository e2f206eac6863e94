//! Runtime state shared by the tasks on the one executor thread (scripts, console, rate line,
//! later the shell's clients) and by the `engine` module's functions: quit requests, the display
//! switch, and whether anything failed.

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
    failed: Cell<bool>,
    interactive: Cell<bool>,
}

impl Default for Shared {
    fn default() -> Self {
        let (quit_tx, quit_rx) = smol::channel::bounded(1);
        Shared(Rc::new(Inner {
            quit: Cell::new(None),
            quit_tx,
            quit_rx,
            display: Cell::new(true),
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

    /// Whether the console may print its per-second rate line (`engine.display`).
    pub fn display(&self) -> bool {
        self.0.display.get()
    }

    /// Sets [`Shared::display`].
    pub fn set_display(&self, on: bool) {
        self.0.display.set(on);
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
