//! The engine's only door to DPDK: every raw call it makes, wrapped in a small safe function or type.
//! Above this file nothing says `unsafe` for DPDK (capsule's `ffi/dpdk.rs` layout).

use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::ptr::{self, NonNull};

use dpdk_sys as sys;

use crate::error::{Errno, Error, Result};

/// The calling thread's DPDK errno.
pub(crate) fn errno() -> Errno {
    // SAFETY: reads a thread-local int.
    Errno(unsafe { sys::shim_rte_errno() })
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

/// Starts EAL with `args` (argv[0] included). The strings are leaked: EAL keeps pointers into them.
pub(crate) fn eal_init(args: &[String]) -> std::result::Result<(), Errno> {
    let mut argv: Vec<*mut c_char> = args.iter().map(|a| cstring(a).into_raw()).collect();
    argv.push(ptr::null_mut());
    let argc = args.len() as c_int;
    let argv = Box::leak(argv.into_boxed_slice());
    // SAFETY: argv holds argc valid NUL-terminated strings plus a NULL, all leaked so they outlive EAL.
    let rc = unsafe { sys::rte_eal_init(argc, argv.as_mut_ptr()) };
    if rc < 0 { Err(errno()) } else { Ok(()) }
}

/// Releases EAL's resources; call once, after every lcore has returned.
pub(crate) fn eal_cleanup() {
    // SAFETY: the engine calls this once at shutdown after rte_eal_mp_wait_lcore.
    unsafe { sys::rte_eal_cleanup() };
}

/// The DPDK version string, e.g. "DPDK 22.11.11".
pub fn version() -> String {
    // SAFETY: rte_version returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(sys::rte_version()) }
        .to_string_lossy()
        .into_owned()
}

/// DPDK's text for the error number `errno` (its sign ignored).
pub(crate) fn strerror(errno: i32) -> String {
    // SAFETY: rte_strerror accepts any int and returns a pointer to a static or thread-local
    // NUL-terminated string.
    unsafe { CStr::from_ptr(sys::rte_strerror(errno.abs())) }
        .to_string_lossy()
        .into_owned()
}

impl std::fmt::Display for crate::error::Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (errno {})", strerror(self.0), self.0.abs())
    }
}

/// TSC ticks per second as EAL measured them.
pub(crate) fn tsc_hz() -> u64 {
    // SAFETY: no preconditions once EAL has started (the engine calls it only then).
    unsafe { sys::rte_get_tsc_hz() }
}

/// The time stamp counter. (Through the shim: an inline RDTSC measured 6 % slower on the
/// stamping path, by changing how the compiler laid out the loop around it.)
#[inline(always)]
pub(crate) fn rdtsc() -> u64 {
    // SAFETY: no preconditions.
    unsafe { sys::shim_rte_rdtsc() }
}

/// A spin-loop hint.
#[inline(always)]
pub(crate) fn pause() {
    // SAFETY: no preconditions.
    unsafe { sys::shim_rte_pause() }
}

/// The worker lcores (every enabled lcore except the main one).
pub(crate) fn worker_lcores() -> Vec<u32> {
    let mut v = Vec::new();
    // SAFETY: iterates EAL's lcore table; -1 starts, skip_main=1, wrap=0.
    let mut l = unsafe { sys::rte_get_next_lcore(u32::MAX, 1, 0) };
    while (l as usize) < sys::RTE_MAX_LCORE as usize {
        v.push(l);
        // SAFETY: as above.
        l = unsafe { sys::rte_get_next_lcore(l, 1, 0) };
    }
    v
}

/// The main lcore (the one running the control thread).
pub(crate) fn main_lcore() -> u32 {
    // SAFETY: no preconditions once EAL has started.
    unsafe { sys::rte_get_main_lcore() }
}

/// The NUMA socket of an lcore.
pub(crate) fn lcore_socket(lcore: u32) -> u32 {
    // SAFETY: any lcore id is accepted.
    unsafe { sys::rte_lcore_to_socket_id(lcore) }
}

/// Runs `f(arg)` on a worker lcore.
pub(crate) fn remote_launch(
    f: extern "C" fn(*mut c_void) -> c_int,
    arg: *mut c_void,
    lcore: u32,
) -> Result<()> {
    // SAFETY: f is a valid C-ABI function that never unwinds (it catches panics), and arg stays
    // valid until the lcore returns (the engine passes 'static data).
    let rc = unsafe { sys::rte_eal_remote_launch(Some(f), arg, lcore) };
    if rc != 0 {
        return Err(Error::Dpdk {
            what: "rte_eal_remote_launch",
            errno: Errno(rc),
        });
    }
    Ok(())
}

/// Waits until every worker lcore has returned.
pub(crate) fn wait_all_lcores() {
    // SAFETY: called from the main lcore.
    unsafe { sys::rte_eal_mp_wait_lcore() };
}

/// A packet-buffer pool. Pools live as long as the process (the engine is 'static).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pool(NonNull<sys::rte_mempool>);

// SAFETY: a mempool is designed for concurrent use from every lcore.
unsafe impl Send for Pool {}
// SAFETY: as above.
unsafe impl Sync for Pool {}

impl Pool {
    /// Creates a pool of `n` buffers of `data_room` bytes (plus headroom) on `socket`.
    pub(crate) fn create(name: &str, n: u32, data_room: u16, socket: i32) -> Result<Pool> {
        NonNull::new(pktmbuf_pool(
            name,
            n,
            data_room + sys::RTE_PKTMBUF_HEADROOM as u16,
            socket,
        ))
        .map(Pool)
        .ok_or(Error::Dpdk {
            what: "rte_pktmbuf_pool_create",
            errno: errno(),
        })
    }

