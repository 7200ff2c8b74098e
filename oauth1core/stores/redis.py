"""The Redis store: nonces and tokens shared by a fleet of providers (the ``redis`` package,
``pip install 'oauth1core[redis]'``; imported only when a store is opened).

Every server of a fleet behind a load balancer opens the same Redis, so a request replayed to
another server is refused like one replayed to the same server (RFC 5849 section 3.3), and two
servers racing to exchange one request token (section 2.3) mint exactly one access token.

* Every write is one Lua script, which Redis runs atomically. A nonce is a string key set with
  ``SET key expires_at NX PX ttl``; the time to live is ``expires_at - now``, which is at least
  the provider's timestamp window, so Redis drops the nonce on its own once no timestamp can
  bring it back. When the key is still held but its recorded ``expires_at`` is at or before the
  caller's ``now`` (the provider's clock rules, not Redis's), the same script records it again.
* A token is a hash (one field per :class:`~oauth1core.stores.TokenRecord` field; ``None`` is
  a missing field). A transition is a compare-and-set script: it checks the stored state and
  expiry, replaces the record and, for an exchange, inserts the new token in the same script,
  or changes nothing. An issued token's ``parent`` is claimed with a key of its own, so one set
  of temporary credentials can never yield two access tokens (as with the SQLite store).
* A token that expires gets a Redis time to live of its remaining lifetime plus
  ``keep_expired`` seconds (during which it reads as ``token_expired``); tokens without an
  expiry (access tokens, by default) live until deleted.
* Expiry times are also kept in two sorted sets, so :meth:`RedisStore.sweep` forgets exactly
  what the provider's clock says has expired. Redis usually drops keys first; the indexes are
  trimmed as writes go by, so they stay bounded even when nobody sweeps.
* Any :class:`redis.exceptions.RedisError` (connection refused or lost, timeout, a read-only
  replica, a script error) becomes :class:`~oauth1core.errors.ServiceUnavailable` (503): never
  an accept. Socket timeouts default to 2 s, so a stopped or unreachable Redis fails requests
  quickly; the connection pool reconnects by itself once Redis is back. A connection lost
  mid-command is retried once: the scripts are compare-and-set, so a retry can only turn a
  success into a refusal, never into a second accept.

Keys are ``PREFIX`` (default ``oauth1:``) + ``nonce:CONSUMER:TOKEN:NONCE``, ``token:TOKEN``,
``parent:TOKEN``, ``expiry:nonces``, ``expiry:tokens``, with every part percent-encoded so that
no two keys run together. Token secrets are stored as given (HMAC needs them: section 4.5),
verifiers only as their SHA-256 hash: protect Redis like any credential store (a password, TLS
with ``rediss://``, no public address). Redis Cluster is not supported (a script's keys would
need one hash slot); a single Redis with replicas or Sentinel is.
"""

from __future__ import annotations

import math
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

from ..errors import ServiceUnavailable
from ..tokens import TokenState
from . import AddResult, TokenRecord, mask_url

if TYPE_CHECKING:  # pragma: no cover
    import redis
    from redis.commands.core import Script

__all__ = ["RedisStore", "from_url"]

DEFAULT_PREFIX = "oauth1:"
#: Seconds a socket may wait for Redis (connect, or one reply) before the request gets a 503.
DEFAULT_TIMEOUT = 2.0
#: Seconds Redis keeps an expired token before dropping it by itself (sweep drops it sooner).
DEFAULT_KEEP_EXPIRED = 60.0

_INSTALL = "the redis store needs the redis package: pip install 'oauth1core[redis]'"
_SWEEP_BATCH = 500

# -- the scripts (Lua, run atomically by Redis) -----------------------------------------------

# KEYS: the nonce, the nonce expiry index. ARGV: expires_at, now, time to live (ms).
_ADD_NONCE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then
  local held = tonumber(redis.call('GET', KEYS[1]))
  if held == nil then
    return redis.error_reply('oauth1core: a nonce key holds no expiry time')
  end
  if held > tonumber(ARGV[2]) then
    return 0
  end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
end
redis.call('ZADD', KEYS[2], ARGV[1], KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2])
return 1
"""

# Shared by the token scripts. A record travels in ARGV as: time to live in ms ('0': none),
# expires_at ('' when none), the number N of items that follow, then N items (field, value, ...).
_RECORDS = """
local function take(at)
  local count = tonumber(ARGV[at + 2])
  local fields = {}
  for i = 1, count do
    fields[i] = ARGV[at + 2 + i]
  end
  return {ttl = ARGV[at], expires = ARGV[at + 1], fields = fields}, at + 3 + count
