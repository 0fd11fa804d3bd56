#!/usr/bin/env python3
"""Writes, for one backend, the vector cases its algorithms cover, and the cases it must refuse
by name: what `check-vectors.py --backend NAME` then runs (CI, for graviola: RSA2 with 2048 to
4096-bit keys only).

usage: vectors-for-backend.py --bin PATH --backend NAME --out DIR FILE.json [FILE.json ...]

What the backend covers is read from the built CLI's own `decrypt --help` (the line phone-crypto
writes from the backend's `parts!` list: "NAME: verifies RSA2 (RSA keys of 2048 bits and up);
decrypts ..."), never restated here. A case beyond it keeps its envelope and keys; its
expectation becomes the refusal the SDK gives for it: `key_error` for a key smaller than the
backend takes (refused when the keys are prepared), else `unsupported_sign_type` for a sign type
it does not verify. The outputs are generated files in DIR, never copies kept in the repo.
Prints how many cases each file kept and turned into refusals."""
import argparse
import base64
import json
import pathlib
import re
import subprocess
import sys


def capability(binary, backend):
    out = subprocess.run([binary, "decrypt", "--help"], capture_output=True, text=True, check=True).stdout
    m = re.search(rf"^\s*{re.escape(backend)}: verifies ([^;]*);", out, re.M)
    if not m:
        sys.exit(f"vectors-for-backend: no line for {backend} in `decrypt --help`")
    text = m.group(1)
    bits = re.search(r"RSA keys of (\d+) bits and up", text)
    types = {t.strip() for t in re.sub(r"\(.*?\)", "", text).split(",") if t.strip()}
    return types, int(bits.group(1)) if bits else 1024


def der_len(b, i):
    n = b[i]
    if n < 0x80:
        return n, i + 1
    k = n & 0x7F
    return int.from_bytes(b[i + 1 : i + 1 + k], "big"), i + 1 + k


def rsa_bits(text):
    """The modulus size of an RSA key in the console's base64 SPKI (PKCS#1 too), else None."""
    try:
        der = base64.b64decode("".join(l for l in text.splitlines() if "-----" not in l), validate=False)
        i = 0
        assert der[i] == 0x30
        _, i = der_len(der, i + 1)
        if der[i] == 0x30:  # SPKI: AlgorithmIdentifier, then the BIT STRING holding PKCS#1
            n, j = der_len(der, i + 1)
            i = j + n
            assert der[i] == 0x03
            _, i = der_len(der, i + 1)
            i += 1  # unused-bits byte
            assert der[i] == 0x30
            _, i = der_len(der, i + 1)
        assert der[i] == 0x02
        n, i = der_len(der, i + 1)
        modulus = der[i : i + n].lstrip(b"\0")
        return len(modulus) * 8 - (8 - modulus[0].bit_length())
    except Exception:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--backend", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    types, min_bits = capability(a.bin, a.backend)
    out_dir = pathlib.Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in map(pathlib.Path, a.files):
        doc = json.loads(path.read_text(encoding="utf-8"))
        key = "cases" if "cases" in doc else "envelopes"
        kept = refused = 0
        for case in doc[key]:
            declared = (case.get("sign_type") or "").upper()
            bits = rsa_bits(case.get("alipay_public_key", ""))
            if bits is not None and bits < min_bits:
                case["expected"], refused = {"error": "key_error"}, refused + 1
            elif declared in ("RSA", "RSA2", "SM2") and declared not in types:
                case["expected"], refused = {"error": "unsupported_sign_type"}, refused + 1
            else:
                kept += 1
                continue
            case.pop("also_acceptable", None)
        if "count" in doc:
            doc["count"] = len(doc[key])
        (out_dir / path.name).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{path.name}: {kept} cases as they are, {refused} refusals for {a.backend}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
