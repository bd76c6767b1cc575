"""An EPUB archive -> its package: the container, the OPF manifest and spine, the
navigation document or NCX, refused with DRM, read within size limits and never
unpacked."""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from audiobook.errors import InputError
from audiobook.text.formats._markup import (
    decode_markup,
    parse,
    plain_text,
)

MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""The most one archive member may decompress to: far beyond any real chapter."""


MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""The most all members read may decompress to together (zip bombs stop here)."""


_CONTAINER = "META-INF/container.xml"


HTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/xml"})


_FONT_OBFUSCATION = frozenset(
    {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: Any, name: str) -> Iterator[Any]:
    return (c for c in el if _local(c.tag) == name)


def _descendants(el: Any, name: str) -> Iterator[Any]:
    return (c for c in el.iter() if _local(c.tag) == name)


def _words(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


@dataclass(frozen=True)
class _Item:
    path: str
    media_type: str
    properties: tuple[str, ...]


@dataclass(frozen=True)
class NavEntry:
    title: str
    path: str
    fragment: str


class Archive:
    """The EPUB's zip archive, read member by member within the size caps."""

    def __init__(self, data: bytes, path: Path | None) -> None:
        self.label = str(path or "The input")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
            raise InputError(
                f"{self.label} is not a readable EPUB: its zip archive is damaged ({err})."
            ) from None
        self.names = {info.filename: info for info in infos}
        self.folded = {name.lower(): info for name, info in self.names.items()}
        self.total = 0

    def has(self, name: str) -> bool:
        return name in self.names or name.lower() in self.folded

    def read(self, name: str) -> bytes | None:
        info = self.names.get(name) or self.folded.get(name.lower())
        if info is None:
            return None
        if info.flag_bits & 0x1:
            raise InputError(f"{self.label} is encrypted ({name}); audiobook reads EPUBs "
                             "without DRM only.")
        if info.file_size > MAX_MEMBER_BYTES:
            raise self._too_big(name)
        try:
            with self.zip.open(info) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError,
                NotImplementedError, ValueError) as err:
            raise InputError(
                f"{self.label} is not a readable EPUB: {name} in it is damaged ({err})."
            ) from None
        if len(data) > MAX_MEMBER_BYTES:
            raise self._too_big(name)
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise InputError(
                f"{self.label} unpacks to more than {_size(MAX_TOTAL_BYTES)} of text; "
                "it is either not a book or a zip bomb, and is not read."
            )
        return data

    def _too_big(self, name: str) -> InputError:
        return InputError(
            f"{self.label}: {name} unpacks to more than {_size(MAX_MEMBER_BYTES)}, "
            "far more than any chapter; it is not read."
        )

    def xml(self, name: str) -> Any | None:
        data = self.read(name)
        if data is None:
            return None
        try:
            return safe_xml.fromstring(data)
        except DefusedXmlException:
            raise InputError(
                f"{self.label}: {name} declares XML entities, which EPUBs do not need and "
                "audiobook does not expand."
            ) from None
        except (ParseError, ValueError) as err:
            raise InputError(f"{self.label}: {name} is not well-formed XML ({err}).") from None


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n // 1024} KB"


def _join(base: str, href: str) -> tuple[str, str]:
    """A member name and fragment for an href relative to the member ``base``."""
    target, fragment = urldefrag(href.strip())
    if not target:
        return base, unquote(fragment)
    name = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(target)))
    return name, unquote(fragment)


def package_path(archive: Archive) -> str:
    container = archive.xml(_CONTAINER)
    if container is not None:
        for rootfile in _descendants(container, "rootfile"):
            full = rootfile.get("full-path")
            if full and archive.has(full):
                return str(full)
    candidates = sorted(name for name in archive.names if name.lower().endswith(".opf"))
    if candidates:
        return candidates[0]
    raise InputError(
        f"{archive.label} is a zip archive but not an EPUB: it has no {_CONTAINER} "
        "and no package (.opf) file."
    )


@dataclass
class Package:
    title: str | None
    author: str | None
    summary: str | None
    items: dict[str, _Item]
    spine: list[str]
    ncx: str | None
    guide: dict[str, str]


