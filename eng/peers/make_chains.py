#!/usr/bin/env python3
"""Unique web-PKI-shaped chains for the peer benchmarks: root -> intermediate -> leaf, each chain with its own
root and keys (so no verifier can reuse work across chains), half RSA-2048 and half P-256 (alternating), the leaf
naming host<i>.peers.test with serverAuth. Writes a limbo-format suite (read by `certitude limbo`, the Certitude
and X509Chain peer, and the Go and pyca peers) and the same chains as one PEM file, three certificates per chain
in the order leaf, intermediate, root (read by the OpenSSL peer).

    python3 eng/peers/make_chains.py --count 300 --out /tmp/peers
"""
import argparse
import datetime
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime(2026, 6, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def key(kind):
    return rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Peers Test"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, subject_key, issuer, issuer_key, ca, path_len=None, host=None):
    pub = subject_key.public_key()
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(NOW - datetime.timedelta(days=30)).not_valid_after(NOW + datetime.timedelta(days=300))
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False))
    if ca:
        b = (b.add_extension(x509.BasicConstraints(ca=True, path_length=path_len), critical=True)
             .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                          encipher_only=False, decipher_only=False), critical=True))
    else:
        b = (b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                                          encipher_only=False, decipher_only=False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False))
    return b.sign(issuer_key, hashes.SHA256())


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cases, bundle = [], []
    for i in range(a.count):
        kind = "rsa" if i % 2 == 0 else "p256"
        rk, ik, lk = key(kind), key(kind), key(kind)
        rn, inn = name(f"Peers Root {i}"), name(f"Peers Intermediate {i}")
        host = f"host{i}.peers.test"
        root = cert(rn, rk, rn, rk, ca=True)
        inter = cert(inn, ik, rn, rk, ca=True, path_len=0)
        leaf = cert(name(host), lk, inn, ik, ca=False, host=host)
        cases.append({
            "id": f"peers::{kind}-{i}", "features": [], "importance": "high", "description": f"{kind} chain {i}",
            "validation_kind": "SERVER", "trusted_certs": [pem(root)], "untrusted_intermediates": [pem(inter)],
            "peer_certificate": pem(leaf), "peer_certificate_key": None, "validation_time": NOW.isoformat().replace("+00:00", "Z"),
            "signature_algorithms": [], "key_usage": [], "extended_key_usage": ["serverAuth"],
            "expected_result": "SUCCESS", "expected_peer_name": {"kind": "DNS", "value": host}, "expected_peer_names": [],
            "max_chain_depth": None, "crls": [],
        })
        bundle.append(pem(leaf) + pem(inter) + pem(root))
    with open(os.path.join(a.out, "chains.json"), "w") as f:
        json.dump({"version": 1, "testcases": cases}, f)
    with open(os.path.join(a.out, "chains.pem"), "w") as f:
        f.write("".join(bundle))
    print(f"{a.count} chains in {a.out}/chains.json and {a.out}/chains.pem")


if __name__ == "__main__":
    main()