    fn raw(&self) -> *mut sys::rte_mempool {
        self.0.as_ptr()
    }
}

/// Buffers each lcore keeps in its cache of a pool.
pub const MBUF_CACHE: u32 = 256;

/// `rte_pktmbuf_pool_create` (MBUF_CACHE buffers cached per lcore), except that without hugepages,
/// when IO addresses are virtual (so a buffer's stay contiguous across pages), buffers may
/// straddle pages. DPDK otherwise keeps every buffer inside one page: with 4 KiB pages that puts
/// each 2.3 KiB buffer alone at the same offset of its page, so all buffers compete for the same
/// few cache sets and every buffer touched misses the L1 cache. Null on failure (`rte_errno`).
pub(crate) fn pktmbuf_pool(name: &str, n: u32, buf_size: u16, socket: i32) -> *mut sys::rte_mempool {
    let cname = cstring(name);
    // SAFETY: plain queries of the initialised EAL.
    let (va, huge) = unsafe {
        (
            sys::rte_eal_iova_mode() == sys::rte_iova_mode_RTE_IOVA_VA,
            sys::rte_eal_has_hugepages() != 0,
        )
    };
    if !va || huge {
        // SAFETY: cname is a valid string for the duration of the call; DPDK copies it.
        return unsafe { sys::rte_pktmbuf_pool_create(cname.as_ptr(), n, MBUF_CACHE, 0, buf_size, socket) };
    }
    let mut private = sys::rte_pktmbuf_pool_private {
        mbuf_data_room_size: buf_size,
        ..Default::default()
    };
    let elt = std::mem::size_of::<sys::rte_mbuf>() as u32 + u32::from(buf_size);
    let flags = sys::RTE_MEMPOOL_F_NO_IOVA_CONTIG;
    // SAFETY: the steps of rte_pktmbuf_pool_create_by_ops with one more flag: an empty pool
    // with room for the pool's private area, its default ops, the private area initialised
    // from `private` (copied), memory populated, then every object initialised as an mbuf. The
    // pool is freed on any failure, and nothing else knows it yet.
    unsafe {
        let mp = sys::rte_mempool_create_empty(
            cname.as_ptr(),
            n,
            elt,
            MBUF_CACHE,
            std::mem::size_of::<sys::rte_pktmbuf_pool_private>() as u32,
            socket,
            flags,
        );
        if mp.is_null() {
            return mp;
        }
        let rc = sys::rte_mempool_set_ops_byname(mp, sys::rte_mbuf_best_mempool_ops(), ptr::null_mut());
        if rc != 0 {
            sys::rte_mempool_free(mp);
            return ptr::null_mut();
        }
        sys::rte_pktmbuf_pool_init(mp, (&mut private as *mut sys::rte_pktmbuf_pool_private).cast());
        if sys::rte_mempool_populate_default(mp) < 0 {
            sys::rte_mempool_free(mp);
            return ptr::null_mut();
        }
        sys::rte_mempool_obj_iter(mp, Some(sys::rte_pktmbuf_init), ptr::null_mut());
        mp
    }
}

/// Registers the engine's per-mbuf tag (a 32-bit dynamic field) and returns its byte offset.
pub(crate) fn register_tag_field() -> Result<usize> {
    let mut p = sys::rte_mbuf_dynfield::default();
    for (d, s) in p.name.iter_mut().zip(b"pktgen_tx_generation\0") {
        *d = *s as c_char;
    }
    p.size = 4;
    p.align = 4;
    // SAFETY: p is a valid, NUL-terminated parameter block.
    let off = unsafe { sys::rte_mbuf_dynfield_register(&p) };
    if off < 0 {
        return Err(Error::Dpdk {
            what: "rte_mbuf_dynfield_register",
            errno: errno(),
        });
    }
    Ok(off as usize)
}

/// Maximum packets in one batch.
pub(crate) const MAX_BURST: usize = 256;

/// A batch of mbufs owned by the TX worker between the pool and `tx_burst`. Every pointer in
/// `bufs[sent..len]` is an mbuf this batch owns; the driver owns those it accepted.
pub(crate) struct TxBatch {
    bufs: [*mut sys::rte_mbuf; MAX_BURST],
    /// Data pointers of `bufs`, filled by [`TxBatch::buf`].
    data: [*mut u8; MAX_BURST],
    lens: [u32; MAX_BURST],
    /// The length of every packet when the burst has one (`lens` is not filled then).
    uniform_len: Option<u32>,
    len: usize,
    sent: usize,
    tag_off: usize,
}

/// One mbuf of a [`TxBatch`], being filled.
pub(crate) struct TxBuf<'a> {
    /// The mbuf's data room from its data offset, `cap` bytes long.
    pub frame: &'a mut [u8],
    /// Whether the mbuf came from the pool without this stream's tag (its bytes are not a packet of it).
    pub fresh: bool,
}

impl TxBatch {
    pub(crate) fn new(tag_off: usize) -> TxBatch {
        TxBatch {
            bufs: [ptr::null_mut(); MAX_BURST],
            data: [ptr::null_mut(); MAX_BURST],
            lens: [0; MAX_BURST],
            uniform_len: None,
            len: 0,
            sent: 0,
            tag_off,
        }
    }

    /// Packets waiting to be sent.
    pub(crate) fn pending(&self) -> usize {
        self.len - self.sent
    }

