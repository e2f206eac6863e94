//! The command line, Pktgen's shape: `pktgen [EAL args] -- [pktgen args]`. Without `--`, every
//! argument is ours and EAL gets the engine's embedded default.

use argh::FromArgs;

/// The default address of the Lua shell (Pktgen's 22022, but on loopback only).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:22022";

/// What `argh` parses: everything after `--` (or the whole command line without it).
#[derive(FromArgs, Debug)]
#[argh(
    description = "pktgen: a packet generator driven by Lua scripts, compatible with Pktgen-DPDK's Lua API.",
    example = "{command_name} test/hello-world.lua --exit\n{command_name} -f setup.lua -f run.pkt\n{command_name} --vdev net_null0 --vdev net_null1 --no-huge -m 256 -- -f test.lua --exit",
    note = "Usage: pktgen [EAL args] -- [pktgen args]. Without `--`, every argument is a pktgen argument and \
            EAL gets the embedded default (no hugepages, no NIC, two back-to-back ring ports).\n\
            Files whose name contains .lua run as Lua; any other file is a Pktgen CLI command file (.pkt).\n\
            Files given with -f run first, then positional files, in order. A failing file does not stop the next.\n\
            After the files: with a terminal on stdin, a console (Lua, or Pktgen CLI commands such as `start 0`);\n\
            otherwise stdin is read to its end and run as one more Lua chunk.\n\
            pktgen then keeps running until SIGINT/SIGTERM, `quit`, or pktgen.quit(); --exit quits as soon as the\n\
            files and stdin are done, with status 1 if any failed.",
    help_triggers("-h", "--help")
)]
pub struct Opts {
    /// script or command file to run after start-up (repeatable): .lua runs as Lua, anything else as Pktgen CLI commands
    #[argh(option, short = 'f')]
    pub file: Vec<String>,

    /// enable the Lua shell on the default address 127.0.0.1:22022
    #[argh(switch, short = 'G')]
    pub shell: bool,

    /// enable the Lua shell on host:port (`:port` keeps the default host, 127.0.0.1)
    #[argh(option, short = 'g')]
    pub shell_addr: Option<String>,

    /// pcap file to replay on port P, as P:file (repeatable)
    #[argh(option, short = 's')]
    pub pcap: Vec<String>,

    /// put every port in promiscuous mode
    #[argh(switch, short = 'P')]
    pub promiscuous: bool,

    /// allow jumbo frames (up to 9618 bytes with FCS)
    #[argh(switch, short = 'j')]
    pub jumbo: bool,

    /// lcore-to-port matrix, as Pktgen's (repeatable, adding up): `1.0, 2.1`, `[1:2].0` (lcore 1 receives, 2 sends), `[1-2:3-5].[0-1]`; one queue per lcore, port and direction
    #[argh(option, short = 'm')]
    pub matrix: Vec<String>,

    /// without -m: RX and TX queues per port, spread over the worker lcores (default 1); the embedded ring ports get as many queue pairs
    #[argh(option, default = "1")]
    pub queues: u16,

    /// log file (accepted for Pktgen compatibility)
    #[argh(option, short = 'l')]
    pub log: Option<String>,

    /// obsolete port mask (accepted and ignored, as by Pktgen)
    #[argh(option, short = 'p')]
    pub portmask: Option<String>,

    /// enable NUMA support (accepted; ports use their own NUMA socket anyway)
    #[argh(switch, short = 'N')]
    pub numa: bool,

    /// colour the console's pages and prompt with the theme (`theme` command)
    #[argh(switch, short = 'T')]
    pub theme: bool,

    /// verbose start-up: print the EAL arguments and the ports on stderr
    #[argh(switch, short = 'v')]
    pub verbose: bool,

    /// use clock_gettime for timing (accepted; no effect)
    #[argh(switch, short = 'c')]
    pub clock_gettime: bool,

    /// TX descriptors per queue (also --txd=N)
    #[argh(option)]
    pub txd: Option<u16>,

    /// RX descriptors per queue (also --rxd=N)
    #[argh(option)]
    pub rxd: Option<u16>,

    /// largest latency the histograms track, in ns (default 60000000000, 60 s; larger ones count at it)
    #[argh(option)]
    pub latency_max_ns: Option<u64>,

