"""``python -m oauth1core serve``: run an OAuth 1.0a service provider on the standard library's
threaded HTTP server (:mod:`oauth1core.httpserver`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from ..errors import OAuthError
from ._common import CliError, die, read_text_file

if TYPE_CHECKING:  # pragma: no cover
    from ..httpserver import ProviderApp
    from ..policy import Policy
    from ..server import Consumer

EXAMPLE = """example:
  python -m oauth1core serve --port 8080 --consumer demo-key:demo-secret \\
      --user alice:wonderland --store sqlite:provider.db

  then POST /oauth/request_token, send the user to GET /oauth/authorize?oauth_token=...,
  POST /oauth/access_token, and call GET /api/whoami.

Secrets given as options are visible to other local users (ps): prefer a private machine.
"""


def _pair(text: str, what: str) -> Tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name:
        raise CliError(f"{what} must be NAME:VALUE")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core serve",
        description="Run an OAuth 1.0a (RFC 5849) service provider: POST /oauth/request_token, "
        "GET|POST /oauth/authorize, POST /oauth/access_token, GET /api/whoami.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument("--consumer", action="append", default=[], metavar="KEY:SECRET",
                        help="a client with a shared secret (HMAC-SHA1/256/512); repeatable")
    parser.add_argument("--rsa-consumer", action="append", default=[], metavar="KEY:PEMFILE",
                        help="a client with an RSA public key or certificate (RSA-SHA1/256/512); repeatable")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD",
                        help="a resource owner who can log in on the authorize page; repeatable")
    parser.add_argument("--auto-approve", metavar="USER",
                        help="GET /oauth/authorize approves at once as USER (demos and tests only)")
    parser.add_argument("--store", default="memory", metavar="URL",
                        help="memory (default), sqlite:PATH, or redis://[:PASSWORD@]HOST:PORT/DB (pip install 'oauth1core[redis]')")
    parser.add_argument("--timestamp-window", type=float, default=300.0, metavar="SECONDS",
                        help="accepted clock difference, either way (default 300)")
    parser.add_argument("--realm", default="oauth1core", help="realm of WWW-Authenticate (default oauth1core)")
    parser.add_argument("--callback", action="append", default=[], metavar="URL",
                        help="an accepted oauth_callback (exact match; repeatable). Without it: oob, "
                        "https URLs, and http URLs on loopback")
    parser.add_argument("--base-url", metavar="URL",
                        help="the scheme://host[:port] clients sign for (default: http:// and the Host header); "
                        "set it to the public https address behind a TLS proxy")
    parser.add_argument("--allow-plaintext", action="store_true",
                        help="let shared-secret clients use PLAINTEXT (only ever accepted over https)")
    parser.add_argument("--request-token-ttl", type=float, default=600.0, metavar="SECONDS",
                        help="lifetime of temporary credentials (default 600)")
    parser.add_argument("--access-token-ttl", type=float, default=None, metavar="SECONDS",
                        help="lifetime of token credentials (default: until revoked)")
    parser.add_argument("--preset", metavar="NAME",
                        help="serve the endpoint paths (and token request methods) of a provider preset, e.g. "
                        "smugmug, x, flickr, trello, jira, netsuite (see oauth1core.presets)")
    parser.add_argument("--uniform-errors", action="store_true",
                        help="answer signature_invalid for an unknown consumer key too (token ids always are)")
    parser.add_argument("--max-pending", type=int, default=100, metavar="N",
                        help="undecided temporary credentials one consumer may hold (default 100; 0: no quota)")
    parser.add_argument("--tolerate", action="append", default=[], metavar="NAME",
                        help="accept a harmless client deviation: raw-base64-signature, folded-header (repeatable)")
    parser.add_argument("--max-connections", type=int, default=1024, metavar="N",
                        help="open connections at most; more get 503 (default 1024)")
    parser.add_argument("--workers", type=int, default=16, metavar="N",
                        help="threads answering requests (default 16)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    return parser


def _consumers(args: argparse.Namespace) -> Dict[str, "Consumer"]:
    """The consumers of ``--consumer`` and ``--rsa-consumer`` (raises CliError)."""
    from ..server import HMAC_METHODS, Consumer

    consumers: Dict[str, Consumer] = {}
    try:
        for item in args.consumer:
            key, secret = _pair(item, "--consumer")
            if key in consumers:
                raise CliError(f"--consumer {key}: the same client key is given twice")
            if not secret:
                raise CliError(f"--consumer {key}: the secret is empty")
            methods = HMAC_METHODS + (("PLAINTEXT",) if args.allow_plaintext else ())
            consumers[key] = Consumer(key, secret, signature_methods=methods, callbacks=args.callback)
        for item in args.rsa_consumer:
            key, path = _pair(item, "--rsa-consumer")
            if key in consumers:
                raise CliError(f"--rsa-consumer {key}: the same client key is given twice")
            pem = read_text_file(path, "RSA public key")
            consumers[key] = Consumer(key, rsa_public_key=pem, callbacks=args.callback)
    except (ValueError, OAuthError) as exc:
        raise CliError(f"invalid consumer: {getattr(exc, 'message', exc)}") from None
    if not consumers:
        raise CliError("at least one --consumer KEY:SECRET or --rsa-consumer KEY:PEMFILE is needed")
    return consumers


def _policy(args: argparse.Namespace) -> "Policy":
    from ..policy import Policy

    try:
        return Policy(uniform_consumer_errors=args.uniform_errors, tolerate=frozenset(args.tolerate),
                      max_pending_per_consumer=args.max_pending or None)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def build_app(args: argparse.Namespace) -> "ProviderApp":
    """The :class:`~oauth1core.httpserver.ProviderApp` the options describe (raises CliError)."""
    from ..httpserver import ProviderApp
    from ..server import Provider
    from ..stores import mask_url, open_store

    consumers = _consumers(args)
    policy = _policy(args)
    users = dict(_pair(item, "--user") for item in args.user)
    for name, password in users.items():
        if not password:
            raise CliError(f"--user {name}: the password is empty")
    preset_paths: Dict[str, str] = {}
    preset_methods: Dict[str, Tuple[str, ...]] = {}
    if args.preset:
        from ..presets import get_preset

        try:
            preset_paths, preset_methods = get_preset(args.preset).routes()
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
    try:
        store = open_store(args.store)
    except (ValueError, OAuthError) as exc:
        raise CliError(f"cannot open the store {mask_url(args.store)!r}: {getattr(exc, 'message', exc)}") from None
    try:
        provider = Provider(
            consumers,
            store,
            timestamp_window=args.timestamp_window,
            request_token_ttl=args.request_token_ttl,
            access_token_ttl=args.access_token_ttl,
            realm=args.realm,
            policy=policy,
        )
        return ProviderApp(provider, users=users, auto_approve=args.auto_approve, base_url=args.base_url,
                           paths=preset_paths, methods=preset_methods)
    except ValueError as exc:
        store.close()
        raise CliError(str(exc)) from None


def main(argv: List[str]) -> int:
    args = build_parser().parse_args(argv)
    from ..http11 import ServerLimits
    from ..httpserver import start_server

    if not 0 <= args.port <= 65535:
        return die(f"--port must be 1-65535 (or 0: any free port), got {args.port}")
    try:
        app = build_app(args)
    except CliError as exc:
        return die(str(exc))
    try:
        limits = ServerLimits(max_connections=args.max_connections, workers=args.workers,
                              max_body=app.provider.limits.max_form_body)
        running = start_server(app, args.host, args.port, quiet=args.quiet, limits=limits)
    except ValueError as exc:
        app.provider.store.close()
        return die(str(exc))
    except OSError as exc:
        app.provider.store.close()
        return die(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    # The handlers go in before the "listening" line: a signal sent as soon as it is read stops
    # the server cleanly instead of raising KeyboardInterrupt outside the loop.
    stop = threading.Event()
    previous: Dict[signal.Signals, Any] = {}
    try:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        consumers = len(app.provider.consumers)
        print(f"oauth1core provider listening on {running.url} (store {args.store.partition(':')[0]}, "
              f"{consumers} consumer{'s' if consumers != 1 else ''}); Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        running.close()
        app.provider.store.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("oauth1core provider stopped", file=sys.stderr, flush=True)
    return 0