    /// Takes `n` mbufs from `pool` without resetting them (all or nothing).
    pub(crate) fn take(&mut self, pool: Pool, n: usize) -> bool {
        debug_assert!(self.pending() == 0 && n <= MAX_BURST);
        // SAFETY: bufs has room for n pointers; get_bulk writes n valid mbuf pointers or none.
        let rc =
            unsafe { sys::shim_rte_mempool_get_bulk(pool.raw(), self.bufs.as_mut_ptr().cast(), n as c_uint) };
        if rc != 0 {
            self.len = 0;
            self.sent = 0;
            return false;
        }
        self.len = n;
        self.sent = 0;
        self.uniform_len = None;
        true
    }

    /// Reverses the order of the mbufs taken: a pool's per-lcore cache hands back the buffers
    /// of the last burst last in, first out, so reversed they come in the order they were sent.
    pub(crate) fn reverse(&mut self) {
        self.bufs[..self.len].reverse();
    }

    /// Whether mbuf `i` holds a packet tagged `tag` already (then its bytes and length are that
    /// packet's); it only notes `len` for the byte count. Else [`TxBatch::buf`] fills it.
    #[inline(always)]
    pub(crate) fn holds(&mut self, i: usize, tag: u32, len: usize) -> bool {
        // SAFETY: bufs[i] is an mbuf this batch owns (i < len); the tag field is a registered
        // 4-byte, 4-aligned dynamic field inside it.
        let held = unsafe { *self.bufs[i].cast::<u8>().add(self.tag_off).cast::<u32>() == tag };
        self.lens[i] = len as u32;
        held
    }

    /// Lends mbuf `i` for filling. A mbuf whose tag is not `tag` is reset and re-tagged first, and
    /// reported fresh. `cap` must not exceed the pool's data room.
    #[inline(always)]
    pub(crate) fn buf(&mut self, i: usize, tag: u32, cap: usize) -> TxBuf<'_> {
        let m = self.bufs[i];
        // SAFETY: m is an mbuf this batch owns (i < len); the tag field is a registered 4-byte,
        // 4-aligned dynamic field inside it.
        let tagp = unsafe { m.cast::<u8>().add(self.tag_off).cast::<u32>() };
        // SAFETY: as above.
        let fresh = unsafe { *tagp != tag };
        if fresh {
            // SAFETY: m is a valid mbuf we own; reset only touches its metadata.
            unsafe {
                sys::shim_rte_pktmbuf_reset(m);
                *tagp = tag;
            }
        }
        // SAFETY: m is owned and valid; its data room spans buf_len - data_off bytes, and the
        // engine sizes pools so that cap fits (checked in debug builds).
        let frame = unsafe {
            debug_assert!(usize::from((*m).buf_len - (*m).data_off) >= cap);
            let d = ((*m).buf_addr as *mut u8).add(usize::from((*m).data_off));
            self.data[i] = d;
            std::slice::from_raw_parts_mut(d, cap)
        };
        TxBuf { frame, fresh }
    }

    /// Lends the data rooms of mbufs `0..n`, `cap` bytes each, for building a burst; each of them
    /// must have been through [`TxBatch::buf`] with the same `cap` first.
    pub(crate) fn frames(&mut self, n: usize, cap: usize) -> FrameSet<'_> {
        let n = n.min(self.len);
        // The FrameSet borrows the whole batch mutably, so the frames cannot be reached otherwise.
        FrameSet {
            ptrs: &self.data[..n],
            n,
            cap,
        }
    }

    /// Readies mbufs `0..n` for a one-template, fixed-size stream: a buffer without this stream's
    /// `tag` is reset, tagged and given `data` (the template, `len` bytes sent); the others
    /// already hold a packet of the stream. With `frames`, records every data pointer for
    /// [`TxBatch::frames`]. With `run`, also writes its 16-byte value into each packet, stepping
    /// it per packet. Stores are what bounds this loop, so it makes none it does not need.
    #[inline(always)]
    pub(crate) fn prepare_fixed(
        &mut self,
        n: usize,
        tag: u32,
        data: &[u8],
        len: usize,
        frames: bool,
        run: Option<&mut Running16>,
    ) {
        let n = n.min(self.len);
        // The running value lives in plain locals and the loop makes no call, so that it stays in
        // a register: buffers that need the template are noted, and given it (and their value)
        // after the loop.
        let (on, at, mut v, step) = match &run {
            Some(r) if r.at + 16 <= len => (true, r.at, Lanes::new(r.value), Lanes::new(r.step)),
            _ => (false, 0, Lanes::new([0; 2]), Lanes::new([0; 2])),
        };
        let mut fresh = [0u64; MAX_BURST / 64];
        let mut any_fresh = false;
        for i in 0..n {
            let m = self.bufs[i];
            // SAFETY: m is an mbuf this batch owns; the tag is its registered 4-byte dynamic
            // field; its data room holds the template (the engine sizes pools for the largest
            // frame, checked in debug builds), so `at + 16 <= len` bytes from its start too.
            unsafe {
                let tagged = *m.cast::<u8>().add(self.tag_off).cast::<u32>() == tag;
                if !tagged {
                    fresh[i / 64] |= 1 << (i % 64);
                    any_fresh = true;
                }
                let d = ((*m).buf_addr as *mut u8).add(usize::from((*m).data_off));
                if frames {
                    self.data[i] = d;
                }
                if on {
                    // A fresh buffer's data offset is only right once it is reset.
                    if tagged {
                        v.store(d.add(at));
                    }
                    v = v.add(step);
                }
            }
        }
        self.uniform_len = Some(len as u32);
        if any_fresh {
            for i in (0..n).filter(|&i| fresh[i / 64] & 1 << (i % 64) != 0) {
                let m = self.bufs[i];
                // SAFETY: as above; the template copy overwrote the value, so it is written again.
                unsafe {
                    self.give_template(m, tag, data, len);
                    let d = ((*m).buf_addr as *mut u8).add(usize::from((*m).data_off));
                    if frames {
                        self.data[i] = d;
                    }
                    if let Some(r) = run.as_ref().filter(|_| on) {
                        let k = i as u64;
                        let vi = [
                            r.value[0].wrapping_add(r.step[0].wrapping_mul(k)),
                            r.value[1].wrapping_add(r.step[1].wrapping_mul(k)),
                        ];
                        Lanes::new(vi).store(d.add(at));
                    }
                }
            }
        }
        if let (Some(r), true) = (run, on) {
            for k in 0..2 {
                r.value[k] = r.value[k].wrapping_add(r.step[k].wrapping_mul(n as u64));
            }
        }
    }

    /// Resets mbuf `m`, tags it and copies the template in. Out of line: it is rare once a
    /// stream runs, and a call inside the loop would crowd its registers.
    ///
    /// # Safety
    /// `m` is an mbuf this batch owns, whose data room holds `data`.
    #[cold]
    #[inline(never)]
    unsafe fn give_template(&self, m: *mut sys::rte_mbuf, tag: u32, data: &[u8], len: usize) {
        // SAFETY: per the contract; reset only touches metadata, the tag is the registered
        // dynamic field.
        unsafe {
            sys::shim_rte_pktmbuf_reset(m);
            *m.cast::<u8>().add(self.tag_off).cast::<u32>() = tag;
            debug_assert!(usize::from((*m).buf_len - (*m).data_off) >= data.len());
            let d = ((*m).buf_addr as *mut u8).add(usize::from((*m).data_off));
            std::ptr::copy_nonoverlapping(data.as_ptr(), d, data.len());
            (*m).data_len = len as u16;
            (*m).pkt_len = len as u32;
        }
    }

    /// Sets the length of mbuf `i`.
    #[inline(always)]
    pub(crate) fn set_len(&mut self, i: usize, len: usize) {
        let m = self.bufs[i];
        // SAFETY: m is an owned, valid, single-segment mbuf.
        unsafe {
            (*m).data_len = len as u16;
            (*m).pkt_len = len as u32;
        }
        self.lens[i] = len as u32;
    }

    /// The bytes of pending packet `j` (0 is the next one [`TxBatch::send`] hands over), as built.
    #[inline]
    pub(crate) fn pending_frame(&self, j: usize) -> &[u8] {
        let m = self.bufs[..self.len][self.sent + j];
        // SAFETY: m is a filled single-segment mbuf this batch owns (sent <= sent + j < len);
        // data_len bytes from data_off are its frame, and the borrow of self keeps it ours.
        unsafe {
            std::slice::from_raw_parts(
                ((*m).buf_addr as *const u8).add(usize::from((*m).data_off)),
                usize::from((*m).data_len),
            )
        }
    }

    /// Hands the pending mbufs to the port; returns (packets, bytes) the driver accepted.
    #[inline]
    pub(crate) fn send(&mut self, port: u16, queue: u16) -> (usize, u64) {
        let n = self.pending();
        // SAFETY: bufs[sent..len] are owned, filled mbufs; the driver takes ownership of the
        // first `k` it returns and we never touch those again.
        let k = usize::from(unsafe {
            sys::shim_rte_eth_tx_burst(port, queue, self.bufs.as_mut_ptr().add(self.sent), n as u16)
        });
        let bytes = match self.uniform_len {
            Some(l) => k as u64 * u64::from(l),
            None => self.lens[self.sent..self.sent + k]
                .iter()
                .map(|&l| u64::from(l))
                .sum(),
        };
        self.sent += k;
        (k, bytes)
    }

    /// Returns the unsent mbufs to their pool.
    pub(crate) fn discard(&mut self) {
        let n = self.pending();
        if n > 0 {
            // SAFETY: bufs[sent..len] are owned mbufs; free_bulk returns them to their pools.
            unsafe { sys::rte_pktmbuf_free_bulk(self.bufs.as_mut_ptr().add(self.sent), n as c_uint) };
        }
        self.len = 0;
        self.sent = 0;
    }
}

