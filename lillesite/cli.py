"""Command line: argparse commands, error printing, exit codes (0 ok, 1 site errors, 2 usage)."""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from lillesite import __version__, messages, runtime
from lillesite.config import load_config
from lillesite.build import build
from lillesite.errors import BuildFailed, Diagnostics, LilleError, UsageError
from lillesite.messages import ENGLISH, Translator, _
from lillesite.options import BuildOptions, BuildResult

log = logging.getLogger("lillesite")
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class _Formatter(argparse.HelpFormatter):
    def __init__(self, *args, translate: Translator, **kwargs):
        super().__init__(*args, **kwargs)
        self.translate = translate

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, self.translate(_("usage: ")) if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its own words ("usage:", "options", -h's help, its errors) in the editor's language:
    Python ships no French for them, and gettext's process-wide domain is not ours to set."""

    def __init__(self, *args, translate: Translator = ENGLISH, **kwargs):
        self.translate = translate
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = translate(_("positional arguments"))
        self._optionals.title = translate(_("options"))
        self.add_argument("-h", "--help", action="help", help=translate(_("show this help message and exit")))

    def _get_formatter(self):
        return _Formatter(prog=self.prog, translate=self.translate)

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", functools.partial(_Parser, translate=self.translate))
        return super().add_subparsers(**kwargs)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        text = self.translate(messages.recover(message, _ARGPARSE_MESSAGES))
        self.exit(EXIT_USAGE, self.translate(_("{prog}: error: {message}", prog=self.prog, message=text)) + "\n")


# argparse's errors, which reach error() as English text; those of the argument types below too.
_ARGPARSE_MESSAGES = (
    _("argument {argument}: {problem}", argument="", problem=""),
    _("the following arguments are required: {names}", names=""),
    _("unrecognized arguments: {names}", names=""),
    _("invalid choice: {value} (choose from {choices})", value="", choices=""),
    _("expected one argument"),
    _("expected at least one argument"),
    _("invalid {type} value: {value}", type="", value=""),
    _("expected a whole number of at least 1, got {value}", value=""),
    _("expected a port number from 1 to 65535, such as 8001, got {value}", value=""),
    _("{value} is not a date such as 2023-03-31", value=""),
    _("{value}: expected LANG=SOURCE, e.g. en=feed-en.xml", value=""),
)


class _LogFormatter(logging.Formatter):
    """A log record's text in the editor's language: the modules log Messages (writer's "another build is
    writing"), which are English for any other handler."""

    def __init__(self, translate: Translator):
        super().__init__("%(message)s")
        self.translate = translate

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.msg, messages.Message) and not record.args:
            record = logging.makeLogRecord({**record.__dict__, "msg": self.translate(record.msg)})
        return super().format(record)


def _site_argument(parser: argparse.ArgumentParser, t: Translator = ENGLISH) -> None:
    parser.add_argument("--site", type=Path, default=None, metavar="DIR",
                        help=t(_("the site directory (with site.yml); default: the current directory")))
    parser.add_argument("--debug", action="store_true", help=t(_("show tracebacks and stage timings")))


def _build_arguments(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument("--base-url", metavar="URL",
                        help=t(_("override base_url of site.yml (e.g. for a preview deploy)")))
    parser.add_argument("--drafts", action="store_true", help=t(_("include drafts")))
    parser.add_argument("--future", action="store_true", help=t(_("include future-dated news items")))
    parser.add_argument("--strict", action="store_true", help=t(_("treat warnings as errors")))
    parser.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1, metavar="N",
                        help=t(_("processes parsing Markdown on a cold build; default: the CPU count")))
    parser.add_argument("--no-cache", dest="use_cache", action="store_false",
                        help=t(_("neither read nor write the build cache (.lillesite-cache/)")))


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(_("expected a whole number of at least 1, got {value}", value=repr(text)))
    return int(text)


