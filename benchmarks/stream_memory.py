"""Stream a day-long, 128-channel, 1-kHz recording through iter_windows and a nano encoder.

Writes the recording as a float32 ``.npy`` file (1.8 GB per hour at 128 channels and
1 kHz; ``--dtype float16`` halves it), built from a synthetic SEEG block
(:func:`bptlearn.data.make_seeg`) shifted in time and rescaled for each block. A child
process writes it, so this process's peak resident memory (``ru_maxrss``) measures only
the streaming: :meth:`bptlearn.BPTEncoder.transform_recording` with the shipped weights,
which reads the file through :func:`bptlearn.data.iter_windows` (band-pass, notch,
polyphase resampling to 250 Hz, 90-s windows) and embeds batch by batch, keeping one row
of features per window. Target: peak RSS < 2 GB. glibc's
mmap threshold is pinned (see :func:`fix_mmap_threshold`) unless ``--default-malloc``.

    python benchmarks/stream_memory.py --hours 0.25           # a quick run
    nice python benchmarks/stream_memory.py --hours 24        # the real thing (44 GB disk)
"""

from __future__ import annotations

import argparse
import ctypes
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def write_recording(path: str, hours: float, n_chans: int, sfreq: float, dtype: str,
                    seed: int = 0, block_s: float = 60.0) -> None:
    """Write ``(n_chans, n_times)`` µV to ``path`` block by block (no memory map)."""
    from bptlearn.data import make_seeg

    n_times = int(round(hours * 3600 * sfreq))
    rng = np.random.default_rng(seed)
    base = make_seeg(n_patients=1, n_chans=n_chans, duration=block_s, sfreq=sfreq,
                     n_seizures=0, line_freq=50.0, random_state=seed)[0].data.astype(dtype)
    item = np.dtype(dtype).itemsize
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
                "shape": (n_chans, n_times)})
        offset = f.tell()
        f.truncate(offset + n_chans * n_times * item)
        fd = f.fileno()
        block = base.shape[1]
        for start in range(0, n_times, block):
            stop = min(n_times, start + block)
            chunk = np.roll(base, int(rng.integers(block)), axis=1)[:, :stop - start]
            chunk = (chunk * rng.uniform(0.7, 1.3, size=(n_chans, 1))).astype(dtype)
            for c in range(n_chans):
                os.pwrite(fd, chunk[c].tobytes(), offset + (c * n_times + start) * item)


def fix_mmap_threshold(nbytes: int = 4 * 2**20) -> bool:
    """Pin glibc's mmap threshold so large temporary arrays go back to the OS when freed.

    By default glibc raises the threshold after each large free, after which the batch's
    tens-of-MB arrays live on the heap, whose fragmentation makes resident memory creep
    up batch after batch (measured: 0.75 GB -> 1.6 GB over a day-long stream). With the
    threshold pinned (as ``MALLOC_MMAP_THRESHOLD_=4194304`` would) it stays flat.
    """
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(-3, nbytes))  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return False


def current_rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def stream(path: str, sfreq: float, batch_size: int, n_threads: int) -> dict:
    """Embed every window of ``path`` with ``BPTEncoder.transform_recording``."""
    import torch

    from bptlearn import BPTEncoder
    from bptlearn.data import iter_windows

    torch.set_num_threads(n_threads)
    opts = dict(n_patches=15, l_freq=0.5, notch=50.0)
    # the shipped weights; the input scaling is learned on the first batch of windows
    first = next(iter_windows(path, sfreq=sfreq, batch_size=batch_size, **opts))
    encoder = BPTEncoder(batch_size=batch_size, device="cpu").fit(first)
    start = time.perf_counter()
    embeddings, onsets = encoder.transform_recording(path, sfreq=sfreq, **opts)
    return {"windows": len(embeddings), "seconds": time.perf_counter() - start,
            "embeddings": embeddings.shape, "last_onset_h": float(onsets[-1]) / 3600}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0, help="recording length (24: a day)")
    parser.add_argument("--n-chans", type=int, default=128)
    parser.add_argument("--sfreq", type=float, default=1000.0)
    parser.add_argument("--dtype", choices=("float32", "float16"), default="float32")
    parser.add_argument("--batch-size", type=int, default=8, help="windows per batch")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--path", default=None, help="where to write (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the file afterwards")
    parser.add_argument("--default-malloc", action="store_true",
                        help="keep glibc's dynamic mmap threshold (RSS then creeps up)")
    args = parser.parse_args(argv)
    if not args.default_malloc:
        print(f"glibc mmap threshold pinned at 4 MiB: {fix_mmap_threshold()}")

    path = args.path or os.path.join(tempfile.mkdtemp(prefix="bpt_stream_"), "recording.npy")
    t0 = time.perf_counter()
    writer = multiprocessing.get_context("spawn").Process(
        target=write_recording, args=(path, args.hours, args.n_chans, args.sfreq, args.dtype))
    writer.start()
    writer.join()
    if writer.exitcode != 0:
        raise SystemExit(f"writing {path} failed (exit code {writer.exitcode})")
    size_gb = Path(path).stat().st_size / 1e9
    print(f"wrote {args.hours:g} h x {args.n_chans} ch x {args.sfreq:g} Hz ({args.dtype}, "
          f"{size_gb:.2f} GB) in {time.perf_counter() - t0:.1f} s: {path}")
    try:
        res = stream(path, args.sfreq, args.batch_size, args.threads)
    finally:
        if not args.keep:
            os.remove(path)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rate = res["windows"] / res["seconds"]
    print(f"streamed {res['windows']} windows of 90 s (embeddings {res['embeddings']}, last "
          f"onset {res['last_onset_h']:.2f} h) in {res['seconds']:.1f} s: {rate:.2f} windows/s, "
          f"{rate * 90:.0f} s of signal per second")
    print(f"peak RSS while streaming: {peak_mb:.0f} MB (target < 2048 MB): "
          f"{'OK' if peak_mb < 2048 else 'OVER'}")


if __name__ == "__main__":
    main()