impl Drop for TxBatch {
    fn drop(&mut self) {
        self.discard();
    }
}

/// A 16-byte field every packet of a burst carries a different value of: two little-endian
/// 64-bit lanes, each advanced by its own step (modulo 2^64) from one packet to the next.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Running16 {
    pub at: usize,
    pub value: [u64; 2],
    pub step: [u64; 2],
}

/// Two 64-bit lanes added and stored together: one SSE2 register on x86-64, so that a running
/// 16-byte value costs one add and one store per packet.
#[derive(Clone, Copy)]
struct Lanes(
    #[cfg(target_arch = "x86_64")] std::arch::x86_64::__m128i,
    #[cfg(not(target_arch = "x86_64"))] [u64; 2],
);

impl Lanes {
    #[inline(always)]
    fn new(v: [u64; 2]) -> Lanes {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86-64 baseline.
        return Lanes(unsafe { std::arch::x86_64::_mm_set_epi64x(v[1] as i64, v[0] as i64) });
        #[cfg(not(target_arch = "x86_64"))]
        return Lanes(v);
    }

    /// Lane-wise sum, modulo 2^64 in each lane.
    #[inline(always)]
    fn add(self, o: Lanes) -> Lanes {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86-64 baseline.
        return Lanes(unsafe { std::arch::x86_64::_mm_add_epi64(self.0, o.0) });
        #[cfg(not(target_arch = "x86_64"))]
        return Lanes([self.0[0].wrapping_add(o.0[0]), self.0[1].wrapping_add(o.0[1])]);
    }

