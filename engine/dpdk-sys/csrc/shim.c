/* One-line bodies for the wrappers declared in shim.h. */
#include "shim.h"
#include <rte_eth_bond.h>

int shim_rte_errno(void) { return rte_errno; }
uint16_t shim_rte_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts, uint16_t nb_pkts) { return rte_eth_rx_burst(port_id, queue_id, rx_pkts, nb_pkts); }
uint16_t shim_rte_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts, uint16_t nb_pkts) { return rte_eth_tx_burst(port_id, queue_id, tx_pkts, nb_pkts); }
struct rte_mbuf *shim_rte_pktmbuf_alloc(struct rte_mempool *mp) { return rte_pktmbuf_alloc(mp); }
int shim_rte_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned count) { return rte_pktmbuf_alloc_bulk(pool, mbufs, count); }
void shim_rte_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
void shim_rte_pktmbuf_reset(struct rte_mbuf *m) { rte_pktmbuf_reset(m); }
int shim_rte_mempool_get_bulk(struct rte_mempool *mp, void **obj_table, unsigned n) { return rte_mempool_get_bulk(mp, obj_table, n); }
void shim_rte_mempool_put_bulk(struct rte_mempool *mp, void *const *obj_table, unsigned n) { rte_mempool_put_bulk(mp, obj_table, n); }
uint64_t shim_rte_rdtsc(void) { return rte_rdtsc(); }
unsigned shim_rte_lcore_id(void) { return rte_lcore_id(); }
void shim_rte_pause(void) { rte_pause(); }
uint64_t shim_rss_ip_udp_tcp(void) { return RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP; }
uint16_t shim_eth_next_unowned(uint16_t from) { return (uint16_t)rte_eth_find_next_owned_by(from, RTE_ETH_DEV_NO_OWNER); }
int shim_bond_mode(uint16_t port) { return rte_eth_bond_mode_get(port); }
/* DPDK 23.11 renamed the bonding API's "slaves" to "members". */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
int shim_bond_members(uint16_t port, int active, uint16_t *out, uint16_t len) { return active ? rte_eth_bond_active_members_get(port, out, len) : rte_eth_bond_members_get(port, out, len); }
#else
int shim_bond_members(uint16_t port, int active, uint16_t *out, uint16_t len) { return active ? rte_eth_bond_active_slaves_get(port, out, len) : rte_eth_bond_slaves_get(port, out, len); }
#endif
int shim_bond_primary(uint16_t port) { return rte_eth_bond_primary_get(port); }
