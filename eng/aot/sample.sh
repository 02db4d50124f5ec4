#!/usr/bin/env bash
# The Native AOT sample (samples/AotClient): a console client that reads its Certitude context from configuration
# (AddCertitude(name, section): explicit reads, no reflection binder) and makes an HTTPS request through
# IHttpClientFactory, published with PublishAot=true and run against a loopback TLS server (inside the sample) whose
# certificate chains to a private root made here with openssl. Checks:
#   - the publish log has no trim/AOT warning (IL2xxx/IL3xxx, e.g. IL2026, IL3050) naming a Certitude assembly;
#   - the published sample is a native executable (no managed AotClient.dll beside it);
#   - with CaFile = the private root, the request succeeds (the system store does not hold that root, so CaFile was read);
#   - with CaFile = another private root, Certitude refuses the server, with its code and reason;
#   - with CaFile naming a missing file, the host's ValidateOnStart refuses the configuration, naming its path.
# Run by .ci/run on linux-x64; needs clang and zlib's headers (.ci/run installs them if missing).
#   bash eng/aot/sample.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d)}
mkdir -p "$work/pki"
start=$SECONDS
fail() { echo "AOT sample: $*"; exit 1; }

# Detailed warnings for every assembly (not one IL2104 per assembly), so a Certitude one names its member.
# (Under CI=true warnings are errors, so a Certitude warning also fails the publish; the log is read either way.)
set +e
dotnet publish samples/AotClient -c Release -r linux-x64 -p:TrimmerSingleWarn=false -o "$work/bin" -nologo > "$work/publish.log" 2>&1
published=$?
set -e
echo "published in $((SECONDS - start)) s (exit $published)"
if grep -E 'IL[23][0-9]{3}' "$work/publish.log" | grep -i 'certitude' | sort -u > "$work/certitude-warnings.txt" && [ -s "$work/certitude-warnings.txt" ]; then
    cat "$work/certitude-warnings.txt"
    fail "trim/AOT warnings from Certitude assemblies in the publish log"
fi
[ "$published" -eq 0 ] || { tail -40 "$work/publish.log"; fail "publish failed"; }
echo "publish log: $(grep -cE 'IL[23][0-9]{3}' "$work/publish.log" || true) trim/AOT warning lines, none from Certitude"
bin=$work/bin/AotClient
[ "$(head -c 4 "$bin" | od -An -c | tr -d ' ')" = "177ELF" ] || fail "$bin is not an ELF executable"
[ ! -e "$work/bin/AotClient.dll" ] || fail "the published sample is not native (AotClient.dll beside it)"

# A private root A with a server certificate for 127.0.0.1, and an unrelated private root B (EC P-256, valid two days).
cd "$work/pki"
cat > ca.ext <<'EXT'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EXT
cat > leaf.ext <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
for ca in a b; do
    openssl ecparam -name prime256v1 -genkey -noout -out "root-$ca.key" 2>/dev/null
    openssl req -new -key "root-$ca.key" -subj "/CN=AOT sample root ${ca^^}" -out "root-$ca.csr"
    openssl x509 -req -in "root-$ca.csr" -signkey "root-$ca.key" -days 2 -extfile ca.ext -out "root-$ca.pem" 2>/dev/null
done
openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
openssl x509 -req -in server.csr -CA root-a.pem -CAkey root-a.key -set_serial 0x5a17 -days 2 -extfile leaf.ext -out server.pem 2>/dev/null
cd - >/dev/null

run() { # expected exit, then the sample's arguments after the server's certificate and key
    local want=$1; shift
    set +e
    (cd "$work" && "$bin" "$work/pki/server.pem" "$work/pki/server.key" "$@") > "$work/run.txt" 2>&1
    local got=$?
    set -e
    cat "$work/run.txt"
    [ "$got" -eq "$want" ] || fail "exit $got, expected $want, for $*"
}
echo "-- CaFile = the server's private root: verified"
run 0 "--Certitude:Partner:CaFile=$work/pki/root-a.pem"
grep -q '^verified: ' "$work/run.txt" || fail "no verified request"
echo "-- CaFile = another private root: refused by Certitude"
run 2 "--Certitude:Partner:CaFile=$work/pki/root-b.pem"
grep -q '^refused by Certitude: UnableToGetIssuerCertLocally (20)' "$work/run.txt" || fail "no Certitude refusal with code 20"
echo "-- CaFile = a missing file: refused at startup (ValidateOnStart)"
run 1 "--Certitude:Partner:CaFile=$work/pki/missing.pem"
grep -q '^configuration refused at startup: .*Certitude:Partner' "$work/run.txt" || fail "no startup refusal naming the configuration path"
echo "AOT sample: ok ($((SECONDS - start)) s)"
