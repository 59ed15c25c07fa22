"""The build cache in .lillesite-cache/: parsed documents, fingerprints of rendered pages, picture variants.

Both are pure functions of their inputs, so a hash of every input is a safe key:
* a document is keyed by the file's bytes and relative path (links resolve relative to it), the
  Markdown set-up, allow_embeds and the generator's code;
* a page is keyed by the digest of its plan (plan.PagePlan: all its template is given), the
  templates, the catalogues and the config. Its bytes are not stored twice: the cache records their sha256, and a
  hit takes them from the previous output after checking that hash.

* a picture variant (images.py) is keyed by the source's bytes, its record and the encoder's version
  (images.Variant.key); its bytes are kept, one file each in images/, until a build no longer uses them.

The cache is never trusted blindly: every file carries a header naming the generator's code and a
sha256 of its payload; anything that does not match, or does not unpickle, is ignored and rebuilt.
Pickle is only read from files whose checksum we verified, i.e. files this code wrote.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.util
import io
import logging
import operator
import os
import pickle
import sys
import tempfile
import types
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any, Callable

import markupsafe

from lillesite import __version__
from lillesite.errors import LilleError
from lillesite.messages import _
from lillesite.sources import SourceFile
from lillesite.stamps import Kept, Stamp, read_stamped, stamp, trusted_before

log = logging.getLogger(__name__)
CACHE_DIR = ".lillesite-cache"
MAGIC = b"lillesite-cache\n"
PACKAGE = Path(__file__).parent
SHARDS = "0123456789abcdef"  # documents are spread over 16 files, so an edit rewrites one small file

# The libraries whose results the cache keeps (HTML, front matter, compiled templates, dates): their code
# is part of its version. It is read from their folders, not imported: a build that finds its output
# up to date never loads them.
LIBRARIES = ("markdown", "jinja2", "babel", "markupsafe", "yaml")

Parsed = tuple[Any, list[LilleError]]  # a Document (None if the file has errors) and its problems


def code_version() -> str:
    """The generator's version and a hash of its code and its libraries' code, so a development checkout
    or an upgrade never reuses stale results."""
    h = hashlib.sha256(f"{__version__}|{sys.version}".encode())
    for path in sorted(PACKAGE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)
        folder = Path(spec.submodule_search_locations[0]) if spec and spec.submodule_search_locations else None
        h.update(f"\1{name}\0{folder}".encode())
        for path in sorted(folder.glob("*.py")) if folder else ():  # the top-level modules: the version is there
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def files_digest(*folders: Path) -> str:
    """Names and bytes of every file below `folders` (templates, catalogues)."""
    h = hashlib.sha256()
    for folder in folders:
        h.update(b"\1" + str(folder).encode())
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


# ------------------------------------------------------------------ storage
def _read(path: Path, version: str) -> Any:
    """The payload of a cache file we wrote for this code version; None for anything else."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = MAGIC + version.encode() + b"\n"
    if not data.startswith(header) or len(data) < len(header) + 65:
        return None
    checksum, payload = data[len(header):len(header) + 64], data[len(header) + 65:]
    if hashlib.sha256(payload).hexdigest().encode() != checksum:
        log.debug("cache file %s is damaged; ignored", path)
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never fatal
        return None