end

local function put(key, index, record)
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(record.fields))
  if record.ttl ~= '0' then
    redis.call('PEXPIRE', key, record.ttl)
    redis.call('ZADD', index, record.expires, key)
  else
    redis.call('ZREM', index, key)
  end
end

local function claim(key, token, record)
  if record.ttl ~= '0' then
    redis.call('SET', key, token, 'PX', record.ttl)
  else
    redis.call('SET', key, token)
  end
end
"""

# KEYS: the token, the token expiry index[, its parent key]. ARGV: the token, then its record.
_ADD_TOKEN = _RECORDS + """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then
  return 0
end
local record = take(2)
put(KEYS[1], KEYS[2], record)
if KEYS[3] then
  claim(KEYS[3], ARGV[1], record)
end
return 1
"""

# KEYS: the token, the token expiry index, the consumer's pending set (token keys scored by
# expiry). ARGV: the token, now, the limit, then its record. Returns 1 added, 0 taken, 2 quota.
# The pending set is trimmed of expired members, and at the limit of members no longer
# 'temporary' (decided, or dropped): at most ``limit`` reads, only when at the limit.
_ADD_REQUEST_TOKEN = _RECORDS + """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    if redis.call('HGET', member, 'state') ~= 'temporary' then
      redis.call('ZREM', KEYS[3], member)
    end
  end
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
    return 2
  end
end
local record = take(4)
put(KEYS[1], KEYS[2], record)
redis.call('ZADD', KEYS[3], record.expires, KEYS[1])
redis.call('PEXPIRE', KEYS[3], record.ttl)
return 1
"""

# KEYS: the token, the token expiry index[, the issued token[, its parent key]].
# ARGV: expected state, now, trim the index below this, the new record[, the issued token, its record].
_TRANSITION = _RECORDS + """
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then
  return 0
end
local expires = redis.call('HGET', KEYS[1], 'expires_at')
if expires and tonumber(expires) <= tonumber(ARGV[2]) then
  return 0
end
local new, at = take(4)
local issued = nil
if KEYS[3] then
  if redis.call('EXISTS', KEYS[3]) == 1 then
    return 0
  end
  if KEYS[4] and redis.call('EXISTS', KEYS[4]) == 1 then
    return 0
  end
  issued = take(at + 1)
end
put(KEYS[1], KEYS[2], new)
if issued then
  put(KEYS[3], KEYS[2], issued)
  if KEYS[4] then
    claim(KEYS[4], ARGV[at], issued)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3])
return 1
"""

# KEYS: a key named by an expiry index, that index. ARGV: now, 'nonce' or 'token'.
_SWEEP_ONE = """
local held
if ARGV[2] == 'nonce' then
  held = redis.call('GET', KEYS[1])
else
  held = redis.call('HGET', KEYS[1], 'expires_at')
end
if not held then
  redis.call('ZREM', KEYS[2], KEYS[1])
  return 0
end
local expires = tonumber(held)
if expires == nil then
  return redis.error_reply('oauth1core: a key holds no expiry time')
end
if expires <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  return 1
end
redis.call('ZADD', KEYS[2], held, KEYS[1])
return 0
"""

_FIELDS = ("token", "secret", "consumer_key", "state", "created_at", "expires_at", "callback", "verifier_hash",
           "user", "parent")


def _part(text: str) -> str:
    """One part of a key, percent-encoded (``:`` and ``%`` included): parts never run together."""
    return urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")


def _text(value: Union[bytes, str]) -> str:
    """A value read from Redis as text (clients built without ``decode_responses`` give bytes)."""
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("times must be finite numbers")
    return repr(float(value))


def _milliseconds(seconds: float) -> str:
    """A Redis time to live: whole milliseconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds * 1000)))


