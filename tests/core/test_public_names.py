"""The public surface, pinned: a change to it must be deliberate (issue 17).

Each module's ``__all__`` is read with ``ast`` (nothing is imported to read it) and compared with
PUBLIC below. A module not in PUBLIC is internal: it has no ``__all__``. Private modules (a name
with a leading underscore) and the command line (its interface is the commands, tested by the CLI
tests) are not part of the Python API and are not checked.

To make a new module public (a new integration, say), add one line to PUBLIC: its dotted name and
the names its README section documents. To keep it internal, give it no ``__all__``.
"""

import ast
import importlib
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(ROOT, "oauth1core")

ERRORS = {
    "OAuthError", "BadRequest", "Unauthorized", "ParameterAbsent", "ParameterRejected", "DuplicateParameter",
    "EncodingError", "SignatureMethodRejected", "VersionRejected", "BodyHashInvalid", "SignatureInvalid",
    "TimestampRefused", "NonceUsed", "ConsumerKeyUnknown", "TokenRejected", "TokenExpired", "TokenUsed",
    "VerifierInvalid", "PermissionDenied", "KeyFormatError", "ServiceUnavailable",
}  # the flow's errors live in errors.py too, but their public home is oauth1core.flow

PUBLIC = {
    # Signing and verifying (README: Signing requests, Verifying requests).
    "oauth1core": {
        "percent_encode", "percent_decode", "base_string_uri", "normalize_parameters", "signature_base_string",
        "build_authorization_header", "parse_authorization_header", "parse_request", "ParsedRequest", "Limits",
        "Client", "SignedRequest", "verify_request", "VerifiedRequest", "OAuthError", "BadRequest",
        "Unauthorized", "SignatureInvalid", "__version__",
    },
    "oauth1core.encoding": {"percent_encode", "percent_decode"},
    "oauth1core.parameters": {"normalize_parameters", "build_authorization_header"},
    "oauth1core.base_string": {"base_string_uri", "signature_base_string"},
    "oauth1core.parsing": {"Limits", "ParsedRequest", "parse_authorization_header", "parse_request"},
    "oauth1core.verify": {"VerifiedRequest", "verify_request"},
    "oauth1core.client": {"Client", "Credentials", "SignedRequest"},
    "oauth1core.clock": {"Clock", "NonceSource", "generate_nonce", "generate_timestamp", "generate_token"},
    # README: Errors.
    "oauth1core.errors": ERRORS,
    # The one extension point (README: RSA; STYLE: signature methods).
    "oauth1core.methods": {"SignatureMethod", "KeyedMethod", "HMAC_SHA1", "HMAC_SHA256", "HMAC_SHA512", "PLAINTEXT",
                           "resolve"},
    "oauth1core.methods.rsa": {"RsaPublicKey", "RsaPrivateKey", "RsaFaultError", "load_private_key",
                               "load_public_key"},
    # README: The service provider; Running a fleet; docs/provider.md.
    "oauth1core.server": {"Consumer", "Provider", "Authorization", "error_response"},
    "oauth1core.httpserver": {"ProviderApp", "make_server", "start_server", "RunningServer"},
    "oauth1core.tokens": {"TokenState", "Event", "TRANSITIONS", "advance", "refusal"},
    "oauth1core.stores": {"Store", "TokenRecord", "AddResult", "open_store", "STORE_SCHEMES"},
    # docs/provider.md: Hardening and policy (issue 12).
    "oauth1core.policy": {"Policy", "DEFAULT_POLICY", "TOLERANCES", "LoginState", "LoginEvent", "TRANSITIONS",
                          "Throttled", "LoginThrottle", "advance"},
    "oauth1core.http11": {"ServerLimits", "RequestHead", "HttpError", "parse_head", "Server"},
    "oauth1core.stores.memory": {"MemoryStore", "from_url"},
    "oauth1core.stores.sqlite": {"SQLiteStore", "from_url"},
    "oauth1core.stores.redis": {"RedisStore", "from_url"},
    # README: The consumer side; docs/consumer.md.
    "oauth1core.flow": {"Endpoints", "FlowState", "TokenCredentials", "ThreeLeggedFlow", "FlowError",
                        "ProviderError", "ResponseError", "CallbackError", "AuthorizationDenied", "clock_correction"},
    "oauth1core.transport": {"HTTPResponse", "Transport", "UrllibTransport", "obtain_temporary_credentials",
                             "obtain_token_credentials", "NetworkError"},
    "oauth1core.presets": {"Preset", "get_preset", "preset_names"},
    "oauth1core.adapters.urllib": {"sign_request", "OAuth1Handler"},
    "oauth1core.adapters.requests": {"OAuth1Auth", "OAuth1", "OAuth1Session", "TokenMissing", "TokenRequestDenied",
                                     "VerifierMissing"},  # the drop-ins: docs/migrating.md
    "oauth1core.adapters.httpx": {"OAuth1Auth", "OAuth1Client", "AsyncOAuth1Client", "OAuthError"},
    "oauth1core.adapters.aiohttp": {"OAuth1Middleware"},
    # README: Inside a web application; docs/provider.md.
    "oauth1core.gateway": {"PublicOrigin", "OAuth1Request", "Consent", "Decision", "ENDPOINT_PATHS", "PROXY_HEADERS",
                           "parse_forwarded"},
    "oauth1core.wsgi": {"OAuth1Middleware", "ProviderEndpoints", "REQUEST_KEY", "verified_request"},
    "oauth1core.asgi": {"OAuth1Middleware", "ProviderEndpoints", "REQUEST_KEY"},
    "oauth1core.integrations": {"Integration", "EnvSettings", "settings_from_env", "check_password", "login"},
    "oauth1core.integrations.flask": {"FlaskProvider", "verified"},
    "oauth1core.integrations.django": {"DjangoProvider", "verified"},
    "oauth1core.integrations.starlette": {"StarletteProvider", "OAuth1Refused", "verified"},
    # README: Why was my request rejected?; docs/audit.md. The package is the facade.
    "oauth1core.audit": {"Capture", "CaptureError", "parse_raw", "parse_har", "from_parts", "Observed", "observe",
                         "explain", "Explanation", "diagnose", "Diagnosis", "Finding", "MISTAKES", "Mistake"},
    "oauth1core.audit.diagnose": {"Finding", "Diagnosis", "diagnose"},
    "oauth1core.audit.mistakes": {"Mistake", "MISTAKES", "Variant"},
    # docs/audit.md: Probing a provider; A conformance kit (issue 15).
    "oauth1core.audit.probe": {"Target", "Variant", "Check", "Wire", "Result", "Report", "FINDINGS", "plan", "build",
                               "judge", "http_sender", "run_probe", "ProbeError"},
    "oauth1core.audit.conformance": {"Case", "Outcome", "ConformanceError", "KINDS", "load_cases", "compare",
                                     "Implementation", "run", "totals", "by_kind"},
}


