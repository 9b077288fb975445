#!/usr/bin/python3
"""Load for bench/exporter.sh (stdlib only), against a certaudit serve on 127.0.0.1.

  load.py probe   --port P --manifest M --threads 16 --seconds 20
      THREADS scrapers, each looping over the manifest's endpoints (round robin, offset per thread),
      GET /probe?target=tls://127.0.0.1:PORT with X-Prometheus-Scrape-Timeout-Seconds: 10.
  load.py metrics --port P --seconds 30 --every 0.1
      GET /metrics every EVERY seconds while the exporter rescans its paths in the background.

Prints one JSON object: requests, successes (probe_success 1 / HTTP 200), rate, latency p50/p90/p99/max
in milliseconds, and for metrics the body size and the scans seen.
"""
import argparse, json, statistics, sys, threading, time, urllib.request


def fetch(url, headers=None):
    started = time.perf_counter()
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - started, response.status, body


def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else None
    return {"p50_ms": pick(0.5), "p90_ms": pick(0.9), "p99_ms": pick(0.99), "max_ms": (ordered[-1] * 1000 if ordered else None)}


def probe(args):
    ports = [entry["port"] for entry in json.load(open(args.manifest))["endpoints"]] if args.manifest else []
    latencies, successes, failures, lock = [], [0], [0], threading.Lock()
    deadline = time.perf_counter() + args.seconds

    def scraper(offset):
        index = offset
        while time.perf_counter() < deadline:
            port = ports[index % len(ports)]
            index += args.threads
            try:
                elapsed, status, body = fetch(
                    f"http://127.0.0.1:{args.port}/probe?target=tls://127.0.0.1:{port}",
                    {"X-Prometheus-Scrape-Timeout-Seconds": "10"})
                ok = status == 200 and b"\ncertaudit_probe_success 1.0\n" in b"\n" + body
            except Exception:
                elapsed, ok = None, False
            with lock:
                if elapsed is not None:
                    latencies.append(elapsed)
                if ok:
                    successes[0] += 1
                else:
                    failures[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=scraper, args=(i,)) for i in range(args.threads)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    wall = time.perf_counter() - started
    result = {"mode": "probe", "threads": args.threads, "endpoints": len(ports), "seconds": round(wall, 2),
              "requests": len(latencies), "successes": successes[0], "failures": failures[0],
              "probes_per_second": round(successes[0] / wall, 1)}
    result.update(percentiles(latencies))
    print(json.dumps(result))


def metrics(args):
    latencies, sizes, scans, failures = [], [], set(), 0
    deadline = time.perf_counter() + args.seconds
    while time.perf_counter() < deadline:
        try:
            elapsed, status, body = fetch(f"http://127.0.0.1:{args.port}/metrics")
            latencies.append(elapsed)
            sizes.append(len(body))
            for line in body.split(b"\n"):
                if line.startswith(b"certaudit_exporter_scans_total "):
                    scans.add(float(line.split()[-1]))
        except Exception:
            failures += 1
        time.sleep(args.every)
    result = {"mode": "metrics", "requests": len(latencies), "failures": failures,
              "body_bytes": int(statistics.median(sizes)) if sizes else 0,
              "scans_seen": sorted(scans)}
    result.update(percentiles(latencies))
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["probe", "metrics"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--manifest")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--every", type=float, default=0.1)
    args = parser.parse_args()
    (probe if args.mode == "probe" else metrics)(args)


if __name__ == "__main__":
    main()