def _write(path: Path, version: str, value: Any) -> None:
    """Atomically: a reader sees the old file or the new one, never half of one."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    data = MAGIC + version.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:  # a read-only checkout still builds, only slower next time
        log.warning(_("cannot write the build cache {file}: {problem}", file=str(path), problem=exc.strerror))


class BuildCache:
    """Parsed documents and page fingerprints of one site, on disk and in memory.

    `serve` keeps one instance across rebuilds: after the first build every lookup is a dict hit.
    """

    def __init__(self, site_root: Path, *, persistent: bool = True):
        self.folder = site_root / CACHE_DIR
        self.persistent = persistent
        self.version = code_version()
        self._docs: dict[str, dict[str, Parsed]] | None = None  # shard -> key -> parsed
        self._saved_docs: dict[str, frozenset[str]] = {}  # shard -> keys as on disk
        self._used_docs: dict[str, Parsed] = {}
        self._used_rels: dict[str, str] = {}  # rel -> key of the documents used
        # context key, page key -> its PageRecord
        self._pages: tuple[str, dict[str, PageRecord]] | None = None
        self._saved_pages: tuple[str, dict[str, PageRecord]] | None = None
        self._compiled: dict[str, dict[str, bytes]] = {}  # kind -> key -> compiled form
        self._images: dict[str, bytes] = {}  # variant key -> its bytes, made or read by this process
        self._picture_sources: dict[str, tuple[Stamp, Any]] | None = None  # rel -> (stamp, images.Source)
        self._saved_picture_sources: dict[str, tuple[Stamp, Any]] | None = None
        self._saved_compiled: dict[str, dict[str, bytes]] = {}

    # ------------------------------------------------------------ documents
    def doc_key(self, rel: str, raw: bytes, allow_embeds: bool) -> str:
        h = hashlib.sha256(f"{self.version}|{allow_embeds}|{rel}\0".encode())
        h.update(raw)
        return h.hexdigest()

    def _doc_shards(self) -> dict[str, dict[str, Parsed]]:
        if self._docs is None:
            self._docs = {}
            for shard in SHARDS:
                found = _read(self.folder / f"docs-{shard}.pickle", self.version) if self.persistent else None
                self._docs[shard] = found if isinstance(found, dict) else {}
                self._saved_docs[shard] = frozenset(self._docs[shard])
        return self._docs

    def get_doc(self, key: str, source: SourceFile) -> Parsed | None:
        """The file parsed under this key, placed at `source`: the cache knows a file by its bytes and
        relative path, not by where the site is on disk (and unpickling paths is slow)."""
        found = self._doc_shards()[key[0]].get(key)
        if found is None:
            return None
        self._used_docs[key] = found
        doc, problems = found
        if doc is None:
            return found
        self._used_rels[source.rel] = key
        return doc.placed(source), problems

    def put_doc(self, key: str, parsed: Parsed) -> None:
        doc, problems = parsed
        stored = (doc and doc.placed(None), problems)
        self._doc_shards()[key[0]][key] = stored
        self._used_docs[key] = stored
        if doc:
            self._used_rels[doc.source.rel] = key

    def doc_keys(self) -> dict[str, str]:
        """rel -> key of the documents this build used."""
        return dict(self._used_rels)

    # ---------------------------------------------------------------- pages
    def page_records(self) -> tuple[str, dict[str, PageRecord]]:
        """The context key the last build's pages were rendered under, and their records."""
        if self._pages is None:
            found = _read(self.folder / "pages.pickle", self.version) if self.persistent else None
            self._pages = found if isinstance(found, tuple) and len(found) == 2 else ("", {})
            self._saved_pages = self._pages
        return self._pages

    def keep_pages(self, context_key: str, records: dict[str, PageRecord]) -> None:
        """The pages of the last successful build replace the previous ones."""
        self._pages = (context_key, records)

    # -------------------------------------------------------- compiled forms
    def compiled(self, kind: str) -> dict[str, bytes]:
        """Compiled forms of one kind, by key, filled during a build and kept by save(): 'templates'
        (Jinja's, by its key), 'catalogues' (.mo bytes, by the .po's digest: see i18n)."""
        if kind not in self._compiled:
            found = _read(self.folder / f"{kind}.pickle", self.version) if self.persistent else None
            self._compiled[kind] = found if isinstance(found, dict) else {}
            self._saved_compiled[kind] = dict(self._compiled[kind])
        return self._compiled[kind]

    # ------------------------------------------------------ picture variants
    # Not under the code's version: a variant is a function of what its key covers (Pillow's version and
    # the encoder settings included), so a new lillesite does not re-encode every photo.
    IMAGES = "images"
    IMAGES_VERSION = "variants-1"

    def image(self, key: str) -> bytes | None:
        """The bytes of the variant with this key (images.Variant.key), if a build made them."""
        found = self._images.get(key)
        if found is None and self.persistent:
            found = _read(self.folder / self.IMAGES / key, self.IMAGES_VERSION)
            if not isinstance(found, bytes):
                return None
        return found

    def put_image(self, key: str, data: bytes) -> None:
        self._images[key] = data
        if self.persistent:
            _write(self.folder / self.IMAGES / key, self.IMAGES_VERSION, data)

    def keep_images(self, keys: set[str]) -> None:
        """Forget the variants a successful build did not use (photos removed or changed, other settings)."""
        self._images = {key: data for key, data in self._images.items() if key in keys}
        folder = self.folder / self.IMAGES
        if self.persistent and folder.is_dir():
            for path in folder.iterdir():
                if path.name not in keys:
                    path.unlink(missing_ok=True)

    # What each photo of static/ is (images.Source: its digest, size, format), known by the file's stamp,
    # so that a build does not read and hash every photo again. Only stamps older than the moment they
    # were taken by RACY_NS are kept (stamps.py): a change made since shows in the stamp.
    def picture_sources(self) -> dict[str, tuple[Stamp, Any]]:
        """rel (in static/) -> (its stamp, its images.Source), as the last build found them."""
        if self._picture_sources is None:
            found = _read(self.folder / "pictures.pickle", self.version) if self.persistent else None
            self._picture_sources = found if isinstance(found, dict) else {}
            self._saved_picture_sources = self._picture_sources
        return self._picture_sources

    def keep_picture_sources(self, known: dict[str, tuple[Stamp, Any]]) -> None:
        self._picture_sources = known

    # -------------------------------------------------------- other records
    def load(self, name: str) -> Any:
        """A record this code stored under `name`; None if there is none (or it is damaged, or foreign)."""
        return _read(self.folder / name, self.version) if self.persistent else None

    def store(self, name: str, value: Any) -> None:
        if self.persistent:
            _write(self.folder / name, self.version, value)

    def forget(self, name: str) -> None:
        if self.persistent:
            (self.folder / name).unlink(missing_ok=True)

    # ----------------------------------------------------------------- save
    def save_documents(self) -> None:
        """Keep the documents this build used (so the cache never grows past the site) and write the
        shards that changed. Once the parse step is over; save() does it too."""
        if self._docs is not None:
            for shard in SHARDS:
                kept = {k: v for k, v in self._used_docs.items() if k[0] == shard}
                self._docs[shard] = kept
                if self.persistent and frozenset(kept) != self._saved_docs[shard]:
                    _write(self.folder / f"docs-{shard}.pickle", self.version, kept)
                    self._saved_docs[shard] = frozenset(kept)

    def save(self) -> None:
        """Keep what this build used and write what changed."""
        self.save_documents()
        self._used_docs = {}
        self._used_rels = {}
        if self._pages is not None and self._pages != self._saved_pages:
            if self.persistent:
                _write(self.folder / "pages.pickle", self.version, self._pages)
            self._saved_pages = self._pages
        if self._picture_sources is not None and self._picture_sources != self._saved_picture_sources:
            if self.persistent:
                _write(self.folder / "pictures.pickle", self.version, self._picture_sources)
            self._saved_picture_sources = self._picture_sources
        for kind, store in self._compiled.items():
            if store != self._saved_compiled[kind]:
                if self.persistent:
                    _write(self.folder / f"{kind}.pickle", self.version, store)
                self._saved_compiled[kind] = dict(store)