def _modules():
    """``(dotted name, path)`` of every module of the Python API (see the module docstring)."""
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(root, name), ROOT)[:-3].split(os.sep)
            if rel[-1] == "__init__":
                rel = rel[:-1]
            if rel[-1] == "__main__" or any(part.startswith("_") for part in rel) or rel[1:2] == ["cli"]:
                continue
            yield ".".join(rel), os.path.join(root, name)


def _declared_all(path):
    for node in ast.parse(open(path, encoding="utf-8").read()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return None


def test_every_public_module_exports_exactly_its_pinned_names():
    seen = set()
    for module, path in _modules():
        seen.add(module)
        declared = _declared_all(path)
        if module in PUBLIC:
            assert declared == PUBLIC[module], (
                f"{module}.__all__ changed: added {sorted((declared or set()) - PUBLIC[module])}, "
                f"removed {sorted(PUBLIC[module] - (declared or set()))}; if deliberate, update PUBLIC"
            )
        else:
            assert declared is None, f"{module} is internal but has __all__ = {sorted(declared)}: add it to PUBLIC or drop it"
    assert set(PUBLIC) <= seen, f"pinned modules that no longer exist: {sorted(set(PUBLIC) - seen)}"


@pytest.mark.peers  # imports every adapter and integration: their libraries are the test extra's
def test_every_pinned_name_exists():
    for module, names in PUBLIC.items():
        imported = importlib.import_module(module)
        missing = [name for name in sorted(names) if not hasattr(imported, name)]
        assert not missing, f"{module} lacks {missing}"

