"""read.py: decoding, line-end normalisation and the errors a user can meet."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from audiobook.errors import InputError
from audiobook.text.read import decode, read

STORY = "He said “hello” to Zoë.\n"


def test_utf8_without_bom() -> None:
    doc = decode(STORY.encode("utf-8"))
    assert doc.text == STORY
    assert doc.encoding == "utf-8"


def test_utf8_bom_is_dropped() -> None:
    doc = decode(codecs.BOM_UTF8 + STORY.encode("utf-8"))
    assert doc.text == STORY
    assert doc.encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(codec: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    doc = decode(bom + STORY.encode(codec))
    assert doc.text == STORY


def test_utf16_without_bom_is_recognised() -> None:
    assert decode("Plain story text.\n".encode("utf-16-le")).text == "Plain story text.\n"


def test_cp1252_curly_quotes() -> None:
    doc = decode(b"\x93Hi,\x94 she said \x96 caf\xe9.")
    assert doc.text == "“Hi,” she said – café."
    assert doc.encoding == "cp1252"


def test_latin1_text() -> None:
    assert decode("Ça été où? Señor".encode("latin-1")).text == "Ça été où? Señor"


def test_detection_when_neither_utf8_nor_cp1252() -> None:
    # 0x81 and 0x8d are undefined in cp1252 and invalid in UTF-8: detection decides.
    data = b"Hello there, friend. " * 20 + b"\x81\x8d"
    doc = decode(data)
    assert doc.text.startswith("Hello there, friend. Hello there")
    assert doc.encoding not in ("utf-8", "cp1252")


def test_forced_encoding_is_used() -> None:
    assert decode("Ça".encode("latin-1"), encoding="latin-1").text == "Ça"
    assert decode(b"\xef\xbb\xbfHi", encoding="utf-8").text == "Hi"


def test_unknown_encoding_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'klingon' is not an encoding"):
        decode(b"Hi", encoding="klingon")


def test_non_text_codec_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a text encoding"):
        decode(b"Hi", encoding="rot13")


def test_failing_forced_decode_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"story.txt is not valid utf-8 \(byte 2"):
        decode(b"Hi\xff", encoding="utf-8", path=Path("story.txt"))


def test_crlf_and_lone_cr_become_lf_and_offsets_map_back() -> None:
    source = "One\r\nTwo\rThree\r\n\r\nFour"
    doc = decode(source.encode())
    assert doc.text == "One\nTwo\nThree\n\nFour"
    assert doc.removed_cr == (3, 13, 14)
    for word in ("One", "Two", "Three", "Four"):
        offset = doc.text.index(word)
        assert source[doc.source_offset(offset) :].startswith(word)
    assert doc.source_offset(len(doc.text)) == len(source)


def test_cr_before_crlf() -> None:
    doc = decode(b"a\r\r\nb")
    assert doc.text == "a\n\nb"
    assert doc.removed_cr == (2,)
    assert doc.source_offset(3) == 4


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  "])
def test_empty_input_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match=r"story\.txt is empty"):
        decode(data, path=Path("story.txt"))


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(1, 32)) * 10, b"text\x00more text"],
)
def test_binary_input_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match=r"pic\.png looks like a binary file, not a story"):
        decode(data, path=Path("pic.png"))


def test_read_file(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(b"Once upon a time.\r\n")
    doc = read(path)
    assert doc.text == "Once upon a time.\n"
    assert doc.path == path
    assert doc.name == "story"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope.txt does not exist\."):
        read(tmp_path / "nope.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory, not a story file"):
        read(tmp_path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("secret")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InputError, match=r"locked.txt cannot be read: permission denied\."):
        read(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("\n\n")
    with pytest.raises(InputError, match=r"blank\.txt is empty"):
        read(path)
