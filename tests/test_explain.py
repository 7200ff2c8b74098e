"""explain: every step of a signature, with its RFC 5849 section; secrets masked."""

from __future__ import annotations

import json

from oauth1core import Client
from oauth1core.audit import diagnose, explain, from_parts, parse_raw
from oauth1core.encoding import percent_encode
from oauth1core.methods import resolve

RFC_PHOTOS = (
    b"GET /photos?file=vacation.jpg&size=original HTTP/1.1\n"
    b"Host: photos.example.net\n"
    b'Authorization: OAuth realm="Photos",\n'
    b'   oauth_consumer_key="dpf43f3p2l4k3l03",\n'
    b'   oauth_token="nnch734d00sl2jdk",\n'
    b'   oauth_signature_method="HMAC-SHA1",\n'
    b'   oauth_timestamp="137131202",\n'
    b'   oauth_nonce="chapoH",\n'
    b'   oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"\n\n'
)  # RFC 5849 section 1.2, sent over http
CLIENT_SECRET, TOKEN_SECRET = "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"

RSA_PRIVATE = """-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMBF8jgaUhb1kS5f
lA8MqyShMsfMr/TlvN8zLjuuLsGCpd+EVc/K9OaIELOIWRvKlykx35fkAfbI5iZR
zgrYOOAN5Lgo3a0Hs4ZDo4eU67azIZiY/GRLa2FC4olqXWpbUMZ7XRH0r6ML0v8j
9r6X2JCEp0RpXAi/J+bmS+jQzjUlAgMBAAECgYB7kzkHV9tUyEWkIWfeeEzywOwL
QAIDCzjl11Yqo1uHobmMO9iPMalPFTpuuP5Uf1PB9Tz4uWGNxDcvf7pGfAuozzuu
6X7tCTiyQpyye+sBoHKzXF6E8mm6rXxwMS+Rqpbuk8qNzRg1Dd/K58vQ10Zzqsi5
PHwUAF3cN0sBSekJDQJBAO5EFzXmAiKg6ks9UyE6LjPLXdMojS4++1NjHMcbEOfm
U3VhFScSob5DP9oiEc7svEmLe5VY1Tcmus7D4rrmrLMCQQDOlYL8G/2sLkKPGMYn
2LaHAUOb/scLe659epakqJPksFq1Q+VFuKho3RTiMF8wn6tbUv6UDf4M9jkDIhWm
sTLHAkEAqINx4wXk9rbWXhZmR/bNHIa1uhVRHKcgu446mTs0Tr8gwcDC5BqSWG1Z
qJ41+CKI3H8RDcSBL/ttXbU/Ey74bwJAUP0ife4HVGJKa8k9nk+Ct4jSVazboe/a
J41Q07rXSDevSBMXJm9PbtUFo+ts1iYyyrnN3oNhzvkUvtq0/EXJ7wJAHGt2EaFg
yFZpI5uJi1tdvT6tEY9gJwfjGr3J447VrbDME9uLQcycx5Odp0dOMOQ7j7/I6y0D
BuKRykvbO5h2Bg==
-----END PRIVATE KEY-----
"""  # a 1024-bit test key, made for these tests only
RSA_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDARfI4GlIW9ZEuX5QPDKskoTLH
zK/05bzfMy47ri7BgqXfhFXPyvTmiBCziFkbypcpMd+X5AH2yOYmUc4K2DjgDeS4
KN2tB7OGQ6OHlOu2syGYmPxkS2thQuKJal1qW1DGe10R9K+jC9L/I/a+l9iQhKdE
aVwIvyfm5kvo0M41JQIDAQAB
-----END PUBLIC KEY-----
"""


def test_the_rfc_example_step_by_step() -> None:
    result = explain(parse_raw(RFC_PHOTOS, scheme="http"), client_secret=CLIENT_SECRET, token_secret=TOKEN_SECRET)
    assert [step.section for step in result.steps] == ["3.5", "3.4.1.3.1", "3.4.1.3.2", "3.4.1.2", "3.4.1.1", "3.4.2", "3.4.2"]
    assert result.base_uri == "http://photos.example.net/photos"
    assert result.normalized == (
        "file=vacation.jpg&oauth_consumer_key=dpf43f3p2l4k3l03&oauth_nonce=chapoH&oauth_signature_method=HMAC-SHA1"
        "&oauth_timestamp=137131202&oauth_token=nnch734d00sl2jdk&size=original"
    )
    assert result.base_string.startswith("GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26")
    assert result.signature == "MdpQcU8iPSUjWoN/UDMsK2sui9I=" and result.verifies is True
    sources = {(p["name"], p["source"], p["signed"]) for p in result.parameters}
    assert ("file", "query", True) in sources and ("realm", "header", False) in sources
    assert ("oauth_signature", "header", False) in sources
    assert result.signing_key == "***(16 chars)&***(16 chars)"
    dumped = json.dumps(result.to_dict())
    assert CLIENT_SECRET not in dumped and TOKEN_SECRET not in dumped


def test_without_secrets_every_step_but_the_signature() -> None:
    result = explain(parse_raw(RFC_PHOTOS))
    assert result.verifies is None and result.signature is None and result.signing_key is None
    assert "give --client-secret" in " ".join(result.steps[-1].lines)


def test_a_mismatch_points_to_diagnose() -> None:
    result = explain(parse_raw(RFC_PHOTOS), client_secret=CLIENT_SECRET, token_secret=TOKEN_SECRET)
    assert result.verifies is False
    assert "diagnose" in result.steps[-1].lines[-1]


def test_a_plaintext_signature_is_never_shown() -> None:
    client = Client("ck", "cl1ent s€cret!", token="tk", token_secret="t0ken s€cret", signature_method="PLAINTEXT",
                    placement="query")  # fmt: skip
    signed = client.sign("GET", "https://api.example.com/x")
    result = explain(from_parts("GET", signed.uri), client_secret="cl1ent s€cret!", token_secret="t0ken s€cret")
    assert result.verifies is True
    dumped = json.dumps(result.to_dict(), ensure_ascii=False)
    for secret in ("cl1ent s€cret!", "t0ken s€cret", percent_encode("cl1ent s€cret!"), signed.signature):
        assert secret not in dumped
    signature_row = next(p for p in result.parameters if p["name"] == "oauth_signature")
    assert signature_row["value"].startswith("***")
    diagnosis = diagnose(from_parts("GET", signed.uri), client_secret="cl1ent s€cret!", token_secret="t0ken s€cret")
    assert diagnosis.valid and signed.signature not in json.dumps(diagnosis.to_dict())


def test_a_request_the_strict_parser_rejects_is_explained_leniently() -> None:
    client = Client("ck", "cs")
    signed = client.sign("GET", "https://api.example.com/x", nonce="n", timestamp=1300000000)
    header = signed.headers["Authorization"].replace('oauth_nonce="n"', "oauth_nonce=n")
    result = explain(from_parts("GET", signed.uri, {"Authorization": header}), client_secret="cs")
    read = result.steps[0].lines
    assert any("strict provider rejects it" in line for line in read)
    assert any("not quoted" in line for line in read)
    assert result.verifies is True


def test_rsa_is_checked_with_the_public_key() -> None:
    client = Client("ck", signature_method="RSA-SHA256", rsa_key=RSA_PRIVATE)
    signed = client.sign("POST", "https://api.example.com/x", {"Content-Type": "application/x-www-form-urlencoded"}, "a=1")
    capture = from_parts("POST", signed.uri, signed.headers, signed.body)
    result = explain(capture, rsa_public_key=RSA_PUBLIC)
    assert result.verifies is True and result.steps[-1].section == "3.4.3"
    assert "private key" in (result.signing_key or "")
    assert "--rsa-public-key" in " ".join(explain(capture).steps[-1].lines)


def test_rsa_mistakes_are_found_with_the_public_key() -> None:
    client = Client("ck", signature_method="RSA-SHA1", rsa_key=RSA_PRIVATE)
    signed = client.sign("GET", "http://api.example.com/x?q=1", nonce="n", timestamp=1300000000)
    capture = from_parts("GET", signed.uri.replace("http://", "https://"), signed.headers)  # verified as https
    result = diagnose(capture, rsa_public_key=RSA_PUBLIC)
    assert [f.id for f in result.findings] == ["wrong-scheme"]
    assert result.to_dict()["signature"] == ""  # RSA: the correct signature needs the private key

    class Mislabelled:  # says RSA-SHA1 (and signs that it does), computes RSA-SHA512
        name, body_hash, shared_secret = "RSA-SHA1", "sha1", False
        inner = resolve("RSA-SHA512", private_key=RSA_PRIVATE)

        def sign(self, base_string: str, client_secret: str, token_secret: str) -> str:
            return self.inner.sign(base_string, client_secret, token_secret)

        def verify(self, base_string: str, signature: str, client_secret: str, token_secret: str) -> bool:
            raise NotImplementedError

    other = Client("ck", signature_method=Mislabelled()).sign("GET", "https://api.example.com/x")
    assert 'oauth_signature_method="RSA-SHA1"' in other.headers["Authorization"]
    result = diagnose(from_parts("GET", other.uri, other.headers), rsa_public_key=RSA_PUBLIC)
    assert [f.id for f in result.findings] == ["signature-method-mismatch"]
    assert "signed with RSA-SHA512, the request says RSA-SHA1" in result.findings[0].explanation
