"""Photos: which files a build publishes for each picture of static/, and how each one is made.

A photo is never published as it was taken: it is published at the widths of `images.widths` (never
wider than the original), as WebP with a JPEG (or, with transparency, PNG) fallback, turned upright
(EXIF orientation) and without any metadata (GPS position, camera serial, owner, thumbnail, XMP,
comments); its colour profile is kept. A lead image (`image:`) also gets the crops sharing sites and
search engines ask for.

Planning is a function of what each source is (inspect(): its size, format, digest) and the settings:
picture() says what a page shows, plan() which files exist (Variant records). make() turns a source's
bytes into the bytes of its variants, decoding the source once for all of them. Remembering the
variants between builds is the build cache's job (cache.py), sharing the work the workers' (steps.py).
"""
from __future__ import annotations

import hashlib
import io
import posixpath
import re
import warnings
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from lillesite.errors import ContentError, Diagnostics, Location
from lillesite.markup import ASSET_LINK
from lillesite.messages import _

# Files of static/ that are photos and drawings in a raster format: never published as they are
# without a look at their metadata.
RASTER = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".heif", ".tif", ".tiff")
PASSED_THROUGH = (".svg",)  # drawings: published as they are, shown at their own size
LARGE_SOURCE = 20_000_000  # bytes: a warning above, the photo is heavier than any screen needs
LEAD_MIN_WIDTH = 1200  # pixels: a lead image narrower than this is blurred in its largest use (the share card)

# Pinned encoder settings: the same bytes from every build (and every --jobs), and a version for the cache.
WEBP = {"quality": 75, "method": 4}
JPEG = {"quality": 80, "optimize": True, "progressive": True, "subsampling": "4:2:0"}
PNG = {"optimize": True}
SETTINGS_VERSION = "1"  # raise when the making below changes what it makes

# The crops of a lead image: (name, width, height). 'og' is the card shown when a page is shared;
# the others are the ratios Google asks for in an article's structured data.
CROPS = (("og", 1200, 630), ("16x9", 1200, 675), ("4x3", 1200, 900), ("1x1", 1200, 1200))

IMG_RE = re.compile(r'<img\b[^>]*?\bsrc="' + re.escape(ASSET_LINK) + r'([^"#]*)"[^>]*>')
_A_RE = re.compile(r'<a\b[^>]*?\bhref="' + re.escape(ASSET_LINK) + r'([^"#]*)[#"]')
# metadata keys Pillow reads that can tell who, where or with what a photo was taken
_PRIVATE_INFO = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc", "icc_profile_name")


@dataclass(frozen=True)
class Source:
    """A raster file of static/, as planning needs it: read from its header, not decoded."""

    rel: str  # path inside static/
    digest: str  # sha256 of its bytes
    size: int  # bytes
    width: int  # upright (after the EXIF orientation)
    height: int
    kind: str  # 'jpeg', 'png', 'webp', 'gif', 'heif', 'tiff'
    alpha: bool  # has transparency: the fallback is PNG
    animated: bool
    private: bool  # carries metadata (EXIF, XMP, comments): never published as is
    problem: str | None = None  # why it cannot be used; then the rest is not known


@dataclass(frozen=True)
class Variant:
    """One published file made from a source: the whole picture at a width, or a crop, in one format."""

    source: str  # path inside static/
    digest: str  # the source's sha256
    width: int
    height: int
    format: str  # 'webp', 'jpeg', 'png'
    crop: tuple[int, int] | None  # aspect ratio, centred; None: the whole picture
    path: str  # output path

    def key(self, encoder: str) -> str:
        """What the bytes are a function of: the source's bytes, this record and the encoder."""
        return hashlib.sha256(repr((encoder, self)).encode()).hexdigest()


@dataclass(frozen=True)
class Candidate:
    url: str  # site path
    width: int


@dataclass(frozen=True)
class Crop:
    name: str  # see CROPS
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """What a page shows of one picture: its candidates per format, its size (no layout shift), crops."""

    src: str  # site path of the fallback a browser without srcset loads
    width: int  # of the largest candidate: width and height give the aspect ratio
    height: int
    webp: tuple[Candidate, ...]  # narrowest first; empty for a drawing (SVG)
    fallback: tuple[Candidate, ...]
    fallback_type: str  # 'image/jpeg' or 'image/png'
    crops: tuple[Crop, ...] = ()  # a lead image's

    def crop(self, name: str) -> Crop | None:
        return next((c for c in self.crops if c.name == name), None)


