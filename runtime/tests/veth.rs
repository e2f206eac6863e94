//! A real kernel as the peer: a veth pair with one end in a fresh network namespace (addressed
//! 10.x.y.2/24) and the other driven by pktgen through `net_af_packet`. The kernel answers our
//! ARP request and ping (pktStats counts them, the ARP table learns the kernel's MAC, and
//! mac_from_arp sends the ping to it); then the kernel pings us and our responder
//! (process + icmp_echo on 10.x.y.1) answers its ARP and echo requests. Needs root, `ip` and
//! `ping`. Names carry the test process id, so parallel runs do not collide; the namespace and
//! the pair are removed by a guard even when the test fails.

mod common;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::netns::{Peer, ip};

fn script(subnet: &str, go: &str) -> String {
    format!(
        r#"
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local wait_for = require("testing").wait_for
pktgen.screen("off")
pktgen.set_ipaddr(0, "src", "{subnet}.1/24")
pktgen.set_ipaddr(0, "dst", "{subnet}.2")
pktgen.mac_from_arp("on")
pktgen.clr()
-- (a) the kernel answers our ARP request: counted, and its MAC learned
pktgen.send_arp(0, "request")
wait_for("the kernel's ARP reply", function()
	return pktgen.pktStats(0)[0].arp_pkts >= 1 and engine.arp_table(0)["{subnet}.2"] ~= nil
end)
print("LEARNED " .. engine.arp_table(0)["{subnet}.2"])
-- ... and our ping, sent to the learned MAC: look for its echo reply in a capture
local function reply_in(packets)
	for _, p in ipairs(packets) do
		local d = p.data
		if #d >= 42 and string.sub(d, 13, 14) == "\8\0" and string.byte(d, 24) == 1
			and string.byte(d, 35) == 0 and string.sub(d, 27, 30) == string.char(10, {a}, {b}, 2) then
			return true
		end
	end
end
local replied = false
for _ = 1, 20 do
	engine.capture_start(0)
	pktgen.ping4(0)
	pktgen.delay(100)
	local _, _, got = engine.capture_stop(0)
	if reply_in(got) then replied = true break end
end
assert(replied, "no echo reply from the kernel")
assert(pktgen.pktStats(0)[0].echo_pkts >= 1, "echo_pkts did not rise")
print("ECHO " .. pktgen.pktStats(0)[0].echo_pkts)
-- (b) the kernel pings us: process answers its ARP, icmp_echo its echo requests
pktgen.process(0, "on")
pktgen.icmp_echo(0, "on")
pktgen.clr()
print("READY")
io.flush()
for _ = 1, 3000 do
	local f = io.open("{go}", "r")
	if f then f:close() break end
	pktgen.delay(10)
end
local s = pktgen.pktStats(0)[0]
print(string.format("AFTER arp=%d echo=%d tx_extra=%d", s.arp_pkts, s.echo_pkts, engine.stats(0).tx_extra))
"#,
        a = subnet.split('.').nth(1).unwrap_or("0"),
        b = subnet.split('.').nth(2).unwrap_or("0"),
    )
}

#[test]
fn kernel_peer_answers_and_is_answered() {
    let _turn = common::heavy();
    common::need_tools(&["ip", "ping"], "for the veth test (iproute2, iputils-ping)");
    let pid = std::process::id();
    let subnet = format!("10.{}.{}", (pid >> 8) & 0xff, pid & 0xff);
    let peer = Peer::create(&pid.to_string(), &format!("{subnet}.2/24"))
        .unwrap_or_else(|e| panic!("setting up the veth pair: {e}"));
    let dir = std::env::temp_dir().join(format!("pktgen-veth-{pid}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let go = dir.join("go");
    let _ = std::fs::remove_file(&go);
    let file = dir.join("veth.lua");
    std::fs::write(&file, script(&subnet, &go.to_string_lossy())).expect("script");

    let vdev = format!("net_af_packet0,iface={}", peer.ours);
    let prefix = format!("pktgen-veth-{pid}");
    let mut cmd = common::pktgen_vdevs(&prefix, &[&vdev], &["--exit", "-f", &file.to_string_lossy()]);
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null());
    let mut child = cmd.spawn().expect("spawn pktgen");
    let rx = common::line_reader(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ready = false;
    while !ready && Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(l) => {
                ready = l == "READY";
                lines.push(l);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let ping = ready.then(|| {
        // Forget our MAC so the kernel has to ask our responder for it.
        let _ = ip(&["-n", &peer.ns, "neigh", "flush", "dev", &peer.theirs]);
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &peer.ns,
                "ping",
                "-c",
                "3",
                "-W",
                "2",
                &format!("{subnet}.1"),
            ])
            .output()
            .expect("run ping")
    });
    std::fs::write(&go, "").expect("go file");
    let o = common::wait(child);
    lines.extend(rx.try_iter());
    let (_, err) = common::text(&o);
    let out = lines.join("\n");
    assert!(
        ready,
        "pktgen never got ready:\n--- stdout\n{out}\n--- stderr\n{err}"
    );
    assert!(
        o.status.success(),
        "{:?}\n--- stdout\n{out}\n--- stderr\n{err}",
        o.status
    );

    // (a) the learned MAC is the kernel's
    let learned = lines
        .iter()
        .find_map(|l| l.strip_prefix("LEARNED "))
        .unwrap_or("");
    assert_eq!(learned, peer.their_mac(), "learned MAC\n{out}");
    // (b) three replies from our responder
    let ping = ping.expect("ping ran");
    let ptext = String::from_utf8_lossy(&ping.stdout);
    assert!(
        ping.status.success() && ptext.contains("3 received"),
        "ping from the namespace:\n{ptext}{}\n--- pktgen\n{out}",
        String::from_utf8_lossy(&ping.stderr)
    );
    // (c) after the counters were cleared: the kernel's ARP requests for our address and ping's 3
    // echo requests were counted, and each got its answer from the responder.
    let after = lines
        .iter()
        .find_map(|l| l.strip_prefix("AFTER "))
        .unwrap_or_else(|| panic!("no AFTER line from the script:\n{out}\n--- stderr\n{err}"));
    let count = |key: &str| -> u64 {
        after
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {key}=N in {after:?}"))
    };
    let (arp, echo, answers) = (count("arp"), count("echo"), count("tx_extra"));
    assert!(arp >= 1, "the kernel's ARP request was not counted: {after}");
    assert_eq!(echo, 3, "ping's echo requests: {after}");
    assert_eq!(answers, arp + echo, "a reply for each request: {after}");
    eprintln!("{out}");
    let _ = std::fs::remove_dir_all(&dir);
    drop(peer);
}
