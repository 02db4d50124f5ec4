#!/usr/bin/env bash
# The native certitude on linux-x64, as a user gets it: the platform-specific tool packages packed (the native one
# publishes the CLI as Native AOT), the tool installed from them with `dotnet tool install`, and the installed binary
# checked: a native executable (no certitude.dll beside it), --version, one verify and a refused one, and the limbo
# suite with its expected counts. Run by .ci/run; needs clang and zlib's headers (.ci/run installs them if missing).
#   bash eng/aot/smoke.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d)}
pkgs=$work/packages
tool=$work/tool
mkdir -p "$pkgs"
start=$SECONDS
# The native package (dotnet pack -r linux-x64 runs the AOT publish), the pointer package, and the framework-dependent
# fallback for every other platform.
dotnet pack src/Certitude.Cli -c Release -r linux-x64 -o "$pkgs" -v q -nologo
dotnet pack src/Certitude.Cli -c Release -o "$pkgs" -v q -nologo
dotnet pack src/Certitude.Cli -c Release -r any -p:PublishAot=false -o "$pkgs" -v q -nologo
echo "packed in $((SECONDS - start)) s: $(cd "$pkgs" && ls certitude*.nupkg | tr '\n' ' ')"
# Only these packages: no other feed is asked for a certitude.linux-x64.
cat > "$work/nuget.config" <<XML
<configuration><packageSources><clear /><add key="local" value="$pkgs" /></packageSources></configuration>
XML
dotnet tool install --tool-path "$tool" --configfile "$work/nuget.config" certitude --version 0.1.0 >/dev/null
bin=$(readlink -f "$tool/certitude")
fail() { echo "native certitude: $*"; exit 1; }
# The native package holds the executable and the tool settings only: no certitude.dbg (about 18 MB of native symbols),
# IL PDBs or XML docs, which the tool pack would otherwise take from the publish folder.
extra=$(python3 - "$pkgs"/certitude.linux-x64.*.nupkg <<'PY'
import sys, zipfile
names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("tools/")]
print(" ".join(n for n in names if n.rsplit("/", 1)[1] not in ("certitude", "DotnetToolSettings.xml")))
PY
)
[ -z "$extra" ] || fail "the native package holds more than the executable: $extra"
# The installed command is the native executable itself, not the apphost of a framework-dependent certitude.dll.
[ "$(head -c 4 "$bin" | od -An -c | tr -d ' ')" = "177ELF" ] || fail "$bin is not an ELF executable"
[ ! -e "$(dirname "$bin")/certitude.dll" ] || fail "the installed tool is framework-dependent ($(dirname "$bin")/certitude.dll)"
echo "installed: $bin ($(stat -c %s "$bin") bytes)"
"$bin" --version | tee "$work/version.txt"
grep -q '^signatures: ' "$work/version.txt" || fail "--version"
# One chain of the shared corpus (online::, so a real web chain) verified at its validation time, then refused for another host.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
for t in json.load(open("../shared/corpus/limbo.json"))["testcases"]:
    if t["id"].startswith("online::") and t["expected_result"] == "SUCCESS" and not t["crls"]:
        open(f"{work}/leaf.pem", "w").write(t["peer_certificate"])
        open(f"{work}/inter.pem", "w").write("".join(t["untrusted_intermediates"]))
        open(f"{work}/root.pem", "w").write("".join(t["trusted_certs"]))
        open(f"{work}/args", "w").write(t["validation_time"] + "\n" + t["expected_peer_name"]["value"] + "\n")
        break
PY
{ read -r at; read -r host; } < "$work/args"
"$bin" verify "$work/leaf.pem" --untrusted "$work/inter.pem" --cafile "$work/root.pem" --at "$at" --host "$host" || fail "verify of $host"
set +e
"$bin" verify "$work/leaf.pem" --untrusted "$work/inter.pem" --cafile "$work/root.pem" --at "$at" --host "not-$host" --json > "$work/refused.json"
code=$?
set -e
[ "$code" -eq 1 ] && grep -q '"verified": false' "$work/refused.json" || fail "verify for another host: exit $code"
# The suites through the native binary: limbo fails exactly the cases tests/Certitude.Tests/limbo-exceptions.json lists
# (today 204 of 208 pass), PKITS fails none (214 of 214).
"$bin" limbo < ../shared/corpus/limbo.json > "$work/limbo.json" 2> "$work/limbo.txt"
"$bin" limbo --profile rfc5280 --no-strict --allow-sha1 < ../shared/corpus/pkits.json > "$work/pkits.json" 2> "$work/pkits.txt"
cat "$work/limbo.txt" "$work/pkits.txt"
python3 - "$work" <<'PY' || fail "suite results"
import json, sys
work = sys.argv[1]
def failing(suite, results):
    expected = {t["id"]: t["expected_result"] for t in json.load(open(suite))["testcases"]}
    actual = {r["id"]: r["actual_result"] for r in json.load(open(results))["results"]}
    assert actual.keys() == expected.keys(), f"{results}: not every case has a result"
    return {i for i in expected if actual[i] != expected[i]}
allowed = {e["id"] for e in json.load(open("tests/Certitude.Tests/limbo-exceptions.json"))["exceptions"]}
limbo = failing("../shared/corpus/limbo.json", f"{work}/limbo.json")
pkits = failing("../shared/corpus/pkits.json", f"{work}/pkits.json")
assert limbo == allowed, f"limbo: failing {sorted(limbo)}, listed exceptions {sorted(allowed)}"
assert not pkits, f"PKITS: failing {sorted(pkits)}"
PY
echo "native certitude: ok ($((SECONDS - start)) s)"
