#!/usr/bin/python3
"""Target lists, result records and the verdict check of bench/endpoints.sh.

  check.py targets MANIFEST --sslyze FILE --certaudit FILE [--limit N]
      sslyze's list (127.0.0.1:PORT per line) and certaudit's (tls://127.0.0.1:PORT per line,
      after a '#' comment), from a serve.py / delay_proxy.py manifest.

  check.py record RESULTS.jsonl --run R --tool T --manifest M --json OUT --time TIMEFILE
                  --wall SECONDS --exit CODE [--endpoints N]
      appends one timed run (peak RSS from `/usr/bin/time -v`'s report) to RESULTS.jsonl.

  check.py report RESULTS.jsonl [--out-json FILE] [--out-md FILE] [--check]
      checks every run's output against its manifest and prints a Markdown table:
      - sslyze: a completed certificate_info result for every endpoint whose leaf is the
        manifest's certificate (SHA-256), and the TLS version / key exchange its connectivity
        test found (it judges no KeyUsage, so it has no verdict to check);
      - certaudit (`--format json`, schema 1): for every endpoint `tls://127.0.0.1:PORT`, its
        first certificate (index 0) is the manifest's, and it has a finding with a ruleId in
        FAIL_RULES exactly when the manifest says Chrome fails (chromeFails).
      --check: exit 3 unless every verdict is right and certaudit reaches TARGET_RATIO x
      sslyze's endpoints/s in every run.

Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
from collections import Counter
from pathlib import Path

FAIL_RULES = {"browser.ku-lacks-digital-signature", "browser.negotiated-rsa-ku-lacks-key-encipherment"}
TARGET_RATIO = 5.0


def load_manifest(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def endpoint_path(host: str, port: int) -> str:
    return f"tls://{host}:{port}"


# --- targets -------------------------------------------------------------------------------------

def cmd_targets(args: argparse.Namespace) -> int:
    manifest = load_manifest(args.manifest)
    host = manifest.get("host", "127.0.0.1")
    endpoints = manifest["endpoints"][: args.limit] if args.limit else manifest["endpoints"]
    if args.sslyze:
        Path(args.sslyze).write_text("".join(f"{host}:{e['port']}\n" for e in endpoints))
    if args.certaudit:
        delay = manifest.get("delayMs", 0)
        header = (f"# certaudit endpoint benchmark: {len(endpoints)} endpoints on {host}"
                  f"{f', through a {delay:g} ms delaying proxy' if delay else ', direct'}\n")
        Path(args.certaudit).write_text(header + "".join(f"{endpoint_path(host, e['port'])}\n" for e in endpoints))
    return 0


# --- record --------------------------------------------------------------------------------------

def parse_time_v(text: str) -> dict:
    out = {}
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["rssKB"] = int(m.group(1))
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m:
        seconds = 0.0
        for part in m.group(1).split(":"):
            seconds = seconds * 60 + float(part)
        out["timeWall"] = seconds
    for key, label in (("userSeconds", "User time (seconds)"), ("systemSeconds", "System time (seconds)")):
        m = re.search(re.escape(label) + r": ([\d.]+)", text)
        if m:
            out[key] = float(m.group(1))
    m = re.search(r"Percent of CPU this job got: (\d+)%", text)
    if m:
        out["cpuPercent"] = int(m.group(1))
    return out


def cmd_record(args: argparse.Namespace) -> int:
    record = {
        "run": args.run, "tool": args.tool, "manifest": args.manifest, "json": args.json,
        "wall": round(args.wall, 3), "exit": args.exit,
        "endpoints": args.endpoints or len(load_manifest(args.manifest)["endpoints"]),
    }
    if args.serve_cpu is not None:
        record["serveCpu"] = args.serve_cpu
    if args.proxy_cpu is not None:
        record["proxyCpu"] = args.proxy_cpu
    time_file = Path(args.time)
    if time_file.is_file():
        record.update(parse_time_v(time_file.read_text(errors="replace")))
    with open(args.results, "a") as out:
        out.write(json.dumps(record) + "\n")
    return 0


# --- verification --------------------------------------------------------------------------------

def negotiated_kind(version: str, cipher: str) -> str:
    """TLSv1.3 / ecdhe / rsa / dhe / ?, from a protocol name and an OpenSSL or IANA cipher name."""
    v = version.replace("_", ".").replace("TLS.", "TLSv").upper().replace("TLSV", "TLSv")
    if "1.3" in v:
        return "TLSv1.3"
    c = cipher.upper()
    if "ECDHE" in c:
        return "ecdhe"
    if "DHE" in c:
        return "dhe"
    return "rsa" if c else "?"


def verify_sslyze(manifest: dict, report: dict, endpoints: list[dict]) -> dict:
    by_port = {}
    for result in report.get("server_scan_results", []):
        by_port[result["server_location"]["port"]] = result
    ok = negotiated_ok = 0
    problems: list[str] = []
    statuses = Counter()
    for e in endpoints:
        result = by_port.get(e["port"])
        if result is None:
            problems.append(f"{e['port']}: no result")
            statuses["missing"] += 1
            continue
        statuses[f"{result.get('connectivity_status')}/{result.get('scan_status')}"] += 1
        conn = result.get("connectivity_result") or {}
        if negotiated_kind(conn.get("highest_tls_version_supported", ""), conn.get("cipher_suite_supported", "")) == e["negotiated"]:
            negotiated_ok += 1
        info = ((result.get("scan_result") or {}).get("certificate_info") or {})
        if info.get("status") != "COMPLETED":
            problems.append(f"{e['port']} ({e['cert']} {e['mode']}): certificate_info {info.get('status')}: "
                            f"{info.get('error_reason')} / connectivity {result.get('connectivity_status')} "
                            f"{(result.get('connectivity_error_trace') or {}).get('exc_type', '') if isinstance(result.get('connectivity_error_trace'), dict) else ''}")
            continue
        deployments = (info.get("result") or {}).get("certificate_deployments") or []
        chain = deployments[0].get("received_certificate_chain") if deployments else None
        if not chain:
            problems.append(f"{e['port']}: no certificate chain")
            continue
        fingerprint = chain[0].get("fingerprint_sha256", "")
        try:
            fingerprint = base64.b64decode(fingerprint).hex()
        except ValueError:
            pass
        if fingerprint.lower() != e["sha256"]:
            problems.append(f"{e['port']}: leaf {fingerprint[:16]}… is not {e['cert']}")
            continue
        ok += 1
    return {"certsRight": ok, "negotiatedRight": negotiated_ok, "verdictsRight": None,
            "problems": problems, "statuses": dict(statuses)}


def verify_certaudit(manifest: dict, report: dict, endpoints: list[dict]) -> dict:
    host = manifest.get("host", "127.0.0.1")
    first: dict[str, dict] = {}
    for cert in report.get("certificates", []):
        path = cert.get("path")
        if path not in first or cert.get("index", 0) < first[path].get("index", 0):
            first[path] = cert
    errors: dict[str, list[str]] = {}
    for problem in report.get("errors", []):
        errors.setdefault(problem.get("path"), []).append(f"{problem.get('code')}: {problem.get('message')}")
    certs_ok = verdicts_ok = negotiated_ok = 0
    problems: list[str] = []
    wrong = Counter()
    for e in endpoints:
        path = endpoint_path(host, e["port"])
        label = f"{path} ({e['cert']}, {e['mode']})"
        cert = first.get(path)
        if cert is None:
            problems.append(f"{label}: no certificate; errors: {'; '.join(errors.get(path, ['none']))}")
            wrong["no certificate"] += 1
            continue
        if cert.get("sha256", "").lower() != e["sha256"]:
            problems.append(f"{label}: first certificate {cert.get('sha256', '')[:16]}… is not the served one")
            wrong["wrong certificate"] += 1
            continue
        certs_ok += 1
        m = re.search(r"\((TLSv[\d.]+|SSLv\d)\s+([^)]*)\)", cert.get("location", ""))
        if m and negotiated_kind(m.group(1), m.group(2)) == e["negotiated"]:
            negotiated_ok += 1
        fired = sorted({f.get("ruleId") for f in cert.get("findings", [])} & FAIL_RULES)
        says_fails = bool(fired)
        if says_fails == e["chromeFails"]:
            verdicts_ok += 1
        else:
            kind = "false alarm" if says_fails else "missed failure"
            wrong[f"{kind} [{e['mode']}]"] += 1
            problems.append(f"{label}: Chrome {'fails' if e['chromeFails'] else 'passes'} (KeyUsage "
                            f"{e['keyUsage']}), certaudit: {', '.join(fired) or 'no failing rule'}; "
                            f"location {cert.get('location')!r}")
    return {"certsRight": certs_ok, "negotiatedRight": negotiated_ok, "verdictsRight": verdicts_ok,
            "problems": problems, "wrong": dict(wrong)}


def verify(record: dict) -> dict:
    manifest = load_manifest(record["manifest"])
    endpoints = manifest["endpoints"][: record["endpoints"]]
    out_path = Path(record["json"])
    if not out_path.is_file() or out_path.stat().st_size == 0:
        return {"certsRight": 0, "negotiatedRight": 0, "verdictsRight": 0 if record["tool"] == "certaudit" else None,
                "problems": [f"no JSON output at {out_path}"]}
    try:
        report = json.loads(out_path.read_text())
    except ValueError as error:
        return {"certsRight": 0, "negotiatedRight": 0, "verdictsRight": 0 if record["tool"] == "certaudit" else None,
                "problems": [f"{out_path}: not JSON: {error}"]}
    if record["tool"] == "sslyze":
        return verify_sslyze(manifest, report, endpoints)
    return verify_certaudit(manifest, report, endpoints)


def cmd_report(args: argparse.Namespace) -> int:
    records = [json.loads(line) for line in Path(args.results).read_text().splitlines() if line.strip()]
    for record in records:
        record.update(verify(record))
        record["rate"] = record["endpoints"] / record["wall"] if record["wall"] > 0 else 0.0
    rates = {(r["run"], r["tool"]): r["rate"] for r in records}
    lines = [
        "| run | tool | endpoints | wall s | endpoints/s | peak RSS MB | tool CPU s | serve/proxy CPU s | exit "
        "| ratio certaudit/sslyze | verdicts right | leaf certs right |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in records:
        ratio = ""
        if r["tool"] == "certaudit" and rates.get((r["run"], "sslyze")):
            r["ratio"] = r["rate"] / rates[(r["run"], "sslyze")]
            ratio = f"{r['ratio']:.1f}x"
        n = r["endpoints"]
        verdicts = "n/a (no KeyUsage verdict)" if r["verdictsRight"] is None else f"{r['verdictsRight']}/{n}"
        rss = f"{r['rssKB'] / 1024:.0f}" if "rssKB" in r else "-"
        cpu = f"{r.get('userSeconds', 0) + r.get('systemSeconds', 0):.1f}" if "userSeconds" in r else "-"
        others = f"{r.get('serveCpu', 0):.1f} / {r.get('proxyCpu', 0):.1f}" if "serveCpu" in r else "-"
        lines.append(f"| {r['run']} | {r['tool']} | {n} | {r['wall']:.2f} | {r['rate']:.1f} | {rss} | {cpu} | {others} | "
                     f"{r['exit']} | {ratio} | {verdicts} | {r['certsRight']}/{n} |")
    table = "\n".join(lines)
    print(table + "\n")

    notes, missed = [], []
    for r in records:
        n = r["endpoints"]
        if r["negotiatedRight"] != n:
            notes.append(f"{r['run']} {r['tool']}: negotiated as the manifest expects on {r['negotiatedRight']}/{n}")
        if r.get("statuses") and set(r["statuses"]) != {"COMPLETED/COMPLETED"}:
            notes.append(f"{r['run']} {r['tool']}: statuses {r['statuses']}")
        if r.get("wrong"):
            notes.append(f"{r['run']} {r['tool']}: wrong {r['wrong']}")
        for problem in r["problems"][: args.show]:
            notes.append(f"{r['run']} {r['tool']}: {problem}")
        if len(r["problems"]) > args.show:
            notes.append(f"{r['run']} {r['tool']}: … {len(r['problems']) - args.show} more problems")
        right = r["certsRight"] if r["verdictsRight"] is None else min(r["certsRight"], r["verdictsRight"])
        if right != n:
            missed.append(f"{r['run']} {r['tool']}: {right}/{n} right")
        if (r["tool"] == "certaudit" and not r["run"].endswith("-quarter")
                and r["run"] in {x["run"] for x in records if x["tool"] == "sslyze"}):
            if r.get("ratio", 0) < TARGET_RATIO:
                missed.append(f"{r['run']}: certaudit {r.get('ratio', 0):.1f}x sslyze's endpoints/s (target {TARGET_RATIO:g}x)")
    for tool in ("certaudit", "sslyze"):
        runs = {r["run"]: r for r in records if r["tool"] == tool and "rssKB" in r}
        if "direct" in runs and "direct-quarter" in runs:
            full, quarter = runs["direct"], runs["direct-quarter"]
            notes.append(f"memory: {tool} peak RSS {quarter['rssKB'] / 1024:.0f} MB for {quarter['endpoints']} endpoints, "
                         f"{full['rssKB'] / 1024:.0f} MB for {full['endpoints']} "
                         f"({full['rssKB'] / max(quarter['rssKB'], 1):.2f}x for "
                         f"{full['endpoints'] / max(quarter['endpoints'], 1):.0f}x the endpoints)")
    sections = [table]
    if notes:
        sections.append("\n".join(f"- {note}" for note in notes))
    if missed:
        sections.append("Targets missed:\n" + "\n".join(f"- {m}" for m in missed))
    elif any(r["tool"] == "certaudit" for r in records):
        sections.append(f"Targets met: every verdict right, certaudit >= {TARGET_RATIO:g}x sslyze's endpoints/s in every run.")
    text = "\n\n".join(sections)
    print(text[len(table):].lstrip("\n"))
    if args.out_md:
        Path(args.out_md).write_text(text + "\n")
    if args.out_json:
        Path(args.out_json).write_text(json.dumps(records, indent=1) + "\n")
    return 3 if args.check and missed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("targets")
    p.add_argument("manifest")
    p.add_argument("--sslyze")
    p.add_argument("--certaudit")
    p.add_argument("--limit", type=int, default=0, help="only the first N endpoints")
    p = sub.add_parser("record")
    p.add_argument("results")
    for name in ("--run", "--tool", "--manifest", "--json", "--time"):
        p.add_argument(name, required=True)
    p.add_argument("--wall", type=float, required=True)
    p.add_argument("--exit", type=int, required=True)
    p.add_argument("--endpoints", type=int, default=0)
    p.add_argument("--serve-cpu", type=float, help="CPU seconds serve.py used during the run")
    p.add_argument("--proxy-cpu", type=float, help="CPU seconds delay_proxy.py used during the run")
    p = sub.add_parser("report")
    p.add_argument("results")
    p.add_argument("--out-json")
    p.add_argument("--out-md")
    p.add_argument("--check", action="store_true")
    p.add_argument("--show", type=int, default=10, help="problems listed per run (default 10)")
    args = parser.parse_args()
    return {"targets": cmd_targets, "record": cmd_record, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
