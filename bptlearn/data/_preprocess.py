"""The signal chain shared by :func:`to_windows` and :func:`iter_windows`.

Per block of channels: copy to float64, handle non-finite samples, resample with
:func:`scipy.signal.resample_poly` (polyphase, with its own anti-aliasing low-pass), then
band-pass and notch with :mod:`mne.filter` (FIR, zero phase) at the output rate (16x less
work than filtering 1-kHz input first), store as float32. Every step is a finite filter,
so a stretch processed with enough context on each side (:attr:`_Plan.context`) equals
the same stretch of the whole recording processed at once: streaming is exact.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import resample_poly

from ..exceptions import BPTWarning
from ..utils._check import _check_option, _check_sfreq, _validate_type
from ._resample import resample_ratio, resampled_sfreq
from ._scaling import FLAT_SCALE

#: Channel types whose data are voltages: what ``picks`` may name.
VOLTAGE_TYPES = ("seeg", "ecog", "dbs", "eeg")

#: Bytes of float64 input processed at once (channels are taken in blocks under it).
_BLOCK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class _Plan:
    """Checked preprocessing parameters, resolved against one input rate."""

    sfreq: float
    target_sfreq: float
    up: int
    down: int
    n_patches: int
    patch_len: int
    stride: int
    l_freq: float | None
    h_freq: float | None
    notch_freqs: tuple[float, ...]
    nan_policy: str

    @property
    def win(self) -> int:
        """Window length in output samples."""
        return self.n_patches * self.patch_len

    @property
    def out_sfreq(self) -> float:
        """The output rate: exactly ``target_sfreq`` unless :func:`resample_ratio` warned."""
        return resampled_sfreq(self.sfreq, self.up, self.down)

    def n_out(self, n_in: int) -> int:
        """Output samples from ``n_in`` input samples (as ``resample_poly`` gives)."""
        return -(-n_in * self.up // self.down)

    def n_windows(self, n_in: int) -> int:
        """Windows that fit in ``n_in`` input samples."""
        n = self.n_out(n_in)
        return 0 if n < self.win else (n - self.win) // self.stride + 1

    @property
    def context(self) -> int:
        """Input samples of context on each side that make chunked output exact."""
        import mne

        n = 0  # filter taps, at the output rate
        if self.l_freq is not None or self.h_freq is not None:
            n += mne.filter.create_filter(None, self.out_sfreq, self.l_freq, self.h_freq,
                                          verbose="error").size
        if self.notch_freqs:
            freqs = np.asarray(self.notch_freqs)
            half = freqs / 400.0 + 0.5  # MNE's defaults: width freq / 200, 1 Hz transition
            n += mne.filter.create_filter(None, self.out_sfreq, freqs + half, freqs - half,
                                          l_trans_bandwidth=0.5, h_trans_bandwidth=0.5,
                                          verbose="error").size
        resample_half = 10 * max(self.up, self.down) // self.up + 2  # resample_poly's filter
        return -(-n * self.down // self.up) + resample_half + 16


def _positive_int(value, name: str, upper: int | None = None) -> int:
    _validate_type(value, "int-like", name)
    if value < 1 or (upper is not None and value > upper):
        bound = f"between 1 and {upper}" if upper else ">= 1"
        raise ValueError(f"{name} must be an int {bound}, got {value} instead.")
    return int(value)


def _make_plan(sfreq, *, target_sfreq=250.0, n_patches=15, patch_len=1500, stride=None,
               l_freq=None, h_freq=None, notch=None, nan_policy="raise") -> _Plan:
    """Check the windowing/preprocessing parameters and resolve them for ``sfreq``."""
    sfreq = _check_sfreq(sfreq)
    target_sfreq = _check_sfreq(target_sfreq, "target_sfreq")
    n_patches = _positive_int(n_patches, "n_patches", 15)
    patch_len = _positive_int(patch_len, "patch_len")
    _check_option("nan_policy", nan_policy, ("raise", "omit"))
    up, down = resample_ratio(sfreq, target_sfreq)
    out_sfreq = resampled_sfreq(sfreq, up, down)
    win = n_patches * patch_len
    if stride is None:
        stride_n = win
    else:
        _validate_type(stride, "numeric", "stride")
        stride_n = int(round(stride * out_sfreq))
        if stride_n < 1:
            raise ValueError(
                f"stride must be a positive duration in seconds of at least one sample "
                f"(1 / {out_sfreq:g} s), got {stride!r} instead.")
    nyq = min(sfreq, out_sfreq) / 2.0
    for name, f in (("l_freq", l_freq), ("h_freq", h_freq)):
        if f is not None:
            _validate_type(f, "numeric", name)
            if not 0.0 < f < nyq:
                raise ValueError(
                    f"{name} must be between 0 and {nyq:g} Hz (the Nyquist frequency of the "
                    f"{min(sfreq, out_sfreq):g}-Hz signal), got {f!r} instead.")
    if l_freq is not None and h_freq is not None and l_freq >= h_freq:
        raise ValueError(
            f"l_freq={l_freq} must be below h_freq={h_freq} for a band-pass filter.")
    notch_freqs: tuple[float, ...] = ()
    if notch is not None:
        if isinstance(notch, Sequence):
            notch_freqs = tuple(float(_check_sfreq(f, "notch")) for f in notch)
        else:
            base = _check_sfreq(notch, "notch")
            notch_freqs = tuple(base * k for k in range(1, int(nyq // base) + 1)
                                if base * k < nyq - 1.0)
        if not notch_freqs or max(notch_freqs) >= nyq - 1.0:
            raise ValueError(
                f"notch must name line-noise frequencies below {nyq - 1.0:g} Hz (Nyquist minus "
                f"the 1-Hz transition), got {notch!r}. Pass e.g. notch=50.0 (harmonics are "
                f"added up to Nyquist) or notch=None.")
    return _Plan(sfreq, target_sfreq, up, down, n_patches, patch_len, stride_n,
                 None if l_freq is None else float(l_freq),
                 None if h_freq is None else float(h_freq), notch_freqs, nan_policy)


def _process(get: Callable[[slice, int, int], np.ndarray], ch_names: Sequence[str], o0: int,
             o1: int, plan: _Plan, n_groups: int = 1
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Process input samples ``[o0, o1)`` of every row.

    ``get(row_slice, o0, o1)`` returns the input data (any float dtype; it is copied
    before anything changes). The rows are ``n_groups`` equal groups (the epochs of
    epoched input, stacked, so that the filters are designed once for all of them), and
    ``ch_names`` names each row. Returns the float32 output ``(n_rows, n_out)``, the mask
    ``(n_groups, n_in)`` of input samples that were non-finite in any row of a group, and
    each row's peak-to-peak.
    """
    import mne

    n_chans, n_in = len(ch_names), o1 - o0
    per_group = n_chans // n_groups
    out = np.empty((n_chans, plan.n_out(n_in)), dtype=np.float32)
    nonfinite = np.zeros((n_groups, n_in), dtype=bool)
    ptp = np.empty(n_chans)
    step = max(1, _BLOCK_BYTES // max(1, 8 * n_in))
    for c0 in range(0, n_chans, step):
        block = slice(c0, min(n_chans, c0 + step))
        x = np.array(get(block, o0, o1), dtype=np.float64, copy=True)
        finite = np.isfinite(x)
        if not finite.all():
            bad_rows = np.flatnonzero(~finite.all(axis=1)) + c0
            if plan.nan_policy == "raise":
                first = o0 + int(np.flatnonzero(~finite.all(axis=0))[0])
                raise ValueError(
                    f"The data hold NaN or infinite samples (first at sample {first}, "
                    f"{first / plan.sfreq:.3f} s) in channel(s) "
                    f"{list(dict.fromkeys(ch_names[i] for i in bad_rows))[:10]}. Pass "
                    f"nan_policy='omit' to drop the windows that contain them, mark those "
                    f"channels bad, or interpolate.")
            for r in bad_rows:
                nonfinite[r // per_group] |= ~finite[r - c0]
            x[~finite] = 0.0
        ptp[block] = np.ptp(x, axis=1) if n_in else 0.0
        if plan.up != plan.down:  # resample first: the filters then run on fewer samples
            x = resample_poly(x, plan.up, plan.down, axis=-1)
        if plan.l_freq is not None or plan.h_freq is not None:
            x = mne.filter.filter_data(x, plan.out_sfreq, plan.l_freq, plan.h_freq, copy=False,
                                       verbose="error")
        if plan.notch_freqs:
            x = mne.filter.notch_filter(x, plan.out_sfreq, np.asarray(plan.notch_freqs),
                                        copy=False, verbose="error")
        out[block] = x
    return out, nonfinite, ptp


def _cut(out: np.ndarray, starts: np.ndarray, plan: _Plan) -> np.ndarray:
    """Windows ``(n, n_chans, win)`` starting at output samples ``starts`` (float32 copy)."""
    X = np.empty((len(starts), out.shape[0], plan.win), dtype=np.float32)
    for i, s in enumerate(starts):
        X[i] = out[:, s:s + plan.win]
    return X


def _flag_flat(ptp: np.ndarray, ch_names: Sequence[str]) -> list[str]:
    """Names of flat channels, with a warning naming them."""
    flat = [ch_names[i] for i in np.flatnonzero(ptp <= FLAT_SCALE)]
    if flat:
        warnings.warn(
            f"{len(flat)} flat channel(s) carry no signal: {flat}. They are kept (see the "
            f"result's 'flat' attribute); mark them bad (inst.info['bads']) to drop them.",
            BPTWarning, stacklevel=3)
    return flat


class _TooShortError(ValueError):
    """A recording shorter than one window (``bptlearn embed`` reports these apart)."""


def _too_short(n_in: int, plan: _Plan, what: str = "The recording") -> ValueError:
    """The error for an input shorter than one window."""
    seconds = n_in / plan.sfreq
    fits = plan.n_out(n_in) // plan.patch_len
    need = plan.win / plan.out_sfreq
    if fits < 1:
        fix = (f"It is shorter than one patch ({plan.patch_len / plan.out_sfreq:g} s), the "
               f"smallest input the model takes; use a longer recording.")
    else:
        fix = f"Pass n_patches={min(fits, 15)} or fewer, or use a longer recording."
    return _TooShortError(
        f"{what} lasts {seconds:g} s, shorter than one window of n_patches={plan.n_patches} x "
        f"patch_len={plan.patch_len} samples ({need:g} s at {plan.out_sfreq:g} Hz). {fix}")


def _window_starts(n_in: int, plan: _Plan) -> np.ndarray:
    """Output-sample starts of all windows in ``n_in`` input samples."""
    return np.arange(plan.n_windows(n_in)) * plan.stride


def _nonfinite_windows(starts: np.ndarray, mask: np.ndarray, o0: int, plan: _Plan) -> np.ndarray:
    """Which windows overlap an input sample flagged in ``mask`` (which starts at ``o0``)."""
    if not mask.any():
        return np.zeros(len(starts), dtype=bool)
    cum = np.concatenate(([0], np.cumsum(mask)))
    lo = np.clip(np.floor(starts * plan.down / plan.up).astype(int) - o0, 0, mask.size)
    hi = np.clip(np.ceil((starts + plan.win) * plan.down / plan.up).astype(int) - o0, 0,
                 mask.size)
    return cum[hi] > cum[lo]
