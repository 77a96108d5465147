"""Side-by-side timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def best_time(fn: Callable[[], object], device: torch.device, repeats: int) -> float:
    """Best wall time of ``repeats`` calls of ``fn`` after one warm-up call."""
    fn()
    sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(fns: dict[str, Callable[[], object]], device: torch.device,
                repeats: int, clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Best time of each function, alternating between them so machine noise hits all alike.

    ``clock=time.process_time`` counts this process's CPU time instead of wall time: on a
    CPU shared with other jobs it is far less noisy (with one torch thread)."""
    for fn in fns.values():
        fn()
    sync(device)
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            start = clock()
            fn()
            sync(device)
            best[name] = min(best[name], clock() - start)
    return best


def matmul_peak(device: torch.device, dtype: torch.dtype, n: int, repeats: int = 5) -> float:
    """FLOP/s of a dense n x n x n matrix product: the machine's practical peak."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    with torch.inference_mode():
        seconds = best_time(lambda: a @ b, device, repeats)
    return 2 * n**3 / seconds
