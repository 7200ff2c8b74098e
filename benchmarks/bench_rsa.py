"""Micro benchmark of RSA-SHA1/256/512 signing and verification (RFC 5849 section 3.4.3).

Standard library only: it generates its own keys (a seeded, benchmark-only generator, never for
real use) and times oauth1core against the floor of the arithmetic it cannot avoid:

* sign floor: the two half-size exponentiations of the CRT, ``pow(m, dP, p)`` and ``pow(m, dQ, q)``;
* verify floor: ``pow(s, e, n)``.

When the ``rsa`` or ``cryptography`` packages are installed, they are timed on the same key and
message too. Every figure is the median time of one call over ``--repeat`` samples.

    python benchmarks/bench_rsa.py                 # 2048 bits, RSA-SHA1
    python benchmarks/bench_rsa.py --bits 1024 2048 4096 --method RSA-SHA256
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import timeit
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from oauth1core.methods.rsa import RsaPrivateKey, rsa_method  # noqa: E402

BASE_STRING = (
    "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacaction.jpg%26oauth_consumer_key%3D"
    "dpf43f3p2l4k3l03%26oauth_nonce%3D13917289812797014437%26oauth_signature_method%3DRSA-SHA1%26"
    "oauth_timestamp%3D1196666512%26oauth_version%3D1.0%26size%3Doriginal"
)
SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]


def _probable_prime(n: int, rng: random.Random) -> bool:
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(40):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, e: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (candidate - 1) % e and _probable_prime(candidate, rng):
            return candidate


def make_key(bits: int, seed: int = 5849, e: int = 65537) -> RsaPrivateKey:
    """A deterministic benchmark key of exactly ``bits`` bits (NOT for real use: seeded)."""
    rng = random.Random(seed + bits)
    while True:
        p, q = _prime(bits // 2, e, rng), _prime(bits - bits // 2, e, rng)
        if p != q and (p * q).bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    lam = (p - 1) * (q - 1) // _gcd(p - 1, q - 1)
    d = pow(e, -1, lam)
    return RsaPrivateKey(n=p * q, e=e, d=d, p=p, q=q, dp=d % (p - 1), dq=d % (q - 1), qinv=pow(q, -1, p))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def median_seconds(func: Callable[[], Any], repeat: int, target: float = 0.05) -> float:
    """Median time of one call: ``repeat`` samples, each of enough calls to last ``target`` s."""
    timer = timeit.Timer(func)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target / 4 or number >= 1 << 20:
            break
        number *= 2
    number = max(1, int(number * target / max(elapsed, 1e-9)))
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def _peers(key: RsaPrivateKey, method: str) -> Dict[str, Tuple[Callable[[], Any], Callable[[bytes], Any]]]:
    """Sign and verify callables of the installed peer libraries, on the same key."""
    peers: Dict[str, Tuple[Callable[[], Any], Callable[[bytes], Any]]] = {}
    message = BASE_STRING.encode()
    n, e = key.public_key.n, key.public_key.e
    d, p, q = key._d, key._p, key._q
    try:
        import rsa as rsa_package  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        pass
    else:
        hash_name = {"RSA-SHA1": "SHA-1", "RSA-SHA256": "SHA-256", "RSA-SHA512": "SHA-512"}[method]
        rsa_private = rsa_package.PrivateKey(n, e, d, p, q)
        rsa_public = rsa_package.PublicKey(n, e)
        peers["rsa " + getattr(rsa_package, "__version__", "?")] = (
            lambda: rsa_package.pkcs1.sign(message, rsa_private, hash_name),
            lambda sig: rsa_package.pkcs1.verify(message, sig, rsa_public),
        )
    try:
        import cryptography
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
    except ImportError:
        pass
    else:
        numbers = crypto_rsa.RSAPrivateNumbers(
            p, q, d, key._dp, key._dq, key._qinv, crypto_rsa.RSAPublicNumbers(e, n)
        )
        private = numbers.private_key()
        public = private.public_key()
        algorithms: Dict[str, Any] = {"RSA-SHA1": hashes.SHA1, "RSA-SHA256": hashes.SHA256, "RSA-SHA512": hashes.SHA512}
        algorithm = algorithms[method]()
        pkcs1 = padding.PKCS1v15()
        peers["cryptography " + cryptography.__version__] = (
            lambda: private.sign(message, pkcs1, algorithm),
            lambda sig: public.verify(sig, message, pkcs1, algorithm),
        )
    return peers


def run(bits: int, method: str, repeat: int) -> List[Tuple[str, str, float, float]]:
    """Rows of ``(operation, implementation, seconds, ratio to the floor)``."""
    key = make_key(bits)
    ours = rsa_method(method, private_key=key)
    signature = ours.sign(BASE_STRING, "", "")
    assert ours.verify(BASE_STRING, signature, "", "")
    raw = base64.b64decode(signature)
    n, e, p, q, dp, dq = key.public_key.n, key.public_key.e, key._p, key._q, key._dp, key._dq
    m = int.from_bytes(ours._em_prefix + ours._hash(BASE_STRING.encode()).digest(), "big")
    s = int.from_bytes(raw, "big")

    sign_floor = median_seconds(lambda: (pow(m, dp, p), pow(m, dq, q)), repeat)
    verify_floor = median_seconds(lambda: pow(s, e, n), repeat)
    rows = [
        ("sign", "floor: 2 CRT pow()", sign_floor, 1.0),
        ("sign", "oauth1core", median_seconds(lambda: ours.sign(BASE_STRING, "", ""), repeat), 0.0),
        ("verify", "floor: pow(s, e, n)", verify_floor, 1.0),
        ("verify", "oauth1core", median_seconds(lambda: ours.verify(BASE_STRING, signature, "", ""), repeat), 0.0),
    ]
    for name, (sign, verify) in _peers(key, method).items():
        assert sign() == raw, f"{name} disagrees"
        verify(raw)
        rows.append(("sign", name, median_seconds(sign, repeat), 0.0))
        rows.append(("verify", name, median_seconds(lambda: verify(raw), repeat), 0.0))
    floors = {"sign": sign_floor, "verify": verify_floor}
    rows = [(op, impl, t, t / floors[op]) for op, impl, t, _ in rows]
    rows.sort(key=lambda row: (row[0] != "sign", row[1] != "oauth1core" and not row[1].startswith("floor"), row[1]))
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--bits", type=int, nargs="+", default=[2048])
    parser.add_argument("--method", default="RSA-SHA1", choices=["RSA-SHA1", "RSA-SHA256", "RSA-SHA512"])
    parser.add_argument("--repeat", type=int, default=15, help="samples per figure (default 15)")
    args = parser.parse_args(argv)
    impl = f"{sys.implementation.name} {sys.version.split()[0]}"
    print(f"{args.method}, {impl}; median of {args.repeat} samples; ratio = time / floor")
    print(f"{'bits':>5}  {'op':<6}  {'implementation':<24} {'median':>11}  {'ratio':>6}")
    for bits in args.bits:
        for op, name, seconds, ratio in run(bits, args.method, args.repeat):
            print(f"{bits:>5}  {op:<6}  {name:<24} {seconds * 1e6:>9.1f} us  {ratio:>5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
