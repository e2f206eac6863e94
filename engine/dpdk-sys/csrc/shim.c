/* One-line bodies for the wrappers declared in shim.h (the filter's compiler excepted). */
/* rte_bpf_convert is an EXPERIMENTAL symbol of DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API 1
#include "shim.h"
#include <stdio.h>
#include <stdlib.h>
#include <rte_eth_bond.h>
#include <rte_malloc.h>
#include <pcap/pcap.h>

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

/* DPDK 22.11's x86 JIT encodes `jset #k` with a one-byte immediate where the instruction takes four,
 * and runs into garbage: rewrite each into `mov r8, #k; jset a, r8` (r8 is the converter's scratch
 * register, live within one classic instruction only) and move the jumps' offsets to match. Returns
 * a malloc'ed copy of the instructions, or NULL. */
static struct ebpf_insn *jset_by_register(const struct ebpf_insn *in, uint32_t n, uint32_t *out_n)
{
	uint32_t *at = malloc((n + 1) * sizeof(*at));
	if (at == NULL)
		return NULL;
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		at[i] = k;
		k += in[i].code == (BPF_JMP | BPF_JSET | BPF_K) ? 2 : 1;
	}
	at[n] = k;
	struct ebpf_insn *out = calloc(k, sizeof(*out));
	if (out == NULL) {
		free(at);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = at[i];
		struct ebpf_insn x = in[i];
		if (x.code == (BPF_JMP | BPF_JSET | BPF_K)) {
			out[p].code = BPF_ALU | EBPF_MOV | BPF_K;
			out[p].dst_reg = EBPF_REG_8;
			out[p].imm = x.imm;
			p++;
			x.code = BPF_JMP | BPF_JSET | BPF_X;
			x.src_reg = EBPF_REG_8;
			x.imm = 0;
		}
		uint8_t op = BPF_OP(x.code);
		if (BPF_CLASS(x.code) == BPF_JMP && op != EBPF_CALL && op != EBPF_EXIT) {
			int64_t target = (int64_t)i + x.off + 1;
			if (target < 0 || target > (int64_t)n) {
				free(at);
				free(out);
				return NULL;
			}
			x.off = (int16_t)((int64_t)at[target] - p - 1);
		}
		out[p] = x;
	}
	free(at);
	*out_n = k;
	return out;
}

struct rte_bpf *shim_filter_compile(const char *expr, char *err, size_t errlen)
{
	struct bpf_program cbpf;
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	if (p == NULL) {
		snprintf(err, errlen, "libpcap could not open a handle to compile with");
		return NULL;
	}
	if (pcap_compile(p, &cbpf, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	pcap_close(p);
	struct rte_bpf_prm *prm = rte_bpf_convert(&cbpf);
	pcap_freecode(&cbpf);
	if (prm == NULL) {
		snprintf(err, errlen, "DPDK cannot convert it to eBPF: %s", rte_strerror(rte_errno));
		return NULL;
	}
	/* DPDK 22.11's converter (lib/bpf/bpf_convert.c) gives an indexed load (`ldb [x + k]`, as in
	 * `tcp[tcpflags]`) the register of A instead of X as its index (src_reg 0): point it at X
	 * (EBPF_REG_7 there). The converter emits BPF_IND for nothing else. */
	struct ebpf_insn *ins = (struct ebpf_insn *)prm->ins;
	for (uint32_t i = 0; i < prm->nb_ins; i++)
		if (BPF_CLASS(ins[i].code) == BPF_LD && BPF_MODE(ins[i].code) == BPF_IND)
			ins[i].src_reg = EBPF_REG_7;
	struct rte_bpf_prm fixed = *prm;
	struct ebpf_insn *rewritten = jset_by_register(prm->ins, prm->nb_ins, &fixed.nb_ins);
	rte_free(prm);
	if (rewritten == NULL) {
		snprintf(err, errlen, "out of memory rewriting its eBPF");
		return NULL;
	}
	fixed.ins = rewritten;
	struct rte_bpf *bpf = rte_bpf_load(&fixed);
	free(rewritten);
	if (bpf == NULL)
		snprintf(err, errlen, "DPDK cannot load its eBPF: %s", rte_strerror(rte_errno));
	return bpf;
}
void *shim_filter_jit(const struct rte_bpf *bpf) { struct rte_bpf_jit j = {0}; return rte_bpf_get_jit(bpf, &j) == 0 ? (void *)j.func : NULL; }
uint64_t shim_filter_run(const struct rte_bpf *bpf, struct rte_mbuf *m) { return rte_bpf_exec(bpf, m); }
void shim_filter_free(struct rte_bpf *bpf) { rte_bpf_destroy(bpf); }
