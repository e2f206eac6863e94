//! One compiled tcpdump filter: libpcap compiles the expression, DPDK converts it to eBPF over
//! mbufs and runs it, as native code when its JIT has it and in its interpreter otherwise. The
//! only module besides `ffi` that calls DPDK.

use std::ffi::{CString, c_char, c_void};

use dpdk_sys as sys;

use crate::error::{Error, Result};
use crate::ffi::RxBatch;

/// Native code of a filter: takes the mbuf, returns non-zero on a match.
type Native = unsafe extern "C" fn(*mut c_void) -> u64;

/// A loaded filter program.
pub(crate) struct Bpf {
    prog: *mut sys::rte_bpf,
    /// The JIT's native code, none when the interpreter runs the program.
    jit: Option<Native>,
}

// SAFETY: a loaded program is immutable; DPDK's rte_bpf_exec and the JIT's code only read it and
// keep their state on the calling thread's stack, so any number of workers may run it at once.
unsafe impl Send for Bpf {}
// SAFETY: as for Send: nothing in it changes after load.
unsafe impl Sync for Bpf {}

/// Whether filters may run as native code: `PKTGEN_FILTER_JIT=0` forces DPDK's interpreter
/// (read by bench/rx_filters.sh to measure it).
fn jit_allowed() -> bool {
    std::env::var("PKTGEN_FILTER_JIT").map_or(true, |v| v != "0")
}

impl Bpf {
    /// Compiles `expr` (tcpdump syntax, for Ethernet frames). The error is libpcap's message
    /// (or DPDK's, for a program it cannot take), without the expression.
    pub(crate) fn compile(expr: &str) -> std::result::Result<Bpf, String> {
        let c = CString::new(expr).map_err(|_| "the filter contains a NUL byte".to_string())?;
        let mut err = [0 as c_char; 512];
        // SAFETY: c is a NUL-terminated string alive for the call; err has err.len() bytes, which
        // the shim fills with a NUL-terminated message (snprintf) on failure.
        let prog = unsafe { sys::shim_filter_compile(c.as_ptr(), err.as_mut_ptr(), err.len()) };
        if prog.is_null() {
            // SAFETY: snprintf left a NUL-terminated string in err.
            let msg = unsafe { std::ffi::CStr::from_ptr(err.as_ptr()) };
            return Err(msg.to_string_lossy().into_owned());
        }
        let code = if jit_allowed() {
            // SAFETY: prog is a program rte_bpf_load returned, not yet freed.
            unsafe { sys::shim_filter_jit(prog) }
        } else {
            std::ptr::null_mut()
        };
        // SAFETY: a non-null pointer from rte_bpf_get_jit is the entry of the program's native
        // code, a function `uint64_t (*)(void *)` (struct rte_bpf_jit's `func`), which lives until
        // rte_bpf_destroy.
        let jit = (!code.is_null()).then(|| unsafe { std::mem::transmute::<*mut c_void, Native>(code) });
        Ok(Bpf { prog, jit })
    }

    /// Whether the program runs as native code (JIT) rather than in the interpreter.
    pub(crate) fn native(&self) -> bool {
        self.jit.is_some()
    }

    /// Whether received packet `i` of `rx` matches. A frame in several segments is read across
    /// them (DPDK's packet loads go through rte_pktmbuf_read).
    #[inline(always)]
    pub(crate) fn matches(&self, rx: &RxBatch, i: usize) -> bool {
        let m = rx.mbuf(i);
        // SAFETY: m is a received mbuf the batch owns until it frees it, which it cannot do while
        // borrowed here; the program (and its JIT code) lives as long as self. The converted
        // program takes an mbuf as its argument (rte_bpf_convert sets RTE_BPF_ARG_PTR_MBUF).
        let r = unsafe {
            match self.jit {
                Some(f) => f(m.cast()),
                None => sys::shim_filter_run(self.prog, m),
            }
        };
        r != 0
    }
}

impl Drop for Bpf {
    fn drop(&mut self) {
        // SAFETY: prog came from rte_bpf_load and is freed once, here; whoever owned this value
        // made sure no worker runs it any more (filters.rs hands sets back before dropping them).
        unsafe { sys::shim_filter_free(self.prog) };
    }
}

/// Compiles `expr` for port `port`'s filter `name`, with an error that names all three.
pub(crate) fn compile_for(port: u16, name: &str, expr: &str) -> Result<Bpf> {
    Bpf::compile(expr).map_err(|why| {
        Error::Filter(format!(
            "port {port}: filter '{name}' = \"{expr}\" does not compile: {why}"
        ))
    })
}