# ------------------------------------------------------------------ reading
def is_picture(rel: str) -> bool:
    return rel.lower().endswith(RASTER + PASSED_THROUGH)


def is_raster(rel: str) -> bool:
    return rel.lower().endswith(RASTER)


def inspect(rel: str, data: bytes) -> Source:
    """What a raster file is, from its header; a Source with a `problem` for one that cannot be used."""
    digest = hashlib.sha256(data).hexdigest()
    blank = dict(rel=rel, digest=digest, size=len(data), width=0, height=0, kind="", alpha=False,
                 animated=False, private=True)
    try:
        image = _open(data)
    except _Refused as exc:
        return Source(**blank, problem=exc.args[0])
    with image:
        kind = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "HEIF": "heif",
                "TIFF": "tiff"}.get(image.format or "")
        if kind is None:
            return Source(**blank, problem=_("{format} pictures are not published: save it as JPEG or PNG",
                                             format=image.format))
        width, height = image.size
        orientation = image.getexif().get(0x0112, 1)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
        private = any(key in image.info for key in _PRIVATE_INFO) or bool(getattr(image, "text", None)) \
            or bool(image.getexif()) or any(marker not in ("APP0", "APP2", "APP14")
                                            for marker, _ in getattr(image, "applist", ()))
        return Source(rel=rel, digest=digest, size=len(data), width=width, height=height, kind=kind,
                      alpha=alpha, animated=getattr(image, "n_frames", 1) > 1, private=private)


class _Refused(Exception):
    """A file that is not read: the message says why, in an editor's words."""