    /// significant decimal digits of the latency histograms, 1 to 5 (default 3)
    #[argh(option)]
    pub latency_digits: Option<u8>,

    /// quit as soon as the files and stdin are done; exit status 1 if any of them failed
    #[argh(switch)]
    pub exit: bool,

    /// directory searched for stdlib modules (pktgen.lua, Pktgen.lua, pktgen/*.lua) before the embedded copy
    #[argh(option)]
    pub lua_path: Option<String>,

    /// do not start the Lua shell
    #[argh(switch)]
    pub no_listen: bool,

    /// address of the Lua shell, host:port (default 127.0.0.1:22022; any address but loopback lets others run code here)
    #[argh(option)]
    pub listen: Option<String>,

    /// let the Lua shell listen on an address that is not loopback without a token or client certificates (it runs any Lua code sent to it, os.execute included)
    #[argh(switch)]
    pub shell_allow_remote: bool,

    /// file holding the token shell clients must send as their first line (`auth <token>`); created with a random 256-bit token, mode 0600, when missing; refused unless it is your own, mode 0600 and not a symlink, and its token carries 128 bits (default: $PKTGEN_SHELL_TOKEN, if set, then removed from the environment)
    #[argh(option)]
    pub shell_token_file: Option<String>,

    /// PEM certificate (chain) of the Lua shell, which then speaks TLS only; needs --shell-tls-key
    #[argh(option)]
    pub shell_tls_cert: Option<String>,

    /// PEM private key of --shell-tls-cert (your own file, mode 0600, not a symlink)
    #[argh(option)]
    pub shell_tls_key: Option<String>,

    /// PEM CA certificate(s): shell clients must present a certificate signed by one (mutual TLS); alone it admits any certificate the CA signed, whoever it names
    #[argh(option)]
    pub shell_tls_client_ca: Option<String>,

    /// admit only client certificates whose subject common name (CN) is this (repeatable; with --shell-tls-client-ca)
    #[argh(option)]
    pub shell_client_name: Vec<String>,

    /// admit only client certificates with this SHA-256 fingerprint, hex, colons allowed (repeatable; with --shell-tls-client-ca; openssl x509 -in c.pem -noout -fingerprint -sha256)
    #[argh(option)]
    pub shell_client_fingerprint: Vec<String>,

    /// let shell clients stop pktgen with pktgen.quit() or os.exit() (refused by default)
    #[argh(switch)]
    pub shell_allow_quit: bool,

    /// how long a shell client's chunk may run without yielding before it is interrupted, in ms (default 2000; 0: no limit)
    #[argh(option, default = "2000")]
    pub shell_budget_ms: u64,

    /// most shell clients connected at once; the next one is refused (default 64)
    #[argh(option, default = "64")]
    pub shell_max_clients: usize,

    /// most bytes a shell client may send that do not yet form a chunk; past it the client is closed (default 1048576)
    #[argh(option, default = "1048576")]
    pub shell_max_input: usize,

    /// serve Prometheus metrics over HTTP at http://host:port/metrics (`:port` or a bare port: on 127.0.0.1); read-only, no authentication; each connection gets 2 s from accept, 64 at once
    #[argh(option)]
    pub metrics: Option<String>,

    /// print pktgen's, DPDK's and Lua's versions and exit
    #[argh(switch, short = 'V')]
    pub version: bool,

    /// script or command files to run after the -f files
    #[argh(positional)]
    pub files: Vec<String>,
}

/// The parsed command line.
#[derive(Debug)]
pub struct Args {
    /// EAL arguments (before `--`); empty selects the embedded default.
    pub eal: Vec<String>,
    /// Files to run, in order.
    pub files: Vec<String>,
    /// Where the Lua shell listens, or `None` for no shell.
    pub listen: Option<String>,
    /// `-s P:file`: PCAP files by port.
    pub pcap: Vec<(u16, String)>,
    /// `-m`: the lcore-to-port matrix, every flag's items in order.
    pub matrix: Vec<engine::MatrixEntry>,
    /// `--metrics`: where to serve metrics (`host:port`).
    pub metrics: Option<String>,
    /// Everything else as argh parsed it.
    pub opts: Opts,
}

