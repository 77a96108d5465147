"""Settings shared by the estimator tests."""

import numpy as np

# A random-init nano encoder: no checkpoint needed, a few milliseconds per window.
FAST = dict(weights=None, preset="nano", device="cpu", random_state=0)
FAST_NET = dict(FAST, max_epochs=2)


def ar2(rng, n_windows=4, n_times=800, a=(1.2, -0.5)):
    """(n_windows, 1, n_times) samples of the AR(2) process with coefficients ``a``."""
    x = np.zeros((n_windows, 1, n_times))
    noise = rng.normal(size=x.shape)
    for t in range(2, n_times):
        x[..., t] = a[0] * x[..., t - 1] + a[1] * x[..., t - 2] + noise[..., t]
    return x


def shared_rhythms(n_windows=10, n_chans=2, n_times=3000, seed=0):
    """(n_windows, n_chans, n_times) float32 noisy sinusoids at 250 Hz, one frequency per
    channel (5.3 to 9.1 Hz) and a random phase per window: windows alike, so that an AR
    fitted on the fit windows (with its correction) beats one fitted on each history,
    and BPTForecaster builds on it."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_times) / 250.0
    freqs = np.linspace(5.3, 9.1, n_chans)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (n_windows, n_chans, 1))
    X = 20 * np.sin(2 * np.pi * freqs * t + phase) + rng.normal(size=(n_windows, n_chans, n_times))
    return X.astype(np.float32)
