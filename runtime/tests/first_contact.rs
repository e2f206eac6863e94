//! What a new user meets first, through the real binary: `--version`, the message when EAL's
//! memory cannot hold the packet buffers, the note for a port list that names no port (on a
//! shell client's own output), `pktgen.info` with `-j`, and a bonding port driven as one port.

mod common;

use std::process::{Command, Stdio};

#[test]
fn version_prints_pktgen_dpdk_and_lua_and_exits_0() {
    for flag in ["--version", "-V"] {
        let o = common::run(common::pktgen(&[flag]), "");
        let (out, err) = common::text(&o);
        assert!(o.status.success(), "{flag}: {:?}\n{out}{err}", o.status);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{flag}: {out}");
        assert!(lines[0].starts_with("Pktgen 26.02.4 (pktgen-rs "), "{out}");
        assert!(lines[1].starts_with("DPDK "), "{out}");
        assert!(lines[2].starts_with("Lua 5.4."), "{out}");
        // Nothing started: no EAL messages.
        assert!(!err.contains("EAL"), "{flag} started EAL:\n{err}");
    }
}

#[test]
fn too_little_eal_memory_names_the_cure_and_the_size() {
    let _turn = common::heavy();
    let prefix = format!("pktgen-mem-{}", std::process::id());
    let with_memory = |mb: &str| {
        let eal = ["--no-huge", "--no-pci", "-m", mb, "--file-prefix", &prefix];
        let args: Vec<&str> = eal
            .into_iter()
            .chain(["--vdev", "net_null0", "--", "--exit"])
            .collect();
        let o = common::run(common::pktgen(&args), "");
        let (out, err) = common::text(&o);
        (o.status.success(), format!("{out}{err}"))
    };
    let (ok, text) = with_memory("16");
    assert!(!ok, "started with -m 16?\n{text}");
    let msg = text
        .lines()
        .find(|l| l.starts_with("pktgen: "))
        .unwrap_or_else(|| panic!("no pktgen: line\n{text}"));
    // net_null0 has one RX and one TX queue, each with a pool of 8191 buffers of 2368 bytes.
    assert!(
        msg.starts_with("pktgen: not enough DPDK memory for the packet buffers: ")
            && msg.contains("needs about 37 MB for them (2 pools")
            && msg.contains("Give EAL more memory: -m 64 (an EAL argument, before --)"),
        "{msg}"
    );
    // The size given is enough.
    let (ok, text) = with_memory("64");
    assert!(ok, "-m 64 failed too:\n{text}");
}

#[test]
fn a_port_list_naming_no_port_is_noted_on_the_shell_clients_output() {
    let _turn = common::heavy();
    let mut srv = Command::new(env!("CARGO_BIN_EXE_pktgen"))
        .current_dir(common::root())
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pktgen");
    let port = common::shell_port(&mut srv);
    let console = srv.stdout.take().expect("stdout");
    let console = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut { console }, &mut s);
        s
    });
    let mut client = Command::new("socat");
    client
        .args(["-t", "30", "-", &format!("TCP4:127.0.0.1:{port}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = client.spawn().expect("socat");
    {
        use std::io::Write as _;
        let mut i = child.stdin.take().expect("stdin");
        i.write_all(b"pktgen.start(\"9\")\nprint(\"still here\", pktgen.isSending(0)[0])\n")
            .expect("write");
    }
    let o = common::wait(child);
    let _ = srv.kill();
    let _ = srv.wait();
    let console = console.join().unwrap_or_default();
    let (out, err) = common::text(&o);
    assert_eq!(
        out, "start: port list '9' names no port of this pktgen (ports 0-1); nothing done\nstill here\tn\n",
        "client output (socat stderr: {err})"
    );
    assert!(
        !console.contains("names no port"),
        "the note went to the console:\n{console}"
    );
}

#[test]
fn jumbo_frames_raise_the_info_sizes() {
    let _turn = common::heavy();
    let o = common::run(
        common::pktgen(&["-j", "--exit"]),
        "print(pktgen.info.maxPktSize, pktgen.info.defaultBuffSize, math.type(pktgen.info.maxPktSize))",
    );
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(out, "9618\t9728\tinteger\n", "{err}");
}

/// The DPDK release as (major, minor), from `pktgen --version`.
fn dpdk_release() -> (u32, u32) {
    let o = common::run(common::pktgen(&["--version"]), "");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let v = out
        .lines()
        .find_map(|l| l.strip_prefix("DPDK "))
        .unwrap_or_else(|| panic!("{out}"));
    let mut it = v.split('.').map(|n| n.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

#[test]
fn a_bonding_port_is_one_port_and_bonding_shows_its_members() {
    let _turn = common::heavy();
    // The bonding driver's key for a member: `slave` up to DPDK 23.07, `member` since 23.11.
    let key = if dpdk_release() >= (23, 11) {
        "member"
    } else {
        "slave"
    };
    let bond = format!("net_bonding0,mode=2,{key}=net_null0,{key}=net_null1");
    let prefix = format!("pktgen-bond-{}", std::process::id());
    let o = common::run(
        common::pktgen(&[
            "--no-huge",
            "--no-pci",
            "-m",
            "256",
            "--file-prefix",
            &prefix,
            "--vdev",
            "net_null0",
            "--vdev",
            "net_null1",
            "--vdev",
            &bond,
            "--",
            "--exit",
        ]),
        r#"
package.path = package.path .. ";test/?.lua"
print("ports", pktgen.portCount())
-- The bonding driver activates members as it sees their links come up.
require("testing").wait_for("both members active", function()
	local b = require("engine").bonding(0)
	return b.members[1].active and b.members[2].active
end)
pktgen.bonding("all", "on")
pktgen.set(0, "count", 1000)
pktgen.start(0)
while pktgen.isSending(0)[0] == "y" do pktgen.delay(10) end
print("sent", pktgen.portStats(0)[0].curr.opackets)
"#,
    );
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(
        out,
        "ports\t1\n\
         Port 0: bonding mode 2 (balance-xor), 2 members, primary net_null0\n  \
         net_null0 (DPDK port 0): active\n  \
         net_null1 (DPDK port 1): active\n\
         sent\t1000\n",
        "{err}"
    );
}
