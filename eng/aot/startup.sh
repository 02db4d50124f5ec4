#!/usr/bin/env bash
# Wall time of one `certitude` call from a shell, native (AOT) and framework-dependent, beside `openssl verify` on the
# same files: hyperfine, 20 runs each after 3 warm-ups, no intermediate shell (-N); prints the median of each.
#   bash eng/aot/startup.sh NATIVE_CERTITUDE FRAMEWORK_DEPENDENT_CERTITUDE DIR_WITH_leaf.pem_inter.pem_root.pem
set -euo pipefail
native=$1 fd=$2 dir=$3
cd "$dir"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(openssl version)"
hyperfine -N --warmup 3 --runs 20 --export-json startup.json \
    -n "certitude --version (native)" "$native --version" \
    -n "certitude --version (framework-dependent)" "$fd --version" \
    -n "openssl version" "openssl version" \
    -n "certitude verify (native)" "$native verify leaf.pem --untrusted inter.pem --cafile root.pem" \
    -n "certitude verify (framework-dependent)" "$fd verify leaf.pem --untrusted inter.pem --cafile root.pem" \
    -n "openssl verify" "openssl verify -untrusted inter.pem -CAfile root.pem leaf.pem" >/dev/null
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - <<'PY'
import json, statistics
rows = json.load(open("startup.json"))["results"]
med = {r["command"]: statistics.median(r["times"]) * 1000 for r in rows}
print("| command | median wall (ms) | min | max | mean user+sys CPU (ms) |")
print("| --- | ---: | ---: | ---: | ---: |")
for r in rows:
    print(f"| {r['command']} | {med[r['command']]:.1f} | {min(r['times'])*1000:.1f} | {max(r['times'])*1000:.1f} | {(r['user']+r['system'])*1000:.1f} |")
print(f"native verify / openssl verify: {med['certitude verify (native)'] / med['openssl verify']:.2f}x; "
      f"framework-dependent verify / openssl verify: {med['certitude verify (framework-dependent)'] / med['openssl verify']:.2f}x; "
      f"framework-dependent / native verify: {med['certitude verify (framework-dependent)'] / med['certitude verify (native)']:.1f}x")
PY
