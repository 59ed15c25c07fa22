"""Command line: argparse commands, error printing, exit codes (0 ok, 1 site errors, 2 usage)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from lillesite import __version__, runtime
from lillesite.config import load_config
from lillesite.build import build
from lillesite.errors import BuildFailed, Diagnostics, LilleError, UsageError
from lillesite.options import BuildOptions, BuildResult

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

    p = commands.add_parser("serve", help="live preview: rebuild and reload the browser on every save")
    _site_argument(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; default 127.0.0.1 (this computer only)")
    p.add_argument("--port", type=int, default=8000, help="default 8000")
    p.set_defaults(run=cmd_serve)

    p = commands.add_parser("new", help="create a news item or a page with its front matter")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    news = kinds.add_parser("news", help='lillesite new news "Titre de l\'actualité" [--date YYYY-MM-DD]')
    news.add_argument("title")
    news.add_argument("--date", type=_date, help="default: today")
    news.add_argument("--key", help="translation key; give the original's key when writing a translation")
    page = kinds.add_parser("page", help="lillesite new page KEY [--title TITLE]")
    page.add_argument("key")
    page.add_argument("--title")
    for sub in (news, page):
        sub.add_argument("--lang", help="default: the site's default language")
        _site_argument(sub)
        sub.set_defaults(run=cmd_new)

    p = commands.add_parser("translations", help="list missing and stale translations")
    _site_argument(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--mark-done", type=Path, metavar="FILE", nargs="+",
                   help="record that FILE is up to date with its original")
    p.set_defaults(run=cmd_translations)

    p = commands.add_parser("import-feed", help="import the news of an RSS or Atom feed (file or URL)")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("--lang", required=True, help="the feed's language")
    p.add_argument("--lang-pair", metavar="LANG=SOURCE2", type=_pair,
                   help="a second feed with the translations of the first, e.g. en=https://example.org/en/feed")
    p.add_argument("--tag-map", metavar="CATEGORY=TOPIC", type=_tag_mapping, action="append", default=[],
                   help="give the feed's category CATEGORY the site's topic TOPIC (a key of tags.labels in "
                        "site.yml); repeat for each category; other categories that are not topics are left out")
    _site_argument(p)
    p.set_defaults(run=cmd_import_feed)
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2023-03-31") from None


def _pair(text: str) -> tuple[str, str]:
    lang, sep, source = text.partition("=")
    if not sep or not lang or not source:
        raise argparse.ArgumentTypeError(f"{text!r}: expected LANG=SOURCE, e.g. en=feed-en.xml")
    return lang, source


def _tag_mapping(text: str) -> tuple[str, str]:
    category, sep, topic = text.rpartition("=")
    if not sep or not category.strip() or not topic.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected CATEGORY=TOPIC, e.g. 'Fonds structurels=economy'")
    return category.strip(), topic.strip()


def report(errors: list[LilleError], stream=None) -> None:
    """'path:line: level: message' lines; GitHub workflow annotations too when running there."""
    stream = stream or sys.stderr
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for error in errors:
        print(error.describe(), file=stream)
        if annotate:
            hint = f" ({error.hint})" if error.hint else ""
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


def summary(result: BuildResult, seconds: float, verdict: str = "") -> str:
    pages = result.summary.pages
    per_lang = ", ".join(f"{lang} {count}" for lang, count in pages.items())
    text = f"{sum(pages.values())} pages ({per_lang}), {result.summary.feeds} feeds"
    if result.written:
        w = result.written
        text += f" -> {result.out} ({w.written} written, {w.unchanged} unchanged, {w.removed} removed)"
    text += f" in {seconds:.2f} s{verdict}"
    scheduled = result.summary.next_scheduled
    if scheduled:
        text += (f"\nnext scheduled item goes live {scheduled:%Y-%m-%d %H:%M} ({scheduled:%z}), "
                 "with the first build after that moment")
    return text


def cmd_build(args) -> int:
    start = time.perf_counter()
    result = build(_config(args), _options(args, stop_if_unchanged=True))
    report(result.warnings)
    print(f"built {summary(result, time.perf_counter() - start)}")
    if args.debug:
        print("  " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))
    return EXIT_OK


def cmd_check(args) -> int:
    start = time.perf_counter()
    result = build(_config(args), _options(args, write=False))
    report(result.warnings)
    warnings = sum(1 for finding in result.warnings if finding.level == "warning")
    notices = len(result.warnings) - warnings
    print(f"checked {summary(result, time.perf_counter() - start, f': {warnings} warning(s), {notices} notice(s), no errors')}")
    return EXIT_OK


def cmd_serve(args) -> int:
    from lillesite import serve  # tornado and livereload load only for the command that needs them

    runtime.tuned_for_a_server()
    serve.run(load_config(args.site), host=args.host, port=args.port, report=report)
    return EXIT_OK


def cmd_new(args) -> int:
    from lillesite import scaffold  # the commands that do not build load only what they use

    config = load_config(args.site)
    if args.kind == "news":
        path = scaffold.new_news(config, args.title, date=args.date, lang=args.lang, key=args.key)
    else:
        path = scaffold.new_page(config, args.key, lang=args.lang, title=args.title)
    print(f"created {path.relative_to(config.root).as_posix()}")
    return EXIT_OK


def cmd_translations(args) -> int:
    from lillesite import translations

    config = load_config(args.site)
    for path in args.mark_done or ():
        value = translations.mark_done(config, path)
        print(f"marked {path} as translated from the original as it is now ({value})")
    if args.mark_done:
        return EXIT_OK
    result = build(config, BuildOptions(preview=True, write=False))
    status = translations.status(result.site, translations.read_history(config.root))
    if args.format == "json":
        print(json.dumps(status.as_json(), ensure_ascii=False, indent=2))
    else:
        print(status.as_table())
    return EXIT_OK


def cmd_import_feed(args) -> int:
    from lillesite import importer  # feedparser and markdownify load only here

    config = load_config(args.site)
    left_out = Diagnostics()  # what the import could not keep: entries, categories, links, pictures
    outcome = importer.import_feeds(config, args.source, left_out, lang=args.lang, pair=args.lang_pair,
                                    tag_map=dict(args.tag_map))
    report(left_out)
    for path in outcome.created:
        print(f"created {path}")
    news = sum(1 for path in outcome.created if path.endswith(".md"))
    skipped = outcome.skipped
    print(f"imported {news} news file(s); {outcome.already} already imported, "
          f"{skipped} entr{'y' if skipped == 1 else 'ies'} skipped; "
          f"{len(outcome.created) - news} picture(s) downloaded")
    if not outcome.created:
        return EXIT_OK
    verdict = "the site passes" if not outcome.site_problems else (
        f"the import added no problem, but the site still has {outcome.site_problems} from before it: "
        "see `lillesite check --strict`")
    print(f"check --strict: {verdict}")
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
    # a CI runner stops jobs with SIGTERM: unwind like Ctrl-C, so the half-built tree is removed
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return args.run(args)
    except BuildFailed as failure:
        report(failure.errors)
        usage = all(isinstance(e, UsageError) for e in failure.errors)
        errors = sum(1 for e in failure.errors if e.level == "error")
        if not usage:
            warnings = sum(1 for e in failure.errors if e.level == "warning")
            print(f"build failed: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
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


def run(argv: list[str] | None = None, **kwargs) -> None:
    """The process's entry point: main(), tuned for a short process that allocates much and frees little."""
    runtime.tuned_for_one_build()
    runtime.exit_now(main(argv, **kwargs))
