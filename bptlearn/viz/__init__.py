"""Figures for the Brant tasks: embeddings, low-label curves, forecasts, seizure timelines.

Every function draws on ``ax`` (a new figure when ``None``) and returns the
:class:`matplotlib.axes.Axes`, so plots compose into the caller's layout.
"""

from ._curves import plot_low_label_curve
from ._embedding import plot_embedding
from ._signals import plot_forecast, plot_seizure_timeline

__all__ = ["plot_embedding", "plot_forecast", "plot_low_label_curve", "plot_seizure_timeline"]
