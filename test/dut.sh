#!/bin/sh
# A device under test on this machine: the Linux kernel forwarding IPv4 in a network namespace
# between two veth pairs, with a tbf shaper (rate, burst, queue latency) on the DUT's egress to
# each side. pktgen's ports drive the outer ends through net_af_packet. Needs root and iproute2.
#
#   test/dut.sh up [NAME]      create (or update: the shaper is replaced) and print the settings
#   test/dut.sh down [NAME]    remove; nothing to remove is not an error
#   test/dut.sh show [NAME]    print the settings and the shaper's counters
#
# NAME (default $DUT_NAME, else "pgdut"; at most 11 characters) names the namespace and the
# interfaces, so several DUTs can live side by side. Environment for `up`:
#   DUT_RATE     tbf rate on both egresses (tc units: 16mbit, 2000kbit, ...); empty: no shaper
#   DUT_BURST    tbf bucket in bytes (default 4000)
#   DUT_LATENCY  tbf latency: how long a full queue delays a packet (default 1ms)
#   DUT_IPV6     1: the DUT forwards IPv6 too, with no static neighbour entries (it resolves the
#                ports by neighbour discovery, which pktgen's responder answers); else IPv6 is off
#
# Layout (RFC 2544 appendix C addresses; the MACs are fixed so scripts can name them):
#   port 0 = NAMEp0 198.18.0.2 02:00:c6:12:00:02  <->  NAMEd0 198.18.0.1 02:00:c6:12:00:01 (DUT)
#   port 1 = NAMEp1 198.19.0.2 02:00:c6:13:00:02  <->  NAMEd1 198.19.0.1 02:00:c6:13:00:01 (DUT)
# The DUT routes 198.18.0.0/24 and 198.19.0.0/24 and has static ARP entries for both ports, so
# pktgen needs no ARP: send from port 0 with dst MAC 02:00:c6:12:00:01, dst IP 198.19.0.2.
# IPv6 is off on all four interfaces, so nothing but forwarded traffic reaches the ports; with
# DUT_IPV6=1 it is on at the DUT's ends (RFC 5180's benchmarking prefix 2001:2::/48):
#   port 0 2001:2:0:12::2/64 <-> 2001:2:0:12::1 (DUT)    port 1 2001:2:0:13::2/64 <-> 2001:2:0:13::1
# and the DUT's own neighbour discovery and MLD frames reach the ports too. Our ends keep IPv6
# off either way: pktgen, not this machine's kernel, answers for the ports' addresses.
# The shapers sit inside the DUT: net_af_packet bypasses our own interfaces' qdisc (unless given
# qdisc_bypass=0), and a shaper there would hold frames back in its TX ring instead of dropping.
#
# Exit status: 0 done, 1 failed, 77 network namespaces are not allowed here (tests skip).
set -eu

cmd=${1:-}
name=${2:-${DUT_NAME:-pgdut}}

case "$name" in
	*[!A-Za-z0-9_-]* | "") echo "dut.sh: bad name '$name' (letters, digits, _ and - only)" >&2; exit 1 ;;