# ------------------------------------------------------------------ digests
class Uncacheable(Exception):
    """A value whose digest we cannot compute; the page is then rendered every time."""


_LEAVES = frozenset((str, markupsafe.Markup, int, float, bool, type(None), dt.date))


LONG_TUPLE = 16  # items: a longer tuple is digested once per build (Digester._long_tuple)


class Digester:
    """Stable digests of template contexts; each model object is hashed once per build.

    A context is reduced to plain values (model objects replaced by their digests) that are
    serialized in C and hashed: walking it in Python value by value was the cost of a cached build.
    """

    def __init__(self, doc_keys: dict[str, str]) -> None:
        from lillesite import document  # here: the up-to-date check imports this module, not Markdown

        self._document = document.Document
        self._memo: dict[int, tuple[object, bytes]] = {}  # id -> (the object, kept alive; its digest)
        self._doc_keys = doc_keys  # rel -> cache key of the parsed document: its bytes, path and settings
        self._fields: dict[type, Callable[[Any], tuple]] = {}  # dataclass -> its fields' values, in order
        self._buffer = io.BytesIO()
        self._pickler = pickle.Pickler(self._buffer, protocol=pickle.HIGHEST_PROTOCOL)  # one, reused: made once per build
        self._pickler.fast = True

    def digest(self, value: Any) -> str:
        return hashlib.sha256(self._serialize(self._reduce(value))).hexdigest()

    def _serialize(self, value: Any) -> bytes:
        """Plain values to bytes, in C; fast mode (no memo): equal values give equal bytes whatever their identity."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._pickler.dump(value)
        return self._buffer.getvalue()

    def _reduce(self, value: Any) -> Any:
        kind = type(value)
        if kind in _LEAVES:
            return value
        if kind is dict or kind is MappingProxyType:  # a plan's mappings are read-only views of dicts
            return {k: v if type(v) in _LEAVES else self._reduce(v) for k, v in value.items()}
        if kind is types.SimpleNamespace:  # plan.Record
            return ("record", self._reduce(vars(value)))
        if kind is tuple:
            if len(value) > LONG_TUPLE:
                return self._long_tuple(value)
            return tuple([v if type(v) in _LEAVES else self._reduce(v) for v in value])
        if kind is list:
            return [v if type(v) in _LEAVES else self._reduce(v) for v in value]
        if kind is dt.datetime:  # pickle names a time zone by a function to look up: the zone's name is faster
            return ("datetime", value.isoformat(), value.fold, str(value.tzinfo))
        found = self._memo.get(id(value))  # memoized objects are kept alive: an id found is that object's
        if found is not None:
            return found[1]
        fields = self._fields.get(kind)
        if fields is None and dataclasses.is_dataclass(kind):
            names = tuple(kind.__dataclass_fields__)
            getter = operator.attrgetter(*names)
            fields = self._fields[kind] = getter if len(names) > 1 else lambda value: (getter(value),)
        if fields:
            return self._object(value, fields)
        if isinstance(value, PurePath):
            return ("path", str(value))
        raise Uncacheable(kind.__qualname__)

    def _long_tuple(self, value: tuple) -> bytes:
        """A long tuple is shared (a listing's page URLs: one tuple for all the listing's pages, as long as
        the news): digested once and known by its digest, like a model object, else each page of a
        listing would digest every page's URL, and a site's listings would cost the square of its size."""
        found = self._memo.get(id(value))
        if found is None:
            reduced = [v if type(v) in _LEAVES else self._reduce(v) for v in value]
            found = self._memo[id(value)] = (value, hashlib.sha256(self._serialize(("tuple", reduced))).digest())
        return found[1]

    def _object(self, value: Any, fields: Callable[[Any], tuple]) -> bytes:
        doc_key = self._doc_keys.get(value.source.rel) if type(value) is self._document else None
        if doc_key:  # a document is a function of what its cache key covers; only its place on disk is not
            digest = f"{doc_key}\0{value.source.filename}".encode()
        else:
            reduced = [v if type(v) in _LEAVES else self._reduce(v) for v in fields(value)]
            digest = hashlib.sha256(self._serialize((type(value).__qualname__, reduced))).digest()
        self._memo[id(value)] = (value, digest)
        return digest


# A page record: its output path, the sha256 of its bytes, and the stamp of the output file that held
# them when the build that wrote it finished (None: not known, or too recent to be trusted; see
# stamp_records): while the file keeps that stamp it is not read again.
PageRecord = tuple[str, str, Stamp | None]


class PageCache:
    """Page key -> the page as the previous build wrote it: the output's file, verified by its stamp or sha256."""

    def __init__(self, previous: tuple[str, dict[str, PageRecord]], out: Path, context_key: str,
                 doc_keys: dict[str, str]):
        self.records = previous[1] if previous[0] == context_key else {}
        self.cold = not self.records  # every page will be rendered
        self.out = out
        self.context_key = context_key  # templates, catalogues, config, code
        self.context_digest = hashlib.sha256(context_key.encode()).hexdigest()  # in every page's key
        self.digester = Digester(doc_keys)
        self.new_records: dict[str, PageRecord] = {}

    def key(self, inputs: Any) -> str | None:
        """The key of a page made of `inputs` (plain values and model objects) in this context."""
        try:
            return self.digester.digest((self.context_digest, inputs))
        except Uncacheable as exc:
            log.debug("page not cacheable: %s in its context", exc)
            return None

    def get(self, key: str, path: str) -> Kept | None:
        record = self.records.get(key)
        if record is None or record[0] != path:
            return None
        target = os.path.join(self.out, path)
        if record[2] is not None:
            try:
                if stamp(os.lstat(target)) == record[2]:
                    self.new_records[key] = record
                    return Kept(target, record[2])
            except OSError:
                return None
        found = read_stamped(target)
        if found is None or hashlib.sha256(found[0]).hexdigest() != record[1]:
            return None
        self.new_records[key] = (path, record[1], None)
        return Kept(target, found[1], found[0])

    def put(self, key: str, path: str, data: bytes) -> None:
        self.new_records[key] = (path, hashlib.sha256(data).hexdigest(), None)

    def stamp_records(self) -> None:
        """After the output is written: note the stamps of the pages' files, but of none that a change
        within the same clock tick could leave as it is (stamps.trusted_before)."""
        found = {}
        for key, (path, sha, known) in self.new_records.items():
            if known is None:
                try:
                    found[key] = (path, sha, stamp(os.lstat(os.path.join(self.out, path))))
                except OSError:
                    continue
        before = trusted_before(st[3] for _path, _sha, st in found.values())
        for key, (path, sha, st) in found.items():
            if st[3] < before:
                self.new_records[key] = (path, sha, st)
