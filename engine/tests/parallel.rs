//! Two processes start EAL on the embedded default at the same time without colliding.

mod common;

use std::time::Duration;

use common::{L4, engine, ipv4_frame, wait_until};
use engine::{Rate, StreamSpec};

#[test]
#[ignore = "runs in its own process, started by its parent test"]
fn child_send_exact_count() {
    if !common::in_child("child_send_exact_count") {
        return;
    }
    let e = engine();
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        count: 50_000,
        rate: Rate::Unpaced,
        ..Default::default()
    };
    e.start(0, &spec).unwrap();
    assert!(wait_until(Duration::from_secs(60), || e
        .stats(1)
        .unwrap()
        .rx_packets
        == 50_000));
    e.shutdown();
    let err = e.start(0, &spec).unwrap_err().to_string();
    assert_eq!(err, "the engine has shut down; start a new pktgen process");
}

#[test]
fn two_processes_at_once() {
    let spawn = || {
        common::child_command("child_send_exact_count", "", &[])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for c in [a, b] {
        let out = c.wait_with_output().unwrap();
        common::assert_child_ok(&out);
    }
}