def read_package(archive: Archive, opf: str) -> Package:
    root = archive.xml(opf)
    if root is None:  # pragma: no cover - package_path checked it exists
        raise InputError(f"{archive.label}: {opf} is missing.")
    metadata = next(_descendants(root, "metadata"), root)
    titles = [_words(t) for t in _descendants(metadata, "title") if _words(t)]
    creators = list(_descendants(metadata, "creator"))
    roles: dict[str, str | None] = {str(c.get("id")): None for c in creators if c.get("id")}
    for meta in _descendants(metadata, "meta"):
        if meta.get("property") == "role" and (meta.get("refines") or "").lstrip("#") in roles:
            roles[(meta.get("refines") or "").lstrip("#")] = _words(meta)
    authors = []
    for creator in creators:
        role = next((v for k, v in creator.attrib.items() if _local(k) == "role"), None)
        role = role or roles.get(str(creator.get("id")))
        if role in (None, "aut") and _words(creator):
            authors.append(_words(creator))
    descriptions = [_words(d) for d in _descendants(metadata, "description") if _words(d)]
    items: dict[str, _Item] = {}
    for item in _descendants(root, "item"):
        if item.get("id") and item.get("href"):
            name, _ = _join(opf, str(item.get("href")))
            properties = tuple(str(item.get("properties") or "").split())
            items[str(item.get("id"))] = _Item(name, str(item.get("media-type") or ""), properties)
    spine_el = next(_descendants(root, "spine"), None)
    spine = []
    ncx = None
    if spine_el is not None:
        ncx = spine_el.get("toc")
        for ref in _children(spine_el, "itemref"):
            if ref.get("linear", "yes") != "no" and ref.get("idref") in items:
                spine.append(str(ref.get("idref")))
    guide: dict[str, str] = {}
    for ref in _descendants(root, "reference"):
        if ref.get("href") and ref.get("type"):
            name, _ = _join(opf, str(ref.get("href")))
            guide.setdefault(name, str(ref.get("type")).lower())
    return Package(
        titles[0] if titles else None,
        ", ".join(dict.fromkeys(authors)) or None,
        plain_text(descriptions[0]) if descriptions else None,
        items,
        spine,
        str(ncx) if ncx else None,
        guide,
    )


def check_drm(archive: Archive, content: set[str]) -> None:
    root = archive.xml("META-INF/encryption.xml")
    if root is None:
        return
    for data in _descendants(root, "EncryptedData"):
        method = next(_descendants(data, "EncryptionMethod"), None)
        algorithm = method.get("Algorithm") if method is not None else None
        for ref in _descendants(data, "CipherReference"):
            name = posixpath.normpath(unquote(str(ref.get("URI") or "")))
            if name in content and algorithm not in _FONT_OBFUSCATION:
                raise InputError(
                    f"{archive.label} is protected by DRM ({name} is encrypted); audiobook "
                    "reads EPUBs without DRM only."
                )


def nav_entries(
    archive: Archive, package: Package, path: Path | None
) -> tuple[list[NavEntry], dict[str, str]]:
    """Table-of-contents entries in document order, and landmark types by member name."""
    landmarks: dict[str, str] = {}
    for item in package.items.values():
        if "nav" not in item.properties:
            continue
        data = archive.read(item.path)
        if data is None:
            continue
        root = parse(decode_markup(data), path, f" ({item.path})")
        entries: list[NavEntry] = []
        for nav in root.iter("nav"):
            kind = str(nav.get("epub:type") or nav.get("role") or "").lower().split()
            links = [a for a in nav.iter("a") if a.get("href")]
            if "landmarks" in kind:
                for a in links:
                    name, _ = _join(item.path, str(a.get("href")))
                    for word in str(a.get("epub:type") or "").lower().split():
                        landmarks.setdefault(name, word)
            elif ("toc" in kind or "doc-toc" in kind) and not entries:
                for a in links:
                    name, fragment = _join(item.path, str(a.get("href")))
                    entries.append(NavEntry(" ".join(a.text_content().split()), name, fragment))
        if entries:
            return entries, landmarks
    ncx_item = package.items.get(package.ncx or "") or next(
        (i for i in package.items.values() if i.media_type == "application/x-dtbncx+xml"), None
    )
    if ncx_item is None:
        return [], landmarks
    root = archive.xml(ncx_item.path)
    if root is None:
        return [], landmarks
    entries = []
    for point in _descendants(root, "navPoint"):
        content = next(_children(point, "content"), None)
        label = next(_children(point, "navLabel"), None)
        if content is None or not content.get("src"):
            continue
        name, fragment = _join(ncx_item.path, str(content.get("src")))
        title = _words(next(_descendants(label, "text"), label)) if label is not None else ""
        entries.append(NavEntry(title, name, fragment))
    return entries, landmarks
