"""Suite-wide settings.

Hypothesis runs without its timing checks (no per-example ``deadline``, no ``too_slow`` health
check): speed is checked by ``benchmarks/``, never by timed unit tests, and ./test.sh runs several
interpreters at once on a shared machine, where a loaded core or PyPy's warm-up would otherwise
fail a correct test. What each property test generates and asserts is unchanged.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("oauth1core", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("oauth1core")
