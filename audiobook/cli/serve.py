"""``audiobook studio``: start the web server over the library (the ``studio`` extra)."""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path

from rich.markup import escape

from audiobook.cli.options import err
from audiobook.config import Config
from audiobook.errors import ConfigError

LOCAL = {"127.0.0.1", "localhost", "::1"}


def serve_studio(path: Path, output: Path | None, config: Config, host: str, port: int,
                 open_browser: bool) -> None:
    try:
        import uvicorn

        from audiobook.shelf import Shelf
        from audiobook.studio import create_app
    except ImportError:
        raise ConfigError(
            "the studio needs its extra: pip install 'audiobook[studio]'"
        ) from None
    app = create_app(Shelf(path, output, config), hosts=None if host not in LOCAL else
                     ("127.0.0.1", "localhost", "::1", "[::1]"))
    url = f"http://{'localhost' if host in LOCAL else host}:{port}/"
    if host not in LOCAL:
        err.print(f"audiobook: warning: the studio listens on {escape(host)}, not only on "
                  "this computer: anyone who can reach it can read and change your stories")
    err.print(f"studio: {url} (Ctrl-C stops it)")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
