"""``python -m oauth1core authorize`` and ``python -m oauth1core request``: the consumer side.

``authorize`` runs the three-legged flow (RFC 5849 section 2) interactively, as the Ruby oauth
gem's command line does: it asks for temporary credentials, prints the authorization URL, reads
the verifier (or the whole callback URL) from the terminal, exchanges it for token credentials and
saves them to a file only its owner can read (mode 0600, written atomically). ``request`` sends
a request signed with the saved credentials and prints the answer.

Secrets never reach the terminal: the file holds them, the output names them masked.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from ..client import PLACEMENTS
from ..errors import OAuthError
from ..methods import STANDARD_METHODS
from ._common import (
    CliError,
    add_credential_options,
    check_callback,
    check_http_url,
    check_method,
    check_writable,
    client_key,
    die,
    mask,
    parse_header_options,
    read_text_file,
)
from ._common import secret as read_secret

FORMAT = "oauth1core-credentials"

AUTHORIZE_EXAMPLE = """examples:
  OAUTH_CLIENT_SECRET=... python -m oauth1core authorize --provider smugmug --client-key KEY \\
      --authorize-param Access=Full --authorize-param Permissions=Modify
  python -m oauth1core authorize --provider jira --base-url https://jira.example.com \\
      --client-key KEY --rsa-key-file private.pem
  python -m oauth1core authorize --client-key KEY --client-secret-file secret.txt \\
      --request-token-url https://sp.example/initiate --authorize-url https://sp.example/authorize \\
      --access-token-url https://sp.example/token

