# Checks oauth1core.micro on the MicroPython that runs this file (tests/test_micro_micropython.py).
# It reads cases.json from the current directory (written by the test on CPython): the module
# name to import (micro.py is copied under another name, or as .mpy), the vectors that fit the
# micro API, requests with the header oauth1core.Client sends for them, and what the build has.
# Any failed check raises; the last line printed is "OK" and the counts.
import gc
import hashlib
import json
import os
import sys
import time

with open("cases.json") as handle:
    CASES = json.load(handle)
micro = __import__(CASES["module"])
counts = {}


def check(kind, got, expected, label):
    if got != expected:
        raise AssertionError("%s %s: got %r, expected %r" % (kind, label, got, expected))
    counts[kind] = counts.get(kind, 0) + 1


print("micropython", sys.implementation.version, getattr(sys.implementation, "_build", ""),
      getattr(sys.implementation, "_machine", ""), "mpy", getattr(sys.implementation, "_mpy", ""))
print("module", micro.__name__, getattr(micro, "__file__", ""))

# What this build has: the fallbacks are exercised where it lacks something.
check("build", hasattr(hashlib, "sha1"), CASES["has_sha1"], "hashlib.sha1")
check("build", hasattr(os, "urandom"), CASES["has_urandom"], "os.urandom")

# The steps, on the vectors (RFC 5849 section 1.2's signatures among them).
STEPS = {
    "percent_encode": lambda i: micro.percent_encode(i["value"]),
    "base_string_uri": lambda i: micro.base_string_uri(i["uri"]),
    "normalize_parameters": lambda i: micro.normalize_parameters([tuple(p) for p in i["params"]]),
    "signature_base_string": lambda i: micro.signature_base_string(i["method"], i["uri"], [tuple(p) for p in i["params"]]),
    "signature": lambda i: micro.sign_base_string(i["base_string"], i["client_secret"], i["token_secret"], i["signature_method"]),
}
for case in CASES["steps"]:
    check(case["kind"], STEPS[case["kind"]](case["input"]), case["expect"], case["id"])
    if case["id"] in ("signature-1.2-initiate", "signature-1.2-token", "signature-1.2-photos"):
        counts["rfc5849-1.2"] = counts.get("rfc5849-1.2", 0) + 1
check("rfc5849-1.2-all", counts.get("rfc5849-1.2"), 3, "section 1.2 signatures")

# micro.sign gives the header oauth1core.Client gives on CPython (vectors and more).
for request in CASES["requests"]:
    kwargs = request["kwargs"]
    form = kwargs.get("form")
    if isinstance(form, list):
        kwargs["form"] = [tuple(p) for p in form]
    got = micro.sign(*request["args"], **kwargs)
    check("sign-" + kwargs.get("signature_method", "HMAC-SHA1"), got, request["header"], request["id"])
    if request.get("signature"):
        check("vector-signature", ('oauth_signature="%s"' % micro.percent_encode(request["signature"])) in got, True, request["id"])

# The pure-Python SHA-1 (the fallback), on lengths around the padding boundaries.
import binascii  # noqa: E402

for size, digest in CASES["sha1"]:
    data = bytes([i % 251 for i in range(size)])
    check("sha1", binascii.hexlify(micro._sha1(data)).decode(), digest, size)

# Nonces: 24 letters and digits, all different.
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
nonces = [micro.generate_nonce() for _ in range(200)]
check("nonce", len(set(nonces)), 200, "unique")
for nonce in nonces:
    check("nonce", len(nonce), 24, nonce)
    check("nonce", all(ch in ALNUM for ch in nonce), True, nonce)
header = micro.sign("GET", "https://api.example.com/x", "ck", "cs")
check("nonce", 'oauth_nonce="' in header, True, "in the header")

# Timestamps: this build's epoch, the 2000-01-01 epoch of other ports, the host's clock.
check("epoch", time.gmtime(0)[0], CASES["epoch_year"], "gmtime(0)")
check("epoch", micro._epoch_offset(time.gmtime), 0 if CASES["epoch_year"] == 1970 else 946684800, "this build")
check("epoch", micro._epoch_offset(lambda seconds: (2000, 1, 1, 0, 0, 0, 5, 1)), 946684800, "2000 epoch")
check("epoch", micro._epoch_offset(lambda seconds: (1970, 1, 1, 0, 0, 0, 3, 1)), 0, "1970 epoch")
check("timestamp", abs(int(micro.generate_timestamp()) - CASES["now"]) < 600, True, "near the host's clock")


class Clock2000:
    """The time module of a port whose epoch is 2000-01-01."""

    now = CASES["now"] - 946684800

    @staticmethod
    def time():
        return Clock2000.now

    @staticmethod
    def gmtime(seconds):
        return (2000, 1, 1, 0, 0, 0, 5, 1)


saved_time = micro.time
micro.time = Clock2000
try:
    check("timestamp", micro.generate_timestamp(), str(CASES["now"]), "2000 epoch, clock set")
    Clock2000.now = 600  # ten minutes after boot, before ntptime.settime()
    try:
        micro.sign("GET", "https://api.example.com/x", "ck", "cs")
        refused = False
    except ValueError:
        refused = True
    check("timestamp", refused, True, "clock not set")
finally:
    micro.time = saved_time
check("timestamp", int(micro.generate_timestamp(offset=-3600)) < int(micro.generate_timestamp()), True, "offset")

gc.collect()
print("OK", " ".join("%s=%d" % (k, counts[k]) for k in sorted(counts)))
