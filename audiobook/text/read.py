"""Story file -> Document: decoding and line-end normalisation, keeping offsets.

Input is the raw bytes of a story file; output is a ``Document`` whose text has
LF line ends and whose ``removed_cr`` maps offsets back to the decoded source.
EPUB, HTML and Markdown files go to ``audiobook.text.formats``, which returns the text
extracted from the markup with ``Hints`` about its structure.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from audiobook.errors import InputError, os_reason
from audiobook.models import Document

# Longest BOMs first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Control characters other than those real text files contain (tab, line ends, form
# feed, DOS end-of-file); many of them mean the file is binary.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.1
_CRLF = re.compile("\r\n")

MAX_STORY_BYTES = 100_000_000
"""Larger files are refused: the text stages hold about fifteen times the text in memory."""


def _label(path: Path | None) -> str:
    return str(path) if path is not None else "The input"


def _is_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    return len(_BINARY_CONTROLS.findall(text)) > _MAX_CONTROL_SHARE * len(text)


def _forced(data: bytes, encoding: str, path: Path | None) -> tuple[str, str]:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"{encoding!r} is not an encoding Python knows, so {_label(path)} cannot be "
            "decoded with it; try utf-8, cp1252 or latin-1."
        ) from None
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    try:
        return data.decode(name), name
    except UnicodeDecodeError as err:
        raise InputError(
            f"{_label(path)} is not valid {encoding} (byte {err.start} cannot be decoded); "
            "leave the encoding out to have it detected."
        ) from None
    except (LookupError, ValueError, TypeError):
        raise InputError(
            f"{encoding!r} is not a text encoding, so {_label(path)} cannot be decoded with it."
        ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows NULs in every other byte (for Latin text)."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for zeros, others, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if others == 0 and zeros >= half // 2:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _detect(data: bytes, path: Path | None) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                break  # a BOM followed by garbage: let detection have a go
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise InputError(f"{_label(path)} looks like a binary file, not a story.")
        return text, "utf-16"
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes  # lazily: only odd files need it

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("latin-1"), "latin-1"


def _normalise_line_ends(text: str) -> tuple[str, tuple[int, ...]]:
    # The k-th CRLF at source offset s becomes an LF at s - k: k CRs were removed before it.
    removed = tuple(m.start() - k for k, m in enumerate(_CRLF.finditer(text)))
    return text.replace("\r\n", "\n").replace("\r", "\n"), removed


def decode(data: bytes, encoding: str | None = None, path: Path | None = None) -> Document:
    """Decode bytes: UTF-8 with or without BOM, then cp1252, then detection.

    ``encoding`` forces one. Binary data is an InputError.
    """
    if encoding:
        text, used = _forced(data, encoding, path)
    else:
        text, used = _detect(data, path)
    if _is_binary(text):
        raise InputError(f"{_label(path)} looks like a binary file, not a story.")
    if not text.strip():
        raise InputError(f"{_label(path)} is empty: there is no story text in it.")
    normalised, removed = _normalise_line_ends(text)
    return Document(text=normalised, path=path, encoding=used, removed_cr=removed)


def _decode_html(data: bytes, encoding: str | None, path: Path | None) -> tuple[str, str]:
    """A page's text: a forced encoding, a BOM, UTF-8, the charset the page declares,
    then detection as for plain text."""
    if encoding:
        return _forced(data, encoding, path)
    if b"\x00" in data or any(data.startswith(bom) for bom, _ in _BOMS):
        return _detect(data, path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from audiobook.text.formats.html import declared_charset

    declared = declared_charset(data)
    if declared:
        try:
            name = codecs.lookup(declared).name
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError, ValueError, TypeError):
            pass  # a wrong or unknown declaration: detect instead
    return _detect(data, path)


def load(data: bytes, encoding: str | None = None, path: Path | None = None) -> Document:
    """A Document from a story file's bytes, in whichever format they are.

    Plain text is decoded as ``decode`` does; EPUB, HTML and Markdown are extracted.
    ``encoding`` forces the text encoding of plain text, HTML and Markdown (EPUB
    declares its own).
    """
    from audiobook.text import formats

    kind = formats.sniff(data, path)
    if kind == formats.EPUB:
        from audiobook.text.formats.epub import read_epub

        return read_epub(data, path)
    if kind == formats.HTML:
        from audiobook.text.formats.html import read_html

        text, used = _decode_html(data, encoding, path)
        if _is_binary(text):
            raise InputError(f"{_label(path)} looks like a binary file, not a story.")
        if not text.strip():
            raise InputError(f"{_label(path)} is empty: there is no story text in it.")
        return read_html(text, path, used)
    if kind == formats.MARKDOWN:
        from audiobook.text.formats.markdown import read_markdown

        plain = decode(data, encoding, path)
        return read_markdown(plain.text, path, plain.encoding)
    return decode(data, encoding, path)


Story = Path | tuple[Path, ...]
"""A story file, or the pages of one story (an archive's chapter pages, in any order)."""


def story_label(story: Story) -> str:
    """A story's name for messages: its file's name, or the first page's and a count."""
    if isinstance(story, tuple):
        if len(story) == 1:
            return story[0].name
        return f"{story[0].name} (+{len(story) - 1} pages)"
    return story.name


def read(path: Story, encoding: str | None = None) -> Document:
    """Read and decode a story file; missing, unreadable and directory paths are InputErrors.

    Several paths are the pages of one archive story, read as one book."""
    if isinstance(path, tuple):
        if len(path) != 1:
            return read_pages(path, encoding)
        path = path[0]
    return load(_read_bytes(Path(path)), encoding, Path(path))


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a story file.")
    try:
        size = path.stat().st_size
        if not path.is_file():
            # A pipe or a device would be read forever (or never): refuse it.
            raise InputError(f"{path} is not a regular file, so it cannot be read as a story.")
        if size > MAX_STORY_BYTES:
            raise InputError(
                f"{path} is {size // 1_000_000} MB; stories of up to "
                f"{MAX_STORY_BYTES // 1_000_000} MB are read (split it into parts)."
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist.") from None
    except OSError as err:
        raise InputError(f"{path} cannot be read: {os_reason(err)}.") from None
    except ValueError:
        raise InputError(f"{path!r} is not a usable file name.") from None
    return data


def archive_page(path: Path, encoding: str | None = None) -> Any | None:
    """The archive page a file holds (``formats.archives.WorkPage``), or None when
    it holds anything else (or cannot be read: reading it as a story says why)."""
    from audiobook.text import formats

    try:
        data = _read_bytes(path)
        if formats.sniff(data, path) != formats.HTML:
            return None
        return _page(data, encoding, path)
    except InputError:
        return None


def _page(data: bytes, encoding: str | None, path: Path) -> Any | None:
    from audiobook.text.formats import archives
    from audiobook.text.formats._markup import parse

    text, _ = _decode_html(data, encoding, path)
    return archives.recognise(parse(text, path))


def read_pages(paths: tuple[Path, ...], encoding: str | None = None) -> Document:
    """The chapter pages of one archive story as one Document, chapters in order."""
    from audiobook.text import formats
    from audiobook.text.formats.html import read_pages as join_pages

    pages = []
    for path in paths:
        data = _read_bytes(path)
        page = _page(data, encoding, path) if formats.sniff(data, path) == formats.HTML else None
        if page is None:
            raise InputError(
                f"{path} is not a chapter page of a fan-fiction archive, so it cannot be "
                f"read as part of one story with {paths[0].name}; give it on its own."
            )
        pages.append(page)
    keys = {(p.info.archive, p.info.story_id) for p in pages}
    if len(keys) > 1 or None in {k[1] for k in keys}:
        raise InputError(
            f"{', '.join(p.name for p in paths)} are not pages of one story "
            "(their archive or story id differ); give them on their own."
        )
    parts = [p.info.part for p in pages]
    if len(set(parts)) != len(parts):
        raise InputError(
            f"{', '.join(p.name for p in paths)} hold the same chapter more than once; "
            "give each chapter's page once."
        )
    return join_pages(pages, paths[0], "utf-8")
