//! Several queues per port through the real binary, on more lcores than this machine has CPUs
//! (EAL's `--lcores` maps five lcores onto two CPUs: a check of correctness, never of speed):
//! `test/lua/queues.lua` with 2 and 4 queue pairs and with a `-m` matrix that splits RX and TX
//! lcores, `test/lua/streams.lua` on two queues, and every kind of bad matrix refused at
//! start-up with the item named.

mod common;

use common::{pktgen, run, text};

/// Five lcores on two CPUs: the main lcore alone on CPU 0, four workers sharing CPU 1.
const LCORES: [&str; 2] = ["--lcores", "0@0,(1-4)@1"];

fn scenario(ours: &[&str]) -> (String, String) {
    let mut args = LCORES.to_vec();
    args.push("--");
    args.extend(ours);
    args.extend(["-v", "--exit", "test/lua/queues.lua"]);
    let out = run(pktgen(&args), "");
    let (so, se) = text(&out);
    assert!(out.status.success(), "{ours:?}\nstdout:\n{so}\nstderr:\n{se}");
    assert!(
        so.lines().last() == Some("queues: ok"),
        "{ours:?}: no final ok line in\n{so}"
    );
    (so, se)
}

#[test]
fn two_and_four_queue_pairs_send_one_stream() {
    let _turn = common::heavy();
    for q in ["2", "4"] {
        let (so, se) = scenario(&["--queues", q]);
        assert!(so.contains(&format!("port 0 sends on {q} ")), "{so}");
        let want = format!("port 0: RX queues {q} on lcores");
        assert!(se.contains(&want), "-v shows the layout: {se}");
    }
}

#[test]
fn streams_on_two_tx_queues_count_exactly() {
    let _turn = common::heavy();
    let mut args = LCORES.to_vec();
    args.extend(["--", "--queues", "2", "--exit", "test/lua/streams.lua"]);
    let out = run(pktgen(&args), "");
    let (so, se) = text(&out);
    assert!(out.status.success(), "stdout:\n{so}\nstderr:\n{se}");
    assert_eq!(so.lines().last(), Some("streams: ok"), "{so}");
}

#[test]
fn a_matrix_with_split_rx_and_tx_lcores() {
    let _turn = common::heavy();
    let (so, se) = scenario(&["-m", "[1:2-3].0", "-m", "[4:1].1"]);
    assert!(so.contains("port 0 sends on 2 (lcores 2,3)"), "{so}");
    for want in [
        "port 0: RX queues 1 on lcores [1], TX queues 2 on lcores [2,3], answer queues on lcores [1]",
        "port 1: RX queues 1 on lcores [4], TX queues 1 on lcores [1], answer queues on lcores [4]",
    ] {
        assert!(se.contains(want), "missing {want:?} in\n{se}");
    }
}

#[test]
fn bad_matrices_stop_start_up_naming_the_item() {
    let _turn = common::heavy();
    for (m, status, want) in [
        ("[0:1].0", 1, "-m [0:1].0: lcore 0 is the main lcore"),
        (
            "[1:9].0",
            1,
            "-m [1:9].0: lcore 9 is not an lcore EAL was given (workers: 1, 2, 3, 4; main: 0)",
        ),
        (
            "1.[0-2]",
            1,
            "-m 1.[0-2]: port 2 does not exist (this instance has 2 ports)",
        ),
        ("[1:2].[0:1]", 1, "-m [1:2].[0:1]: port 0 has no TX lcore"),
        ("[1:2.0", 2, "-m [1:2.0: lcores \"[1:2\": an unclosed bracket"),
    ] {
        let mut args = LCORES.to_vec();
        args.extend(["--", "-m", m, "--exit"]);
        let out = run(pktgen(&args), "");
        let (so, se) = text(&out);
        assert_eq!(
            out.status.code(),
            Some(status),
            "-m {m}\nstdout:\n{so}\nstderr:\n{se}"
        );
        assert!(se.contains(want), "-m {m}: want {want:?} in\n{se}");
    }
}
