//! `pktgen.rxtap` / `pktgen.txtap` for real: in a fresh network namespace (so the interface
//! names pg_rxtap1 and pg_txtap0 collide with nothing), what port 1 receives and what port 0
//! sends on the embedded back-to-back pair are read back from the TAP interfaces with tshark.
//! Then a burst far faster than a TAP interface takes: the mirror loses packets and counts them,
//! and the ports' own counters stay exact. `save` writes the mirrors that are on, and loading
//! its file turns them on again. Needs root, `ip` and `tshark`.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A network namespace, removed on drop (with the interfaces in it).
struct Netns(String);

impl Netns {
    fn new(name: String) -> Netns {
        let o = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .expect("run ip");
        assert!(
            o.status.success(),
            "ip netns add {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Netns(name)
    }

    /// `cmd args...` run inside the namespace.
    fn command(&self, cmd: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0, cmd]);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// tshark capturing on an interface, and what it says on stderr.
struct Tshark {
    child: Child,
    said: mpsc::Receiver<String>,
    seen: Vec<String>,
}

/// Starts tshark on `iface` inside `ns`, writing what matches `filter` to `out`, and returns
/// once it captures.
fn tshark(ns: &Netns, iface: &str, filter: &str, count: u32, out: &Path) -> Tshark {
    let mut c = ns.command("tshark");
    c.args([
        "-i",
        iface,
        "-f",
        filter,
        "-c",
        &count.to_string(),
        "-a",
        "duration:30",
        "-w",
    ])
    .arg(out)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn tshark");
    let said = common::line_reader(child.stderr.take().expect("stderr"));
    let mut t = Tshark {
        child,
        said,
        seen: Vec::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(l) = t.said.recv_timeout(Duration::from_millis(100)) {
            // tshark says "Capturing on" before dumpcap has opened the interface; "Capture
            // started" comes once it has.
            let capturing = l.contains("Capture started");
            t.seen.push(l);
            if capturing {
                return t;
            }
        }
    }
    let _ = t.child.kill();
    panic!("tshark never started capturing on {iface}: {:?}", t.seen);
}

impl Drop for Tshark {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Tshark {
    /// Waits for tshark to end (up to 30 s, then kills it); returns what it said.
    fn finish(mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && self.child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let said: Vec<String> = self.said.try_iter().collect();
        self.seen.extend(said);
        self.seen.join("\n")
    }
}

/// The UDP destination ports of the packets in a capture file, one per packet.
fn udp_dports(file: &Path) -> Vec<String> {
    let o = Command::new("tshark")
        .args(["-r"])
        .arg(file)
        .args(["-T", "fields", "-e", "udp.dstport"])
        .output()
        .expect("run tshark -r");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn script(go: &Path, saved: &Path) -> String {
    format!(
        r#"
package.path = package.path .. ";test/?.lua"
local wait_for = require("testing").wait_for
-- Waits (30 s at most) for the test to create the file {go}<n>.
local function go(n)
	for _ = 1, 3000 do
		local f = io.open("{go}" .. n, "r")
		if f then f:close() return end
		pktgen.delay(10)
	end
end
pktgen.rxtap(1, "on")
require("pktgen.console.cli").run_line("enable 0 txtap")
-- save keeps the mirrors that are on, in both forms
pktgen.save("{saved}.lua")
pktgen.save("{saved}.pkt")
local t = pktgen.tapStats("0-1")
print("NAMES " .. t[1].rx.name .. " " .. t[0].tx.name)
print("READY")
io.flush()
go(1)
-- (a) 100 packets at 1 % of the link: every one reaches both mirrors.
pktgen.set_proto(0, "udp")
pktgen.set(0, "dport", 4321)
pktgen.set(0, "rate", 1)
pktgen.set(0, "count", 100)
pktgen.start(0)
wait_for("the mirrors to write 100 packets each", function()
	local s = pktgen.tapStats("0-1")
	return s[1].rx.packets + s[1].rx.dropped >= 100 and s[0].tx.packets + s[0].tx.dropped >= 100
end, 20)
local s = pktgen.tapStats("0-1")
print(string.format("SLOW rx %d %d tx %d %d", s[1].rx.packets, s[1].rx.dropped, s[0].tx.packets, s[0].tx.dropped))
io.flush()
-- The captures end before the interface does (tshark delivers what it holds in batches).
go(2)
-- (b) a million packets as fast as the ports go, far more than a TAP interface takes.
pktgen.txtap(0, "off")
pktgen.clr()
pktgen.set(0, "rate", 100)
pktgen.set(0, "count", 1000000)
local before = pktgen.tapStats(1)[1].rx
pktgen.start(0)
wait_for("port 0 to send the million", function() return pktgen.isSending(0)[0] == "n" end, 60)
wait_for("port 1 to receive them", function() return pktgen.portStats(1)[1].curr.ipackets >= 1000000 end)
local after
wait_for("the mirror to account for every packet", function()
	after = pktgen.tapStats(1)[1].rx
	return after.packets + after.dropped - before.packets - before.dropped >= 1000000
end, 30)
local st = pktgen.portStats("0-1")
print(string.format("FAST sent %d received %d mirrored %d dropped %d", st[0].curr.opackets, st[1].curr.ipackets,
	after.packets - before.packets, after.dropped - before.dropped))
local function exists(name) return os.execute("ip link show " .. name .. " >/dev/null 2>&1") == true end
print("BEFORE OFF " .. tostring(exists("pg_rxtap1")))
pktgen.rxtap(1, "off")
print("OFF " .. tostring(pktgen.tapStats(1)[1].rx.on) .. " " .. tostring(exists("pg_rxtap1")))
pktgen.load("{saved}.pkt")
t = pktgen.tapStats("0-1")
print("LOADED " .. tostring(t[1].rx.on) .. " " .. tostring(t[0].tx.on) .. " " .. tostring(exists("pg_rxtap1")))
"#,
        go = go.display(),
        saved = saved.display()
    )
}

/// The numbers after the first word of the line starting with `tag`.
fn numbers(lines: &[String], tag: &str) -> Vec<u64> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(tag))
        .unwrap_or_else(|| panic!("no {tag} line in {lines:#?}"))
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

#[test]
fn mirrors_show_the_traffic_on_tap_interfaces_and_lose_only_mirror_packets() {
    let _turn = common::heavy();
    let pid = std::process::id();
    let ns = Netns::new(format!("pg-tap-{pid}"));
    let dir = std::env::temp_dir().join(format!("pktgen-tap-{pid}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let go = dir.join("go");
    let go_n = |n: u32| dir.join(format!("go{n}"));
    let _ = (std::fs::remove_file(go_n(1)), std::fs::remove_file(go_n(2)));
    let file = dir.join("tap.lua");
    let saved = dir.join("saved");
    std::fs::write(&file, script(&go, &saved)).expect("script");

    let mut cmd = ns.command(env!("CARGO_BIN_EXE_pktgen"));
    cmd.current_dir(common::root())
        .args(["--no-listen", "--exit", "-f"])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn pktgen");
    let rx = common::line_reader(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    // Reads pktgen's lines until one starts with `tag` (30 s at most); whether it came.
    let until = |lines: &mut Vec<String>, tag: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
                let found = l.starts_with(tag);
                lines.push(l);
                if found {
                    return true;
                }
            }
        }
        false
    };
    let ready = until(&mut lines, "READY");
    let (rx_pcap, tx_pcap) = (dir.join("rx.pcapng"), dir.join("tx.pcapng"));
    let mut said = Vec::new();
    if ready {
        let captures = [
            tshark(&ns, "pg_rxtap1", "udp dst port 4321", 100, &rx_pcap),
            tshark(&ns, "pg_txtap0", "udp dst port 4321", 100, &tx_pcap),
        ];
        std::fs::write(go_n(1), "").expect("go file");
        if until(&mut lines, "SLOW ") {
            said = captures.map(Tshark::finish).to_vec();
        }
    }
    std::fs::write(go_n(2), "").expect("go file");
    let o = common::wait(child);
    lines.extend(rx.try_iter());
    let (_, err) = common::text(&o);
    let out = lines.join("\n");
    assert!(ready, "pktgen never got ready:\n{out}\n--- stderr\n{err}");
    assert!(o.status.success(), "{:?}\n{out}\n--- stderr\n{err}", o.status);

    assert!(lines.iter().any(|l| l == "NAMES pg_rxtap1 pg_txtap0"), "{out}");
    // (a) every packet on both interfaces, as the mirrors counted them
    assert_eq!(numbers(&lines, "SLOW "), [100, 0, 100, 0], "{out}");
    for (what, f) in [("pg_rxtap1", &rx_pcap), ("pg_txtap0", &tx_pcap)] {
        let got = udp_dports(f);
        assert_eq!(got.len(), 100, "{what}: {got:?}\n{out}\n--- tshark\n{said:?}");
        assert!(got.iter().all(|p| p == "4321"), "{what}: {got:?}");
    }
    // (b) the ports count every packet; the mirror lost some, and counted each one it lost
    let fast = numbers(&lines, "FAST ");
    let [sent, received, mirrored, dropped] = fast[..] else {
        panic!("FAST line: {fast:?}\n{out}")
    };
    assert_eq!((sent, received), (1_000_000, 1_000_000), "{out}");
    assert_eq!(mirrored + dropped, 1_000_000, "{out}");
    assert!(
        dropped > 0,
        "a TAP interface kept up with a million packets at line rate? {out}"
    );
    // Off removes the interface.
    assert!(lines.iter().any(|l| l == "BEFORE OFF true"), "{out}");
    assert!(lines.iter().any(|l| l == "OFF false false"), "{out}");
    // save wrote the mirrors that were on; loading the .pkt file turned them on again
    let lua = std::fs::read_to_string(saved.with_extension("lua")).expect("saved.lua");
    let pkt = std::fs::read_to_string(saved.with_extension("pkt")).expect("saved.pkt");
    assert!(
        lua.contains("pktgen.rxtap(1, \"on\")\n") && lua.contains("pktgen.txtap(0, \"on\")\n"),
        "{lua}"
    );
    assert!(
        pkt.contains("enable 1 rxtap\n") && pkt.contains("enable 0 txtap\n"),
        "{pkt}"
    );
    assert!(lines.iter().any(|l| l == "LOADED true true true"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
