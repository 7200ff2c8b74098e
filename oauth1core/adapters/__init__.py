"""Adapters: sign the request objects of HTTP libraries with a :class:`~oauth1core.client.Client`.

Each adapter is a module of its own, imported on use, so that a library that is not installed
costs nothing: :mod:`oauth1core.adapters.urllib` (standard library).
"""

__all__: list = []  # type: ignore[type-arg]
