//! The engine's one error type; every message says what was wrong and, where it can, what to do.

use std::fmt;

/// A DPDK error number, shown as DPDK's own text for it (`rte_strerror`; its `Display` is in
/// ffi.rs, the one module that calls DPDK).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// EAL refused its arguments or could not start.
    #[error("DPDK EAL failed to start: {reason}. {hint}")]
    Eal {
        /// DPDK's reason.
        reason: String,
        /// What the user can try.
        hint: String,
    },
    /// `Engine::init` was called twice in one process.
    #[error("the engine is already initialised; EAL can start only once per process")]
    AlreadyInitialised,
    /// An EAL argument cannot be passed to C.
    #[error("EAL argument {0:?} contains a NUL byte")]
    BadEalArg(String),
    /// No port with that id.
    #[error("port {port} does not exist (this instance has {count} port{s})", s = if *count == 1 { "" } else { "s" })]
    NoSuchPort {
        /// The id asked for.
        port: u16,
        /// How many ports there are.
        count: u16,
    },
    /// No ports at all after EAL started.
    #[error(
        "no Ethernet ports found: bind a NIC to DPDK, or pass --vdev (e.g. --vdev net_null0), or run without EAL arguments for the two built-in back-to-back ports"
    )]
    NoPorts,
    /// The `--vdev` devices asked for did not start.
    #[error(
        "no Ethernet ports: the --vdev device(s) {0} did not start (see EAL's messages above); check the driver name (net_null, net_ring, net_pcap, net_af_packet, net_tap, ...) and its options"
    )]
    VdevFailed(String),
    /// A DPDK call failed.
    #[error("{what} failed on port {port}: {errno}")]
    Port {
        /// The port.
        port: u16,
        /// The call that failed.
        what: &'static str,
        /// DPDK's error.
        errno: Errno,
    },
    /// A DPDK call not tied to a port failed.
    #[error("{what} failed: {errno}")]
    Dpdk {
        /// The call that failed.
        what: &'static str,
        /// DPDK's error.
        errno: Errno,
    },
    /// A stream specification is invalid.
    #[error("invalid stream: {0}")]
    Stream(String),
    /// A port setting is outside its range; the message names it and the range.
    #[error("{0}")]
    Setting(String),
    /// The operation needs the port to be idle.
    #[error("port {0} is sending; stop it first")]
    Busy(u16),
    /// The engine was shut down (`Engine::shutdown`); EAL cannot start again in this process.
    #[error("the engine has shut down; start a new pktgen process")]
    ShutDown,
    /// The lcore-to-port layout (`-m`) cannot be run; the message names the item at fault.
    #[error("{0}")]
    Matrix(String),
    /// The port has no lcore for that direction (a `-m` matrix left it out).
    #[error("port {port} has no {dir} lcore: the -m matrix does not give it one")]
    NoLcore {
        /// The port.
        port: u16,
        /// "TX" or "RX".
        dir: &'static str,
    },
    /// A TAP interface for a port's mirror could not be made.
    #[error("cannot create the TAP interface {name}: {reason}{hint}")]
    Tap {
        /// The interface's name.
        name: String,
        /// The system's reason.
        reason: String,
        /// What the user can do, when known.
        hint: &'static str,
    },
    /// DPDK's memory cannot hold the packet buffers.
    #[error(
        "not enough DPDK memory for the packet buffers: {what} failed ({errno}). This pktgen needs \
         about {needed_mb} MB for them ({pools} pools, one per RX and TX queue, of {mbufs} buffers of \
         {buf_bytes} bytes). {cure}"
    )]
    NoMemory {
        /// The allocation that failed.
        what: String,
        /// DPDK's error.
        errno: Errno,
        /// Megabytes the pools need in all.
        needed_mb: u64,
        /// Number of pools.
        pools: usize,
        /// Buffers per pool.
        mbufs: u32,
        /// Bytes each buffer takes in memory.
        buf_bytes: u64,
        /// What to change: EAL's `-m` or hugepages, with the size.
        cure: String,
    },
    /// There is no worker lcore to run the data path.
    #[error("no worker lcore: give EAL at least two cores (e.g. -l 0-1)")]
    NoWorker,
    /// A counting filter (`pktgen.rx`) or a capture filter that cannot be set: the message names
    /// the filter, its text and the reason (libpcap's own for one that does not compile).
    #[error("{0}")]
    Filter(String),
}

/// The engine's result type.
pub type Result<T> = std::result::Result<T, Error>;
