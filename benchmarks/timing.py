"""(A helper, not a benchmark.) The timing rule the benchmark scripts share."""

from __future__ import annotations

import time


def best_of(function, repeats: int = 3) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``function()``: the least disturbed by other load."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)
