"""``python -m kpixl``."""

from kpixl.cli import entry

entry()