class RedisStore:
    """Implements :class:`~oauth1core.stores.Store` on Redis 4.0 or later (or Valkey).

    ``client`` is a :class:`redis.Redis`: :func:`from_url` builds one, or bring your own (from
    Sentinel, with your pool and TLS settings; ``close`` then leaves it open). ``prefix`` starts
    every key, so several providers can share one database; ``keep_expired`` is how long Redis
    keeps a token past its expiry (reading as ``token_expired``) before dropping it by itself.
    ``location`` (shown by ``repr``, its password masked) names the server.
    """

    def __init__(
        self,
        client: "redis.Redis",
        *,
        prefix: str = DEFAULT_PREFIX,
        keep_expired: float = DEFAULT_KEEP_EXPIRED,
        location: str = "redis",
        owns_client: bool = False,
    ) -> None:
        import redis.exceptions

        if not math.isfinite(keep_expired) or keep_expired < 0:
            raise ValueError("keep_expired must be a number of seconds, 0 or more")
        self.client = client
        self.prefix = prefix
        self.keep_expired = float(keep_expired)
        self.location = location
        self._owns_client = owns_client
        self._closed = False
        self._error = redis.exceptions.RedisError
        self._nonce_index = prefix + "expiry:nonces"
        self._token_index = prefix + "expiry:tokens"
        self._add_nonce = client.register_script(_ADD_NONCE)
        self._add_token = client.register_script(_ADD_TOKEN)
        self._add_request_token = client.register_script(_ADD_REQUEST_TOKEN)
        self._transition = client.register_script(_TRANSITION)
        self._sweep_one = client.register_script(_SWEEP_ONE)

    # -- keys and records -------------------------------------------------------------------

    def nonce_key(self, consumer_key: str, token: str, nonce: str) -> str:
        """The key of the nonce ``(consumer_key, token, nonce)``."""
        return f"{self.prefix}nonce:{_part(consumer_key)}:{_part(token)}:{_part(nonce)}"

    def token_key(self, token: str) -> str:
        """The key of the token ``token``'s hash."""
        return f"{self.prefix}token:{_part(token)}"

    def pending_key(self, consumer_key: str) -> str:
        """The key of the consumer's set of temporary credentials issued under a quota."""
        return f"{self.prefix}pending:{_part(consumer_key)}"

    def parent_key(self, parent: str) -> str:
        """The key claiming ``parent`` for the one token issued in its place."""
        return f"{self.prefix}parent:{_part(parent)}"

    def _record_args(self, record: TokenRecord, reference: float) -> List[str]:
        """``record`` as script arguments; its time to live counts from ``reference``."""
        items: List[str] = []
        for name in _FIELDS:
            value = getattr(record, name)
            if value is None:
                continue
            if isinstance(value, TokenState):
                text = value.value
            elif isinstance(value, (int, float)):
                text = _number(value)
            else:
                text = str(value)
            items += [name, text]
        if record.expires_at is None:
            return ["0", "", str(len(items))] + items
        ttl = _milliseconds(record.expires_at - reference + self.keep_expired)
        return [ttl, _number(record.expires_at), str(len(items))] + items

    def _decode(self, raw: Mapping[Union[bytes, str], Union[bytes, str]]) -> TokenRecord:
        fields = {_text(name): _text(value) for name, value in raw.items()}
        try:
            expires_at = fields.get("expires_at")
            return TokenRecord(
                token=fields["token"],
                secret=fields["secret"],
                consumer_key=fields["consumer_key"],
                state=TokenState(fields["state"]),
                created_at=float(fields["created_at"]),
                expires_at=None if expires_at is None else float(expires_at),
                callback=fields.get("callback"),
                verifier_hash=fields.get("verifier_hash"),
                user=fields.get("user"),
                parent=fields.get("parent"),
            )
        except (KeyError, ValueError):
            raise ServiceUnavailable("the Redis store holds a malformed token record") from None

    # -- talking to Redis -------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ServiceUnavailable("the Redis store is closed")

    def _failed(self, exc: Exception) -> ServiceUnavailable:
        # The class name only: a message could name the server, and the advice reaches clients.
        return ServiceUnavailable(f"the Redis store is unavailable ({exc.__class__.__name__})")

    def _run(self, script: "Script", keys: Sequence[str], args: Sequence[str]) -> int:
        self._check_open()
        try:
            return int(script(keys=keys, args=args))
        except self._error as exc:
            raise self._failed(exc) from None

    def ping(self) -> None:
        """Check that Redis answers; raises :class:`ServiceUnavailable` when it does not."""
        self._check_open()
        try:
            self.client.ping()
        except self._error as exc:
            raise self._failed(exc) from None

    # -- the Store protocol -----------------------------------------------------------------

    def add_nonce(self, consumer_key: str, token: str, nonce: str, *, now: float, expires_at: float) -> bool:
        keys = [self.nonce_key(consumer_key, token, nonce), self._nonce_index]
        args = [_number(expires_at), _number(now), _milliseconds(expires_at - now)]
        return self._run(self._add_nonce, keys, args) == 1

    def add_token(self, record: TokenRecord) -> bool:
        keys = [self.token_key(record.token), self._token_index]
        if record.parent is not None:
            keys.append(self.parent_key(record.parent))
        return self._run(self._add_token, keys, [record.token] + self._record_args(record, record.created_at)) == 1

    def add_request_token(self, record: TokenRecord, *, limit: int, now: float) -> AddResult:
        if record.expires_at is None:
            raise ValueError("temporary credentials expire")
        keys = [self.token_key(record.token), self._token_index, self.pending_key(record.consumer_key)]
        args = [record.token, _number(now), str(int(limit))] + self._record_args(record, record.created_at)
        answer = self._run(self._add_request_token, keys, args)
        return "added" if answer == 1 else "quota" if answer == 2 else "taken"

    def get_token(self, token: str) -> Optional[TokenRecord]:
        self._check_open()
        try:
            raw = self.client.hgetall(self.token_key(token))
        except self._error as exc:
            raise self._failed(exc) from None
        return self._decode(raw) if raw else None

    def transition(
        self,
        token: str,
        expected: TokenState,
        new: TokenRecord,
        *,
        now: float,
        issue: Optional[TokenRecord] = None,
    ) -> bool:
        if new.token != token:
            raise ValueError("a transition keeps the token's identifier")
        keys = [self.token_key(token), self._token_index]
        args = [expected.value, _number(now), _number(now - self.keep_expired)] + self._record_args(new, now)
        if issue is not None:
            if issue.token == token:
                return False  # the identifier is taken (by the token itself)
            keys.append(self.token_key(issue.token))
            if issue.parent is not None:
                keys.append(self.parent_key(issue.parent))
            args += [issue.token] + self._record_args(issue, now)
        return self._run(self._transition, keys, args) == 1

    def sweep(self, now: float) -> int:
        """Forget nonces and tokens whose expiry is at or before ``now``; returns how many this
        call deleted (not those Redis had already dropped by their time to live)."""
        self._check_open()
        removed = 0
        try:
            for index, kind in ((self._nonce_index, "nonce"), (self._token_index, "token")):
                while True:
                    batch = self.client.zrangebyscore(index, "-inf", _number(now), start=0, num=_SWEEP_BATCH)
                    if not batch:
                        break
                    pipeline = self.client.pipeline(transaction=False)
                    for member in batch:
                        if isinstance(member, (bytes, str)):  # always, without scores
                            self._sweep_one(keys=[_text(member), index], args=[_number(now), kind], client=pipeline)
                    removed += sum(int(result) for result in pipeline.execute())
                    if len(batch) < _SWEEP_BATCH:
                        break
        except self._error as exc:
            raise self._failed(exc) from None
        return removed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._owns_client:
            try:
                self.client.connection_pool.disconnect()
            except self._error:  # pragma: no cover - closing a broken connection
                pass

    def __repr__(self) -> str:
        return f"<RedisStore {self.location} prefix={self.prefix!r}>"