    /// Stores the lanes little-endian, lane 0 first.
    ///
    /// # Safety
    /// `p` is valid for writing 16 bytes (any alignment).
    #[inline(always)]
    unsafe fn store(self, p: *mut u8) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: per the contract; SSE2 is part of the x86-64 baseline.
        unsafe {
            std::arch::x86_64::_mm_storeu_si128(p.cast(), self.0)
        };
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: per the contract.
        unsafe {
            p.cast::<[u8; 16]>()
                .write_unaligned((u128::from(self.0[1]) << 64 | u128::from(self.0[0])).to_le_bytes())
        };
    }
}

/// The data rooms of a [`TxBatch`]'s mbufs, lent for building a burst.
pub(crate) struct FrameSet<'a> {
    ptrs: &'a [*mut u8],
    n: usize,
    cap: usize,
}

impl FrameSet<'_> {
    /// Frames over plain memory (`ptrs` is scratch space), for testing the builders without DPDK.
    #[cfg(test)]
    pub(crate) fn over<'a>(bufs: &'a mut [Vec<u8>], ptrs: &'a mut Vec<*mut u8>) -> FrameSet<'a> {
        let cap = bufs.iter().map(Vec::len).min().unwrap_or(0);
        *ptrs = bufs.iter_mut().map(|b| b.as_mut_ptr()).collect();
        FrameSet {
            ptrs: &ptrs[..],
            n: bufs.len().min(MAX_BURST),
            cap,
        }
    }

    /// Number of frames.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Starts loading the cache line of frame `i`'s headers (bytes 32..), where the builders
    /// write fields and checksums, if there is a frame `i`: a hint that changes no result.
    #[inline(always)]
    pub(crate) fn prefetch(&self, i: usize) {
        if let Some(&p) = self.ptrs.get(i) {
            let at = p.wrapping_add(32) as *const i8;
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a prefetch never faults and writes nothing, whatever the address; SSE (which
            // has it) is part of every x86_64 CPU.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at)
            };
            #[cfg(not(target_arch = "x86_64"))]
            let _ = at;
        }
    }

    /// Frame `i`, `cap` bytes long.
    #[inline(always)]
    pub(crate) fn get(&mut self, i: usize) -> &mut [u8] {
        // SAFETY: indexing `ptrs` (the n frames) checks i; ptrs[i] points at cap bytes of an mbuf
        // the batch owns, and the FrameSet borrows the batch mutably, so this is the only live
        // reference to those bytes (`&mut self`).
        unsafe { std::slice::from_raw_parts_mut(self.ptrs[i], self.cap) }
    }
}

/// A batch of received mbufs, read then freed by the RX worker.
pub(crate) struct RxBatch {
    bufs: [*mut sys::rte_mbuf; MAX_BURST],
    len: usize,
}

impl RxBatch {
    pub(crate) fn new() -> RxBatch {
        RxBatch {
            bufs: [ptr::null_mut(); MAX_BURST],
            len: 0,
        }
    }

    /// Receives up to `n` packets; returns how many.
    #[inline]
    pub(crate) fn receive(&mut self, port: u16, queue: u16, n: usize) -> usize {
        debug_assert!(self.len == 0);
        // SAFETY: bufs has room for n <= MAX_BURST pointers; the driver writes that many at most.
        self.len = usize::from(unsafe {
            sys::shim_rte_eth_rx_burst(port, queue, self.bufs.as_mut_ptr(), n.min(MAX_BURST) as u16)
        });
        self.len
    }

    /// The first segment's bytes of received packet `i` and its total length.
    #[inline(always)]
    pub(crate) fn packet(&self, i: usize) -> (&[u8], u32) {
        let m = self.bufs[i];
        // SAFETY: m is a received mbuf we own until free(); data_len bytes from data_off are its
        // first segment.
        unsafe {
            let d = std::slice::from_raw_parts(
                ((*m).buf_addr as *const u8).add(usize::from((*m).data_off)),
                usize::from((*m).data_len),
            );
            (d, (*m).pkt_len)
        }
    }

    /// Received mbuf `i`, for a filter program to read (valid until `free`).
    #[inline(always)]
    pub(crate) fn mbuf(&self, i: usize) -> *mut sys::rte_mbuf {
        self.bufs[i]
    }

    /// Whether received packet `i` is a chain of several segments (a frame larger than a buffer).
    #[inline(always)]
    pub(crate) fn chained(&self, i: usize) -> bool {
        // SAFETY: a received mbuf we own until free().
        unsafe { (*self.bufs[i]).nb_segs > 1 }
    }

    /// The last 16 bytes of received packet `i`, gathered from its segments (zeros if it is
    /// shorter): where a chained packet's stamp is.
    #[cold]
    pub(crate) fn tail16(&self, i: usize) -> [u8; 16] {
        let mut out = [0u8; 16];
        let mut m = self.bufs[i];
        // SAFETY: m heads a received chain we own until free(): each segment's data_len bytes
        // from data_off are valid, and `next` links the segments up to a null pointer.
        unsafe {
            let total = (*m).pkt_len as usize;
            if total < 16 {
                return out;
            }
            let from = total - 16;
            let mut at = 0usize;
            while !m.is_null() {
                let len = usize::from((*m).data_len);
                let d = ((*m).buf_addr as *const u8).add(usize::from((*m).data_off));
                for k in from.max(at)..(at + len).min(total) {
                    out[k - from] = *d.add(k - at);
                }
                at += len;
                m = (*m).next;
            }
        }
        out
    }

    /// Frees every received mbuf.
    #[inline]
    pub(crate) fn free(&mut self) {
        if self.len > 0 {
            // SAFETY: bufs[..len] are owned mbufs from rx_burst.
            unsafe { sys::rte_pktmbuf_free_bulk(self.bufs.as_mut_ptr(), self.len as c_uint) };
        }
        self.len = 0;
    }
}

