"""Entry point: python -m bench [--scale sample|national] [--json OUT] [--repeat N]."""

import sys

from bench.run import main

sys.exit(main())