/// Why parsing stopped: help was asked for (exit 0) or the command line is wrong (exit 2).
#[derive(Debug)]
pub enum Exit {
    /// `--help`: print this on stdout and exit 0.
    Help(String),
    /// `--version`/`-V`: print the versions on stdout and exit 0.
    Version,
    /// A bad command line: print this on stderr and exit 2.
    Usage(String),
}

/// Parses `argv` (without the program name).
///
/// # Errors
/// [`Exit::Help`] for `-h`/`--help`, [`Exit::Version`] for `-V`/`--version`, [`Exit::Usage`]
/// for anything argh or we reject.
pub fn parse(argv: &[String]) -> Result<Args, Exit> {
    let (eal, ours) = match argv.iter().position(|a| a == "--") {
        Some(i) => (argv[..i].to_vec(), &argv[i + 1..]),
        None => (Vec::new(), argv),
    };
    // argh has no `--opt=value`; Pktgen documents `--txd=N`, so split those.
    let mut split: Vec<String> = Vec::with_capacity(ours.len());
    for a in ours {
        match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") && k.len() > 2 => {
                split.push(k.to_string());
                split.push(v.to_string());
            }
            _ => split.push(a.clone()),
        }
    }
    // argh refuses anything after --help; help wins wherever it stands, then --version.
    if split.iter().any(|a| a == "-h" || a == "--help") {
        split = vec!["--help".to_string()];
    } else if split.iter().any(|a| a == "-V" || a == "--version") {
        return Err(Exit::Version);
    }
    let refs: Vec<&str> = split.iter().map(String::as_str).collect();
    let opts = Opts::from_args(&["pktgen"], &refs).map_err(|e| match e.status {
        Ok(()) => Exit::Help(e.output),
        Err(()) => Exit::Usage(format!(
            "{}\nRun 'pktgen --help' for the options.",
            e.output.trim_end()
        )),
    })?;

    let mut files = opts.file.clone();
    files.extend(opts.files.iter().cloned());

    let mut pcap = Vec::new();
    for s in &opts.pcap {
        let bad = || Exit::Usage(format!("-s {s}: expected P:file, e.g. -s 0:traffic.pcap"));
        let (p, f) = s.split_once(':').ok_or_else(bad)?;
        let p: u16 = p.trim().parse().map_err(|_| bad())?;
        if f.is_empty() {
            return Err(bad());
        }
        pcap.push((p, f.to_string()));
    }

    let mut matrix = Vec::new();
    for m in &opts.matrix {
        matrix.extend(crate::matrix::parse(m).map_err(Exit::Usage)?);
    }
    if !matrix.is_empty() && opts.queues != 1 {
        return Err(Exit::Usage(
            "--queues applies without -m; with -m, each lcore of a port gives it a queue".into(),
        ));
    }
    if opts.queues == 0 {
        return Err(Exit::Usage("--queues must be at least 1".into()));
    }

    if opts.no_listen && (opts.listen.is_some() || opts.shell_addr.is_some()) {
        return Err(Exit::Usage(
            "--no-listen cannot be combined with --listen or -g".into(),
        ));
    }
    if opts.shell_tls_cert.is_some() != opts.shell_tls_key.is_some() {
        return Err(Exit::Usage(
            "--shell-tls-cert and --shell-tls-key go together (the certificate and its private key)".into(),
        ));
    }
    if opts.shell_tls_client_ca.is_some() && opts.shell_tls_cert.is_none() {
        return Err(Exit::Usage(
            "--shell-tls-client-ca needs TLS: add --shell-tls-cert and --shell-tls-key".into(),
        ));
    }
    if (!opts.shell_client_name.is_empty() || !opts.shell_client_fingerprint.is_empty())
        && opts.shell_tls_client_ca.is_none()
    {
        return Err(Exit::Usage(
            "--shell-client-name and --shell-client-fingerprint pin client certificates: add \
             --shell-tls-client-ca (and --shell-tls-cert, --shell-tls-key)"
                .into(),
        ));
    }
    if opts.no_listen && (opts.shell_token_file.is_some() || opts.shell_tls_cert.is_some()) {
        return Err(Exit::Usage(
            "--shell-token-file and --shell-tls-* configure the Lua shell, which --no-listen turns off"
                .into(),
        ));
    }
    let listen = if opts.no_listen {
        None
    } else if let Some(a) = &opts.listen {
        Some(shell_addr(a).map_err(Exit::Usage)?)
    } else if let Some(a) = &opts.shell_addr {
        Some(shell_addr(a).map_err(|m| Exit::Usage(format!("-g: {m}")))?)
    } else {
        // -G asks for the default address, which is also what we do without it; --version
        // never gets here (it is answered before argh parses).
        let _ = (opts.shell, opts.version);
        Some(DEFAULT_LISTEN.to_string())
    };
    let metrics = match &opts.metrics {
        None => None,
        Some(a) if a.parse::<u16>().is_ok() => Some(format!("127.0.0.1:{a}")),
        Some(a) if !a.contains(':') => {
            return Err(Exit::Usage(format!(
                "--metrics {a}: give host:port, :port or a port number"
            )));
        }
        Some(a) => Some(host_port(a, 0).map_err(|m| Exit::Usage(format!("--metrics: {m}")))?),
    };
    Ok(Args {
        eal,
        files,
        listen,
        pcap,
        matrix,
        metrics,
        opts,
    })
}

