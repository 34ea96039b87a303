"""The ``metalab-tui`` command: parse arguments, load the experiment file, pick a front end.

This module imports neither textual nor plotext at the top: ``--no-ui`` (CI) and
``--help`` must work, and start fast, on machines where no terminal UI is wanted.
The TUI is imported only when it is about to be shown.

The exit codes, and the :class:`~tui.options.RunOptions` handed to a front end, live in
:mod:`tui.options`, which both front ends import without importing this module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tui.options import EXIT_BAD_INPUT, EXIT_INTERRUPTED, RunOptions


class _VersionAction(argparse.Action):
    """``--version``, importing metalab only when asked: importing it (numpy with it)
    takes a third of a second that ``--help`` and a mistyped flag need not wait for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from metalab._version import __version__

        print(f"metalab-tui {__version__}")
        parser.exit()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metalab-tui",
        description=(
            "Run the parameter sweeps defined in an experiment file, live in the terminal "
            "(or headless with --no-ui), and browse results trees with `metalab-tui browse`."
        ),
        epilog="Browse results: metalab-tui browse [DIR]   (DIR defaults to ./experiments)",
    )
    parser.add_argument(
        "file", nargs="?", default="experiments.toml",
        help="experiment file (default: ./experiments.toml)",
    )  # fmt: skip
    parser.add_argument(
        "--experiment", "-e", metavar="NAME",
        help="run only this experiment (NAME, or NAME:VERSION when names repeat)",
    )  # fmt: skip
    parser.add_argument(
        "--no-ui", action="store_true", help="run headless, printing progress lines"
    )
    parser.add_argument("--workers", "-w", type=_positive_int, metavar="N",
                        help="override the executor's worker count")  # fmt: skip
    parser.add_argument("--store", metavar="DIR", type=Path,
                        help="override the results tree's collection root")  # fmt: skip
    parser.add_argument("--no-resume", action="store_true",
                        help="re-run runs that already succeeded")  # fmt: skip
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first failed run")
    parser.add_argument("--json", action="store_true",
                        help="with --no-ui: print one JSON object per event")  # fmt: skip
    parser.add_argument("--junit", metavar="PATH", type=Path,
                        help="write a JUnit XML report, one test case per run")  # fmt: skip
    parser.add_argument("--version", action=_VersionAction)
    return parser


def build_browse_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metalab-tui browse",
        description="Explore a results tree: experiments, runs, plots, compare, logs.",
    )
    parser.add_argument(
        "dir",
        nargs="?",
        default="experiments",
        help="collection root or one experiment's folder (default: ./experiments)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start from the default view, not the one this tree was left in last time",
    )
    return parser


def _fail(message: str) -> int:
    print(f"metalab-tui: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns its exit code. Ctrl-C at any point exits with 130."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("metalab-tui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["browse"]:
        return _browse(args_list[1:])
    args = build_parser().parse_args(args_list)
    if args.json and not args.no_ui:
        return _fail("--json prints events instead of the UI: use it with --no-ui")

    from metalab.config import load_experiments
    from metalab.errors import MetalabError

    try:
        specs = load_experiments(args.file)
    except MetalabError as exc:
        return _fail(str(exc))
    if args.experiment is not None:
        wanted = args.experiment
        chosen = [s for s in specs if wanted in (s.name, f"{s.name}:{s.version}")]
        if not chosen:
            names = ", ".join(s.name for s in specs)
            return _fail(
                f"{args.file}: no experiment named {args.experiment!r} (it defines: {names})"
            )
        specs = chosen
    if args.store is not None and args.store.exists() and not args.store.is_dir():
        return _fail(f"--store {str(args.store)!r} is a file; pass a folder")
    if args.junit is not None:
        # checked now: the report is written after the sweep, too late to fail cleanly
        if args.junit.is_dir():
            return _fail(f"--junit {str(args.junit)!r} is a folder; pass a file path, "
                         f"e.g. {str(args.junit / 'metalab.xml')!r}")  # fmt: skip
        blocker = next((p for p in args.junit.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            return _fail(f"--junit {str(args.junit)!r}: {str(blocker)!r} is a file, not a folder")

    options = RunOptions(
        workers=args.workers,
        store=args.store,
        resume=not args.no_resume,
        fail_fast=args.fail_fast,
        json=args.json,
        junit=args.junit,
    )
    if args.no_ui:
        from tui.headless.runner import run_headless

        return run_headless(specs, options)
    from tui.live.app import run_app

    return run_app(specs, options)


def _browse(argv: list[str]) -> int:
    args = build_browse_parser().parse_args(argv)
    root = Path(args.dir)
    if not root.exists():
        return _fail(f"no results tree at {str(root)!r}: run a sweep first, or pass its folder")
    if not root.is_dir():
        return _fail(f"{str(root)!r} is a file; pass the folder of a results tree")
    from tui.browser.app import run_browser

    return run_browser(root, restore=not args.fresh)
