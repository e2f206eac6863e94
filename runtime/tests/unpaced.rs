//! The port's own stream on `net_null` (no link to hold it back): `test/net_null/unpaced.lua`
//! checks that rate "max" sends well above the nominal 10 Gb/s line rate, that a rate set again
//! brings it back to that rate, and that Pktgen's `cycles` paces by TSC cycles per burst.

mod common;

#[test]
fn rate_max_sends_above_the_line_rate_and_a_rate_brings_it_back() {
    let _turn = common::heavy();
    let prefix = format!("unpaced-{}", std::process::id());
    let cmd = common::pktgen_vdevs(
        &prefix,
        &["net_null0,no-rx=1", "net_null1,no-rx=1"],
        &["--no-listen", "--exit", "-f", "test/net_null/unpaced.lua"],
    );
    let o = common::run(cmd, "");
    let (out, err) = common::text(&o);
    assert!(
        o.status.success() && out.lines().any(|l| l == "unpaced: ok"),
        "{:?}\n--- stdout\n{out}--- stderr\n{err}",
        o.status
    );
}
