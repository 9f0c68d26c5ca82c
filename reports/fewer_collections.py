"""Fewer garbage-collector passes while the figures are computed.

Computing a plan's quarters allocates hundreds of thousands of small objects (rows as
dicts, Decimals, tuples) that reference counting frees and that form no cycles, yet each
700 allocations start a young-generation pass, and about every hundredth of those a pass
over the oldest generation, which reaches everything the process holds. Over a full rollup at scale 1
that was a sixth of the process's CPU (README, "Fewer collector passes").
Within one computation the first threshold is raised; what the computation leaves in
cycles is collected by the next pass after it, as before."""

from __future__ import annotations

import functools
import gc

# Allocations between two young-generation passes while a computation runs (Python's
# default is 700).
THRESHOLD = 50_000


def fewer_collections(func):
    """Run `func` with the collector's first threshold raised to THRESHOLD."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        before = gc.get_threshold()
        if before[0] == 0 or before[0] >= THRESHOLD:  # disabled, or raised by a caller
            return func(*args, **kwargs)
        gc.set_threshold(THRESHOLD, *before[1:])
        try:
            return func(*args, **kwargs)
        finally:
            gc.set_threshold(*before)

    return wrapper
