/* The DPDK headers dpdk-sys binds, and shim_* wrappers for the static inline functions the engine
 * calls. To add a wrapper: declare it here with a one-line comment, give it a one-line body in shim.c
 * and add nothing to build.rs (the allowlist matches "shim_.*"). */
#ifndef PKTGEN_DPDK_SHIM_H
#define PKTGEN_DPDK_SHIM_H

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_version.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_launch.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mbuf_dyn.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_bus_vdev.h>
#include <rte_bpf.h>

/* rte_errno of the calling thread (a per-lcore variable in C). */
int shim_rte_errno(void);
/* Receive up to nb_pkts packets from a port's RX queue. */
uint16_t shim_rte_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts, uint16_t nb_pkts);
/* Hand up to nb_pkts packets to a port's TX queue; the driver owns those it accepts. */
uint16_t shim_rte_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts, uint16_t nb_pkts);
/* Allocate one mbuf with its fields reset, or NULL. */
struct rte_mbuf *shim_rte_pktmbuf_alloc(struct rte_mempool *mp);
/* Allocate count reset mbufs, all or nothing (0 on success). */
int shim_rte_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned count);
/* Free an mbuf chain back to its pool. */
void shim_rte_pktmbuf_free(struct rte_mbuf *m);
/* Reset an mbuf's fields (lengths, offsets, flags) as a fresh allocation would. */
void shim_rte_pktmbuf_reset(struct rte_mbuf *m);
/* Take n objects from a mempool without touching them, all or nothing (0 on success). */
int shim_rte_mempool_get_bulk(struct rte_mempool *mp, void **obj_table, unsigned n);
/* Return n objects to a mempool. */
void shim_rte_mempool_put_bulk(struct rte_mempool *mp, void *const *obj_table, unsigned n);
/* The time stamp counter. */
uint64_t shim_rte_rdtsc(void);
/* The calling thread's lcore id (LCORE_ID_ANY outside EAL threads). */
unsigned shim_rte_lcore_id(void);
/* A CPU pause hint for spin loops. */
void shim_rte_pause(void);
/* The RSS hash types for IP, UDP and TCP (RTE_ETH_RSS_* are function-like macros bindgen skips). */
uint64_t shim_rss_ip_udp_tcp(void);
/* The first valid port id >= from that no driver owns (RTE_ETH_FOREACH_DEV's step: a bonding
 * port owns its members), or RTE_MAX_ETHPORTS. */
uint16_t shim_eth_next_unowned(uint16_t from);
/* A bonding port's mode (0..6), or a negative value for a port that is not a bonding port. */
int shim_bond_mode(uint16_t port);
/* A bonding port's member ports (active only, or all) into out[len]; their number, or < 0. */
int shim_bond_members(uint16_t port, int active, uint16_t *out, uint16_t len);
/* A bonding port's primary member, or < 0. */
int shim_bond_primary(uint16_t port);
/* Compiles a tcpdump filter (libpcap, Ethernet link type, optimised) and loads it as a DPDK BPF
 * program over mbufs (rte_bpf_convert); NULL with libpcap's or DPDK's message in err on failure. */
struct rte_bpf *shim_filter_compile(const char *expr, char *err, size_t errlen);
/* The filter's native code from DPDK's JIT (a uint64_t (*)(void *mbuf)), or NULL where there is none. */
void *shim_filter_jit(const struct rte_bpf *bpf);
/* Runs a filter in DPDK's BPF interpreter on one mbuf: non-zero when it matches. */
uint64_t shim_filter_run(const struct rte_bpf *bpf, struct rte_mbuf *m);
/* Frees a filter. */
void shim_filter_free(struct rte_bpf *bpf);

#endif
