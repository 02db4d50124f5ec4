#!/usr/bin/env bash
# The peer comparison (bench/results/*-peers.md): the same unique chains verified cold by Certitude, X509Chain, Go's
# crypto/x509, pyca/cryptography's verifier and OpenSSL's X509_verify_cert, PEM parsing included for every one.
#   in-process: each program verifies every chain once to warm up, then reports the median of 5 timed passes (us per chain);
#   whole process: hyperfine times one run of each program over every chain (start-up, JIT or interpreter included).
# Needs: clang or cc with OpenSSL's headers (libssl-dev), golang-go, python3 with cryptography >= 42, hyperfine,
# and the native certitude (dotnet publish src/Certitude.Cli -c Release -r linux-x64 -o DIR; pass DIR as NATIVE).
#   NATIVE=/tmp/certitude-native bash eng/peers/run.sh [WORKDIR] [COUNT]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/peers}
count=${2:-300}
native=${NATIVE:?set NATIVE to the folder of the published native certitude}
mkdir -p "$work"
[ -f "$work/chains.json" ] || python3 eng/peers/make_chains.py --count "$count" --out "$work"
cc -O2 -o "$work/openssl-peer" eng/peers/openssl/verify_chains.c -lcrypto
(cd eng/peers/go && go build -o "$work/go-peer" .)
dotnet build eng/peers/certitude -c Release -o "$work/certitude-peer" -v q -nologo >/dev/null
fd=src/Certitude.Cli/bin/Release/net10.0/certitude.dll
[ -f "$fd" ] || dotnet build src/Certitude.Cli -c Release -v q -nologo >/dev/null
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(openssl version); $(go version); cryptography $(python3 -c 'import cryptography; print(cryptography.__version__)'); .NET $(dotnet --list-runtimes | awk '/NETCore.App/{v=$2} END{print v}')"
echo "== in-process, cold, per chain"
"$work/certitude-peer/certitude-peer" "$work/chains.json" 5
"$work/certitude-peer/certitude-peer" "$work/chains.json" 5 x509chain
"$work/go-peer" -suite "$work/chains.json" -passes 5
python3 eng/peers/pyca/verify_chains.py --suite "$work/chains.json" --passes 5
"$work/openssl-peer" "$work/chains.pem" 5
echo "== whole process over $count chains (hyperfine)"
hyperfine --warmup 1 --runs 10 --export-markdown "$work/whole-process.md" \
    -n "certitude limbo (native)" "$native/certitude limbo < $work/chains.json" \
    -n "certitude limbo (framework-dependent)" "dotnet $fd limbo < $work/chains.json" \
    -n "Certitude peer (JIT)" "$work/certitude-peer/certitude-peer $work/chains.json 0" \
    -n "X509Chain peer (JIT)" "$work/certitude-peer/certitude-peer $work/chains.json 0 x509chain" \
    -n "Go crypto/x509" "$work/go-peer -suite $work/chains.json -passes 0" \
    -n "pyca/cryptography" "python3 eng/peers/pyca/verify_chains.py --suite $work/chains.json --passes 0" \
    -n "OpenSSL X509_verify_cert" "$work/openssl-peer $work/chains.pem 0"
cat "$work/whole-process.md"
