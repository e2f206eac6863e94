//! The console's live pages, driven through a real terminal: each test runs the `pktgen` binary
//! in its own tmux server (a pty on stdin and stdout), types with `send-keys` and reads the
//! screen with `capture-pane`, waiting on what the screen shows (with a timeout), never on time.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a screen condition may take to appear.
const WAIT: Duration = Duration::from_secs(60);

/// Polls `get` every 100 ms until `ok` holds for what it returns, and returns that; past [`WAIT`],
/// fails naming `what` and showing the last value.
fn poll<T: std::fmt::Display>(what: &str, mut get: impl FnMut() -> T, ok: impl Fn(&T) -> bool) -> T {
    let start = Instant::now();
    loop {
        let v = get();
        if ok(&v) {
            return v;
        }
        assert!(
            start.elapsed() < WAIT,
            "waited {WAIT:?} for {what}; last seen:\n{v}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A tmux server of its own running one pktgen in a window of `cols` x `rows`.
struct Tmux {
    socket: String,
    // Where the shell around pktgen writes its exit status: tmux (3.3) does not always reap
    // its pane's process, so its own idea of the status cannot be relied on.
    status: std::path::PathBuf,
}

fn tmux_out(socket: &str, args: &[&str]) -> Output {
    Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .arg("-f")
        .arg("/dev/null")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running tmux (is it installed? make deps): {e}"))
}

impl Tmux {
    /// Runs `shell_cmd` (a `sh -c` command line, in the workspace root) in a new tmux server.
    fn shell(test: &str, cols: u16, rows: u16, shell_cmd: &str) -> Tmux {
        let socket = format!("pktgen-{}-{test}", std::process::id());
        let status = common::temp_file(test, "status", "");
        let _ = std::fs::remove_file(&status);
        let shell_cmd = format!("{shell_cmd}; echo $? > {}", status.display());
        let shell_cmd = shell_cmd.as_str();
        let root = common::root();
        let root = root.to_string_lossy();
        let (c, r) = (cols.to_string(), rows.to_string());
        // The pane stays after pktgen exits, so a test can read its last screen.
        let o = tmux_out(
            &socket,
            &[
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &c,
                "-y",
                &r,
                "-c",
                &root,
                "sh",
                "-c",
                shell_cmd,
                ";",
                "set-option",
                "-t",
                "t",
                "remain-on-exit",
                "on",
            ],
        );
        assert!(
            o.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Tmux { socket, status }
    }

    /// Runs pktgen with `args` (and `--no-listen`) at its console.
    fn pktgen(test: &str, cols: u16, rows: u16, args: &str) -> Tmux {
        Tmux::shell(
            test,
            cols,
            rows,
            &format!("{} --no-listen {args}", env!("CARGO_BIN_EXE_pktgen")),
        )
    }

    /// The screen as text (`escapes`: with its colours as SGR sequences).
    fn screen_with(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "t"];
        if escapes {
            args.push("-e");
        }
        String::from_utf8_lossy(&tmux_out(&self.socket, &args).stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.screen_with(false)
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        let o = tmux_out(&self.socket, &["send-keys", "-t", "t", "-l", text]);
        assert!(
            o.status.success(),
            "send-keys: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Presses keys by tmux's names (`Enter`, `NPage`, `C-l`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        let o = tmux_out(&self.socket, &args);
        assert!(
            o.status.success(),
            "send-keys: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Types a line and presses Enter.
    fn line(&self, text: &str) {
        self.type_text(text);
        self.keys(&["Enter"]);
    }

    /// Waits until the screen satisfies `ok`; returns that screen. Fails with the last screen.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        poll(what, || self.screen(), |s| ok(s))
    }

    /// Waits until the screen shows `text`.
    fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Whether the command has exited, and its status.
    fn exited(&self) -> Option<i32> {
        let text = std::fs::read_to_string(&self.status).ok()?;
        // Written but not finished yet: not known yet.
        text.strip_suffix('\n')?.trim().parse().ok()
    }

    /// Quits pktgen with `quit` and waits for it to exit 0.
    fn quit(&self) -> String {
        self.line("quit");
        self.wait_exit()
    }

    /// Waits for pktgen to exit 0; returns the last screen.
    fn wait_exit(&self) -> String {
        let status = poll(
            "pktgen to exit",
            || self.exited().map_or(String::new(), |s| s.to_string()),
            |s| !s.is_empty(),
        );
        let screen = self.screen();
        assert_eq!(status, "0", "pktgen's exit status; the screen:\n{screen}");
        screen
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux_out(&self.socket, &["kill-server"]);
    }
}

/// The screen's rows.
fn rows(s: &str) -> Vec<&str> {
    s.lines().collect()
}

/// The cells of a page's row labelled `label`: the text after its colon in 20-column cells,
/// trimmed (one per port, then the totals); empty when the screen has no such row.
fn cells(screen: &str, label: &str) -> Vec<String> {
    let Some(line) = screen
        .lines()
        .find(|l| l.starts_with(label) && l.get(20..21) == Some(":"))
    else {
        return Vec::new();
    };
    let chars: Vec<char> = line.chars().skip(21).collect();
    chars
        .chunks(20)
        .map(|c| c.iter().collect::<String>().trim().to_string())
        .collect()
}

/// Cell `i` of the row `label` as a number (commas allowed); 0 when it is not there.
fn cell_num(screen: &str, label: &str, i: usize) -> u64 {
    cells(screen, label)
        .get(i)
        .and_then(|v| v.replace(',', "").parse().ok())
        .unwrap_or(0)
}

/// The last row that is not blank.
fn last_row(s: &str) -> &str {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

#[test]
fn main_page_shows_every_port_and_redraws_its_counters() {
    let _turn = common::heavy();
    let t = Tmux::pktgen("main", 132, 50, "");
    let s = t.wait_for("the main page and the prompt", |s| {
        s.contains("<Main Page>") && last_row(s).starts_with("pktgen>")
    });
    assert!(s.contains("Ports 0-1 of 2"), "{s}");
    assert_eq!(cells(&s, "Port:Flags"), ["0:-------", "1:-------"]);
    assert_eq!(
        rows(&s)[0].trim_end(),
        "<Main Page>  Ports 0-1 of 2",
        "the page starts at the top"
    );
    assert!(s.contains("-- Pktgen "), "the separator under the page:\n{s}");

    // An exact count: the totals show it once it is sent and received.
    t.line("set 0 count 5000");
    t.line("start 0");
    let s = t.wait_for("5,000 packets sent by 0 and received by 1", |s| {
        s.contains("Total Rx Pkts")
            && cells(s, "Total Rx Pkts") == ["0", "5,000"]
            && cells(s, "      Tx Pkts") == ["5,000", "0"]
    });
    assert_eq!(cells(&s, "Tx Count/% Rate"), ["5,000 /100%", "Forever /100%"]);
    assert_eq!(cells(&s, "Sizes 64"), ["0", "5,000"]);

    // Sending on: the rates and totals change from one redraw to the next.
    t.line("set 0 count 0");
    t.line("set 0 rate 1");
    t.line("start 0");
    let s = t.wait_for("port 1 receiving", |s| cell_num(s, "Pkts/s Rx", 1) > 0);
    let first = cell_num(&s, "Total Rx Pkts", 1);
    let s = t.wait_for("the totals redrawn higher", |s| {
        cell_num(s, "Total Rx Pkts", 1) > first
    });
    let rate = cell_num(&s, "Pkts/s Rx", 1);
    assert!(
        rate > 1_000 && rate < 1_000_000,
        "1% of 10 Gb/s is about 148,809 pps, not {rate}"
    );
    assert_eq!(cells(&s, "Pkts/s Rx")[0], "0", "port 0 receives nothing");

    // ports_per_page and port choose the columns.
    t.line("ppp 1");
    t.wait_for("one port per page", |s| {
        s.contains("Ports 0-0 of 2") && cells(s, "Port:Flags") == ["0:-------"]
    });
    t.line("port 1");
    t.wait_for("port 1 alone", |s| {
        s.contains("Ports 1-1 of 2") && cells(s, "Port:Flags") == ["1:-------"]
    });
    t.line("pktgen.ports_per_page(2)");
    t.wait_for("both ports again", |s| cells(s, "Port:Flags").len() == 2);
    t.line("stop 0");
    t.quit();
}

#[test]
fn pages_switch_from_the_cli_from_lua_and_with_keys() {
    let _turn = common::heavy();
    let t = Tmux::pktgen("pages", 132, 50, "");
    t.wait_text("<Main Page>");

    t.line("range 0 dst ip start 10.1.2.3");
    t.line("page range");
    let s = t.wait_text("<Range Page>");
    assert_eq!(cells(&s, "dst.ip")[0], "10.1.2.3", "{s}");
    assert!(!s.contains("<Main Page>"));

    // UDP: a 64-byte UDP frame has room for the stamp (a TCP one sends probes beside it).
    t.line("pktgen.set_proto('0', 'udp') pktgen.latency('0', 'on') pktgen.set('0', 'count', 2000) pktgen.port(1)");
    t.line("pktgen.page('latency') pktgen.start('0')");
    let s = t.wait_for("2,000 stamps on port 1", |s| {
        s.contains("<Latency Page>") && cells(s, "Stamps Rx") == ["0", "2,000"]
    });
    assert_eq!(cells(&s, "Stamping Tx"), ["every packet", "off"]);
    assert!(s.contains("Port 1 latency histogram"), "{s}");
    assert!(rows(&s).iter().any(|l| l.contains("|#")), "a bar chart:\n{s}");
    for label in ["Min", "Mean", "p50", "p99", "p99.9", "Max"] {
        let c = cells(&s, label);
        assert_eq!(c[0], "0 ns", "{label} of port 0, which received nothing:\n{s}");
        assert!(c[1] != "0 ns" && !c[1].is_empty(), "{label} of port 1:\n{s}");
    }
    assert_eq!(cells(&s, "Lost/Reordered"), ["0/0", "0/0"]);

    // PageDown walks on from latency to the stats page of the current port (1).
    t.keys(&["NPage"]);
    let s = t.wait_text("<Real Port Stats Page>  Port 1");
    assert!(s.contains("Pkts Rx/Tx        : 2,000/0"), "{s}");
    t.keys(&["PPage"]);
    t.wait_text("<Latency Page>");

    for (page, title, content) in [
        ("seq", "<Sequence Page>  Port 1", "02:70:6b:74:00:00"),
        ("rnd", "<Random bitfield Page>  Port 1", "Mask (0 1 . X)"),
        ("pcap", "<PCAP Page>", "Port 1 has no pcap file"),
        ("xstats", "<Port XStats Page>  Port 1", "rx_good_packets"),
        ("cpu", "<CPU Page>", "p0 tx q0"),
        ("queues", "<Queues Page>", "1 RX, 1 TX queue(s)"),
        (
            "streams",
            "<Streams Page>",
            "192.168.0.1:1234 -> 192.168.1.1:5678 IPV4/UDP",
        ),
        ("main", "<Main Page>", "Link State"),
    ] {
        t.line(&format!("page {page}"));
        let s = t.wait_text(title);
        assert!(s.contains(content), "page {page} shows {content:?}:\n{s}");
    }
    t.line("page nonsense");
    t.wait_text("page: unknown page 'nonsense'");
    t.quit();
}

#[test]
fn typing_survives_the_redraws_and_commands_still_run() {
    let _turn = common::heavy();
    let t = Tmux::pktgen("typing", 132, 50, "");
    t.wait_text("<Main Page>");
    t.line("set 0 rate 1");
    t.line("start 0");
    let before = t.wait_for("port 1 receiving", |s| cell_num(s, "Total Rx Pkts", 1) > 0);
    t.type_text("print('typed ' .. ");
    // Two redraws later (the totals moved twice), the half-typed line is still there.
    let mut seen = cell_num(&before, "Total Rx Pkts", 1);
    for _ in 0..2 {
        let s = t.wait_for("a redraw", |s| cell_num(s, "Total Rx Pkts", 1) > seen);
        seen = cell_num(&s, "Total Rx Pkts", 1);
        assert_eq!(last_row(&s), "pktgen> print('typed ' ..", "{s}");
    }
    t.type_text("6 * 7)");
    t.keys(&["Enter"]);
    let s = t.wait_text("typed 42");
    assert!(
        s.contains("pktgen> print('typed ' .. 6 * 7)"),
        "the entered line stays above:\n{s}"
    );
    assert_eq!(last_row(&s), "pktgen>", "a fresh prompt at the bottom:\n{s}");
    // The editor's keys: history, moving and deleting.
    t.keys(&["Up"]);
    t.wait_for("the last line back", |s| {
        last_row(s) == "pktgen> print('typed ' .. 6 * 7)"
    });
    t.keys(&["C-a", "C-k"]);
    t.wait_for("an empty line", |s| last_row(s) == "pktgen>");
    t.line("stop 0");
    // Ctrl-D on an empty line quits, and the terminal is handed back without the prompt.
    t.keys(&["C-d"]);
    t.wait_exit();
    // tmux may show pktgen's last bytes a moment after it exits: wait for them, with a timeout.
    // The entered lines stay above as "pktgen> <line>", so the last row with text may be one of
    // them (or tmux's "Pane is dead", when tmux has reaped pktgen): the prompt itself, an empty
    // "pktgen>", is what must be gone.
    t.wait_for("the prompt gone", |s| {
        !s.lines().any(|l| l.trim_end() == "pktgen>")
    });
}

#[test]
fn output_of_a_running_script_scrolls_below_the_page_and_is_kept() {
    let _turn = common::heavy();
    let t = Tmux::pktgen("output", 132, 60, "");
    t.wait_text("<Main Page>");
    t.line("start 0");
    // Three seconds of output while the page redraws; every line must be there, in order.
    t.line("for i = 1, 15 do print('script line ' .. i) pktgen.delay(200) end");
    let s = t.wait_text("script line 15");
    let got: Vec<&str> = rows(&s)
        .into_iter()
        .filter(|l| l.starts_with("script line "))
        .collect();
    let want: Vec<String> = (1..=15).map(|i| format!("script line {i}")).collect();
    assert_eq!(got, want, "{s}");
    assert_eq!(
        rows(&s)[0].trim_end(),
        "<Main Page>  Ports 0-1 of 2",
        "the page stays on top:\n{s}"
    );
    let sep = rows(&s)
        .iter()
        .position(|l| l.starts_with("-- Pktgen "))
        .unwrap_or(usize::MAX);
    let first = rows(&s)
        .iter()
        .position(|l| l.starts_with("script line 1"))
        .unwrap_or(0);
    assert!(sep < first, "the output is below the page:\n{s}");
    // An unfinished line is continued, not overwritten by the prompt.
    t.line("io.write('part one, ') pktgen.delay(300) io.write('part two\\n')");
    t.wait_text("part one, part two");
    // cls clears the output and draws the page afresh.
    t.line("cls");
    t.wait_for("the output cleared", |s| {
        !s.contains("script line") && s.contains("<Main Page>")
    });
    // A smaller window: the page is laid out again, with the prompt on its last row.
    let o = tmux_out(&t.socket, &["resize-window", "-t", "t", "-x", "100", "-y", "45"]);
    assert!(
        o.status.success(),
        "resize-window: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = t.wait_for("the page at 100 columns", |s| {
        rows(s)
            .iter()
            .any(|l| l.starts_with("-- Pktgen ") && l.trim_end().len() == 99)
    });
    assert_eq!(rows(&s).len(), 45, "{s}");
    assert_eq!(rows(&s)[0].trim_end(), "<Main Page>  Ports 0-1 of 2", "{s}");
    assert_eq!(rows(&s)[44], "pktgen>", "{s}");
    t.line("stop 0");
    t.quit();
}

#[test]
fn screen_off_gives_plain_lines_and_a_script_can_start_without_it() {
    let _turn = common::heavy();
    let t = Tmux::pktgen("off", 100, 40, "");
    t.wait_text("<Main Page>");
    t.line("pktgen.screen('off')");
    t.wait_for("the page gone", |s| {
        !s.contains("<Main Page>") && !s.contains("Link State")
    });
    t.line("print('after off')");
    t.wait_text("after off");
    t.line("screen on");
    t.wait_text("<Main Page>");
    t.line("page stats");
    t.wait_text("<Real Port Stats Page>");
    t.quit();

    // A script that turns the screen off first: the console starts without the page; a script
    // that prints goes on printing plain lines, and `page` brings the screen up.
    let f = common::temp_file(
        "screen-off",
        "off.lua",
        "pktgen.screen('off') print('script ran')\n",
    );
    let t = Tmux::pktgen("off2", 100, 40, &f.to_string_lossy());
    let s = t.wait_for("the prompt", |s| last_row(s).starts_with("pktgen>"));
    assert!(s.contains("script ran") && !s.contains("<Main Page>"), "{s}");
    t.line("page main");
    t.wait_text("<Main Page>");
    t.quit();
}

/// `make run` as a new user sees it on a 120x40 terminal: the streams page live while the three
/// streams send, then, with the page gone, the heading, the voice stream's histogram, the streams
/// table and the line saying what to type next, all on one screen, at the console's prompt.
#[test]
fn the_make_run_demo_shows_the_streams_page_then_its_results_on_one_screen() {
    let t = Tmux::pktgen("demo", 120, 40, "-f test/demo.lua");
    t.wait_for("the streams page with the demo's streams sending", |s| {
        s.contains("<Streams Page>")
            && ["voice", "video", "bulk"]
                .iter()
                .all(|n| s.lines().any(|l| l.contains(n) && l.contains("sending")))
    });
    let s = t.wait_for("the prompt after the demo", |s| {
        last_row(s).starts_with("pktgen>")
    });
    assert!(!s.contains("<Streams Page>"), "the page is still up:\n{s}");
    for text in [
        "Ports: 2, link <UP-10000-FD>",
        "Latency of the voice stream",
        "p99.9",
        "|#",
        "Tx pkts",
        "Type pktgen.streams.start(0)",
    ] {
        assert!(s.contains(text), "no {text:?} on the last screen:\n{s}");
    }
    t.quit();
}

#[test]
fn theme_colours_follow_dash_t_and_the_theme_command() {
    let _turn = common::heavy();
    let t = Tmux::pktgen("theme", 132, 50, "-T");
    t.wait_text("<Main Page>");
    // stats.mac is green by default: the MAC rows carry green (tmux reports it as colour 2).
    const GREEN: &str = "\x1b[38;5;2m";
    let coloured = |s: &str| {
        s.lines()
            .any(|l| l.contains("MAC Destination") && l.contains(GREEN))
    };
    poll("colours with -T", || t.screen_with(true), |s| coloured(s));
    t.line("theme off");
    poll(
        "no colours after theme off",
        || t.screen_with(true),
        |s| !s.contains(GREEN),
    );
    let saved = common::temp_file("theme", "saved.theme", "");
    t.line("theme stats.mac red none bold");
    t.line(&format!("theme save {}", saved.display()));
    t.line("theme show");
    t.wait_text("pktgen.prompt");
    t.line("theme stats.mac purple none bold");
    t.wait_text("theme: unknown colour 'purple'");
    t.quit();
    let text = std::fs::read_to_string(&saved).unwrap_or_default();
    assert!(text.contains("theme stats.mac red none bold\n"), "{text}");
    assert!(text.ends_with("cls\n"), "{text}");
}

#[test]
fn a_console_whose_stdout_is_a_pipe_gets_no_escape_codes() {
    let _turn = common::heavy();
    let out = common::temp_file("pipe", "out.txt", "");
    let cmd = format!(
        "{} --no-listen | cat > {}",
        env!("CARGO_BIN_EXE_pktgen"),
        out.display()
    );
    let t = Tmux::shell("pipe", 100, 30, &cmd);
    let read = |p: &Path| std::fs::read(p).unwrap_or_default();
    let text = || String::from_utf8_lossy(&read(&out)).into_owned();
    poll("the prompt in the pipe", text, |s| s.contains("pktgen> "));
    t.line("set 0 rate 1");
    t.line("start 0");
    t.line("page main");
    t.line("pktgen.cls() pktgen.update() print('marker')");
    poll("the rate line", text, |s| s.contains("port 1: tx 0 pps 0 b/s rx"));
    t.line("stop 0");
    t.quit();
    let bytes = read(&out);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("marker"), "{text}");
    assert!(
        !bytes.contains(&0x1b),
        "escape codes in the piped output:\n{text:?}"
    );
}
