"""The command line: ``python -m fercourse data import <dataset> <download>``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys

from fercourse import config
from fercourse.data.importer.limits import DEFAULT_LIMITS
from fercourse.data.importer.steps import import_dataset
from fercourse.data.loaders import LOADERS
from fercourse.errors import FERCourseError

__all__ = ["main"]

# ------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m fercourse data import <dataset> <download>``; returns the exit status.

    Parameters
    ----------
    argv : list of str or None
        The arguments after ``python -m fercourse``; ``None`` reads them from ``sys.argv``.

    Returns
    -------
    int
        0 when the import succeeded, 1 when it was refused (the error goes to stderr).  Arguments
        that do not parse end the program with status 2, as argparse does.
    """
    parser = argparse.ArgumentParser(prog="python -m fercourse", description="Command-line tools of the course.")
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="datasets in the data folder")
    actions = data.add_subparsers(dest="action", required=True)
    command = actions.add_parser(
        "import",
        help="check a dataset download and place it in the data folder",
        description=(
            "Check a dataset download and place it in the data folder "
            f"(set by {config.DATA_DIR_ENV}; now {config.data_dir()}). Existing files are never "
            "overwritten or deleted."
        ),
    )
    command.add_argument("dataset", choices=list(LOADERS), help="which dataset it is")
    command.add_argument("download", help="the downloaded archive (.zip, .tar, .tar.gz, ...), a folder, or fer2013.csv")
    command.add_argument("--into", metavar="FOLDER", help="place it in FOLDER instead of <data folder>/<dataset>")
    command.add_argument(
        "--partial", action="store_true", help="accept a fixed file with fewer or more rows (a subset made on purpose)"
    )
    command.add_argument(
        "--max-total-size", metavar="SIZE", default=DEFAULT_LIMITS.total,
        help="the most an archive may expand to in all (default 64G; K, M, G, T are powers of 1024)",
    )
    command.add_argument(
        "--max-file-size", metavar="SIZE", default=DEFAULT_LIMITS.file, help="the most one file may expand to (default 8G)"
    )
    command.add_argument(
        "--max-ratio", metavar="N", type=float, default=DEFAULT_LIMITS.ratio,
        help=f"the most a file or archive may expand, in times its compressed size (default {DEFAULT_LIMITS.ratio:g})",
    )
    args = parser.parse_args(argv)
    previous = None
    with contextlib.suppress(ValueError, AttributeError):  # not the main thread, or no SIGTERM: nothing to do
        # A plain `kill` ends the import like Ctrl-C does, so its temporary folder is removed.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        report = import_dataset(args.dataset, args.download, into=args.into, partial=args.partial,
                                max_total_size=args.max_total_size, max_file_size=args.max_file_size,
                                max_ratio=args.max_ratio)
    except FERCourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(report)
    return 0
