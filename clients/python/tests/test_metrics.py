"""pktgen --metrics: scraped with a real HTTP client (urllib), parsed with the Prometheus
project's own parser (prometheus_client), and checked against portStats and the latency
histogram read through the program mode."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from typing import Dict, Tuple

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pktgen_client import Pktgen

from conftest import Server, send_stamped

Samples = Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]


def scrape(port: int) -> Tuple[str, Dict[str, str], Samples]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        assert r.status == 200
        body = r.read().decode()
        ctype = r.headers["Content-Type"]
    types = {}
    samples: Samples = {}
    for fam in text_string_to_metric_families(body):
        types[fam.name] = fam.type
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return ctype, types, samples


def value(samples: Samples, metric: str, **labels: str) -> float:
    key = (metric, tuple(sorted(labels.items())))
    assert key in samples, f"no {metric}{labels} in the scrape"
    return samples[key]


def test_a_scrape_agrees_with_port_stats(pktgen_factory) -> None:
    srv: Server = pktgen_factory("--metrics", "127.0.0.1:0")
    assert srv.metrics
    with Pktgen("127.0.0.1", srv.port) as pg:
        send_stamped(pg, 4000, size=256)
        stats = pg.port_stats("all")
        pct = pg.latency_percentiles(1, (50, 90, 99, 99.9, 99.99, 100))

        ctype, types, s = scrape(srv.metrics)
        assert ctype.startswith("text/plain; version=0.0.4")
        assert types["pktgen_port_tx_packets"] == "counter"
        assert types["pktgen_port_tx_packets_per_second"] == "gauge"
        assert types["pktgen_latency_seconds"] == "gauge"
        for p, st in stats.items():
            c = st["curr"]
            port = str(p)
            for metric, key in [
                ("pktgen_port_tx_packets_total", "opackets"),
                ("pktgen_port_rx_packets_total", "ipackets"),
                ("pktgen_port_tx_bytes_total", "obytes"),
                ("pktgen_port_rx_bytes_total", "ibytes"),
                ("pktgen_port_tx_errors_total", "oerrors"),
                ("pktgen_port_rx_errors_total", "ierrors"),
                ("pktgen_port_rx_missed_total", "imissed"),
                ("pktgen_port_rx_nombuf_total", "rx_nombuf"),
            ]:
                assert value(s, metric, port=port) == c[key], f"{metric} port {p}"
            q = st["qstats"]["0"]
            assert value(s, "pktgen_queue_tx_packets_total", port=port, queue="0") == q["opackets"]
            assert value(s, "pktgen_queue_rx_packets_total", port=port, queue="0") == q["ipackets"]
            assert value(s, "pktgen_port_link_up", port=port) == 1
            assert value(s, "pktgen_port_link_speed_bits_per_second", port=port) == 10e9
            assert value(s, "pktgen_port_sending", port=port) == 0
            info = [dict(k[1]) for k in s if k[0] == "pktgen_port_info" and dict(k[1])["port"] == port]
            assert len(info) == 1 and info[0]["driver"] == "net_ring", info
            assert value(s, "pktgen_port_info", **info[0]) == 1
        # The numbers themselves: what was sent arrived, bytes without FCS (net_ring counts no
        # bytes, so these are the engine's).
        assert value(s, "pktgen_port_tx_packets_total", port="0") == 4000
        assert value(s, "pktgen_port_rx_bytes_total", port="1") == 4000 * 252
        # Latency: the same exact histogram as h:percentile, in seconds.
        assert value(s, "pktgen_latency_samples_total", port="1") == 4000
        assert value(s, "pktgen_latency_lost_total", port="1") == 0
        for q, p in [("0.5", 50), ("0.9", 90), ("0.99", 99), ("0.999", 99.9), ("0.9999", 99.99), ("1", 100)]:
            assert value(s, "pktgen_latency_seconds", port="1", quantile=q) == pytest.approx(pct[p] / 1e9, rel=1e-12)
        assert value(s, "pktgen_latency_mean_seconds", port="1") > 0
        assert ("pktgen_latency_seconds", (("port", "0"), ("quantile", "0.5"))) not in s, "no samples, no quantiles"
        assert any(k[0] == "pktgen_build_info" for k in s)

        # While sending: rates and the sending flag move.
        pg.set(0, "count", 0)
        pg.start(0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            _, _, s = scrape(srv.metrics)
            if value(s, "pktgen_port_tx_packets_per_second", port="0") > 0:
                break
            time.sleep(0.1)
        assert value(s, "pktgen_port_sending", port="0") == 1
        assert value(s, "pktgen_port_tx_packets_per_second", port="0") > 0
        assert value(s, "pktgen_port_rx_bits_per_second", port="1") > 0
        pg.stop(0)


def test_only_metrics_is_served_and_a_busy_lua_thread_does_not_block_it(pktgen_factory, tmp_path) -> None:
    srv: Server = pktgen_factory("--metrics", "127.0.0.1:0", "--shell-budget-ms", "0")
    assert srv.metrics
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"http://127.0.0.1:{srv.metrics}/nothing", timeout=10)
    assert e.value.code == 404
    req = urllib.request.Request(f"http://127.0.0.1:{srv.metrics}/metrics", method="POST", data=b"x")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 405
    with Pktgen("127.0.0.1", srv.port, timeout=30) as pg:
        # Keep the Lua thread busy without yielding (it says when it started, through a file);
        # the scrape answers before it is done.
        started = tmp_path / "busy"
        done = threading.Event()

        def busy() -> None:
            pg.run(f"io.open({str(started)!r}, 'w'):close() local t = os.clock() while os.clock() - t < 3 do end")
            done.set()

        threading.Thread(target=busy, daemon=True).start()
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started.exists(), "the busy request did not start"
        _, _, s = scrape(srv.metrics)
        assert not done.is_set(), "the scrape waited for the Lua thread"
        assert value(s, "pktgen_port_link_up", port="0") == 1
        assert done.wait(30)


def test_slow_clients_do_not_hold_the_endpoint(pktgen_factory) -> None:
    """Clients that send their request a byte at a time are cut off 2 s after they connected;
    scrapes beside them are answered at once."""
    import socket

    srv: Server = pktgen_factory("--metrics", "127.0.0.1:0")
    assert srv.metrics
    slow = [socket.create_connection(("127.0.0.1", srv.metrics), timeout=10) for _ in range(4)]
    t0 = time.monotonic()
    for s in slow:
        s.sendall(b"GET /metr")
    start = time.monotonic()
    _, _, samples = scrape(srv.metrics)
    assert time.monotonic() - start < 2, "a scrape waited behind slow clients"
    assert value(samples, "pktgen_port_link_up", port="0") == 1
    for s in slow:
        assert s.recv(1024) == b"", "a slow client got an answer"
        assert time.monotonic() - t0 < 6, "a slow client was held past its deadline"
        s.close()
