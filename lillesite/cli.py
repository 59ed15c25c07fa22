"""Command line: argparse commands, error printing, exit codes (0 ok, 1 site errors, 2 usage)."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from lillesite import __version__
from lillesite.config import load_config
from lillesite.errors import BuildFailed, LilleError, UsageError
from lillesite.pipeline import BuildOptions, BuildResult, build

log = logging.getLogger("lillesite")
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _site_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", type=Path, default=None, metavar="DIR",
                        help="the site directory (with site.yml); default: the current directory")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and stage timings")


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", metavar="URL", help="override base_url of site.yml (e.g. for a preview deploy)")
    parser.add_argument("--drafts", action="store_true", help="include drafts")
    parser.add_argument("--future", action="store_true", help="include future-dated news items")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1, metavar="N",
                        help="processes parsing Markdown on a cold build; default: the CPU count")
    parser.add_argument("--no-cache", dest="use_cache", action="store_false",
                        help="neither read nor write the build cache (.lillesite-cache/)")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lillesite", description="Static multilingual website generator.")
    parser.add_argument("--version", action="version", version=f"lillesite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("build", help="build the site into _site/")
    _site_argument(p)
    _build_arguments(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder; default: _site in the site directory")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("check", help="validate everything without writing output")
    _site_argument(p)
    _build_arguments(p)
    p.set_defaults(run=cmd_check)
    return parser


def report(errors: list[LilleError], stream=None) -> None:
    """'path:line: level: message' lines; GitHub workflow annotations too when running there."""
    stream = stream or sys.stderr
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for error in errors:
        where = f"{error.location}: " if error.location else ""
        hint = f" ({error.hint})" if error.hint else ""
        print(f"{where}{error.level}: {error.message}{hint}", file=stream)
        if annotate:
            props = []
            if error.location:
                props.append(f"file={error.location.path}")
                if error.location.line:
                    props.append(f"line={error.location.line}")
            text = f"{error.message}{hint}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(f"::{error.level} {','.join(props)}::{text}", file=stream)


def _options(args, **overrides) -> BuildOptions:
    return BuildOptions(out=getattr(args, "out", None), drafts=args.drafts, future=args.future,
                        strict=args.strict, jobs=args.jobs, use_cache=args.use_cache, **overrides)


def _config(args):
    config = load_config(args.site)
    if args.base_url:
        config = config.with_base_url(args.base_url)
    return config


def summary(result: BuildResult, seconds: float) -> str:
    per_lang = ", ".join(f"{lang} {count}" for lang, count in result.pages_per_language().items())
    text = f"{sum(result.pages_per_language().values())} pages ({per_lang}), {result.feed_count} feeds"
    if result.written:
        w = result.written
        text += f" -> {result.out} ({w.written} written, {w.unchanged} unchanged, {w.removed} removed)"
    text += f" in {seconds:.2f} s"
    scheduled = result.site.next_scheduled
    if scheduled:
        text += f"\nnext scheduled item goes live {scheduled.isoformat()}"
    return text


def cmd_build(args) -> int:
    start = time.perf_counter()
    result = build(_config(args), _options(args))
    report(result.warnings)
    print(f"built {summary(result, time.perf_counter() - start)}")
    if args.debug:
        print("  " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))
    return EXIT_OK


def cmd_check(args) -> int:
    start = time.perf_counter()
    result = build(_config(args), _options(args, write=False))
    report(result.warnings)
    print(f"checked {summary(result, time.perf_counter() - start)}: "
          f"{len(result.warnings)} warning(s), no errors")
    return EXIT_OK


def main(argv: list[str] | None = None, *, default_command: str | None = None,
         default_site: Path | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser()
    if default_command and (not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, default_command)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "site", "") is None:
        args.site = default_site or Path(".")
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, format="%(message)s")
    logging.getLogger("MARKDOWN").setLevel(logging.WARNING)
    try:
        return args.run(args)
    except BuildFailed as failure:
        report(failure.errors)
        usage = all(isinstance(e, UsageError) for e in failure.errors)
        errors = sum(1 for e in failure.errors if e.level == "error")
        if not usage:
            print(f"build failed: {errors} error(s), {len(failure.errors) - errors} warning(s)", file=sys.stderr)
        return EXIT_USAGE if usage else EXIT_ERRORS
    except KeyboardInterrupt:
        print("interrupted; the previous output is untouched", file=sys.stderr)
        return 130
    except Exception:
        if args.debug:
            raise
        import traceback

        last = traceback.format_exc().strip().splitlines()[-1]
        print(f"internal error in lillesite: {last}\n(run again with --debug for the traceback, "
              "and please report it)", file=sys.stderr)
        return EXIT_ERRORS