impl Drop for RxBatch {
    fn drop(&mut self) {
        self.free();
    }
}

/// Sends `frames` on a port's queue as new mbufs from `pool` (outside any stream: injected
/// frames and responder answers). Returns how many frames the driver took and their bytes.
pub(crate) fn send_frames<'a>(
    pool: Pool,
    port: u16,
    queue: u16,
    tag_off: usize,
    frames: impl Iterator<Item = &'a [u8]>,
) -> (usize, u64) {
    let mut sent = 0;
    let mut bytes = 0u64;
    for f in frames {
        // SAFETY: the pool is valid; alloc returns a reset mbuf or NULL.
        let m = unsafe { sys::shim_rte_pktmbuf_alloc(pool.raw()) };
        if m.is_null() {
            break;
        }
        // SAFETY: m is a fresh mbuf we own; its data room holds at least the pool's data room
        // (>= any frame the engine accepts, checked by the caller); the tag is its registered
        // dynamic field. A zero tag marks it as holding no stream's packet.
        let ok = unsafe {
            let room = usize::from((*m).buf_len - (*m).data_off);
            if f.len() > room {
                sys::shim_rte_pktmbuf_free(m);
                continue;
            }
            *m.cast::<u8>().add(tag_off).cast::<u32>() = 0;
            let d = ((*m).buf_addr as *mut u8).add(usize::from((*m).data_off));
            std::ptr::copy_nonoverlapping(f.as_ptr(), d, f.len());
            (*m).data_len = f.len() as u16;
            (*m).pkt_len = f.len() as u32;
            let mut one = [m];
            sys::shim_rte_eth_tx_burst(port, queue, one.as_mut_ptr(), 1) == 1
        };
        if ok {
            sent += 1;
            bytes += f.len() as u64;
        } else {
            // SAFETY: the driver refused m, so it is still ours.
            unsafe { sys::shim_rte_pktmbuf_free(m) };
        }
    }
    (sent, bytes)
}

/// Valid port ids that no other driver owns, in order (as Pktgen's `RTE_ETH_FOREACH_DEV`): the
/// members of a bonding port belong to it, and only the bonding port is ours to drive.
pub(crate) fn port_ids() -> Vec<u16> {
    let mut v = Vec::new();
    // SAFETY: any port id may be asked about; the answer is a port id or RTE_MAX_ETHPORTS.
    let mut p = unsafe { sys::shim_eth_next_unowned(0) };
    while u32::from(p) < sys::RTE_MAX_ETHPORTS {
        v.push(p);
        // SAFETY: as above.
        p = unsafe { sys::shim_eth_next_unowned(p + 1) };
    }
    v
}

/// What DPDK's bonding driver says of a bonding port (members as DPDK port ids).
pub(crate) struct Bond {
    pub mode: u8,
    pub members: Vec<u16>,
    pub active: Vec<u16>,
    pub primary: Option<u16>,
}

/// A bonding port's mode and members, or None for a port that is not a bonding port.
pub(crate) fn bond_info(port: u16) -> Option<Bond> {
    // SAFETY: any port id; a port that is not a bonding port gives a negative value.
    let mode = unsafe { sys::shim_bond_mode(port) };
    if mode < 0 {
        return None;
    }
    let members = |active: bool| -> Vec<u16> {
        let mut out = vec![0u16; sys::RTE_MAX_ETHPORTS as usize];
        // SAFETY: out has room for the len ids passed.
        let n =
            unsafe { sys::shim_bond_members(port, c_int::from(active), out.as_mut_ptr(), out.len() as u16) };
        out.truncate(usize::try_from(n).unwrap_or(0));
        out
    };
    // SAFETY: a bonding port id.
    let primary = unsafe { sys::shim_bond_primary(port) };
    Some(Bond {
        mode: mode as u8,
        members: members(false),
        active: members(true),
        primary: u16::try_from(primary).ok(),
    })
}

/// What the driver reports about a port.
pub(crate) struct DevInfo {
    pub driver: String,
    pub name: String,
    pub socket: i32,
    pub max_rx_queues: u16,
    pub max_tx_queues: u16,
    /// Whether the driver can spread received packets over its queues by an IP/UDP/TCP hash.
    pub rss: bool,
}

fn port_err(port: u16, what: &'static str, rc: c_int) -> Error {
    Error::Port {
        port,
        what,
        errno: Errno(rc),
    }
}

