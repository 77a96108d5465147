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