def make_parser(translate: Translator = ENGLISH) -> argparse.ArgumentParser:
    t = translate
    parser = _Parser(prog="lillesite", description=t(_("Static multilingual website generator.")), translate=t)
    parser.add_argument("--version", action="version", version=f"lillesite {__version__}",
                        help=t(_("show the version number and exit")))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("build", help=t(_("build the site into _site/")))
    _site_argument(p, t)
    _build_arguments(p, t)
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=t(_("output folder; default: _site in the site directory")))
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("check", help=t(_("validate everything without writing output")))
    _site_argument(p, t)
    _build_arguments(p, t)
    p.set_defaults(run=cmd_check)

    p = commands.add_parser("serve", help=t(_("live preview: rebuild and reload the browser on every save")))
    _site_argument(p, t)
    p.add_argument("--host", default="127.0.0.1",
                   help=t(_("address to listen on; default 127.0.0.1 (this computer only)")))
    p.add_argument("--port", type=_port, default=None,
                   help=t(_("default 8000, or the next free port when 8000 is in use")))
    p.set_defaults(run=cmd_serve)

    p = commands.add_parser("new", help=t(_("create a news item or a page with its front matter")))
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    news = kinds.add_parser("news", help=t(_('lillesite new news "Titre de l\'actualité" [--date YYYY-MM-DD]')))
    news.add_argument("title", help=t(_("the news item's title; its file's name is made from it")))
    news.add_argument("--date", type=_date, help=t(_("default: today (a translation: its original's date)")))
    news.add_argument("--key", help=t(_("for a translation: the original's key, with or without its date "
                                        "(2023-03-31-metropoles-meeting); the translation takes its date")))
    news.add_argument("--image", type=Path, metavar="PATH",
                      help=t(_("a photo, copied into static/images/ under a clean name as the item's lead image")))
    page = kinds.add_parser("page", help=t(_("lillesite new page KEY [--title TITLE]")))
    page.add_argument("key", help=t(_("the file's name: eu-funding; for a translation, the original's")))
    page.add_argument("--title", help=t(_("default: made from KEY")))
    for sub in (news, page):
        sub.add_argument("--lang", help=t(_("default: the site's default language")))
        _site_argument(sub, t)
        sub.set_defaults(run=cmd_new)

    p = commands.add_parser("translations", help=t(_("list missing and stale translations")))
    _site_argument(p, t)
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help=t(_("table (the default), or json for scripts")))
    p.add_argument("--mark-done", type=Path, metavar="FILE", nargs="+",
                   help=t(_("record that FILE is up to date with its original")))
    p.set_defaults(run=cmd_translations)

    p = commands.add_parser("import-feed", help=t(_("import the news of an RSS or Atom feed (file or URL)")))
    p.add_argument("source", metavar="SOURCE", help=t(_("the feed: a file or an http(s) address")))
    p.add_argument("--lang", required=True, help=t(_("the feed's language")))
    p.add_argument("--lang-pair", metavar="LANG=SOURCE2", type=_pair,
                   help=t(_("a second feed with the translations of the first, e.g. en=https://example.org/en/feed")))
    p.add_argument("--tag-map", metavar="CATEGORY=TOPIC", type=_tag_mapping, action="append", default=[],
                   help=t(_("give the feed's category CATEGORY the site's topic TOPIC (a key of tags.labels in "
                            "site.yml); repeat for each category; other categories that are not topics are left out")))
    _site_argument(p, t)
    p.set_defaults(run=cmd_import_feed)
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(_("expected a port number from 1 to 65535, such as 8001, got {value}",
                                           value=repr(text)))
    return int(text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not a date such as 2023-03-31", value=repr(text))) from None


def _pair(text: str) -> tuple[str, str]:
    lang, sep, source = text.partition("=")
    if not sep or not lang or not source:
        raise argparse.ArgumentTypeError(_("{value}: expected LANG=SOURCE, e.g. en=feed-en.xml", value=repr(text)))
    return lang, source


def _tag_mapping(text: str) -> tuple[str, str]:
    category, sep, topic = text.rpartition("=")
    if not sep or not category.strip() or not topic.strip():
        raise argparse.ArgumentTypeError(_("{text!r}: expected CATEGORY=TOPIC, e.g. 'Fonds structurels=economy'",
                                           text=text))
    return category.strip(), topic.strip()


def report(errors: list[LilleError], stream=None, *, translate: Translator | None = None) -> None:
    """'path:line: level: message' lines in the editor's language; GitHub workflow annotations too when
    running there (their `::error file=…,line=…::` syntax stays as GitHub reads it, the text is translated)."""
    stream = stream or sys.stderr
    translate = translate or messages.translator(os.environ)
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for error in errors:
        print(error.describe(translate), file=stream)
        if annotate:
            props = []
            if error.location:
                props.append(f"file={error.location.path}")
                if error.location.line:
                    props.append(f"line={error.location.line}")
            text = error.text(translate).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
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
    """The summary line's English text (a Message: cli's callers translate it)."""
    pages = result.summary.pages
    per_lang = ", ".join(f"{lang} {count}" for lang, count in pages.items())
    text = _("{pages} pages ({per_language}), {feeds} feeds", pages=sum(pages.values()), per_language=per_lang,
             feeds=result.summary.feeds)
    if result.written:
        w = result.written
        text = _("{summary} -> {out} ({written} written, {unchanged} unchanged, {removed} removed)", summary=text,
                 out=str(result.out), written=w.written, unchanged=w.unchanged, removed=w.removed)
    text = _("{summary} in {seconds:.2f} s{verdict}", summary=text, seconds=seconds, verdict=verdict)
    scheduled = result.summary.next_scheduled
    if scheduled:
        text = _("{summary}\nnext scheduled item goes live {moment} ({offset}), with the first build after that moment",
                 summary=text, moment=scheduled.strftime("%Y-%m-%d %H:%M"), offset=scheduled.strftime("%z"))
    return text


def cmd_build(args) -> int:
    start = time.perf_counter()
    result = build(_config(args), _options(args, stop_if_unchanged=True))
    report(result.warnings, translate=args.translate)
    print(args.translate(_("built {summary}", summary=summary(result, time.perf_counter() - start))))
    if args.debug:
        print("  " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))
    return EXIT_OK


