"""``python -m bptlearn.cli`` (and ``torchrun -m bptlearn.cli``) runs the command line."""

import sys

from . import main

sys.exit(main())
