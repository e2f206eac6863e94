//! Finds the system's DPDK with pkg-config, compiles the C shim and generates the bindings.
//!
//! Debian/Ubuntu packages needed: libdpdk-dev (DPDK >= 22.11), libpcap-dev, libclang-dev, pkg-config
//! (`make deps` at the top of the repository installs them).

use std::path::PathBuf;
use std::process::Command;

const MIN_DPDK: &str = "22.11";

fn main() {
    println!("cargo:rerun-if-changed=csrc/shim.h");
    println!("cargo:rerun-if-changed=csrc/shim.c");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");

    let dpdk = match pkg_config::Config::new()
        .atleast_version(MIN_DPDK)
        .probe("libdpdk")
    {
        Ok(lib) => lib,
        Err(e) => {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            panic!(
                "DPDK >= {MIN_DPDK} not found through pkg-config ({first}); install it with \
                 `apt-get install libdpdk-dev libclang-dev pkg-config` (or run `make deps`), or point \
                 PKG_CONFIG_PATH at your libdpdk.pc"
            );
        }
    };
    // The ring PMD is not in libdpdk.pc's link line, but the embedded default builds its two
    // back-to-back ports with rte_eth_from_rings.
    println!("cargo:rustc-link-lib=dylib=rte_net_ring");
    println!("cargo:rustc-link-lib=dylib=rte_bus_vdev");
    // Nor is the bonding PMD, whose API `pktgen.bonding` reads (through the shim).
    println!("cargo:rustc-link-lib=dylib=rte_net_bond");
    // And libpcap compiles the counting filters' tcpdump expressions (`pktgen.rx`).
    println!("cargo:rustc-link-lib=dylib=pcap");

    // `-include rte_config.h -march=...` are needed by the static inline functions in DPDK's
    // headers; the pkg-config crate drops them, so read them ourselves and hand the same flags to
    // the shim and to bindgen.
    let other = Command::new("pkg-config")
        .args(["--cflags-only-other", "libdpdk"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let other: Vec<String> = other.split_whitespace().map(str::to_owned).collect();

    let mut cc = cc::Build::new();
    cc.file("csrc/shim.c").opt_level(3).warnings(false);
    for inc in &dpdk.include_paths {
        cc.include(inc);
    }
    for f in &other {
        cc.flag(f);
    }
    cc.compile("dpdk_shim");

    let mut bg = bindgen::Builder::default()
        .header("csrc/shim.h")
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .generate_comments(false)
        .derive_default(true)
        .layout_tests(true)
        .allowlist_function("shim_.*")
        .allowlist_function(
            "rte_eal_(init|cleanup|remote_launch|wait_lcore|mp_wait_lcore|process_type|has_hugepages)",
        )
        .allowlist_function(
            "rte_(lcore_count|get_next_lcore|get_main_lcore|lcore_to_socket_id|socket_id|lcore_is_enabled)",
        )
        .allowlist_function("rte_(strerror|version|get_tsc_hz|delay_us_block|thread_register)")
        .allowlist_function(
            "rte_pktmbuf_pool_create|rte_mempool_(free|avail_count|in_use_count|lookup|obj_iter)",
        )
        .allowlist_function(
            "rte_mempool_(create_empty|set_ops_byname|populate_default)|rte_mbuf_best_mempool_ops",
        )
        .allowlist_function("rte_pktmbuf_(pool_init|init)|rte_eal_iova_mode")
        .allowlist_function("rte_pktmbuf_free_bulk|rte_mbuf_dynfield_register")
        .allowlist_function("rte_ring_(create|free)|rte_eth_from_rings|rte_vdev_init")
        .allowlist_function(
            "rte_eth_(dev_count_avail|dev_configure|rx_queue_setup|tx_queue_setup|dev_start|dev_stop|\
             dev_close|dev_info_get|macaddr_get|link_get_nowait|stats_get|stats_reset|xstats_get_names|\
             xstats_get|promiscuous_enable|promiscuous_disable|dev_socket_id|dev_get_name_by_port|\
             dev_is_valid_port|dev_set_mtu|dev_default_mac_addr_set|dev_adjust_nb_rx_tx_desc)",
        )
        .allowlist_type("rte_mbuf|rte_mempool|rte_eth_conf|rte_eth_dev_info|rte_ether_addr|rte_eth_link")
        .allowlist_type("rte_eth_stats|rte_eth_xstat|rte_eth_xstat_name|rte_mbuf_dynfield|rte_ring")
        .allowlist_type("rte_eth_rxconf|rte_eth_txconf|lcore_function_t|rte_proc_type_t")
        .allowlist_var("RTE_ETH_.*|RTE_MAX_ETHPORTS|RTE_MAX_LCORE|RTE_PKTMBUF_HEADROOM|RTE_MBUF_.*")
        .allowlist_type("rte_pktmbuf_pool_private|rte_iova_mode")
        .allowlist_var("RTE_MEMPOOL_F_.*")
        .allowlist_var("RING_F_.*|SOCKET_ID_ANY|LCORE_ID_ANY|RTE_ETHER_.*|RTE_ETH_NAME_MAX_LEN")
        // Packed headers nested in other packed headers, which bindgen cannot lay out.
        .opaque_type("rte_arp_hdr|rte_arp_ipv4|rte_l2tpv2_combined_msg_hdr|rte_gtp_psc_generic_hdr")
        .clang_arg("-Wno-everything");
    for inc in &dpdk.include_paths {
        bg = bg.clang_arg(format!("-I{}", inc.display()));
    }
    for f in &other {
        bg = bg.clang_arg(f);
    }
    let bindings = bg
        .generate()
        .expect("bindgen could not generate the DPDK bindings");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    bindings
        .write_to_file(out.join("bindings.rs"))
        .expect("writing bindings.rs");
}