impl Args {
    /// The options accepted for Pktgen compatibility that change nothing yet, for `-v`.
    pub fn accepted_only(&self) -> Vec<String> {
        let o = &self.opts;
        let mut v = Vec::new();
        v.extend(o.log.iter().map(|l| format!("-l {l}")));
        v.extend(o.portmask.iter().map(|p| format!("-p {p}")));
        for (on, flag) in [(o.numa, "-N"), (o.clock_gettime, "-c")] {
            if on {
                v.push(flag.to_string());
            }
        }
        v
    }
}

/// Normalises `host:port`, `host`, or `:port` (port in decimal, 0x hex or 0 octal, as Pktgen's
/// `strtol(..., 0)`) to `host:port`.
fn shell_addr(a: &str) -> Result<String, String> {
    host_port(a, 22022)
}

/// Normalises `host:port`, `host` (with `default_port`), or `:port` (on 127.0.0.1) to `host:port`.
fn host_port(a: &str, default_port: u16) -> Result<String, String> {
    let (host, port) = match a.rsplit_once(':') {
        // A bare IPv6 address has colons too; only `[v6]:port` carries a port then.
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => (h, Some(p)),
        _ => (a, None),
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    let port = match port {
        None => default_port,
        Some(p) => parse_port(p).ok_or_else(|| format!("bad port {p:?} in {a:?}"))?,
    };
    Ok(format!("{host}:{port}"))
}

fn parse_port(p: &str) -> Option<u16> {
    if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        u16::from_str_radix(h, 16).ok()
    } else if p.len() > 1 && p.starts_with('0') {
        u16::from_str_radix(&p[1..], 8).ok()
    } else {
        p.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Args, Exit> {
        let v: Vec<String> = s.split_whitespace().map(String::from).collect();
        parse(&v)
    }

    #[test]
    fn splits_eal_at_double_dash() {
        let a = args("--vdev net_null0 -l 0-1 -- -f a.lua b.pkt --exit").unwrap_or_else(|_| panic!("parse"));
        assert_eq!(a.eal, ["--vdev", "net_null0", "-l", "0-1"]);
        assert_eq!(a.files, ["a.lua", "b.pkt"]);
        assert!(a.opts.exit);
    }

    #[test]
    fn without_double_dash_everything_is_ours() {
        let a = args("test/hello-world.lua --exit -l log.txt --txd=512").unwrap_or_else(|_| panic!("parse"));
        assert!(a.eal.is_empty());
        assert_eq!(a.files, ["test/hello-world.lua"]);
        assert_eq!(a.opts.log.as_deref(), Some("log.txt"));
        assert_eq!(a.opts.txd, Some(512));
        assert_eq!(a.listen.as_deref(), Some(DEFAULT_LISTEN));
    }

    #[test]
    fn shell_addresses() {
        assert_eq!(shell_addr(":0x5606").as_deref(), Ok("127.0.0.1:22022"));
        assert_eq!(shell_addr("0.0.0.0:2000").as_deref(), Ok("0.0.0.0:2000"));
        assert_eq!(shell_addr("localhost").as_deref(), Ok("localhost:22022"));
        assert_eq!(shell_addr("[::1]:5").as_deref(), Ok("[::1]:5"));
        assert!(shell_addr("x:70000").is_err());
        assert!(args("--no-listen").is_ok_and(|a| a.listen.is_none()));
        assert!(args("-g :9000").is_ok_and(|a| a.listen.as_deref() == Some("127.0.0.1:9000")));
    }

    #[test]
    fn shell_options() {
        let a = args("--shell-budget-ms=150 --shell-max-clients 2 --shell-allow-quit")
            .unwrap_or_else(|_| panic!("parse"));
        assert_eq!(a.opts.shell_budget_ms, 150);
        assert_eq!(a.opts.shell_max_clients, 2);
        assert_eq!(a.opts.shell_max_input, 1 << 20);
        assert!(a.opts.shell_allow_quit && !a.opts.shell_allow_remote);
    }

    #[test]
    fn shell_tls_and_token_options() {
        let a = args(
            "--shell-token-file t --shell-tls-cert c.pem --shell-tls-key k.pem --shell-tls-client-ca ca.pem",
        )
        .unwrap_or_else(|_| panic!("parse"));
        assert_eq!(a.opts.shell_token_file.as_deref(), Some("t"));
        assert_eq!(a.opts.shell_tls_client_ca.as_deref(), Some("ca.pem"));
        let usage = |s: &str, want: &str| matches!(args(s), Err(Exit::Usage(m)) if m.contains(want));
        assert!(usage("--shell-tls-cert c.pem", "go together"));
        assert!(usage("--shell-tls-key k.pem", "go together"));
        assert!(usage("--shell-tls-client-ca ca.pem", "needs TLS"));
        assert!(usage("--shell-client-name bob", "add --shell-tls-client-ca"));
        assert!(usage("--no-listen --shell-token-file t", "--no-listen"));
    }

    #[test]
    fn matrix_flags_add_up() {
        let a = args("-m 1.0 -m [2:3].1 --exit").unwrap_or_else(|_| panic!("parse"));
        assert_eq!(a.matrix.len(), 2);
        assert_eq!(a.matrix[1].tx_lcores, [3]);
        assert!(matches!(args("-m 1.0 --queues 2"), Err(Exit::Usage(_))));
        assert!(matches!(args("-m [1:2.0"), Err(Exit::Usage(m)) if m.contains("-m [1:2.0")));
        assert!(args("--queues 4").is_ok_and(|a| a.opts.queues == 4));
    }

    #[test]
    fn metrics_addresses() {
        let m = |s: &str| args(s).map(|a| a.metrics);
        assert!(matches!(m(""), Ok(None)));
        assert!(matches!(
            m("--metrics 9100").as_ref().map(|x| x.as_deref()),
            Ok(Some("127.0.0.1:9100"))
        ));
        assert!(matches!(
            m("--metrics :9100").as_ref().map(|x| x.as_deref()),
            Ok(Some("127.0.0.1:9100"))
        ));
        assert!(matches!(
            m("--metrics=0.0.0.0:80").as_ref().map(|x| x.as_deref()),
            Ok(Some("0.0.0.0:80"))
        ));
        assert!(matches!(m("--metrics localhost"), Err(Exit::Usage(_))));
        assert!(matches!(m("--metrics :99999"), Err(Exit::Usage(_))));
    }

    #[test]
    fn pcap_and_errors() {
        let a = args("-s 1:x.pcap").unwrap_or_else(|_| panic!("parse"));
        assert_eq!(a.pcap, [(1, "x.pcap".to_string())]);
        assert!(matches!(args("-s x.pcap"), Err(Exit::Usage(_))));
        assert!(matches!(args("--bogus"), Err(Exit::Usage(_))));
        assert!(matches!(args("--help"), Err(Exit::Help(_))));
        assert!(matches!(args("-h"), Err(Exit::Help(_))));
        assert!(matches!(args("--help --no-listen"), Err(Exit::Help(_))));
        assert!(matches!(args("--version"), Err(Exit::Version)));
        assert!(matches!(args("--no-huge -- -V --exit"), Err(Exit::Version)));
    }
}
