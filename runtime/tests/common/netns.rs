//! A veth pair with one end in a fresh network namespace, removed by a guard even when the test
//! fails. Names carry a tag (the test process id and a per-test number) so parallel runs do not
//! collide. Needs root and `ip`.

use std::process::Command;

/// Runs `ip args...`; its stdout, or an error with its stderr.
pub fn ip(args: &[&str]) -> Result<String, String> {
    let o = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// The namespace and the veth pair; dropping it removes both.
pub struct Peer {
    /// The namespace.
    pub ns: String,
    /// Our end, in the test's namespace.
    pub ours: String,
    /// Their end, inside `ns`.
    pub theirs: String,
}

impl Peer {
    /// A pair tagged `tag`, their end inside the new namespace with `their_cidr` and up (with
    /// the namespace's loopback), ours up without an address.
    pub fn create(tag: &str, their_cidr: &str) -> Result<Peer, String> {
        let p = Peer {
            ns: format!("pg-{tag}"),
            ours: format!("pg{tag}a"),
            theirs: format!("pg{tag}b"),
        };
        ip(&["netns", "add", &p.ns])?;
        ip(&["link", "add", &p.ours, "type", "veth", "peer", "name", &p.theirs])?;
        ip(&["link", "set", &p.theirs, "netns", &p.ns])?;
        ip(&["-n", &p.ns, "addr", "add", their_cidr, "dev", &p.theirs])?;
        ip(&["-n", &p.ns, "link", "set", &p.theirs, "up"])?;
        ip(&["-n", &p.ns, "link", "set", "lo", "up"])?;
        ip(&["link", "set", &p.ours, "up"])?;
        Ok(p)
    }

    /// Gives our end an address (`a.b.c.d/len`).
    pub fn address_ours(&self, cidr: &str) -> Result<(), String> {
        ip(&["addr", "add", cidr, "dev", &self.ours]).map(drop)
    }

    /// `cmd` run inside the namespace (`ip netns exec`).
    pub fn command(&self, cmd: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, cmd]);
        c
    }

    /// The MAC address of their end.
    pub fn their_mac(&self) -> String {
        let out = ip(&["-n", &self.ns, "-o", "link", "show", &self.theirs]).unwrap_or_default();
        out.split_whitespace()
            .skip_while(|w| *w != "link/ether")
            .nth(1)
            .unwrap_or("")
            .to_string()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Deleting one end removes the pair; the namespace goes last.
        let _ = ip(&["link", "del", &self.ours]);
        let _ = ip(&["netns", "del", &self.ns]);
    }
}
