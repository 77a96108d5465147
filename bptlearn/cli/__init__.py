"""Command line: ``bptlearn demo | info | pretrain | embed``.

One module per subcommand (:mod:`~bptlearn.cli.demo`, :mod:`~bptlearn.cli.info`,
:mod:`~bptlearn.cli.pretrain`, :mod:`~bptlearn.cli.embed`), each with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args)``. The modules import nothing heavy at module
level, and only the chosen subcommand's arguments are built, so ``bptlearn --help`` does
not import torch, MNE or scikit-learn.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Iterable, Sequence

from . import demo, embed, info, pretrain

#: The subcommands, in the order ``--help`` lists them.
COMMANDS = {m.NAME: m for m in (demo, info, pretrain, embed)}


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The ``bptlearn`` argument parser.

    Parameters
    ----------
    commands : iterable of str or None, default=None
        Subcommands whose arguments are built (which may import torch); the others are
        listed by name and help line only. ``None`` builds every one (for the docs).

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser; each subcommand sets ``func`` to its ``run``.

    Examples
    --------
    >>> from bptlearn.cli import build_parser
    >>> build_parser(commands=["info"]).parse_args(["info", "--json"]).json
    True
    """
    full = set(COMMANDS) if commands is None else set(commands)
    parser = argparse.ArgumentParser(prog="bptlearn",
                                     description=_plain(__doc__.splitlines()[0]))
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        doc = _plain(module.__doc__).split("\n\n")
        p = sub.add_parser(name, help=module.HELP, description=doc[0],
                           epilog="\n\n".join(doc[1:]) or None,
                           formatter_class=_HelpFormatter)
        if name in full:
            module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's line breaks and shows each option's default (flags and
    options whose help already says what the default is excepted)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (action.nargs == 0 or action.default is argparse.SUPPRESS or "default" in text
                or not action.option_strings):
            return text
        return text + (" (default: none)" if action.default is None else
                       " (default: %(default)s)")


def _plain(text: str) -> str:
    """Docstring text without reStructuredText markup, for ``--help``."""
    text = re.sub(r":[a-z]+:`~?([^`<]*?)(?: <[^>]*>)?`", lambda m: m.group(1).split(".")[-1]
                  if "~" in m.group(0) else m.group(1), text)  # :func:`~a.b` -> b
    text = re.sub(r"``([^`]*)``", r"\1", text)  # ``code`` -> code
    return re.sub(r"::\n", ":\n", text)  # literal-block markers


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option)."""
    words = [a for a in argv if not a.startswith("-")]
    return words[0] if words and words[0] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command(argv)
    args = build_parser([] if command is None else [command]).parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


__all__ = ["COMMANDS", "build_parser", "main"]
