"""The store suite against RedisStore on a real, private redis-server, and what is particular to
it: URLs and options, passwords kept out of sight, key layout and expiry, Redis down (refused,
stopped, paused) as 503 and recovery, the lazy import."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any, Callable, Iterator, List, Optional

import pytest
import redis
from redis_fixture import RedisServer, redis_server, unique_prefix  # noqa: F401 - a fixture
from store_suite import (ROOT, T0, FakeClock, S, StoreSuite, consumers, problem_of, record, signed,
                         three_legged)

from oauth1core.errors import ServiceUnavailable
from oauth1core.server import Provider
from oauth1core.stores import open_store
from oauth1core.stores.redis import RedisStore, from_url, mask_url


def admin(server: RedisServer) -> "redis.Redis":
    return redis.Redis(host="127.0.0.1", port=server.port, decode_responses=True)


class TestRedisStore(StoreSuite):
    @pytest.fixture
    def make_store(self, redis_server: RedisServer) -> Iterator[Callable[..., Any]]:  # noqa: F811
        opened: List[RedisStore] = []

        def make(same_as: Optional[RedisStore] = None) -> RedisStore:
            prefix = same_as.prefix if same_as is not None else unique_prefix()
            store = from_url(f"{redis_server.url}?prefix={prefix}")
            opened.append(store)
            return store

        yield make
        for store in opened:
            store.close()


@pytest.fixture
def store(redis_server: RedisServer) -> Iterator[RedisStore]:  # noqa: F811
    opened = from_url(f"{redis_server.url}?prefix={unique_prefix()}")
    yield opened
    opened.close()


# -- keys, expiry, sweeping ---------------------------------------------------------------------


def test_keys_and_time_to_live(store: RedisStore, redis_server: RedisServer) -> None:  # noqa: F811
    direct = admin(redis_server)
    p = store.prefix
    assert store.add_nonce("c:1", "", "n%1", now=T0, expires_at=T0 + 301)
    key = p + "nonce:c%3A1::n%251"
    assert direct.get(key) == repr(T0 + 301)
    assert 290_000 < direct.pttl(key) <= 301_000  # at least the timestamp window, in Redis's own time
    store.add_token(record("t1", expires_at=T0 + 600))
    assert direct.hget(p + "token:t1", "state") == "temporary"
    assert 590_000 < direct.pttl(p + "token:t1") <= 600_000 + store.keep_expired * 1000
    store.add_token(record("forever", S.ACTIVE, expires_at=None, parent="t0"))
    assert direct.pttl(p + "token:forever") == -1  # no expiry: lives until deleted
    assert direct.get(p + "parent:t0") == "forever"
    direct.close()


def test_parent_is_claimed_once(store: RedisStore) -> None:
    assert store.add_token(record("a1", S.ACTIVE, expires_at=None, parent="rt"))
    assert store.add_token(record("a2", S.ACTIVE, expires_at=None, parent="rt")) is False
    assert store.get_token("a2") is None
    store.add_token(record("rt", S.AUTHORIZED))
    issued = record("a3", S.ACTIVE, expires_at=None, parent="rt")
    assert store.transition("rt", S.AUTHORIZED, record("rt", S.EXCHANGED), now=T0, issue=issued) is False
    assert store.get_token("rt") == record("rt", S.AUTHORIZED) and store.get_token("a3") is None


def test_sweep_when_redis_dropped_keys_first(store: RedisStore, redis_server: RedisServer) -> None:  # noqa: F811
    direct = admin(redis_server)
    store.add_nonce("c1", "", "gone", now=T0, expires_at=T0 + 10)
    store.add_token(record("gone", expires_at=T0 + 10))
    direct.delete(store.nonce_key("c1", "", "gone"), store.token_key("gone"))  # as their time to live would
    assert store.sweep(T0 + 100) == 0
    assert direct.zcard(store.prefix + "expiry:nonces") == 0 and direct.zcard(store.prefix + "expiry:tokens") == 0
    direct.close()


def test_sweep_in_batches(store: RedisStore) -> None:
    for i in range(1203):
        store.add_nonce("c1", "", f"n{i}", now=T0, expires_at=T0 + 10)
    assert store.sweep(T0 + 10) == 1203
    assert store.add_nonce("c1", "", "n7", now=T0 + 10, expires_at=T0 + 20)


def test_real_expiry_by_redis(redis_server: RedisServer) -> None:  # noqa: F811
    store = from_url(f"{redis_server.url}?prefix={unique_prefix()}&keep_expired=0")
    now = time.time()
    assert store.add_nonce("c1", "", "n", now=now, expires_at=now + 0.2)
    store.add_token(record("short", expires_at=T0 + 0.2))
    time.sleep(0.5)
    assert store.client.exists(store.nonce_key("c1", "", "n"), store.token_key("short")) == 0
    assert store.add_nonce("c1", "", "n", now=now + 0.5, expires_at=now + 300)
    assert store.get_token("short") is None
    store.close()


def test_any_text_survives(store: RedisStore) -> None:
    odd = record("é\u2028:%*?", callback="https://c.example/é?a=1&b=%20", user="zoë\ud800", verifier_hash="ff" * 32)
    assert store.add_token(odd)
    assert store.get_token(odd.token) == odd
    assert store.add_nonce("c\ud800", "tok\x00", "\u2028", now=T0, expires_at=T0 + 300)
    assert not store.add_nonce("c\ud800", "tok\x00", "\u2028", now=T0, expires_at=T0 + 300)


def test_client_without_decoded_responses(redis_server: RedisServer) -> None:  # noqa: F811
    client = redis.Redis(host="127.0.0.1", port=redis_server.port)  # bytes replies
    store = RedisStore(client, prefix=unique_prefix())
    store.add_token(record("t1", user="zoë"))
    assert store.get_token("t1") == record("t1", user="zoë")
    assert store.sweep(T0 + 10**6) == 1
    store.close()
    client.close()


def test_malformed_record_is_unavailable(store: RedisStore) -> None:
    store.add_token(record("t1"))
    store.client.hset(store.token_key("t1"), "state", "bogus")
    with pytest.raises(ServiceUnavailable):
        store.get_token("t1")
    store.client.set(store.nonce_key("c1", "", "n"), "not a time")
    with pytest.raises(ServiceUnavailable):
        store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)


def test_provider_flow_on_two_handles(redis_server: RedisServer) -> None:  # noqa: F811
    prefix = unique_prefix()
    first = from_url(f"{redis_server.url}?prefix={prefix}")
    second = from_url(f"{redis_server.url}?prefix={prefix}")
    access, client = three_legged(Provider(consumers(), first, clock=FakeClock()))
    other = Provider(consumers(), second, clock=FakeClock())
    request = signed(client, "GET", "http://sp.example.net/api/whoami")
    assert other.verify_request(*request).access.user == "alice"
    replayed = Provider(consumers(), first, clock=FakeClock())
    assert problem_of(lambda: replayed.verify_request(*request)) == (401, "nonce_used")
    first.close()
    second.close()


# -- URLs and secrets ---------------------------------------------------------------------------


def test_from_url_forms(redis_server: RedisServer) -> None:  # noqa: F811
    tcp = open_store(f"redis://127.0.0.1:{redis_server.port}/3?prefix=app%3A&socket_timeout=0.5")
    assert isinstance(tcp, RedisStore) and tcp.prefix == "app:"
    kwargs = tcp.client.connection_pool.connection_kwargs
    assert kwargs["db"] == 3 and kwargs["socket_timeout"] == 0.5 and kwargs["socket_connect_timeout"] == 2.0
    tcp.add_nonce("c", "", "n", now=T0, expires_at=T0 + 300)
    assert redis.Redis(host="127.0.0.1", port=redis_server.port, db=3).exists("app:nonce:c::n") == 1
    tcp.close()
    unix = open_store(f"redis+unix://{redis_server.socket_path}?db=2")
    assert isinstance(unix, RedisStore) and unix.prefix == "oauth1:"
    assert unix.add_nonce("c", "", "n", now=T0, expires_at=T0 + 300)
    assert redis.Redis(unix_socket_path=redis_server.socket_path, db=2).exists("oauth1:nonce:c::n") == 1
    unix.close()
    for bad in ("redis://", "redis://127.0.0.1:99999/0", "redis://127.0.0.1/zero",
                f"redis://127.0.0.1:{redis_server.port}/0?prefx=a", f"{redis_server.url}?db=1&db=2",
                f"{redis_server.url}?socket_timeout=soon", f"{redis_server.url}?ssl_certfile=x.pem",
                f"{redis_server.url}?keep_expired=-1", "redis+unix://host/path", "redis+unix://"):
        with pytest.raises(ValueError):
            open_store(bad)


def test_unreachable_at_open_is_unavailable(redis_server: RedisServer) -> None:  # noqa: F811
    from redis_fixture import free_port

    with pytest.raises(ServiceUnavailable) as info:
        from_url(f"redis://127.0.0.1:{free_port()}/0")
    assert info.value.status == 503
    store = from_url(f"redis://127.0.0.1:{free_port()}/0", check=False)  # opens lazily, fails per request
    with pytest.raises(ServiceUnavailable):
        store.get_token("t")
    store.close()


def test_password_never_shown(redis_server: RedisServer) -> None:  # noqa: F811
    direct = admin(redis_server)
    direct.execute_command("ACL", "SETUSER", "fleet", "on", ">pa:ss@w0rd", "~*", "+@all")
    good = f"redis://fleet:pa%3Ass%40w0rd@127.0.0.1:{redis_server.port}/0?prefix={unique_prefix()}"
    store = open_store(good)
    assert store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
    assert "w0rd" not in repr(store) and "fleet:***@127.0.0.1" in repr(store)
    store.close()
    with pytest.raises(ServiceUnavailable) as info:
        open_store(good.replace("w0rd", "wrong-w0rd"))
    assert "w0rd" not in str(info.value) and "w0rd" not in info.value.message
    assert mask_url("redis+unix:///run/redis.sock?db=1&password=hunter2") == "redis+unix:///run/redis.sock?db=1&password=***"
    assert mask_url("rediss://:hunter2@h:6380/0") == "rediss://:***@h:6380/0"
    assert mask_url("redis://h/0") == "redis://h/0"
    direct.execute_command("ACL", "DELUSER", "fleet")
    direct.close()


def test_closed_store_is_unavailable(redis_server: RedisServer) -> None:  # noqa: F811
    store = from_url(redis_server.url)
    store.close()
    with pytest.raises(ServiceUnavailable):
        store.get_token("t")
    with pytest.raises(ServiceUnavailable):
        store.add_nonce("c", "", "n", now=T0, expires_at=T0 + 1)
    store.close()  # twice is fine


def test_missing_redis_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"pip install 'oauth1core\[redis\]'"):
        open_store("redis://127.0.0.1:6379/0")


def test_redis_is_imported_only_when_a_store_opens() -> None:
    code = ("import sys, oauth1core, oauth1core.server, oauth1core.stores, oauth1core.stores.redis, "
            "oauth1core.httpserver, oauth1core.cli.serve; print('redis' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


# -- Redis down: refused, stopped, paused; then back --------------------------------------------


def test_redis_down_is_503_then_recovers() -> None:
    with RedisServer() as server:
        store = from_url(f"{server.url}?socket_timeout=0.5&socket_connect_timeout=0.5")
        assert store.add_nonce("c1", "", "before", now=T0, expires_at=T0 + 300)
        server.stop()
        for call in (lambda: store.add_nonce("c1", "", "during", now=T0, expires_at=T0 + 300),
                     lambda: store.get_token("t1"), lambda: store.add_token(record("t1")),
                     lambda: store.transition("t1", S.TEMPORARY, record("t1", S.AUTHORIZED), now=T0),
                     lambda: store.sweep(T0)):
            with pytest.raises(ServiceUnavailable) as info:
                call()
            assert info.value.status == 503 and "127.0.0.1" not in info.value.message
        server.start()  # same port, empty (no persistence): the pool reconnects by itself
        assert store.add_nonce("c1", "", "during", now=T0, expires_at=T0 + 300)
        assert store.add_token(record("t1"))
        assert store.transition("t1", S.TEMPORARY, record("t1", S.AUTHORIZED), now=T0)

        # Paused (SIGSTOP): every call gives up after the socket timeout, then works again.
        server.pause()
        started = time.monotonic()
        try:
            with pytest.raises(ServiceUnavailable):
                store.add_nonce("c1", "", "paused", now=T0, expires_at=T0 + 300)
            with pytest.raises(ServiceUnavailable):
                store.get_token("t1")
        finally:
            server.resume()
        assert time.monotonic() - started < 20
        assert store.get_token("t1") == record("t1", S.AUTHORIZED)
        assert store.add_nonce("c1", "", "after", now=T0, expires_at=T0 + 300)
        store.close()


#: The least a provider's Redis user needs (docs/fleet.md): its key prefix and these commands.
ACL_COMMANDS = ("+ping +select +eval +evalsha +script|load +script|exists +hgetall +zrangebyscore "
                "+get +set +exists +del +pexpire +hget +hset +zadd +zrem +zremrangebyscore +zcard +zrange").split()


def test_least_privilege_acl_user(redis_server: RedisServer) -> None:  # noqa: F811
    direct = admin(redis_server)
    direct.execute_command("ACL", "SETUSER", "provider", "on", ">provider-pw", "~fleet1:*", *ACL_COMMANDS)
    try:
        store = open_store(f"redis://provider:provider-pw@127.0.0.1:{redis_server.port}/1?prefix=fleet1:")
        provider = Provider(consumers(), store, clock=FakeClock())
        access, _ = three_legged(provider)
        assert store.get_token(access.token) == access
        assert store.sweep(T0 + 10**9) >= 1
        store.close()
        outside = open_store(f"redis://provider:provider-pw@127.0.0.1:{redis_server.port}/1?prefix=other:")
        with pytest.raises(ServiceUnavailable):  # no access outside its prefix: refused, never accepted
            outside.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
        outside.close()
    finally:
        direct.execute_command("ACL", "DELUSER", "provider")
        direct.close()
