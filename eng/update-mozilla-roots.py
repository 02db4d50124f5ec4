#!/usr/bin/env python3
"""Regenerates src/Certitude/Trust/mozilla_roots.txt from NSS's certdata.txt (Mozilla's root program).

Usage: eng/update-mozilla-roots.py [path/to/certdata.txt]   (default: ../shared/data/mozilla/certdata.txt)

certdata.txt holds each root as a CKO_CERTIFICATE object (DER, label, distrust-after dates) and a
CKO_NSS_TRUST object (per-purpose trust), matched here by issuer and serial number. The output keeps,
per certificate, one line of space-separated fields:

    sha256(cert) sha256(spki) server email server_distrust_after email_distrust_after base64(cert) label

server/email: T (CKT_NSS_TRUSTED_DELEGATOR: a trust anchor), V (CKT_NSS_MUST_VERIFY_TRUST: not an anchor),
N (CKT_NSS_NOT_TRUSTED: explicitly distrusted); dates are yyyyMMddHHmmssZ or '-'. Lines starting with '#'
are comments (the licence notice and the source). The data is licensed under the MPL-2.0.
"""
import base64
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "data", "mozilla", "certdata.txt")
OUT = os.path.join(HERE, "..", "src", "Certitude", "Trust", "mozilla_roots.txt")
TRUST = {"CKT_NSS_TRUSTED_DELEGATOR": "T", "CKT_NSS_MUST_VERIFY_TRUST": "V", "CKT_NSS_NOT_TRUSTED": "N"}


def objects(lines):
    obj, i = None, 0
    while i < len(lines):
        line = lines[i].rstrip("\n")
        i += 1
        if not line or line.startswith("#"):
            continue
        parts = line.split(" ", 2)
        if parts[0] == "CKA_CLASS":
            if obj:
                yield obj
            obj = {}
        if obj is None or len(parts) < 2:
            continue
        if parts[1] == "MULTILINE_OCTAL":
            data = bytearray()
            while lines[i].strip() != "END":
                data += bytes(int(o, 8) for o in re.findall(r"\\([0-7]{3})", lines[i]))
                i += 1
            i += 1
            obj[parts[0]] = bytes(data)
        else:
            obj[parts[0]] = parts[2] if len(parts) > 2 else ""
    if obj:
        yield obj


def der_length(b, pos):
    """(length, offset of contents) of the DER element whose length octets start at pos."""
    first = b[pos]
    if first < 0x80:
        return first, pos + 1
    n = first & 0x7F
    return int.from_bytes(b[pos + 1:pos + 1 + n], "big"), pos + 1 + n


def spki(cert):
    """The subjectPublicKeyInfo element of a DER certificate (walks tbsCertificate's fields)."""
    _, tbs = der_length(cert, 1)            # Certificate SEQUENCE -> contents
    _, pos = der_length(cert, tbs + 1)      # tbsCertificate SEQUENCE -> contents
    if cert[pos] == 0xA0:                   # [0] version
        l, c = der_length(cert, pos + 1)
        pos = c + l
    for _ in range(5):                      # serial, signature, issuer, validity, subject
        l, c = der_length(cert, pos + 1)
        pos = c + l
    l, c = der_length(cert, pos + 1)
    return cert[pos:c + l]


def date(value):
    if not isinstance(value, bytes):
        return "-"  # CK_BBOOL CK_FALSE: no distrust date
    text = value.decode("ascii")   # UTCTime YYMMDDHHMMSSZ
    year = int(text[:2])
    return ("19" if year >= 50 else "20") + text


def main():
    with open(SRC, encoding="utf-8") as f:
        objs = list(objects(f.readlines()))
    trust = {}
    for o in objs:
        if o.get("CKA_CLASS") == "CKO_NSS_TRUST":
            trust[(o["CKA_ISSUER"], o["CKA_SERIAL_NUMBER"])] = o
    out = []
    for o in objs:
        if o.get("CKA_CLASS") != "CKO_CERTIFICATE":
            continue
        cert = o["CKA_VALUE"]
        t = trust.get((o["CKA_ISSUER"], o["CKA_SERIAL_NUMBER"]))
        if t is None:
            sys.exit("no trust object for " + o["CKA_LABEL"])
        server = TRUST[t["CKA_TRUST_SERVER_AUTH"].split()[-1]]
        email = TRUST[t["CKA_TRUST_EMAIL_PROTECTION"].split()[-1]]
        label = o["CKA_LABEL"].strip().strip('"')
        out.append(" ".join([
            hashlib.sha256(cert).hexdigest().upper(),
            hashlib.sha256(spki(cert)).hexdigest().upper(),
            server, email,
            date(o.get("CKA_NSS_SERVER_DISTRUST_AFTER")),
            date(o.get("CKA_NSS_EMAIL_DISTRUST_AFTER")),
            base64.b64encode(cert).decode("ascii"),
            label,
        ]))
    rev = re.search(r"\$Revision[^$]*\$", open(SRC, encoding="utf-8").read())
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Mozilla's root program (NSS certdata.txt), made by eng/update-mozilla-roots.py. Mozilla Public License 2.0:\n")
        f.write("# This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0. If a copy of the MPL\n")
        f.write("# was not distributed with this file, You can obtain one at http://mozilla.org/MPL/2.0/.\n")
        f.write("# Source: nss lib/ckfw/builtins/certdata.txt%s. Fields: sha256 spki-sha256 server email server-distrust-after email-distrust-after cert label\n"
                % (" " + rev.group(0) if rev else ""))
        f.write("\n".join(out) + "\n")
    print("wrote %s (%d certificates)" % (OUT, len(out)))


if __name__ == "__main__":
    main()