def cmd_check(args) -> int:
    start = time.perf_counter()
    result = build(_config(args), _options(args, write=False))
    report(result.warnings, translate=args.translate)
    warnings = sum(1 for finding in result.warnings if finding.level == "warning")
    notices = len(result.warnings) - warnings
    verdict = _(": {warnings} warning(s), {notices} notice(s), no errors", warnings=warnings, notices=notices)
    print(args.translate(_("checked {summary}", summary=summary(result, time.perf_counter() - start, verdict))))
    return EXIT_OK


def cmd_serve(args) -> int:
    from lillesite import serve  # tornado and livereload load only for the command that needs them

    runtime.tuned_for_a_server()
    serve.run(load_config(args.site), host=args.host, port=args.port,
              report=functools.partial(report, translate=args.translate), translate=args.translate)
    return EXIT_OK


def cmd_new(args) -> int:
    from lillesite import scaffold  # the commands that do not build load only what they use

    config = load_config(args.site)
    if args.kind == "news":
        created = scaffold.new_news(config, args.title, date=args.date, lang=args.lang, key=args.key,
                                   image=args.image)
    else:
        created = scaffold.new_page(config, args.key, lang=args.lang, title=args.title)
    print(args.translate(scaffold.describe(config, created)))
    if created.image:
        print(args.translate(scaffold.describe_image(config, created)))
    return EXIT_OK


def cmd_translations(args) -> int:
    from lillesite import translations

    config = load_config(args.site)
    for path in args.mark_done or ():
        value = translations.mark_done(config, path)
        print(args.translate(_("marked {path} as translated from the original as it is now ({value})",
                               path=str(path), value=value)))
    if args.mark_done:
        return EXIT_OK
    result = build(config, BuildOptions(preview=True, write=False))
    status = translations.status(result.site, translations.read_history(config.root))
    if args.format == "json":
        print(json.dumps(status.as_json(), ensure_ascii=False, indent=2))
    else:
        print(status.as_table(args.translate))
    return EXIT_OK


def cmd_import_feed(args) -> int:
    from lillesite import importer  # feedparser and markdownify load only here

    config = load_config(args.site)
    left_out = Diagnostics()  # what the import could not keep: entries, categories, links, pictures
    outcome = importer.import_feeds(config, args.source, left_out, lang=args.lang, pair=args.lang_pair,
                                    tag_map=dict(args.tag_map))
    report(left_out, translate=args.translate)
    for path in outcome.created:
        print(args.translate(_("created {file}", file=str(path))))
    news = sum(1 for path in outcome.created if path.endswith(".md"))
    counts = {"created": news, "already": outcome.already, "skipped": outcome.skipped,
              "pictures": len(outcome.created) - news}
    print(args.translate(
        _("imported {created} news file(s); {already} already imported, {skipped} entry skipped; "
          "{pictures} picture(s) downloaded", **counts)
        if outcome.skipped == 1 else
        _("imported {created} news file(s); {already} already imported, {skipped} entries skipped; "
          "{pictures} picture(s) downloaded", **counts)))
    if not outcome.created:
        return EXIT_OK
    print(args.translate(
        _("check --strict: the site passes") if not outcome.site_problems else
        _("check --strict: the import added no problem, but the site still has {count} from before it: "
          "see `lillesite check --strict`", count=outcome.site_problems)))
    return EXIT_OK


def main(argv: list[str] | None = None, *, default_command: str | None = None,
         default_site: Path | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    translate = messages.translator(os.environ)  # the editor's language, chosen once, as git does
    parser = make_parser(translate)
    if default_command and (not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, default_command)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    args.translate = translate
    if getattr(args, "site", "") is None:
        args.site = default_site or Path(".")
    handler = logging.StreamHandler()
    handler.setFormatter(_LogFormatter(translate))
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, handlers=[handler])
    logging.getLogger("MARKDOWN").setLevel(logging.WARNING)
    # a CI runner stops jobs with SIGTERM: unwind like Ctrl-C, so the half-built tree is removed
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return args.run(args)
    except BuildFailed as failure:
        report(failure.errors, translate=translate)
        usage = all(isinstance(e, UsageError) for e in failure.errors)
        errors = sum(1 for e in failure.errors if e.level == "error")
        if not usage:
            warnings = sum(1 for e in failure.errors if e.level == "warning")
            print(translate(_("build failed: {errors} error(s), {warnings} warning(s)", errors=errors,
                              warnings=warnings)), file=sys.stderr)
        return EXIT_USAGE if usage else EXIT_ERRORS
    except KeyboardInterrupt:
        print(translate(_("interrupted; the previous output is untouched")), file=sys.stderr)
        return 130
    except Exception:
        if args.debug:
            raise
        import traceback

        last = traceback.format_exc().strip().splitlines()[-1]
        print(translate(_("internal error in lillesite: {problem}\n(run again with --debug for the traceback, "
                          "and please report it)", problem=last)), file=sys.stderr)
        return EXIT_ERRORS


def run(argv: list[str] | None = None, **kwargs) -> None:
    """The process's entry point: main(), tuned for a short process that allocates much and frees little."""
    runtime.tuned_for_one_build()
    runtime.exit_now(main(argv, **kwargs))
