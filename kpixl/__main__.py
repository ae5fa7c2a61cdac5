"""``python -m kpixl``."""

from kpixl.cli import main

raise SystemExit(main())
