"""Reading user-editable TOML files into checked values, with errors that name file and key.

Voice profiles and cast files are data a user edits by hand; every mistake must be
reported as one sentence naming the file and the key at fault.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from audiobook.errors import os_reason

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

MAX_FILE_BYTES = 1_000_000
"""Hand-written profiles and cast files are tiny; refuse anything larger."""


def load_toml(path: Path, error: type[Exception]) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise error(f"{path}: file is {size} bytes; at most {MAX_FILE_BYTES} are read")
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({os_reason(exc)})") from exc
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from exc


class Fields:
    """Typed access to one TOML table; every problem names the file and the key."""

    def __init__(self, table: object, where: str, error: type[Exception]) -> None:
        if not isinstance(table, dict):
            raise error(f"{where}: expected a table, found {type(table).__name__}")
        self.table: dict[str, Any] = table
        self.where = where
        self.error = error

    def fail(self, key: str, problem: str) -> Exception:
        return self.error(f"{self.where}: '{key}' {problem}")

    def reject_unknown(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.error(
                f"{self.where}: unknown key '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})"
            )

    def string(self, key: str, default: str | None = None, max_len: int = 200) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.fail(key, "is required")
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {type(value).__name__}")
        if len(value) > max_len:
            raise self.fail(key, f"is longer than {max_len} characters")
        if any(ord(c) < 32 for c in value):
            raise self.fail(key, "contains control characters")
        return value

    def optional_string(self, key: str, max_len: int = 200) -> str | None:
        if key not in self.table:
            return None
        return self.string(key, max_len=max_len)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {type(value).__name__}")
        if not low <= value <= high:
            raise self.fail(key, f"is {value}; it must be between {low} and {high}")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"must be a number, not {type(value).__name__}")
        if not low <= value <= high:
            raise self.fail(key, f"is {value}; it must be between {low} and {high}")
        return float(value)

    def choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        value = self.string(key, default)
        if value not in options:
            raise self.fail(key, f"is '{value}'; it must be one of: {', '.join(options)}")
        return value

    def string_list(self, key: str, max_items: int = 100) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings")
        if len(value) > max_items:
            raise self.fail(key, f"has more than {max_items} entries")
        for item in value:
            if len(item) > 200 or any(ord(c) < 32 for c in item):
                raise self.fail(key, "has an entry that is too long or has control characters")
        return tuple(value)


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes and backslashes escaped, and every
    control character (DEL included) written as a \\u escape."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if 32 <= ord(c) != 127 else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
