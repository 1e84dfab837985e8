"""AMTS: keep translated editions of *Dive into Deep Learning* in sync with the English book."""

__version__ = "0.1.0"
