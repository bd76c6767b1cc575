"""The studio: a local web app over a folder of stories to review the script, cast the
voices, fix lines, generate and listen (``audiobook studio``; the ``studio`` extra)."""

from __future__ import annotations

from audiobook.studio.app import create_app

__all__ = ["create_app"]