esac
if [ ${#name} -gt 11 ]; then
	echo "dut.sh: name '$name' is longer than 11 characters (interface names are 15 at most)" >&2
	exit 1
fi

ns=$name
p0=${name}p0 d0=${name}d0 p1=${name}p1 d1=${name}d1
P0_MAC=02:00:c6:12:00:02 D0_MAC=02:00:c6:12:00:01
P1_MAC=02:00:c6:13:00:02 D1_MAC=02:00:c6:13:00:01
P0_IP=198.18.0.2 D0_IP=198.18.0.1 P1_IP=198.19.0.2 D1_IP=198.19.0.1
P0_IP6=2001:2:0:12::2 D0_IP6=2001:2:0:12::1 P1_IP6=2001:2:0:13::2 D1_IP6=2001:2:0:13::1

has_ns() { [ -e "/run/netns/$ns" ]; }
has_link() { ip link show "$1" >/dev/null 2>&1; }
# A sysctl in the DUT's namespace, written through /proc (procps may not be installed).
ns_sysctl() { ip netns exec "$ns" sh -c "echo $2 > /proc/sys/$1"; }

settings() {
	echo "ns=$ns"
	echo "port0_if=$p0"
	echo "port1_if=$p1"
	echo "port0_mac=$P0_MAC"
	echo "port1_mac=$P1_MAC"
	echo "dut0_mac=$D0_MAC"
	echo "dut1_mac=$D1_MAC"
	echo "port0_ip=$P0_IP"
	echo "port1_ip=$P1_IP"
	echo "dut0_ip=$D0_IP"
	echo "dut1_ip=$D1_IP"
	if [ "${DUT_IPV6:-}" = 1 ]; then
		echo "port0_ip6=$P0_IP6"
		echo "port1_ip6=$P1_IP6"
		echo "dut0_ip6=$D0_IP6"
		echo "dut1_ip6=$D1_IP6"
		echo "dut0_if=$d0"
		echo "dut1_if=$d1"
	fi
}

# Without IPv6 the kernel sends no router solicitations or MLD reports to our ports (a kernel
# without IPv6 has no such file, and nothing to turn off).
no_v6() { echo 1 > "/proc/sys/net/ipv6/conf/$1/disable_ipv6" 2>/dev/null || true; }

# One side: the pair, our end up in this namespace, the DUT's end addressed in the DUT's.
side() { # ours theirs our_mac their_mac their_ip/24 our_ip their_ip6
	if ! has_link "$1"; then
		ip link add "$1" address "$3" type veth peer name "$2" address "$4"
		ip link set "$2" netns "$ns"
	fi
	ip link set "$1" address "$3"
	no_v6 "$1"
	ip link set "$1" up
	ip -n "$ns" link set "$2" address "$4"
	ip -n "$ns" addr replace "$5" dev "$2"
	if [ "${DUT_IPV6:-}" = 1 ]; then
		# No duplicate address detection: the address is usable at once, not tentative.
		ns_sysctl "net/ipv6/conf/$2/disable_ipv6" 0
		ns_sysctl "net/ipv6/conf/$2/accept_dad" 0
		ip -n "$ns" -6 addr replace "$7/64" dev "$2" nodad
	else
		ns_sysctl "net/ipv6/conf/$2/disable_ipv6" 1 2>/dev/null || true
	fi
	ip -n "$ns" link set "$2" up
	# Static ARP: the DUT sends to our port without asking (pktgen need not answer ARP).
	ip -n "$ns" neigh replace "$6" lladdr "$3" dev "$2" nud permanent
}

shaper() { # dev
	if [ -n "${DUT_RATE:-}" ]; then
		tc -n "$ns" qdisc replace dev "$1" root tbf rate "$DUT_RATE" burst "${DUT_BURST:-4000}" \
			latency "${DUT_LATENCY:-1ms}"
	else
		tc -n "$ns" qdisc del dev "$1" root 2>/dev/null || true
	fi
}

up() {
	if [ "$(id -u)" != 0 ]; then
		echo "dut.sh: network namespaces need root (skipping)" >&2
		exit 77
	fi
	if ! has_ns; then
		if ! err=$(ip netns add "$ns" 2>&1); then
			case "$err" in
				*"not permitted"* | *"Permission denied"* | *"Read-only"*)
					echo "dut.sh: network namespaces are not allowed here: $err" >&2
					exit 77 ;;
			esac
			echo "dut.sh: ip netns add $ns: $err" >&2
			exit 1
		fi
	fi
	ip -n "$ns" link set lo up
	ns_sysctl net/ipv4/ip_forward 1
	ns_sysctl net/ipv4/conf/all/rp_filter 0
	ns_sysctl net/ipv4/conf/default/rp_filter 0
	ns_sysctl net/ipv4/conf/all/send_redirects 0
	side "$p0" "$d0" "$P0_MAC" "$D0_MAC" "$D0_IP/24" "$P0_IP" "$D0_IP6"
	side "$p1" "$d1" "$P1_MAC" "$D1_MAC" "$D1_IP/24" "$P1_IP" "$D1_IP6"
	if [ "${DUT_IPV6:-}" = 1 ]; then
		ns_sysctl net/ipv6/conf/all/forwarding 1
	fi
	shaper "$d0"
	shaper "$d1"
	settings
}

down() {
	# Deleting our end of a pair removes both ends; the namespace goes last.
	for l in "$p0" "$p1"; do
		if has_link "$l"; then ip link del "$l"; fi
	done
	if has_ns; then ip netns del "$ns"; fi
}

case "$cmd" in
	up) up ;;
	down) down ;;
	show)
		settings
		tc -n "$ns" -s qdisc show dev "$d0"
		tc -n "$ns" -s qdisc show dev "$d1" ;;
	*) echo "usage: dut.sh up|down|show [NAME]" >&2; exit 1 ;;
esac
