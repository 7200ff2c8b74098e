"""``python -m oauth1core sign METHOD URI``: sign a request from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import List

from ..errors import OAuthError
from typing import Callable, Iterator
from urllib.parse import unquote

from ..client import Client, SignedRequest
from ._common import (
    CliError,
    add_credential_options,
    check_callback,
    check_http_url,
    check_method,
    client_key,
    die,
    mask,
    parse_header_options,
    read_text_file,
    secret,
)

EXAMPLE = """example:
  OAUTH_CLIENT_SECRET=kd94hf93k423kf44 OAUTH_TOKEN_SECRET=pfkkdhi9sl3r4s00 \\
  python -m oauth1core sign GET 'http://photos.example.net/photos?file=vacation.jpg&size=original' \\
      --client-key dpf43f3p2l4k3l03 --token nnch734d00sl2jdk --realm Photos \\
      --nonce chapoH --timestamp 137131202 --no-version
"""


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core sign",
        description="Sign a request (RFC 5849 section 3) and print its Authorization header, or with --json "
        "the signed request and its base string. Secrets are read from options, files or the environment "
        "and never printed; a PLAINTEXT signature, which is the secret itself, is masked unless "
        "--reveal-plaintext is given.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("method", help="HTTP method, e.g. GET or POST")
    parser.add_argument("uri", help="absolute request URI, query included")
    add_credential_options(parser)
    parser.add_argument("--signature-method", default="HMAC-SHA1",
                        help="HMAC-SHA1 (default), HMAC-SHA256, HMAC-SHA512, PLAINTEXT, RSA-SHA1, RSA-SHA256, RSA-SHA512")
    parser.add_argument("--rsa-key-file", metavar="PEM", help="the client's RSA private key, for the RSA methods")
    parser.add_argument("--placement", choices=("header", "query", "body"), default="header")
    parser.add_argument("--realm")
    parser.add_argument("--callback")
    parser.add_argument("--verifier")
    parser.add_argument("-H", "--header", action="append", metavar="'Name: value'", help="a request header (repeatable)")
    parser.add_argument("-d", "--data", metavar="BODY", help="the request body (form bodies need -H 'Content-Type: application/x-www-form-urlencoded')")
    parser.add_argument("--body-hash", action="store_true", help="add oauth_body_hash (non-form bodies)")
    parser.add_argument("--nonce", help="a fixed nonce (reproducible signatures)")
    parser.add_argument("--timestamp", help="a fixed timestamp (reproducible signatures)")
    parser.add_argument("--no-version", action="store_true", help="omit oauth_version=1.0 (it is optional)")
    parser.add_argument("--json", action="store_true", help="print the signed request and its base string as JSON")
    parser.add_argument("--reveal-plaintext", action="store_true", help="print a PLAINTEXT signature unmasked")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every step on stderr: parameters, normalized string, base string, key (masked), "
                        "signature, header")
    args = parser.parse_args(argv)

    try:
        key = client_key(args)
        if not key:
            raise CliError("a client key is needed: --client-key or OAUTH_CLIENT_KEY")
        check_method(args.method)
        check_http_url(args.uri, "the URI")
        if args.callback is not None:
            check_callback(args.callback)
        headers = parse_header_options(args.header)
        rsa_key = read_text_file(args.rsa_key_file, "RSA key") if args.rsa_key_file else None
        client = Client(
            key,
            secret(args, "client_secret"),
            token=client_key(args, "token"),
            token_secret=secret(args, "token_secret"),
            signature_method=args.signature_method,
            rsa_key=rsa_key,
            realm=args.realm,
            callback=args.callback,
            verifier=args.verifier,
            placement=args.placement,
            body_hash=args.body_hash,
            version=not args.no_version,
        )
        if args.timestamp is not None and not (args.timestamp.isascii() and args.timestamp.isdigit()):
            raise CliError("--timestamp must be a positive integer")
        signed = client.sign(args.method, args.uri, headers, args.data, nonce=args.nonce, timestamp=args.timestamp)
    except CliError as exc:
        return die(str(exc))
    except OAuthError as exc:
        return die(exc.message)
    except ValueError as exc:
        return die(str(exc))
    for warning in secret_warnings(client):
        print(f"oauth1core: warning: {warning}", file=sys.stderr)

    def hide(text: str) -> str:
        if client.method.name == "PLAINTEXT" and not args.reveal_plaintext and signed.signature:
            from ..encoding import percent_encode

            return text.replace(percent_encode(signed.signature), "***").replace(signed.signature, "***")
        return text

    if args.verbose:
        print_steps(client, signed, hide)
    if args.json:
        out = {
            "method": signed.method,
            "uri": hide(signed.uri),
            "headers": {k: hide(v) for k, v in signed.headers.items()},
            "body": hide(signed.body.decode("utf-8", "replace") if isinstance(signed.body, bytes) else signed.body)
            if signed.body is not None else None,
            "base_string": signed.base_string,
            "signature": hide(signed.signature),
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
    elif args.placement == "header":
        print("Authorization: " + hide(signed.headers["Authorization"]))
    elif args.placement == "query":
        print(hide(signed.uri))
    else:
        body = signed.body.decode("utf-8") if isinstance(signed.body, bytes) else (signed.body or "")
        print(hide(body))
    if client.method.name == "PLAINTEXT" and not args.reveal_plaintext:
        print("(the PLAINTEXT signature is the secret itself: masked; --reveal-plaintext prints it)", file=sys.stderr)
    return 0


def secret_warnings(client: Client) -> Iterator[str]:
    """The mistakes a signature cannot show: secrets that are empty where the method uses them
    (``diagnose`` finds ``token-secret-missing`` more often than any other client mistake)."""
    if client.method.name.startswith("RSA-"):
        return
    if not client.client_secret:
        yield (f"client-secret-empty: signing {client.method.name} with an empty client secret "
               "(--client-secret, --client-secret-file or OAUTH_CLIENT_SECRET): most providers refuse it")
    if client.token is not None and not client.token_secret:
        yield ("token-secret-missing: --token without a token secret (--token-secret, --token-secret-file or "
               "OAUTH_TOKEN_SECRET): the key is 'client_secret&' and the provider will refuse the signature")


def print_steps(client: Client, signed: SignedRequest, hide: Callable[[str], str]) -> None:
    """Every step of the signature (RFC 5849 section 3.4), on stderr, secrets masked: the
    parameters (3.4.1.3.1), the normalized string (3.4.1.3.2), the base string (3.4.1.1), the key
    (3.4.2), the signature and where it goes (3.5)."""
    normalized = unquote(signed.base_string.split("&", 2)[2])
    lines = ["parameters (sorted, encoded, section 3.4.1.3):"]
    lines += [f"  {pair}" for pair in normalized.split("&") if pair]
    lines += [f"normalized parameters (3.4.1.3.2): {normalized}", f"base string (3.4.1.1): {signed.base_string}"]
    if client.method.name.startswith("RSA-"):
        lines.append("key (3.4.3): the RSA private key (not shown)")
    else:
        lines.append(f"key (3.4.2): {mask(client.client_secret)}&{mask(client.token_secret)}  "
                     "(client secret & token secret, each percent-encoded)")
    lines.append(f"signature ({client.method.name}): {hide(signed.signature)}")
    where = signed.headers.get("Authorization")
    lines.append(f"Authorization: {hide(where)}" if where else f"sent in the {client.placement}")
    print("\n".join(lines), file=sys.stderr)
