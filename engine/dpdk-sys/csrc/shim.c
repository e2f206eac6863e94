/* One-line bodies for the wrappers declared in shim.h. */
#include "shim.h"

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
