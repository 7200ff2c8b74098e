"""The benchmark suite of oauth1core (standard library only; the peers are optional).

Run it with ``python -m oauth1core bench`` from a checkout; see README.md in this directory.
"""
