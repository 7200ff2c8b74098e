"""The store suite against MemoryStore, and what is particular to it."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

import pytest
from store_suite import T0, StoreSuite, record

from oauth1core.stores import open_store
from oauth1core.stores.memory import MemoryStore


class TestMemoryStore(StoreSuite):
    @pytest.fixture
    def make_store(self) -> Iterator[Callable[..., Any]]:
        def make(same_as: Optional[MemoryStore] = None) -> MemoryStore:
            return same_as if same_as is not None else MemoryStore()

        yield make


def test_open_store_memory() -> None:
    for url in ("memory", "memory:", "MEMORY"):
        assert isinstance(open_store(url), MemoryStore)
    with pytest.raises(ValueError):
        open_store("memory:///x")


def test_len_and_repr_show_no_secret() -> None:
    store = MemoryStore()
    store.add_token(record("t1"))
    store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 1)
    assert len(store) == 2
    assert "secret" not in repr(store) and "secret" not in repr(store.get_token("t1"))
    store.close()
    assert len(store) == 0
