"""Settings shared by the estimator tests."""

# A random-init nano encoder: no checkpoint needed, a few milliseconds per window.
FAST = dict(weights=None, preset="nano", device="cpu", random_state=0)
FAST_NET = dict(FAST, max_epochs=2)
