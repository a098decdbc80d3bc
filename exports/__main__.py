"""Entry point for python -m exports."""

import sys

from exports.cli import run

sys.exit(run())
