//! Bad arguments give an `engine::Error` whose message names the problem; nothing panics.

mod common;

use common::{L4, assert_child_ok, engine, ipv4_frame, private_eal, run_child, serial};
use engine::{Config, Engine, Field, StreamSpec};

#[test]
#[ignore = "runs in its own process, started by its parent test"]
fn child_unknown_vdev() {
    if !common::in_child("child_unknown_vdev") {
        return;
    }
    let err = Engine::init(&common::config()).unwrap_err().to_string();
    assert!(err.contains("Check the --vdev device(s) net_bogus0"), "{err}");
}

#[test]
fn unknown_vdev_is_named() {
    assert_child_ok(&run_child(
        "child_unknown_vdev",
        &private_eal("--vdev net_bogus0,x=1"),
        &[],
    ));
    // Without --no-huge on a machine without hugepages, the device is still what gets named.
    let eal = format!(
        "--no-pci --no-shconf -l 0-1 --file-prefix tv{} --vdev net_bogus0",
        std::process::id()
    );
    assert_child_ok(&run_child("child_unknown_vdev", &eal, &[]));
}

#[test]
#[ignore = "runs in its own process, started by its parent test"]
fn child_in_memory_with_no_huge() {
    if !common::in_child("child_in_memory_with_no_huge") {
        return;
    }
    let err = Engine::init(&common::config()).unwrap_err().to_string();
    assert!(err.starts_with("DPDK EAL failed to start"), "{err}");
    assert!(
        err.contains("--in-memory cannot be combined with --no-huge"),
        "{err}"
    );
}

#[test]
fn in_memory_with_no_huge_gets_a_hint() {
    assert_child_ok(&run_child(
        "child_in_memory_with_no_huge",
        &private_eal("--in-memory --vdev net_null0"),
        &[],
    ));
}

#[test]
fn bad_port_size_burst_and_fields_are_named() {
    let _g = serial();
    let e = engine();
    let ok = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        count: 1,
        ..Default::default()
    };
    let err = e.start(7, &ok).unwrap_err().to_string();
    assert_eq!(err, "port 7 does not exist (this instance has 2 ports)");
    assert!(
        e.stats(9)
            .unwrap_err()
            .to_string()
            .contains("port 9 does not exist")
    );

    let mut tiny = ok.clone();
    tiny.templates[0].data.truncate(10);
    tiny.templates[0].checksums.clear();
    tiny.templates[0].lengths.clear();
    let err = e.start(0, &tiny).unwrap_err().to_string();
    assert!(
        err.contains("template 0 10 bytes") && err.contains("64..="),
        "{err}"
    );

    let mut burst = ok.clone();
    burst.burst = 0;
    assert!(
        e.start(0, &burst)
            .unwrap_err()
            .to_string()
            .contains("burst 0 is outside 1..=256")
    );

    let mut field = ok.clone();
    field.fields.push(Field::walk(58, 4, 0, 1, 1));
    let err = e.start(0, &field).unwrap_err().to_string();
    assert!(err.contains("offset 58") && err.contains("past the end"), "{err}");

    let mut width = ok.clone();
    width.fields.push(Field::walk(20, 3, 0, 1, 1));
    assert!(e.start(0, &width).unwrap_err().to_string().contains("width 3"));

    let mut rate = ok.clone();
    rate.rate = engine::Rate::Percent(0.0);
    assert!(e.start(0, &rate).unwrap_err().to_string().contains("rate 0%"));

    let mut empty = ok.clone();
    empty.templates.clear();
    assert!(
        e.start(0, &empty)
            .unwrap_err()
            .to_string()
            .contains("no template")
    );
    assert!(!e.is_sending(0).unwrap(), "a refused stream does not start");
}

#[test]
fn starting_twice_is_busy_and_init_twice_is_refused() {
    let _g = serial();
    let e = engine();
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        rate: engine::Rate::Pps(1000.0),
        ..Default::default()
    };
    e.start(0, &spec).unwrap();
    assert_eq!(
        e.start(0, &spec).unwrap_err().to_string(),
        "port 0 is sending; stop it first"
    );
    e.stop(0).unwrap();
    assert!(!e.is_sending(0).unwrap());
    assert!(matches!(
        Engine::init(&Config::default()),
        Err(engine::Error::AlreadyInitialised)
    ));
}
