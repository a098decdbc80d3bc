"""Entry point for python -m store."""

import sys

from store.cli import run

sys.exit(run())
