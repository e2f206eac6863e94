//! The kernel as a device under test: `test/dut.sh`'s namespace forwarding between two veth
//! pairs, removed (`dut.sh down`) when the guard drops, even when the test fails.

use std::process::Command;

/// The DUT's namespace and veth pairs; dropping it runs `dut.sh down`.
pub struct Dut {
    /// The name dut.sh gives the namespace and the interfaces (`<name>p0`, `<name>d0`, ...).
    pub name: String,
}

impl Dut {
    /// Builds it (forwarding IPv6 too with `ipv6`). `Ok(None)` where network namespaces are not
    /// allowed (dut.sh says so and exits 77).
    pub fn up(name: &str, ipv6: bool) -> Result<Option<Dut>, String> {
        let o = dut_sh("up", name, ipv6)?;
        match o.status.code() {
            Some(0) => Ok(Some(Dut {
                name: name.to_string(),
            })),
            Some(77) => {
                eprintln!("SKIPPED: {}", String::from_utf8_lossy(&o.stderr).trim_end());
                Ok(None)
            }
            _ => Err(format!(
                "dut.sh up {name}: {:?}\n{}{}",
                o.status,
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )),
        }
    }
}

impl Drop for Dut {
    fn drop(&mut self) {
        let _ = dut_sh("down", &self.name, false);
    }
}

fn dut_sh(cmd: &str, name: &str, ipv6: bool) -> Result<std::process::Output, String> {
    let mut c = Command::new(super::root().join("test/dut.sh"));
    if ipv6 {
        c.env("DUT_IPV6", "1");
    }
    c.args([cmd, name])
        .current_dir(super::root())
        .output()
        .map_err(|e| format!("cannot run test/dut.sh: {e}"))
}