# -- URLs -------------------------------------------------------------------------------------

#: Query options of a store URL besides ``prefix`` and ``keep_expired``: passed to redis-py.
CLIENT_OPTIONS: Dict[str, Callable[[str], Any]] = {
    "db": int,
    "socket_timeout": float,
    "socket_connect_timeout": float,
    "max_connections": int,
    "health_check_interval": int,
    "client_name": str,
    "username": str,
    "password": str,
    "ssl_cert_reqs": str,
    "ssl_ca_certs": str,
    "ssl_certfile": str,
    "ssl_keyfile": str,
}


def _options(query: str) -> Tuple[Dict[str, str], Dict[str, Any]]:
    """Split the query into this store's own options and redis-py's (parsed); ValueError when
    an option is unknown, repeated or malformed."""
    own: Dict[str, str] = {}
    client: Dict[str, Any] = {}
    seen = set()
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if name in seen:
            raise ValueError(f"the redis store option {name!r} is repeated")
        seen.add(name)
        if name in ("prefix", "keep_expired"):
            own[name] = value
            continue
        parse = CLIENT_OPTIONS.get(name)
        if parse is None:
            known = ", ".join(sorted(["prefix", "keep_expired", *CLIENT_OPTIONS]))
            raise ValueError(f"unknown redis store option {name!r} (known: {known})")
        try:
            client[name] = parse(value)
        except ValueError:
            raise ValueError(f"invalid value for the redis store option {name!r}") from None
    return own, client


