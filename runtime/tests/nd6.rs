//! The IPv6 responder judged by others. `tshark` reads the answers `test/lua/nd6.lua` captures on
//! the embedded default: advertisements and echo replies, their ICMPv6 checksums and flags.
//! And IPv6 through a real device under test, as in IPv4: `test/dut.sh` with `DUT_IPV6=1` makes
//! the Linux kernel forward IPv6 between two veth pairs with no static neighbour entries, and
//! `test/nd6_dut.lua` checks that the kernel resolves our ports by neighbour discovery and its
//! `ping -6` gets our echo replies (to the ports' addresses and a link-local one), that the ports
//! learn the DUT's MAC from the advertisements answering `send_ns`, and that a counted UDP
//! stream of 10000 packets at 10 kpps crosses with none lost. The DUT test skips only where
//! network namespaces are not allowed (dut.sh exits 77); as root, as in CI, it runs.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::dut::Dut;

#[test]
fn tshark_finds_the_answers_checksums_good() {
    let _turn = common::heavy();
    let pcap = std::env::temp_dir().join(format!("pktgen-nd6-{}.pcap", std::process::id()));
    let mut cmd = common::pktgen(&["--exit", "-f", "test/lua/nd6.lua"]);
    cmd.env("ND6_PCAP", &pcap)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let o = common::wait(cmd.spawn().expect("spawn pktgen"));
    let (out, err) = common::text(&o);
    assert!(
        o.status.success() && out.contains("nd6: ok"),
        "{out}\n--- stderr\n{err}"
    );
    let t = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(["-T", "fields", "-E", "separator=,"])
        .args(["-e", "icmpv6.type", "-e", "icmpv6.checksum.status"])
        .args(["-e", "icmpv6.nd.na.flag.s", "-e", "icmpv6.nd.na.flag.o"])
        .output()
        .expect("tshark is needed (apt-get install tshark)");
    let text = String::from_utf8_lossy(&t.stdout);
    let mut rows: Vec<&str> = text.lines().collect();
    rows.sort();
    // Two advertisements (S and O) and three echo replies; checksum status 1 is tshark's "Good".
    assert_eq!(
        rows,
        ["129,1,,", "129,1,,", "129,1,,", "136,1,1,1", "136,1,1,1"],
        "tshark -r {}:\n{text}{}",
        pcap.display(),
        String::from_utf8_lossy(&t.stderr)
    );
    let _ = std::fs::remove_file(&pcap);
}

#[test]
fn through_the_kernel_dut_in_ipv6_neighbours_resolve_and_a_stream_crosses() {
    let _turn = common::heavy();
    common::need_tools(&["ip", "ping"], "for the IPv6 DUT test (iproute2, iputils-ping)");
    let name = format!("nd{}", std::process::id());
    let Some(dut) = Dut::up(&name, true).unwrap_or_else(|e| panic!("setting up the DUT: {e}")) else {
        return;
    };
    let vdev0 = format!("net_af_packet0,iface={name}p0");
    let vdev1 = format!("net_af_packet1,iface={name}p1");
    let file_prefix = format!("pktgen-nd6-{}", std::process::id());
    let mut cmd = common::pktgen_vdevs(
        &file_prefix,
        &[&vdev0, &vdev1],
        &["--exit", "-f", "test/nd6_dut.lua"],
    );
    cmd.env("DUT_NAME", &name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let o = common::wait_within(cmd.spawn().expect("spawn pktgen"), Duration::from_secs(180));
    let (out, err) = common::text(&o);
    eprintln!("{out}");
    assert!(o.status.success(), "{:?}\n{out}\n--- stderr\n{err}", o.status);
    assert_eq!(
        out.lines().last().unwrap_or(""),
        "nd6_dut: ok",
        "{out}\n--- stderr\n{err}"
    );
    drop(dut);
}
