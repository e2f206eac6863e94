//! The bindings link and agree with DPDK's layout; no EAL needed.

#[test]
fn mbuf_is_two_cache_lines() {
    assert_eq!(std::mem::size_of::<dpdk_sys::rte_mbuf>(), 128);
    assert_eq!(std::mem::align_of::<dpdk_sys::rte_mbuf>(), 64);
}

#[test]
fn version_string_links() {
    // SAFETY: rte_version returns a pointer to a static NUL-terminated string; no EAL needed.
    let v = unsafe { std::ffi::CStr::from_ptr(dpdk_sys::rte_version()) };
    assert!(v.to_string_lossy().starts_with("DPDK "), "{v:?}");
}

#[test]
fn tsc_advances() {
    // SAFETY: rdtsc has no preconditions.
    let (a, b) = unsafe { (dpdk_sys::shim_rte_rdtsc(), dpdk_sys::shim_rte_rdtsc()) };
    assert!(b >= a);
}
