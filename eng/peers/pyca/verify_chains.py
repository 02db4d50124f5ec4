#!/usr/bin/env python3
"""pyca/cryptography's verifier (cryptography.x509.verification, Rust; needs cryptography >= 42) on the peer
chains (eng/peers/make_chains.py): per chain, cold: the PEM of the leaf, the intermediate and the root parsed,
a fresh Store and server verifier for the host name at the validation time, one verify.

    python3 eng/peers/pyca/verify_chains.py --suite /tmp/peers/chains.json --passes 5   # in-process, us per chain
    python3 eng/peers/pyca/verify_chains.py --suite /tmp/peers/chains.json --passes 0   # whole process: one pass
"""
import argparse
import datetime
import json
import statistics
import sys
import time

import cryptography
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", required=True)
    ap.add_argument("--passes", type=int, default=5)
    a = ap.parse_args()
    with open(a.suite) as f:
        cases = json.load(f)["testcases"]
    chains = []
    for t in cases:
        at = datetime.datetime.fromisoformat(t["validation_time"].replace("Z", "+00:00"))
        chains.append((t["peer_certificate"].encode(), "".join(t["untrusted_intermediates"]).encode(),
                       "".join(t["trusted_certs"]).encode(), t["expected_peer_name"]["value"], at))

    def verify(leaf_pem, inter_pem, root_pem, host, at):
        store = Store(x509.load_pem_x509_certificates(root_pem))
        verifier = PolicyBuilder().store(store).time(at).build_server_verifier(x509.DNSName(host))
        try:
            verifier.verify(x509.load_pem_x509_certificate(leaf_pem), x509.load_pem_x509_certificates(inter_pem))
            return True
        except x509.verification.VerificationError:
            return False

    def one_pass():
        return sum(1 for c in chains if verify(*c))

    if a.passes == 0:
        print(f"pyca: {one_pass()} of {len(chains)} verified")
        return
    ok = one_pass()
    if ok != len(chains):
        print(f"pyca: only {ok} of {len(chains)} verified", file=sys.stderr)
        sys.exit(1)
    per = []
    for _ in range(a.passes):
        start = time.perf_counter()
        one_pass()
        per.append((time.perf_counter() - start) * 1e6 / len(chains))
    print(f"pyca cryptography {cryptography.__version__}: {len(chains)} chains, cold, median of {a.passes} passes: "
          f"{statistics.median(per):.1f} us per chain (min {min(per):.1f}, max {max(per):.1f})")


if __name__ == "__main__":
    main()
