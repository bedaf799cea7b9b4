"""``python -m katana_anyio._cli``: the ``katana`` command without the script."""

import sys

from . import main

sys.exit(main())
