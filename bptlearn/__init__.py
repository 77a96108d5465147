"""bptlearn: the Brant foundation model for intracranial signals, as scikit-learn estimators."""

__version__ = "0.1.0.dev0"
