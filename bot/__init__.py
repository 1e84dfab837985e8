"""AMTS: keep translated editions of *Dive into Deep Learning* in sync with the English book."""

__version__ = "0.1.0"

from bot import accel as _accel  # noqa: E402  (the compiled aligner modules, or their .py: bot/accel.py)

_accel.install()
