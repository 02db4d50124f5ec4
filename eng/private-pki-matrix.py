#!/usr/bin/env python3
"""The README's private-PKI table: each chain of the private-PKI matrix (written by the test suite with
CERTITUDE_MATRIX_DUMP=DIR dotnet test ... --filter VerdictAgreesWithOpensslStrict) judged by

  - Python's ssl with Python 3.13's default context (create_default_context() plus VERIFY_X509_STRICT and
    VERIFY_X509_PARTIAL_CHAIN), in a real in-memory TLS handshake (MemoryBIO) against a server context holding
    the chain; for the mTLS client case, a server context that requires a client certificate;
  - openssl verify -x509_strict (-purpose sslserver or sslclient, -verify_hostname / -verify_ip).

  - Certitude's command line, when CERTITUDE names the built certitude.dll: `certitude verify` with its defaults and
    with --issuance-rules (the CA/B and RFC 5280 section 4 duties of a CA as errors instead of warnings).

Usage: [CERTITUDE=src/Certitude.Cli/bin/Release/net10.0/certitude.dll] python3.13 eng/private-pki-matrix.py DIR
(prints a Markdown table; run it with Python 3.13 for the Python 3.13 column)
"""
import json
import ipaddress
import os
import ssl
import subprocess
import sys


def python_default(case):
    root, leaf, chain, key = (os.path.join(case, f) for f in ("root.pem", "leaf.pem", "chain.pem", "leaf.key"))
    host = open(os.path.join(case, "host")).read().strip()
    full = os.path.join(case, "fullchain.pem")
    with open(full, "w") as f:
        f.write(open(leaf).read() + "\n" + open(chain).read())
    strict = ssl.VERIFY_X509_STRICT | ssl.VERIFY_X509_PARTIAL_CHAIN   # Python 3.13's additions
    if host:
        client = ssl.create_default_context(cafile=root)
        client.verify_flags |= strict
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(full, key)
        sni = None if is_ip(host) else host
    else:
        # mTLS: the server verifies the client's certificate with the default context for client auth.
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=root)
        server.verify_flags |= strict
        server.verify_mode = ssl.CERT_REQUIRED
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
        client.load_cert_chain(full, key)
        # The server needs a certificate of its own: the client case reuses the leaf (not verified by the client).
        server.load_cert_chain(full, key)
        host, sni = "client.invalid", None
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    cs = client.wrap_bio(c_in, c_out, server_hostname=host if client.check_hostname else sni)
    ss = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"c": False, "s": False}
    for _ in range(20):
        for name, sock, out, peer_in in (("c", cs, c_out, s_in), ("s", ss, s_out, c_in)):
            if not done[name]:
                try:
                    sock.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLError as e:
                    return "reject (" + (e.verify_message if getattr(e, "verify_message", None) else e.reason or str(e)) + ")"
            data = out.read()
            if data:
                peer_in.write(data)
        if done["c"] and done["s"]:
            # TLS 1.3: the server reads the client's certificate in the client's last flight.
            try:
                ss.read(1)
            except ssl.SSLWantReadError:
                return "accept"
            except ssl.SSLError as e:
                return "reject (" + (getattr(e, "verify_message", None) or e.reason or str(e)) + ")"
            return "accept"
    return "no handshake"


def is_ip(h):
    try:
        ipaddress.ip_address(h)
        return True
    except ValueError:
        return False


def openssl_strict(case):
    host = open(os.path.join(case, "host")).read().strip()
    args = ["openssl", "verify", "-x509_strict", "-CAfile", "root.pem", "-purpose", "sslserver" if host else "sslclient"]
    if os.path.getsize(os.path.join(case, "chain.pem")) > 0:
        args += ["-untrusted", "chain.pem"]
    if host:
        args += ["-verify_ip" if is_ip(host) else "-verify_hostname", host]
    p = subprocess.run(args + ["leaf.pem"], cwd=case, capture_output=True, text=True)
    if p.returncode == 0:
        return "accept"
    err = [l for l in (p.stdout + p.stderr).splitlines() if l.startswith("error ") and " at " in l]
    return "reject (" + (err[0].split(":", 1)[1].strip() if err else "error") + ")"


def certitude(case, *extra):
    host = open(os.path.join(case, "host")).read().strip()
    args = ["dotnet", os.environ["CERTITUDE"], "verify", "leaf.pem", "--cafile", "root.pem", "--json"]
    if os.path.getsize(os.path.join(case, "chain.pem")) > 0:
        args += ["--untrusted", "chain.pem"]
    if host:
        args += ["--ip" if is_ip(host) else "--host", host]
    else:
        args += ["--purpose", "client"]
    p = subprocess.run(args + list(extra), cwd=case, capture_output=True, text=True)
    try:
        r = json.loads(p.stdout)
    except ValueError:
        return "error (" + (p.stderr.strip().splitlines() or ["?"])[-1] + ")"
    if r.get("verified"):
        warnings = r.get("warnings") or []
        return "accept" + (" (warning: " + ", ".join(sorted({w["rule_id"] for w in warnings})) + ")" if warnings else "")
    return "reject (%s: %s)" % (r.get("code"), r.get("code_text") or "")


def main():
    base = sys.argv[1]
    with_certitude = "CERTITUDE" in os.environ
    if with_certitude:
        print("| chain | Certitude (default) | Python %d.%d default | `openssl verify -x509_strict` | Certitude `--issuance-rules` |" % sys.version_info[:2])
        print("| --- | --- | --- | --- | --- |")
    else:
        print("| chain | Python %d.%d default | `openssl verify -x509_strict` |" % sys.version_info[:2])
        print("| --- | --- | --- |")
    for name in sorted(os.listdir(base)):
        case = os.path.join(base, name)
        if with_certitude:
            print("| %s | %s | %s | %s | %s |" % (name.replace("-", " "), certitude(case), python_default(case), openssl_strict(case),
                                                certitude(case, "--issuance-rules")))
        else:
            print("| %s | %s | %s |" % (name.replace("-", " "), python_default(case), openssl_strict(case)))


if __name__ == "__main__":
    main()
