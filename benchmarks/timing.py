"""How every figure is measured: warm-up, calibration, interleaved rounds, median and IQR.

* Each case is a callable doing one operation (one signature, one verification...), through
  the library's public API, on inputs built before timing.
* Warm-up: the case runs for ``warmup`` seconds first (longer on PyPy, whose JIT compiles hot
  loops), then the number of calls per sample is calibrated so that a sample lasts ``sample``
  seconds.
* Rounds: every case of a row is sampled once per round, in an order that rotates from round
  to round, so that all the cases of a row see the same machine state (a noisy neighbour, a
  frequency change) and their ratios are measured side by side, in the same run.
* A sample is the time of ``number`` back-to-back calls divided by ``number``
  (:func:`time.perf_counter`); the garbage collector is paused during a sample, as
  :mod:`timeit` does, and a collection runs between rounds. The figures include the loop and the
  call through a closure, about the same for every case (the ``loop`` figure of the JSON).
* Each case reports the median over the rounds, the interquartile range, min and max.
"""

from __future__ import annotations

import gc
import statistics
import time
from itertools import repeat
from typing import Any, Callable, Dict, List, Optional

__all__ = ["Case", "Stats", "Settings", "measure", "loop_overhead"]


class Case:
    """One implementation of one operation.

    ``call`` does one operation. ``reset`` (optional) runs, untimed, before every sample: a
    provider gets a fresh nonce store there, for instance. ``max_number`` caps the calls of one
    sample (the size of a pool of pre-signed requests).
    """

    def __init__(
        self,
        name: str,
        call: Callable[[], Any],
        *,
        reset: Optional[Callable[[], None]] = None,
        max_number: Optional[int] = None,
        note: str = "",
    ) -> None:
        self.name = name
        self.call = call
        self.reset = reset
        self.max_number = max_number
        self.note = note


class Stats:
    """Seconds per call: median, quartiles, min, max over the samples."""

    def __init__(self, samples: List[float], number: int) -> None:
        ordered = sorted(samples)
        self.samples = ordered
        self.number = number
        self.median = statistics.median(ordered)
        if len(ordered) >= 4:
            quartiles = statistics.quantiles(ordered, n=4, method="inclusive")
            self.q1, self.q3 = quartiles[0], quartiles[2]
        else:
            self.q1, self.q3 = ordered[0], ordered[-1]
        self.min = ordered[0]
        self.max = ordered[-1]

    def as_dict(self) -> Dict[str, Any]:
        return {
            "median_us": self.median * 1e6,
            "q1_us": self.q1 * 1e6,
            "q3_us": self.q3 * 1e6,
            "min_us": self.min * 1e6,
            "max_us": self.max * 1e6,
            "samples": len(self.samples),
            "calls_per_sample": self.number,
        }


class Settings:
    """``rounds`` samples per case, each of about ``sample`` seconds, after ``warmup`` seconds."""

    def __init__(self, rounds: int, sample: float, warmup: float) -> None:
        self.rounds = rounds
        self.sample = sample
        self.warmup = warmup

    def as_dict(self) -> Dict[str, Any]:
        return {"rounds": self.rounds, "sample_seconds": self.sample, "warmup_seconds": self.warmup}


def _run(case: Case, number: int) -> float:
    """Seconds for ``number`` calls, collector paused."""
    call = case.call
    if case.reset is not None:
        case.reset()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in repeat(None, number):
            call()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def _calibrate(case: Case, settings: Settings) -> int:
    """Warm the case up, then find the number of calls that lasts about ``settings.sample``."""
    cap = case.max_number or 1 << 30
    number = 1
    deadline = time.perf_counter() + settings.warmup
    elapsed = _run(case, number)
    while True:
        if elapsed >= settings.sample / 4 or number >= cap:
            if time.perf_counter() >= deadline:
                break
        else:
            number = min(number * 2, cap)
        elapsed = _run(case, number)
    per_call = elapsed / number
    return max(1, min(cap, int(settings.sample / max(per_call, 1e-9))))


def measure(cases: List[Case], settings: Settings) -> Dict[str, Stats]:
    """Samples of every case, interleaved: one sample of each case per round."""
    numbers = [_calibrate(case, settings) for case in cases]
    samples: List[List[float]] = [[] for _ in cases]
    count = len(cases)
    for round_index in range(settings.rounds):
        gc.collect()
        for offset in range(count):
            index = (round_index + offset) % count
            samples[index].append(_run(cases[index], numbers[index]) / numbers[index])
    return {case.name: Stats(samples[i], numbers[i]) for i, case in enumerate(cases)}


def loop_overhead(settings: Settings) -> float:
    """Seconds per call of a case that does nothing: the measuring loop's own cost."""

    def nothing() -> None:
        return None

    return measure([Case("loop", nothing)], settings)["loop"].median
