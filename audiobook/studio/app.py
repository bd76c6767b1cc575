"""The studio's web layer: routes that call the library (``audiobook.shelf``,
``pipeline``) and render pages; no text or audio logic lives here.

Every request that changes anything carries the run's token (header
``X-Studio-Token``); stories are named by their id in the library, never by a path,
and files are served only from the output and cache folders.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from audiobook import pipeline
from audiobook.errors import AudiobookError, InputError
from audiobook.output.mp3 import read_chapters
from audiobook.shelf import Shelf, ShelfStory
from audiobook.studio.jobs import Jobs
from audiobook.studio.view import script_view

HERE = Path(__file__).parent
MAX_BODY = 64_000


class Studio:
    """The state one studio run shares between requests."""

    def __init__(self, shelf: Shelf, token: str | None = None) -> None:
        self.shelf = shelf
        self.token = token or secrets.token_urlsafe(24)
        self.jobs = Jobs(shelf)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.sayings = shelf.config.cache_dir / "studio"

    # --- helpers ------------------------------------------------------------------

    def story(self, request: Request) -> ShelfStory:
        story_id = request.query_params.get("id", "")
        try:
            return self.shelf.get(story_id)
        except InputError as exc:
            raise HTTPException(404, str(exc)) from None

    async def body(self, request: Request) -> dict[str, Any]:
        self.check_token(request.headers.get("x-studio-token", ""))
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise HTTPException(413, "request too large")
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise HTTPException(400, "the request is not JSON") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise HTTPException(400, "the request must be an object of strings")
        return data

    def page(self, request: Request, name: str, status_code: int = 200,
             **context: Any) -> Response:
        return self.templates.TemplateResponse(request, name,
                                               {"token": self.token, **context},
                                               status_code=status_code)

    def check_token(self, sent: str) -> None:
        if not secrets.compare_digest(sent.encode(), self.token.encode()):
            raise HTTPException(403, "this request lacks the studio's token; reload the page")

    # --- pages --------------------------------------------------------------------

    async def library(self, request: Request) -> Response:
        infos: list[tuple[Any, str | None]] = []
        for story in self.shelf.stories():
            try:
                infos.append((self.shelf.info(story), None))
            except AudiobookError as exc:
                infos.append((story.id, str(exc)))
        return self.page(request, "library.html", stories=infos, root=self.shelf.root,
                         out_dir=self.shelf.out_dir)

    async def story_page(self, request: Request) -> Response:
        story = self.story(request)
        try:
            prepared = await asyncio.to_thread(self.shelf.prepare, story)
        except AudiobookError as exc:
            return self.page(request, "error.html", message=str(exc), status_code=422)
        info = self.shelf.info(story)
        view = script_view(prepared)
        chapters = read_chapters(info.book) if info.book else []
        job = self.jobs.get(story.id)
        return self.page(request, "story.html", story=story, info=info, view=view,
                         chapters=chapters, profiles=sorted(prepared.profiles),
                         running=job is not None and job.state == "running")

    # --- edits --------------------------------------------------------------------

    async def fix(self, request: Request) -> Response:
        data = await self.body(request)
        story = self.story(request)
        try:
            await asyncio.to_thread(self.shelf.fix, story, data.get("quote", ""),
                                    data.get("speaker", ""))
        except AudiobookError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        _, fixes, _ = self.shelf.files_for(self.shelf.book(story).title)
        return JSONResponse({"saved": fixes.name})

    async def cast(self, request: Request) -> Response:
        data = await self.body(request)
        story = self.story(request)
        try:
            await asyncio.to_thread(self.shelf.edit_cast, story, data.get("edit", ""),
                                    data.get("name", ""), data.get("value", ""))
        except AudiobookError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        _, _, cast = self.shelf.files_for(self.shelf.book(story).title)
        return JSONResponse({"saved": cast.name})

    async def generate(self, request: Request) -> Response:
        await self.body(request)
        job = self.jobs.start(self.story(request))
        if job is None:
            return JSONResponse({"error": "the cancelled book is still stopping; try again "
                                 "in a moment"}, status_code=409)
        return JSONResponse(job.snapshot())

    async def cancel(self, request: Request) -> Response:
        await self.body(request)
        job = self.jobs.cancel(self.story(request).id)
        return JSONResponse(job.snapshot() if job else {"state": "idle"})

    async def progress(self, request: Request) -> Response:
        story = self.story(request)

        async def events() -> Any:
            while True:
                job = self.jobs.get(story.id)
                state = job.snapshot() if job else {"state": "idle"}
                yield f"data: {json.dumps(state)}\n\n"
                if state["state"] != "running" or await request.is_disconnected():
                    return
                await asyncio.sleep(0.25)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    # --- listening ------------------------------------------------------------------

    async def say(self, request: Request) -> Response:
        """One line (a quote, or a voice's sample) in one voice, made once and cached.
        It runs the engine, so it needs the run's token (``t``) like any change."""
        self.check_token(request.query_params.get("t", ""))
        profile = request.query_params.get("profile", "")
        text = request.query_params.get("text")
        quote = request.query_params.get("quote")
        if quote is not None:
            story = self.story(request)
            try:
                prepared = await asyncio.to_thread(self.shelf.prepare, story)
            except AudiobookError as exc:
                return JSONResponse({"error": str(exc)}, status_code=422)
            found = script_view(prepared).quote(quote)
            if found is None:
                raise HTTPException(404, "no such quote")
            text, profile = found
        if text is not None and len(text) > 2000:
            raise HTTPException(413, "text too long")
        key = hashlib.sha256(f"{profile}\0{text}\0{self.shelf.config.engine}".encode()).hexdigest()
        out = self.sayings / f"{key[:32]}.mp3"
        if not out.exists():
            try:
                await asyncio.to_thread(pipeline.preview, profile, text, out, self.shelf.config)
            except AudiobookError as exc:
                return JSONResponse({"error": str(exc)}, status_code=422)
        return FileResponse(out, media_type="audio/mpeg")

    async def media(self, request: Request) -> Response:
        story = self.story(request)
        kind = request.path_params["kind"]
        if kind not in ("mp3", "vtt"):
            raise HTTPException(404, "no such file")
        mp3, _, _ = self.shelf.files_for(self.shelf.book(story).title)
        path = mp3 if kind == "mp3" else mp3.with_suffix(".vtt")
        if not path.is_file():
            raise HTTPException(404, "no book yet: generate it first")
        media = "audio/mpeg" if kind == "mp3" else "text/vtt"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def create_app(shelf: Shelf, token: str | None = None,
               hosts: tuple[str, ...] | None = LOCAL_HOSTS) -> Starlette:
    """The studio's app. ``hosts`` are the Host headers it answers (by default this
    computer's names only, so that a web page elsewhere cannot reach it by rebinding
    a name to 127.0.0.1); None answers any."""
    studio = Studio(shelf, token)
    routes = [
        Route("/", studio.library),
        Route("/story", studio.story_page),
        Route("/api/fix", studio.fix, methods=["POST"]),
        Route("/api/cast", studio.cast, methods=["POST"]),
        Route("/api/generate", studio.generate, methods=["POST"]),
        Route("/api/cancel", studio.cancel, methods=["POST"]),
        Route("/api/progress", studio.progress),
        Route("/api/say", studio.say),
        Route("/media/book.{kind:str}", studio.media),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = []
    if hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts)))
    app = Starlette(routes=routes, middleware=middleware)
    app.state.studio = studio
    return app