/// Driver information for a port.
pub(crate) fn dev_info(port: u16) -> Result<DevInfo> {
    let mut info = sys::rte_eth_dev_info::default();
    // SAFETY: info is a valid out-parameter.
    let rc = unsafe { sys::rte_eth_dev_info_get(port, &mut info) };
    if rc != 0 {
        return Err(port_err(port, "rte_eth_dev_info_get", rc));
    }
    let driver = if info.driver_name.is_null() {
        String::new()
    } else {
        // SAFETY: driver_name is a static NUL-terminated string owned by the driver.
        unsafe { CStr::from_ptr(info.driver_name) }
            .to_string_lossy()
            .into_owned()
    };
    let mut name = [0 as c_char; 64];
    // SAFETY: name has room for RTE_ETH_NAME_MAX_LEN (64) bytes.
    let name = if unsafe { sys::rte_eth_dev_get_name_by_port(port, name.as_mut_ptr()) } == 0 {
        // SAFETY: DPDK NUL-terminated the name.
        unsafe { CStr::from_ptr(name.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    } else {
        String::new()
    };
    // SAFETY: any valid port id.
    let socket = unsafe { sys::rte_eth_dev_socket_id(port) };
    // SAFETY: a constant.
    let want = unsafe { sys::shim_rss_ip_udp_tcp() };
    Ok(DevInfo {
        driver,
        name,
        socket,
        max_rx_queues: info.max_rx_queues,
        max_tx_queues: info.max_tx_queues,
        rss: info.flow_type_rss_offloads & want != 0,
    })
}

/// Configures `rx_pools.len()` RX queues (queue q fills from `rx_pools[q]`) and `ntx` TX queues
/// on `port` and starts it. With several RX queues, packets are spread over them by RSS on IP,
/// UDP and TCP headers when `rss` says the driver can.
pub(crate) fn port_setup(
    port: u16,
    rx_pools: &[Pool],
    ntx: u16,
    (rxd, txd): (u16, u16),
    socket: i32,
    mtu: Option<u16>,
    rss: bool,
) -> Result<()> {
    let mut conf = sys::rte_eth_conf::default();
    if rss && rx_pools.len() > 1 {
        conf.rxmode.mq_mode = sys::rte_eth_rx_mq_mode_RTE_ETH_MQ_RX_RSS;
        // SAFETY: a constant.
        conf.rx_adv_conf.rss_conf.rss_hf = unsafe { sys::shim_rss_ip_udp_tcp() };
    }
    let nrx = rx_pools.len() as u16;
    // SAFETY: conf is a valid configuration; the port is stopped.
    let rc = unsafe { sys::rte_eth_dev_configure(port, nrx, ntx, &conf) };
    if rc != 0 {
        return Err(port_err(port, "rte_eth_dev_configure", rc));
    }
    if let Some(mtu) = mtu {
        // SAFETY: valid port; an MTU the driver refuses is reported, not fatal for small frames.
        let rc = unsafe { sys::rte_eth_dev_set_mtu(port, mtu) };
        // Drivers without an MTU (ring, null) pass any frame that fits a buffer.
        if rc != 0 && rc != -libc_enotsup() {
            return Err(port_err(port, "rte_eth_dev_set_mtu (jumbo frames)", rc));
        }
    }
    let (mut rxd, mut txd) = (rxd, txd);
    // SAFETY: out-parameters point at our locals.
    unsafe { sys::rte_eth_dev_adjust_nb_rx_tx_desc(port, &mut rxd, &mut txd) };
    let sock = if socket < 0 { 0 } else { socket as c_uint };
    for (q, pool) in rx_pools.iter().enumerate() {
        // SAFETY: default queue configuration (NULL) and a live pool.
        let rc = unsafe { sys::rte_eth_rx_queue_setup(port, q as u16, rxd, sock, ptr::null(), pool.raw()) };
        if rc != 0 {
            return Err(port_err(port, "rte_eth_rx_queue_setup", rc));
        }
    }
    for q in 0..ntx {
        // SAFETY: default queue configuration.
        let rc = unsafe { sys::rte_eth_tx_queue_setup(port, q, txd, sock, ptr::null()) };
        if rc != 0 {
            return Err(port_err(port, "rte_eth_tx_queue_setup", rc));
        }
    }
    // SAFETY: configured port.
    let rc = unsafe { sys::rte_eth_dev_start(port) };
    if rc != 0 {
        return Err(port_err(port, "rte_eth_dev_start", rc));
    }
    Ok(())
}

/// Stops and closes a port.
pub(crate) fn port_close(port: u16) {
    // SAFETY: valid port id; stopping a stopped port is harmless.
    unsafe {
        sys::rte_eth_dev_stop(port);
        sys::rte_eth_dev_close(port);
    }
}

/// The port's MAC address.
pub(crate) fn mac(port: u16) -> [u8; 6] {
    let mut a = sys::rte_ether_addr::default();
    // SAFETY: a is a valid out-parameter.
    unsafe { sys::rte_eth_macaddr_get(port, &mut a) };
    a.addr_bytes
}

/// Link state: (up, speed in Mb/s, full duplex).
pub(crate) fn link(port: u16) -> (bool, u32, bool) {
    let mut l = sys::rte_eth_link::default();
    // SAFETY: l is a valid out-parameter.
    unsafe { sys::rte_eth_link_get_nowait(port, &mut l) };
    (l.link_status() == 1, l.link_speed, l.link_duplex() == 1)
}

/// Enables or disables promiscuous mode.
pub(crate) fn promiscuous(port: u16, on: bool) -> Result<()> {
    // SAFETY: valid port id.
    let rc = unsafe {
        if on {
            sys::rte_eth_promiscuous_enable(port)
        } else {
            sys::rte_eth_promiscuous_disable(port)
        }
    };
    if rc != 0 && rc != -(libc_enotsup()) {
        return Err(port_err(port, "promiscuous mode", rc));
    }
    Ok(())
}

fn libc_enotsup() -> c_int {
    95
}

/// The driver's basic counters.
pub(crate) fn eth_stats(port: u16) -> sys::rte_eth_stats {
    let mut s = sys::rte_eth_stats::default();
    // SAFETY: s is a valid out-parameter.
    unsafe { sys::rte_eth_stats_get(port, &mut s) };
    s
}

/// The driver's extended counters, by name.
pub(crate) fn xstats(port: u16) -> Vec<(String, u64)> {
    // SAFETY: a NULL buffer with size 0 asks for the count.
    let n = unsafe { sys::rte_eth_xstats_get_names(port, ptr::null_mut(), 0) };
    if n <= 0 {
        return Vec::new();
    }
    let mut names = vec![sys::rte_eth_xstat_name::default(); n as usize];
    let mut vals = vec![sys::rte_eth_xstat::default(); n as usize];
    // SAFETY: both buffers hold n entries.
    let (a, b) = unsafe {
        (
            sys::rte_eth_xstats_get_names(port, names.as_mut_ptr(), n as c_uint),
            sys::rte_eth_xstats_get(port, vals.as_mut_ptr(), n as c_uint),
        )
    };
    if a != n || b != n {
        return Vec::new();
    }
    vals.iter()
        .map(|v| {
            let nm = &names[v.id as usize % names.len()].name;
            // SAFETY: DPDK NUL-terminates xstat names within the fixed array.
            let s = unsafe { CStr::from_ptr(nm.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            (s, v.value)
        })
        .collect()
}

/// Creates the embedded default's two ports, wired back to back: TX queue i of one port feeds
/// RX queue `i % rx` of the other through a ring. `queues[p]` is port p's (RX, TX) queue count.
pub(crate) fn create_ring_pair(socket: i32, ring_size: u32, queues: [(u16, u16); 2]) -> Result<()> {
    // rings[d][j]: what port d sends and RX queue j of the other port reads.
    let mut rings: [Vec<*mut sys::rte_ring>; 2] = [Vec::new(), Vec::new()];
    for d in 0..2 {
        let rx = queues[1 - d].0.max(1);
        let tx = queues[d].1;
        for j in 0..rx {
            // A ring fed by one TX queue needs no multi-producer enqueue.
            let writers = (0..tx).filter(|i| i % rx == j).count();
            let flags = sys::RING_F_SC_DEQ | if writers <= 1 { sys::RING_F_SP_ENQ } else { 0 };
            let n = cstring(&format!("pktgen_ring_{d}to{}_{j}", 1 - d));
            // SAFETY: n is a valid name; DPDK copies it.
            let r = unsafe { sys::rte_ring_create(n.as_ptr(), ring_size, socket, flags) };
            if r.is_null() {
                return Err(Error::Dpdk {
                    what: "rte_ring_create",
                    errno: errno(),
                });
            }
            rings[d].push(r);
        }
    }
    for p in 0..2 {
        let rxs = &rings[1 - p];
        let tx = usize::from(queues[p].1.max(1));
        let txs: Vec<_> = (0..tx).map(|i| rings[p][i % rings[p].len()]).collect();
        let n = cstring(&format!("net_ring_pktgen{p}"));
        // SAFETY: the ring arrays hold valid rings for the duration of the call; the rings live
        // for the process lifetime.
        let rc = unsafe {
            sys::rte_eth_from_rings(
                n.as_ptr(),
                rxs.as_ptr(),
                rxs.len() as c_uint,
                txs.as_ptr(),
                txs.len() as c_uint,
                socket as c_uint,
            )
        };
        if rc < 0 {
            return Err(Error::Dpdk {
                what: "rte_eth_from_rings",
                errno: errno(),
            });
        }
    }
    Ok(())
}

/// Sleeps the calling thread (only on idle paths).
pub(crate) fn idle_sleep(us: u64) {
    std::thread::sleep(std::time::Duration::from_micros(us));
}

/// A `c_void` pointer to `'static` data, for lcore launch arguments.
pub(crate) fn static_arg<T>(t: &'static T) -> *mut c_void {
    (t as *const T).cast_mut().cast()
}

/// Recovers the `'static` data behind a launch argument.
///
/// # Safety
/// `arg` must come from [`static_arg`] with the same `T`.
pub(crate) unsafe fn from_arg<T>(arg: *mut c_void) -> &'static T {
    // SAFETY: guaranteed by the caller.
    unsafe { &*(arg as *const T) }
}

extern "C" fn clear_tag_cb(_mp: *mut sys::rte_mempool, arg: *mut c_void, obj: *mut c_void, _idx: c_uint) {
    // SAFETY: obj is an mbuf of the pool being iterated and arg points at the tag offset; the
    // field is a registered 4-byte dynamic field inside the mbuf.
    unsafe {
        let off = *(arg as *const usize);
        *obj.cast::<u8>().add(off).cast::<u32>() = 0;
    }
}

/// Marks every mbuf of a new pool as holding no stream's packet.
pub(crate) fn clear_tags(pool: Pool, tag_off: usize) {
    let mut off = tag_off;
    // SAFETY: the pool is new and idle; the callback only writes the tag field of each object.
    unsafe { sys::rte_mempool_obj_iter(pool.raw(), Some(clear_tag_cb), (&mut off as *mut usize).cast()) };
}

/// Creates the Linux TAP interface `name` (or attaches to one that is not in use), brings it up
/// and returns its file: every frame written to it appears on the interface as received, where
/// `tcpdump -i name` sees it. The interface goes away when the file is closed.
pub(crate) fn tap_open(name: &str) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")?;
    // SAFETY: ifreq is plain old data (a name and a union of integers and addresses), for which
    // all zero bytes are a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(name.bytes().take(libc::IFNAMSIZ - 1)) {
        *d = s as c_char;
    }
    req.ifr_ifru.ifru_flags = (libc::IFF_TAP | libc::IFF_NO_PI) as std::ffi::c_short;
    // SAFETY: the fd is open on the TUN/TAP device and req is a valid ifreq for the whole call.
    if unsafe { libc::ioctl(file.as_raw_fd(), libc::TUNSETIFF, &mut req) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // Interface flags are set through any socket; a UDP one needs no unsafe to make.
    let sock = std::net::UdpSocket::bind("0.0.0.0:0")?;
    // SAFETY: a valid socket and ifreq (the kernel filled in the name TUNSETIFF settled on).
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: reading the union member SIOCGIFFLAGS just wrote.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_RUNNING) as std::ffi::c_short;
    // SAFETY: as above.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &mut req) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}