The token credentials are saved to --output (default ~/.config/oauth1core/PROVIDER.json), a file
only you can read. Then: python -m oauth1core request GET URL --provider PROVIDER
"""

REQUEST_EXAMPLE = """examples:
  python -m oauth1core request GET 'https://api.smugmug.com/api/v2!authuser' --provider smugmug
  python -m oauth1core request GET /user/info --provider tumblr      (relative to the preset's API base URL)
  python -m oauth1core request POST https://api.example.com/photos --credentials creds.json \\
      --json -d '{"title": "Vacation"}' --body-hash -i

Exit status: 0 for an answer below 400, 1 for an error answer, 2 for a usage or network error.
"""


def default_credentials_path(provider: Optional[str]) -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "oauth1core", f"{provider or 'credentials'}.json")


def save_credentials(path: str, document: Dict[str, Any]) -> None:
    """Write ``document`` as JSON to ``path``, atomically, readable and writable by its owner
    only (0600; a new folder is 0700). An existing file is replaced whole, never half-written."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".oauth1core-", suffix=".tmp", dir=folder)  # 0600, O_EXCL
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def load_credentials(path: str) -> Dict[str, Any]:
    """Read a credentials file (docs/consumer.md, "The credentials file"): what ``authorize``
    saves, or a hand-written JSON object with ``client_key``, ``client_secret``, ``token`` and
    ``token_secret`` (``consumer_key``/``consumer_secret`` accepted too); ``signature_method``
    defaults to HMAC-SHA1 and ``placement`` to header."""
    text = read_text_file(path, "credentials")
    try:
        document = json.loads(text)
    except ValueError:
        raise CliError(f"{path} is not a credentials file (invalid JSON)") from None
    if not isinstance(document, dict) or document.get("format", FORMAT) != FORMAT \
            or document.get("version", 1) != 1:
        raise CliError(f"{path} is not an oauth1core credentials file (version 1)")
    for alias, name in (("consumer_key", "client_key"), ("consumer_secret", "client_secret")):
        if name not in document and alias in document:
            document[name] = document[alias]
    document.setdefault("signature_method", "HMAC-SHA1")
    document.setdefault("placement", "header")
    for name in ("client_key", "token", "token_secret", "signature_method", "placement"):
        if not isinstance(document.get(name), str):
            raise CliError(f"{path} lacks {name} (a string)")
    return document


def _pairs(items: Optional[List[str]], option: str) -> List[Tuple[str, str]]:
    pairs = []
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CliError(f"{option} must be NAME=VALUE, got {item!r}")
        pairs.append((name, value))
    return pairs


def _opener_proxies(args: argparse.Namespace) -> Optional[Dict[str, str]]:
    return {} if args.no_proxy else None


def _one_line(exc: BaseException) -> str:
    """An error as the command prints it: a local mistake without the provider-style
    ``[problem, HTTP status, RFC section]`` suffix (that is for answers to requests)."""
    from ..transport import NetworkError

    if isinstance(exc, NetworkError):
        return f"cannot reach the provider ({exc.origin}): {exc.reason}"
    if isinstance(exc, OAuthError):
        return exc.message
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


# -- authorize -------------------------------------------------------------------------------


def build_authorize_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core authorize",
        description="Run the OAuth 1.0a three-legged flow: temporary credentials, the resource owner's "
        "authorization (you open the printed URL and paste back the verifier or the callback URL), token "
        "credentials, saved to a file only you can read.",
        epilog=AUTHORIZE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--provider", metavar="NAME", help="a provider preset (smugmug, x, flickr, trello, jira, "
                        "netsuite, magento, garmin, discogs, tumblr); --list-providers shows them")
    parser.add_argument("--list-providers", action="store_true", help="list the provider presets and exit")
    parser.add_argument("--base-url", help="the provider installation's base URL (jira, magento)")
    parser.add_argument("--account", help="the account ID (netsuite, e.g. 123456_SB1)")
    endpoints = parser.add_argument_group("explicit endpoints (instead of, or over, --provider)")
    endpoints.add_argument("--request-token-url", metavar="URL")
    endpoints.add_argument("--authorize-url", metavar="URL")
    endpoints.add_argument("--access-token-url", metavar="URL")
    endpoints.add_argument("--request-token-method", choices=("POST", "GET"))
    endpoints.add_argument("--access-token-method", choices=("POST", "GET"))
    endpoints.add_argument("--signature-method", choices=sorted(STANDARD_METHODS))
    endpoints.add_argument("--placement", choices=PLACEMENTS)
    endpoints.add_argument("--realm")
    endpoints.add_argument("--no-callback-confirmed", action="store_true",
                           help="accept temporary credentials without oauth_callback_confirmed=true")
    parser.add_argument("--callback", default="oob", help="oauth_callback: oob (the default: paste the verifier) "
                        "or your callback URL (paste the URL you are sent back to)")
    parser.add_argument("--authorize-param", action="append", metavar="NAME=VALUE",
                        help="an extra parameter of the authorization URL (e.g. perms=write); repeatable")
    parser.add_argument("--request-token-param", action="append", metavar="NAME=VALUE",
                        help="an extra parameter of the temporary credentials request; repeatable")
    parser.add_argument("--rsa-key-file", metavar="PEM", help="the client's RSA private key (RSA methods)")
    parser.add_argument("--verifier", help="the verifier, if you already have it (no prompt)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="where to save the token credentials (default ~/.config/oauth1core/PROVIDER.json)")
    parser.add_argument("--no-save-client-secret", action="store_true",
                        help="leave the client secret out of the file (give it again to 'request')")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request (default 30)")
    parser.add_argument("--no-proxy", action="store_true", help="ignore proxy settings from the environment")
    add_credential_options(parser, token=False)
    return parser


def _list_providers() -> int:
    from ..presets import PRESETS

    for preset in PRESETS.values():
        legs = "three-legged" if preset.three_legged else "one-legged"
        variables = f"  (needs --{' --'.join(v.replace('_', '-') for v in preset.variables)})" if preset.variables else ""
        print(f"{preset.name:<11} {preset.title}: {preset.signature_method}, {legs}{variables}")
        print(f"{'':<11} {preset.docs[0]}")
    return 0


def _build_flow(args: argparse.Namespace, key: str, client_secret: str) -> Tuple[Any, Dict[str, Any]]:
    """The flow and what the credentials file records about the client."""
    from ..client import Client
    from ..flow import Endpoints, ThreeLeggedFlow

    rsa_key = read_text_file(args.rsa_key_file, "RSA private key") if args.rsa_key_file else None
    authorize_params = _pairs(args.authorize_param, "--authorize-param")
    request_token_params = _pairs(args.request_token_param, "--request-token-param")
    record: Dict[str, Any] = {"provider": None, "api_base_url": None,
                              "rsa_key_file": os.path.abspath(args.rsa_key_file) if args.rsa_key_file else None}
    if args.provider:
        from ..presets import get_preset

        try:
            preset = get_preset(args.provider)
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
        if not preset.three_legged:
            raise CliError(f"{preset.name} is one-legged: no authorization needed, sign requests with the client "
                           "credentials alone")
        values = {name: getattr(args, name) for name in preset.variables if getattr(args, name, None)}
        client = preset.client(key, client_secret, rsa_key=rsa_key, **values)
        overrides = {name: getattr(args, name) for name in ("signature_method", "placement", "realm")
                     if getattr(args, name)}
        if overrides:
            if "signature_method" in overrides and rsa_key is not None:
                overrides["rsa_key"] = rsa_key
            client = client.replace(**overrides)
        flow = preset.flow(client, callback=args.callback, authorize_params=authorize_params,
                           request_token_params=request_token_params, **values)
        endpoints = flow.endpoints._replace(**{name: getattr(args, name) for name in (
            "request_token_url", "authorize_url", "access_token_url", "request_token_method", "access_token_method")
            if getattr(args, name)})
        flow.endpoints = endpoints
        if args.no_callback_confirmed:
            flow.require_callback_confirmed = False
        record.update(provider=preset.name, api_base_url=preset.api_base(**values))
    else:
        missing = [option for option in ("request_token_url", "access_token_url") if not getattr(args, option)]
        if missing:
            raise CliError("give --provider NAME, or the endpoints: --request-token-url, --authorize-url and "
                           "--access-token-url")
        client = Client(key, client_secret, signature_method=args.signature_method or "HMAC-SHA1", rsa_key=rsa_key,
                        placement=args.placement or "header", realm=args.realm)
        endpoints = Endpoints(args.request_token_url, args.authorize_url, args.access_token_url,
                              args.request_token_method or "POST", args.access_token_method or "POST")
        flow = ThreeLeggedFlow(client, endpoints, callback=args.callback,
                               require_callback_confirmed=not args.no_callback_confirmed,
                               authorize_params=authorize_params, request_token_params=request_token_params)
    record.update(signature_method=client.signature_method, placement=client.placement, realm=client.realm,
                  body_hash=client.body_hash)
    return flow, record


def _read_verifier(flow: Any, state: Any, given: Optional[str]) -> Any:
    from ..errors import FlowError

    if given is not None:
        return flow.enter_verifier(state, given)
    if state.callback == "oob":
        prompt = "Enter the verifier (PIN) the provider showed you: "
    else:
        prompt = "Paste the URL you were sent back to (or just the verifier): "
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise CliError("no verifier given (end of input)")
    line = line.strip()
    try:
        if "oauth_token=" in line or "oauth_verifier=" in line or "://" in line:
            return flow.parse_callback(state, line)
        return flow.enter_verifier(state, line)
    except FlowError as exc:
        raise CliError(str(exc)) from None


def main_authorize(argv: List[str]) -> int:
    args = build_authorize_parser().parse_args(argv)
    if args.list_providers:
        return _list_providers()
    from ..errors import FlowError
    from ..transport import UrllibTransport, obtain_temporary_credentials, obtain_token_credentials

    key = client_key(args)
    if not key:
        return die("the client key is needed: --client-key or OAUTH_CLIENT_KEY")
    client_secret = read_secret(args, "client_secret")
    try:
        check_callback(args.callback)
        for option in ("request_token_url", "authorize_url", "access_token_url", "base_url"):
            if getattr(args, option):
                check_http_url(getattr(args, option), "--" + option.replace("_", "-"))
        flow, record = _build_flow(args, key, client_secret)
        output = check_writable(args.output or default_credentials_path(record["provider"]))
        transport = UrllibTransport(timeout=args.timeout, proxies=_opener_proxies(args))
        state = obtain_temporary_credentials(flow, transport)
        print(f"Temporary credentials: oauth_token={state.token} oauth_token_secret={mask(state.token_secret)}",
              file=sys.stderr)
        if flow.endpoints.authorize_url is not None:
            print("Open this URL in a browser, sign in and approve the application:", file=sys.stderr)
            print(flow.authorization_url(state), flush=True)
        else:
            print("This provider has no authorization URL: the verifier reaches you by other means "
                  "(Magento: the integration's activation).", file=sys.stderr)
        state = _read_verifier(flow, state, args.verifier)
        credentials = obtain_token_credentials(flow, state, transport)
    except (FlowError, OAuthError, ValueError, KeyError, CliError) as exc:
        return die(_one_line(exc))
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        return die(f"cannot reach the provider: {reason}")
    document = {
        "format": FORMAT,
        "version": 1,
        "client_key": key,
        "client_secret": None if args.no_save_client_secret else client_secret,
        "token": credentials.token,
        "token_secret": credentials.token_secret,
        "extra": [list(pair) for pair in credentials.extra],
        "obtained_at": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        **record,
    }
    try:
        save_credentials(output, document)
    except OSError as exc:
        return die(f"cannot save the credentials to {output}: {exc.strerror or exc}")
    shown = ", ".join(f"{name}={mask(value) if 'secret' in name or 'token' in name else value}"
                      for name, value in credentials.extra)
    print(f"Token credentials: oauth_token={credentials.token} oauth_token_secret={mask(credentials.token_secret)}"
          + (f" ({shown})" if shown else ""), file=sys.stderr)
    print(f"Saved to {output} (readable by you only)", file=sys.stderr)
    return 0


# -- request ---------------------------------------------------------------------------------


def build_request_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core request",
        description="Send a request signed with saved token credentials (from 'authorize') and print the answer.",
        epilog=REQUEST_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("method", help="GET, POST, PUT, DELETE...")
    parser.add_argument("url", help="an absolute URL, or a path relative to the provider's API base URL")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--credentials", metavar="FILE", help="the file 'authorize' saved")
    source.add_argument("--provider", metavar="NAME", help="use ~/.config/oauth1core/NAME.json")
    parser.add_argument("-H", "--header", action="append", metavar="'Name: value'", help="a header; repeatable")
    body = parser.add_mutually_exclusive_group()
    body.add_argument("-d", "--data", help="the request body (form-encoded unless --json or a Content-Type header)")
    body.add_argument("--data-file", metavar="FILE", help="the request body, from a file")
    parser.add_argument("--json", action="store_true", help="the body is JSON (Content-Type: application/json)")
    parser.add_argument("--body-hash", action="store_true", help="add oauth_body_hash (for non-form bodies)")
    parser.add_argument("-i", "--include", action="store_true", help="print the status line and headers too")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--no-proxy", action="store_true", help="ignore proxy settings from the environment")
    parser.add_argument("--signature-method", choices=sorted(STANDARD_METHODS),
                        help="without a credentials file (default HMAC-SHA1)")
    parser.add_argument("--rsa-key-file", metavar="PEM", help="the client's RSA private key (RSA methods)")
    add_credential_options(parser)
    return parser


def _request_document(args: argparse.Namespace) -> Dict[str, Any]:
    """The credentials for ``request``: the file (--credentials, --provider, or the default
    one), with any credential given as an option taking precedence. No file is read when none
    is named and the client key is an option, or comes from the environment (OAUTH_CLIENT_KEY,
    OAUTH_TOKEN...) and the default file does not exist."""
    options = {name: getattr(args, name) for name in ("client_key", "token", "client_secret", "token_secret")}
    for name in ("client_secret", "token_secret"):
        if options[name] is None and getattr(args, name + "_file", None):
            options[name] = read_secret(args, name)
    path = args.credentials or default_credentials_path(args.provider)
    from_environment = client_key(args) is not None and not os.path.exists(path)
    if args.credentials or args.provider or not (args.client_key or from_environment):
        document = load_credentials(path)
        document.update({name: value for name, value in options.items() if value is not None})
    else:
        document = {"client_key": client_key(args), "token": client_key(args, "token"),
                    "client_secret": read_secret(args, "client_secret"),
                    "token_secret": read_secret(args, "token_secret"), "placement": "header"}
    if args.signature_method:
        document["signature_method"] = args.signature_method
    if args.rsa_key_file:
        document["rsa_key_file"] = args.rsa_key_file
    document.setdefault("signature_method", "HMAC-SHA1")
    return document


def _request_client(document: Dict[str, Any], args: argparse.Namespace) -> Any:
    from ..client import Client

    client_secret = document.get("client_secret")
    if not isinstance(client_secret, str):
        client_secret = read_secret(args, "client_secret")
    rsa_key = None
    if document.get("rsa_key_file"):
        rsa_key = read_text_file(str(document["rsa_key_file"]), "RSA private key")
    realm = document.get("realm")
    return Client(document["client_key"], client_secret, token=document["token"],
                  token_secret=document["token_secret"], signature_method=document["signature_method"],
                  rsa_key=rsa_key, placement=document["placement"], realm=realm if isinstance(realm, str) else None,
                  body_hash=bool(document.get("body_hash")) or args.body_hash)


def main_request(argv: List[str]) -> int:
    args = build_request_parser().parse_args(argv)
    from ..adapters.urllib import OAuth1Handler

    try:
        check_method(args.method)
        document = _request_document(args)
        client = _request_client(document, args)
        url = args.url
        if url.startswith("/"):
            base = document.get("api_base_url")
            if not isinstance(base, str) or not base:
                raise CliError("a relative URL needs a provider with a known API base URL: give an absolute URL")
            url = base.rstrip("/") + url
        check_http_url(url)
        headers = parse_header_options(args.header)
        data: Optional[bytes] = None
        if args.data is not None:
            data = args.data.encode("utf-8")
        elif args.data_file:
            try:
                with open(args.data_file, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                raise CliError(f"cannot read {args.data_file}: {exc.strerror or exc}") from None
        if args.json and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=args.method.upper())
        handlers: List[urllib.request.BaseHandler] = [OAuth1Handler(client)]
        if args.no_proxy:
            handlers.append(urllib.request.ProxyHandler({}))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(request, timeout=args.timeout) as answer:
                status, reason, answer_headers, body = answer.status, answer.reason, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            with error:
                status, reason, answer_headers, body = error.code, error.reason, error.headers, error.read()
    except (CliError, OAuthError, ValueError, TypeError) as exc:
        return die(_one_line(exc))
    except OSError as exc:
        return die(f"cannot reach the provider: {getattr(exc, 'reason', None) or exc.strerror or exc}")
    out = sys.stdout
    if args.include:
        out.write(f"HTTP {status} {reason}\n")
        for name, value in answer_headers.items():
            out.write(f"{name}: {value}\n")
        out.write("\n")
    out.flush()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        sys.stdout.buffer.write(body)
    else:
        out.write(text)
        if text and not text.endswith("\n"):
            out.write("\n")
    out.flush()
    return 0 if status < 400 else 1
