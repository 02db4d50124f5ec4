#!/usr/bin/env python3
"""Summarises a BenchmarkDotNet run of bench/Certitude.Benchmarks against the performance targets.

Usage: python3 bench/summarize.py [BenchmarkDotNet.Artifacts/results]
Reads the *-report.csv files BenchmarkDotNet writes and prints, per mode, geometric means over the
online:: chains and the ratio of each engine to Certitude measured in the same run.
"""
import csv
import glob
import math
import os
import sys

UNITS = {"ns": 1e-3, "us": 1.0, "μs": 1.0, "ms": 1e3, "s": 1e6}
BYTES = {"B": 1, "KB": 1024, "MB": 1024 * 1024, "GB": 1024 ** 3}


def micros(text):
    value, unit = text.replace(",", "").split()
    return float(value) * UNITS[unit]


def size(text):
    if text.strip() in ("-", ""):
        return 0.0
    value, unit = text.replace(",", "").split()
    return float(value) * BYTES[unit]


def load(folder, name):
    files = glob.glob(os.path.join(folder, f"*{name}-report.csv"))
    if not files:
        return None
    rows = {}
    with open(files[0], newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = r.get("Chain") or r.get("Case") or ""
            rows.setdefault(r["Method"].strip("'"), {})[key] = (micros(r["Mean"]), size(r["Allocated"]))
    return rows


def geomean(values):
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def ratio(rows, over, under):
    return geomean([rows[over][k][0] / rows[under][k][0] for k in rows[under] if k in rows[over]])


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "BenchmarkDotNet.Artifacts/results"
    checks = []
    for mode in ("Cold", "Warm", "Hot"):
        rows = load(folder, f"Chain{mode}Benchmarks")
        if rows is None:
            continue
        ours = f"Certitude {mode.lower()}"
        print(f"{mode}: geometric means over {len(rows[ours])} chains")
        for method, per in rows.items():
            allocs = [a for _, a in per.values()]
            print(f"  {method:28} {geomean([t for t, _ in per.values()]):10.1f} us   allocated {min(allocs):,.0f}-{max(allocs):,.0f} B")
        x = ratio(rows, f"X509Chain {mode.lower()}", ours)
        b = ratio(rows, f"BouncyCastle {mode.lower()}", ours)
        print(f"  X509Chain / Certitude: {x:.1f}x   BouncyCastle / Certitude: {b:.1f}x")
        target = {"Cold": 3, "Warm": 10, "Hot": 50}[mode]
        checks.append((f"{mode.lower()}: X509Chain / Certitude >= {target}x", x >= target, f"{x:.1f}x"))
        if mode == "Cold":
            r = ratio(rows, ours, "floor + .NET key import")
            checks.append(("cold <= 1.3x (floor + key import)", r <= 1.3, f"{r:.2f}x"))
        if mode == "Warm":
            r = ratio(rows, ours, "leaf signature only")
            checks.append(("warm <= 1.5x the leaf's signature check", r <= 1.5, f"{r:.2f}x"))
            worst = max(a for _, a in rows[ours].values())
            checks.append(("warm allocation <= 4 KB", worst <= 4096, f"{worst:,.0f} B at most"))
    hs = load(folder, "HandshakeBenchmarks")
    if hs:
        default = next(v for k, v in hs.items() if "default" in k)[""][0]
        ours = next(v for k, v in hs.items() if "Certitude" in k)[""][0]
        print(f"Handshake: default {default:.0f} us, Certitude {ours:.0f} us")
        checks.append(("handshake throughput >= default", ours <= default, f"{default / ours:.2f}x the default's throughput"))
    pa = load(folder, "PathologicalBenchmarks")
    if pa:
        worst = max(t for per in pa.values() for t, _ in per.values())
        checks.append(("every pathological case < 50 ms", worst < 50_000, f"slowest {worst / 1000:.1f} ms"))
    print("Targets:")
    for name, ok, value in checks:
        print(f"  [{'met' if ok else 'NOT met'}] {name}: {value}")


if __name__ == "__main__":
    main()
