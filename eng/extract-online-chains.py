#!/usr/bin/env python3
"""Writes src/Certitude.Cli/online-chains.json: the limbo online:: cases (real web-PKI chains) from
../shared/corpus/limbo.json, in limbo format, for `certitude speed`'s built-in default suite."""
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "corpus", "limbo.json")
suite = json.load(open(src))
cases = [t for t in suite["testcases"] if t["id"].startswith("online::")]
out = os.path.join(here, "..", "src", "Certitude.Cli", "online-chains.json")
json.dump({"version": 1, "source": "x509-limbo online:: testcases (Apache-2.0), extracted by eng/extract-online-chains.py", "testcases": cases}, open(out, "w"), indent=1)
print(f"wrote {out}: {len(cases)} chains")
