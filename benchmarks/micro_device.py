"""Heap and time of oauth1core.micro, measured on the MicroPython that runs this file.

Runs on a board too (``mpremote cp oauth1core/micro.py :micro.py`` then ``mpremote run
benchmarks/micro_device.py``). ``benchmarks/micro.py`` runs it under the WebAssembly and unix
MicroPython builds; tests/test_micro_micropython.py checks its heap figures against the targets.
Prints one ``name value`` line per figure. With ``STUB_SHA1 = True`` (set by
benchmarks/micro.py on a build without ``hashlib.sha1``) the C SHA-256 stands in for SHA-1 in
the HMAC-SHA1 run, so that run allocates as a port with a C SHA-1 would (its signature differs).
"""

import gc
import sys
import time

try:
    STUB_SHA1  # noqa: F821 (set by the runner before this file)
except NameError:
    STUB_SHA1 = False
try:
    HEAP_ONLY  # noqa: F821 (set by tests/test_micro_micropython.py: no timing)
except NameError:
    HEAP_ONLY = False

gc.collect()
_before = gc.mem_alloc()
import micro  # noqa: E402

gc.collect()
print("import_kept", gc.mem_alloc() - _before)

import hashlib  # noqa: E402

print("micropython", sys.implementation.version, getattr(sys.implementation, "_build", ""), getattr(sys.implementation, "_machine", ""))
print("hashlib_sha1", hasattr(hashlib, "sha1"))
if STUB_SHA1 and not hasattr(hashlib, "sha1"):

    class _Hashlib:  # a built-in module takes no new attribute: micro gets this one instead
        sha1 = hashlib.sha256
        sha256 = hashlib.sha256

    micro.hashlib = _Hashlib
    print("sha1_stubbed_by_sha256 True")

ARGS = ("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", "dpf43f3p2l4k3l03", "kd94hf93k423kf44", "nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")


def one(method):
    return micro.sign(*ARGS, signature_method=method, realm="Photos", nonce="chapoH", timestamp=137131202)


def allocated(method):
    """Bytes the heap grew by during one signature, the collector paused (nothing is freed but
    what MicroPython frees explicitly, such as a buffer moved when it grows)."""
    one(method)
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        one(method)
        return gc.mem_alloc() - before
    finally:
        gc.enable()


def microseconds(method, count=20, rounds=5):
    """The fastest of ``rounds`` rounds of ``count`` signatures, per signature (the machine
    may be busy: the minimum is the least disturbed)."""
    best = None
    for _ in range(rounds):
        start = time.ticks_us()
        for _ in range(count):
            one(method)
        elapsed = time.ticks_diff(time.ticks_us(), start) // count
        best = elapsed if best is None else min(best, elapsed)
    return best


for method in ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"):
    print("alloc_" + method, allocated(method))
    if not HEAP_ONLY:
        print("us_" + method, microseconds(method))
gc.collect()
_before = gc.mem_alloc()
micro.generate_nonce()
print("alloc_nonce_upper_bound", gc.mem_alloc() - _before)