def _connection_class(parts: urllib.parse.SplitResult, scheme: str, port: Optional[int],
                      options: Dict[str, Any]) -> Any:
    """The redis-py connection class for the URL's scheme; puts the address into ``options``."""
    import redis.connection

    connection_class: Union[Type[redis.connection.Connection], Type[redis.connection.UnixDomainSocketConnection]]
    if scheme in ("redis", "rediss"):
        if not parts.hostname:
            raise ValueError(f"the redis store needs a host: {scheme}://HOST:PORT/DB")
        options["host"] = parts.hostname
        options["port"] = port if port is not None else 6379
        path = parts.path.strip("/")
        if path and "db" not in options:
            if not path.isdigit():
                raise ValueError("the redis database is a number: redis://HOST:PORT/DB")
            options["db"] = int(path)
        options.setdefault("socket_connect_timeout", DEFAULT_TIMEOUT)
        connection_class = redis.connection.SSLConnection if scheme == "rediss" else redis.connection.Connection
    elif scheme == "redis+unix":
        if parts.hostname or not parts.path:
            raise ValueError("a redis socket URL is redis+unix:///PATH?db=N")
        options["path"] = urllib.parse.unquote(parts.path)
        connection_class = redis.connection.UnixDomainSocketConnection
    else:
        raise ValueError("not a redis URL: redis://, rediss:// or redis+unix://")
    return connection_class


def from_url(url: str, *, check: bool = True) -> RedisStore:
    """A :class:`RedisStore` from a URL:

    * ``redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]``, ``rediss://...`` (TLS),
      ``redis+unix:///PATH/TO/SOCKET?db=N[&password=PASSWORD]``;
    * options: ``prefix=`` (default ``oauth1:``), ``keep_expired=SECONDS`` (default 60),
      ``socket_timeout=`` and ``socket_connect_timeout=`` (default 2 s), and the redis-py
      options of :data:`CLIENT_OPTIONS`.

    With ``check`` (the default) Redis must answer a ``PING`` now, else
    :class:`ServiceUnavailable`. Raises :class:`ValueError` for a malformed URL or when the
    ``redis`` package is missing. Neither error nor ``repr`` shows the password.
    """
    try:
        import redis
        import redis.backoff
        import redis.connection
        import redis.retry
    except ImportError:
        raise ValueError(_INSTALL) from None

    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError("malformed redis URL (check its host and port)") from None
    scheme = parts.scheme.lower()
    own, options = _options(parts.query)
    prefix = own.get("prefix", DEFAULT_PREFIX)
    try:
        keep_expired = float(own.get("keep_expired", DEFAULT_KEEP_EXPIRED))
    except ValueError:
        raise ValueError("keep_expired must be a number of seconds") from None
    if parts.username:
        options.setdefault("username", urllib.parse.unquote(parts.username))
    if parts.password:
        options.setdefault("password", urllib.parse.unquote(parts.password))
    options.setdefault("socket_timeout", DEFAULT_TIMEOUT)
    if scheme != "rediss" and any(name.startswith("ssl_") for name in options):
        raise ValueError("the ssl_* options need a rediss:// URL")
    connection_class = _connection_class(parts, scheme, port, options)
    # One quick retry when a connection was lost (a pooled socket that Redis closed), none on a
    # timeout: a stopped Redis costs a request one timeout, then a 503.
    retry = redis.retry.Retry(redis.backoff.NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,))
    pool = redis.ConnectionPool(connection_class=connection_class, decode_responses=True,
                                encoding_errors="surrogatepass", retry=retry, **options)
    store = RedisStore(redis.Redis(connection_pool=pool), prefix=prefix, keep_expired=keep_expired,
                       location=mask_url(url), owns_client=True)
    if check:
        try:
            store.ping()
        except ServiceUnavailable:
            store.close()
            raise
    return store
