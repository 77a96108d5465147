"""Command line: ``bptlearn demo | pretrain | embed | info``.

Each subcommand lives beside the code it drives and registers itself here through
an ``add_parser(subparsers)`` function that sets ``func`` on its parser.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# subcommand -> module holding its add_parser(); imported lazily so `--help` stays fast
_SUBCOMMANDS = {
    "demo": "bptlearn._demo",
    "info": "bptlearn._info",
    "pretrain": "bptlearn.pretraining._cli",
    "embed": "bptlearn.estimators._embed_cli",
}


def build_parser() -> argparse.ArgumentParser:
    """The ``bptlearn`` argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="bptlearn", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in _SUBCOMMANDS.values():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name:
                raise
            continue  # subcommand not built yet
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
