"""RSA through the public API: Client signs with the private key, verify_request verifies with
the public key or a certificate, in every placement; keys are never accepted in the wrong role."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from cryptography.x509.oid import NameOID

from oauth1core import Client, verify_request
from oauth1core.errors import KeyFormatError, SignatureInvalid, SignatureMethodRejected

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def keys():
    key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "consumer.example")])
    now = datetime.datetime(2026, 1, 1)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    ).public_bytes(serialization.Encoding.PEM).decode()
    other = crypto_rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"private": private, "public": public, "cert": cert, "other": other}


@pytest.mark.parametrize("method", ["RSA-SHA1", "RSA-SHA256", "RSA-SHA512"])
@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_client_signs_and_verify_request_verifies(keys, method, placement):
    client = Client("ck", signature_method=method, rsa_key=keys["private"], token="t", placement=placement, body_hash=placement == "header")
    signed = client.sign("POST", "https://api.example.com/r?a=1", FORM if placement != "header" else {"Content-Type": "application/json"},
                         "b=2" if placement != "header" else '{"x": 1}')
    for public in (keys["public"], keys["cert"]):
        verified = verify_request(signed.method, signed.uri, signed.headers, signed.body, rsa_public_key=public)
        assert verified.signature_method == method and verified.token == "t"
    with pytest.raises(SignatureInvalid):
        verify_request(signed.method, signed.uri, signed.headers, signed.body, rsa_public_key=keys["other"])
    with pytest.raises(SignatureInvalid):
        verify_request("PUT", signed.uri, signed.headers, signed.body, rsa_public_key=keys["public"])


def test_keys_in_the_wrong_role_are_refused(keys):
    with pytest.raises(KeyFormatError):
        Client("ck", signature_method="RSA-SHA1", rsa_key=keys["public"])
    with pytest.raises(KeyFormatError):
        Client("ck", signature_method="RSA-SHA1", rsa_key=keys["cert"])
    signed = Client("ck", signature_method="RSA-SHA1", rsa_key=keys["private"]).sign("GET", "https://h/")
    with pytest.raises(KeyFormatError) as info:
        verify_request("GET", signed.uri, signed.headers, rsa_public_key=keys["private"])
    assert info.value.status == 400 and "BEGIN" not in str(info.value)


def test_rsa_without_a_public_key_is_a_typed_error(keys):
    signed = Client("ck", signature_method="RSA-SHA256", rsa_key=keys["private"]).sign("GET", "https://h/")
    with pytest.raises(SignatureMethodRejected):
        verify_request("GET", signed.uri, signed.headers)


def test_cli_sign_rsa(keys, tmp_path):
    pem = tmp_path / "key.pem"
    pem.write_text(keys["private"])
    result = subprocess.run(
        [sys.executable, "-m", "oauth1core", "sign", "GET", "https://h/p?q=1", "--client-key", "ck", "--signature-method",
         "RSA-SHA512", "--rsa-key-file", str(pem), "--json"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    verify_request("GET", data["uri"], data["headers"], rsa_public_key=keys["cert"])
    assert "PRIVATE KEY" not in result.stdout + result.stderr
