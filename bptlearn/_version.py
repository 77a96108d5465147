"""The package version, in a module of its own so that any layer can read it without
importing the package root (which would run back up the layers)."""

__version__ = "0.1.0.dev0"