def _open(data: bytes):
    from PIL import Image, UnidentifiedImageError

    _register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _Refused(_("refused: the picture is too large to decode safely (a 'decompression bomb'); "
                             "save it at most {millions} million pixels",
                             millions=Image.MAX_IMAGE_PIXELS // 1_000_000)) from None
        except UnidentifiedImageError:
            if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
                raise _Refused(_("HEIC photos cannot be read here: convert it to JPEG (on the iPhone: Settings > "
                                 "Camera > Formats > Most Compatible; on a computer: open it and export it as JPEG)")) \
                    from None
            raise _Refused(_("cannot read this picture: it is damaged or not a picture file "
                             "(save it again as JPEG or PNG)")) from None
        except OSError as exc:
            raise _Refused(_("cannot read this picture: {problem}", problem=str(exc))) from None


def _register_heif() -> None:
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # then HEIC files are refused with a message saying how to convert them
        return
    register_heif_opener()


def encoder_version() -> str:
    """Pillow and its codecs' versions and our settings: part of every variant's cache key."""
    import PIL
    from PIL import features

    return (f"Pillow {PIL.__version__} webp {features.version('webp')} jpeg {features.version('jpg')} "
            f"zlib {features.version('zlib')} settings {SETTINGS_VERSION} {WEBP} {JPEG} {PNG}")


# ----------------------------------------------------------------- planning
def picture(source: Source, widths: Sequence[int], *, lead: bool) -> Picture:
    """What a page shows of `source` (a usable one); its files are those plan() lists for it."""
    variants = _variants(source, widths, lead=lead)
    webp = tuple(Candidate("/" + v.path, v.width) for v in variants if v.format == "webp" and not v.crop)
    fallback = tuple(Candidate("/" + v.path, v.width) for v in variants if v.format != "webp" and not v.crop)
    crops = tuple(Crop(name, "/" + v.path, v.width, v.height)
                  for (name, _, _), v in zip(CROPS, (v for v in variants if v.crop)))
    largest = max(variants, key=lambda v: (not v.crop, v.width))
    middle = fallback[min(1, len(fallback) - 1)]  # for the rare browser without srcset: a medium size
    return Picture(src=middle.url, width=largest.width, height=largest.height, webp=webp, fallback=fallback,
                   fallback_type="image/png" if source.alpha else "image/jpeg", crops=crops)


def drawing(rel: str) -> Picture:
    """An SVG: published as it is, shown at the size the page gives it."""
    return Picture(src="/" + rel, width=0, height=0, webp=(), fallback=(), fallback_type="image/svg+xml")


def _widths(source: Source, widths: Sequence[int]) -> list[int]:
    """The configured widths narrower than the source, and the source's own if it is narrower than the widest."""
    chosen = [w for w in widths if w < source.width]
    if not chosen or max(widths) > source.width >= chosen[-1]:
        chosen.append(min(source.width, max(widths)))
    return sorted(set(chosen))


def _variants(source: Source, widths: Sequence[int], *, lead: bool) -> list[Variant]:
    stem = f"{posixpath.splitext(source.rel)[0]}.{source.digest[:10]}"
    fallback = "png" if source.alpha else "jpeg"
    made = []
    for width in _widths(source, widths):
        height = max(1, round(width * source.height / source.width))
        for fmt in ("webp", fallback):
            made.append(Variant(source.rel, source.digest, width, height, fmt, None,
                                f"{stem}.{width}.{_EXTENSION[fmt]}"))
    if lead:
        for name, width, height in CROPS:
            scale = min(1.0, source.width / width, source.height / height)  # never upscaled
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            made.append(Variant(source.rel, source.digest, w, h, "jpeg", (width, height), f"{stem}.{name}.jpg"))
    return made


_EXTENSION = {"webp": "webp", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class Plan:
    """The picture files of a build: variants to make, and the files of static/ not copied as they are."""

    variants: tuple[Variant, ...]
    withheld: frozenset[str]  # paths in static/ whose file is not published as is
    uses: Mapping[str, tuple[Location, ...]]  # path in static/ -> where it is used (for messages)


def images_in(html: str) -> list[str]:
    """The files of static/ a document's HTML shows as images (<img> of a placeholder link)."""
    return IMG_RE.findall(html)


def plan(entries: Iterable, sources: Mapping[str, Source], widths: Sequence[int], report: Diagnostics) -> Plan:
    """Every picture file the site publishes. A photo shown on a page is published as its variants only
    (and cleaned, at its own size, if a page links to the file itself); a photo nothing shows, cleaned if
    it carries metadata, else as it is."""
    shown: dict[str, bool] = {}  # rel -> is a lead image somewhere
    linked: set[str] = set()
    uses: dict[str, list[Location]] = {}
    for entry in entries:
        if entry.image and entry.image in sources:
            shown[entry.image] = True
            uses.setdefault(entry.image, []).append(Location(entry.rel, entry.doc.line_of_key.get("image")))
        for rel in entry.pictures:
            shown.setdefault(rel, False)
        lines = {link.target: link.line for link in entry.doc.links if link.kind == "asset"}
        for rel in entry.pictures:
            uses.setdefault(rel, []).append(Location(entry.rel, lines.get(rel)))
        linked.update(rel for rel in _A_RE.findall(entry.doc.html) if rel in sources)
    variants: dict[str, Variant] = {}
    withheld = set()
    for rel, source in sorted(sources.items()):
        if source.problem:
            withheld.add(rel)  # reported where it is used; never published as is
            continue
        if rel in shown:
            withheld.add(rel)
            for variant in _variants(source, widths, lead=shown[rel]):
                variants[variant.path] = variant
        if rel in linked or rel not in shown:
            if not source.private:
                withheld.discard(rel)
            elif source.kind in ("jpeg", "png", "webp") and not source.animated:
                withheld.add(rel)
                variants[rel] = Variant(rel, source.digest, source.width, source.height, source.kind, None, rel)
            else:
                withheld.add(rel)
                report.add(ContentError(
                    _("not published: it carries metadata (such as where and with what it was taken) that "
                      "cannot be removed from a {format} file here", format=source.kind.upper()),
                    Location(f"static/{rel}"), level="warning", hint=_("save it as JPEG or PNG")))
    return Plan(variants=tuple(variants[path] for path in sorted(variants)), withheld=frozenset(withheld),
                uses={rel: tuple(found) for rel, found in uses.items()})


# ------------------------------------------------------------------- making
def make(data: bytes, variants: Sequence[Variant]) -> list[bytes]:
    """The bytes of `variants` of one source (its `data`): decoded once, at the smallest size that serves
    them all, turned upright, without metadata. Raises ImageFailed."""
    from PIL import Image, ImageOps

    try:
        image = _open(data)
    except _Refused as exc:
        raise ImageFailed(exc.args[0]) from None
    try:
        stored = image.size
        orientation = image.getexif().get(0x0112, 1)
        upright = (stored[1], stored[0]) if orientation in (5, 6, 7, 8) else stored
        if image.format == "JPEG":
            need = max(_needed_scale(v, upright) for v in variants)
            image.draft(image.mode if image.mode in ("RGB", "L") else None,
                        (max(1, int(stored[0] * need + 1)), max(1, int(stored[1] * need + 1))))
        image.load()
        icc = image.info.get("icc_profile")
        image = ImageOps.exif_transpose(image)
        image = _colours(image, icc)
        if image.mode == "RGB":
            icc = icc if icc and not _is_cmyk_profile(icc) else None
        image.info = {}  # nothing of the source's metadata is carried over
        out = []
        for variant in variants:
            box = _box(variant, image.size)
            resized = image if (box == (0, 0, *image.size) and image.size == (variant.width, variant.height)) \
                else image.resize((variant.width, variant.height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
            out.append(_encode(resized, variant.format, icc))
        return out
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        if "truncated" in str(exc):
            raise ImageFailed(_("cannot read this picture: the file is incomplete (cut short while copying?): "
                                "copy it again")) from None
        raise ImageFailed(_("cannot read this picture: {problem} (save it again as JPEG or PNG)",
                            problem=str(exc))) from None


class ImageFailed(Exception):
    """A source that could not be made into its variants: the message is for the editor."""


def _needed_scale(variant: Variant, upright: tuple[int, int]) -> float:
    """The fraction of the source's full size that `variant` needs, whole or cropped."""
    box = _crop_box(variant.crop, upright) if variant.crop else (0, 0, *upright)
    return min(1.0, variant.width / (box[2] - box[0]))


def _box(variant: Variant, size: tuple[int, int]) -> tuple[float, float, float, float]:
    return _crop_box(variant.crop, size) if variant.crop else (0, 0, *size)


def _crop_box(ratio: tuple[int, int], size: tuple[int, int]) -> tuple[float, float, float, float]:
    width, height = size
    if width * ratio[1] > height * ratio[0]:  # wider than the ratio: the sides go
        w = height * ratio[0] / ratio[1]
        return ((width - w) / 2, 0, (width + w) / 2, height)
    h = width * ratio[1] / ratio[0]
    return (0, (height - h) / 2, width, (height + h) / 2)


def _colours(image, icc: bytes | None):
    """RGB, or RGBA when transparent; CMYK converted through its profile when it has one."""
    if image.mode == "CMYK":
        if icc:
            from PIL import ImageCms

            try:
                return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                                 ImageCms.createProfile("sRGB"), outputMode="RGB")
            except (ImageCms.PyCMSError, OSError):
                pass
        return image.convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        return image.convert("RGBA")
    return image if image.mode == "RGB" else image.convert("RGB")


def _is_cmyk_profile(icc: bytes) -> bool:
    return icc[16:20] == b"CMYK"


def _encode(image, fmt: str, icc: bytes | None) -> bytes:
    buffer = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "webp":
        image.save(buffer, "WEBP", **WEBP, **extra)
    elif fmt == "jpeg":
        (image.convert("RGB") if image.mode != "RGB" else image).save(buffer, "JPEG", **JPEG, **extra)
    else:
        image.save(buffer, "PNG", **PNG, **extra)
    return buffer.getvalue()


# ----------------------------------------------------------------- messages
def problems(entries: Iterable, sources: Mapping[str, Source], report: Diagnostics) -> None:
    """What is wrong with the pictures pages show: unreadable, animated, too small or too heavy."""
    for entry in entries:
        lead_line = entry.doc.line_of_key.get("image")
        lines = {link.target: link.line for link in entry.doc.links if link.kind == "asset"}
        used = [(entry.image, lead_line, True)] if entry.image else []
        used += [(rel, lines.get(rel), False) for rel in images_in(entry.doc.html)]
        for rel, line, lead in used:
            source = sources.get(rel)
            if source is None:
                continue
            where = Location(entry.rel, line)
            if source.problem:
                report.add(ContentError(_("static/{path}: {problem}", path=rel, problem=source.problem), where))
            elif source.animated:
                report.add(ContentError(_("static/{path}: animated pictures are not published", path=rel),
                                        where, hint=_("use a still picture (JPEG or PNG), or a video")))
            else:
                if source.size > LARGE_SOURCE:
                    report.add(ContentError(
                        _("static/{path} weighs {megabytes:.0f} MB: more than any screen needs", path=rel,
                          megabytes=source.size / 1e6), where,
                        level="warning", hint=_("save it at about 4000 pixels wide, as JPEG")))
                if lead and source.width < LEAD_MIN_WIDTH:
                    report.add(ContentError(
                        _("static/{path} is {width} pixels wide: blurred where it is shown largest "
                          "(sharing cards, {minimum} pixels)", path=rel, width=source.width, minimum=LEAD_MIN_WIDTH),
                        where, level="warning",
                        hint=_("give a photo at least {minimum} pixels wide", minimum=LEAD_MIN_WIDTH)))


def usable(source: Source | None) -> bool:
    return source is not None and not source.problem and not source.animated
