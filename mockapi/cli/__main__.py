"""``python -m mockapi.cli``: the ``mockapi`` command without its console script."""

import sys

from mockapi.cli.commands import main

sys.exit(main())
