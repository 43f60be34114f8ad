"""Visitors that speak Streamlit's own websocket protocol (BackMsg / ForwardMsg), not browsers.

Each request is timed from the moment it is sent to the server's "script finished" message, so the
figures are the server's. A visitor walks every page of the registry and changes each page's main
widgets as a person would: WALKS says what it does on each page, by the widgets' labels.
"""

import asyncio
import functools
import http.cookiejar
import random
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLsRequest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from models import registry

ROOT = Path(__file__).resolve().parents[1]
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "stopped for a rerun",
}


class VisitError(Exception):
    """What a visitor saw go wrong: an exception on the page, a timeout, a closed connection."""


@dataclass
class Widget:
    id: str
    kind: str  # the element's type: "selectbox", "slider", "button", ...
    form: str
    fragment: str  # the fragment the widget lives in ("" for the page itself)
    options: list[str]  # formatted options, where it has any
    select: bool  # a slider over options (st.select_slider), not numbers


@dataclass
class Run:
    seconds: float
    elements: int
    widgets: dict[str, Widget] = field(default_factory=dict)
    first_element: float | None = None  # time.perf_counter() when its main area's first element came


def _in_main(forward: ForwardMsg) -> bool:
    """Whether a message draws an element of the page's main area (not its sidebar: root 1)."""
    is_element = forward.WhichOneof("type") == "delta" and forward.delta.WhichOneof("type") == "new_element"
    return is_element and forward.metadata.delta_path[:1] == [0]


def _options(element) -> list[str]:
    options = getattr(element, "options", [])
    return [getattr(option, "content", option) for option in options]


class Visitor:
    """One browser tab's worth of protocol: a session, the current page and its widgets by label."""

    def __init__(self, url: str, timeout: float):
        self.url, self.timeout = url, timeout
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self.page = ""
        self.session_id = ""
        self.cookies = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self._socket: ClientConnection | None = None

    async def __aenter__(self) -> "Visitor":
        stream = self.url.replace("http", "ws", 1) + "/_stcore/stream"
        try:
            await asyncio.to_thread(self.http.open, f"{self.url}/_stcore/health", timeout=self.timeout)
            self._socket = await connect(
                stream, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout
            )
        except (OSError, InvalidHandshake) as error:  # OSError: refused, or no answer in time
            raise VisitError(f"cannot connect ({type(error).__name__}: {error})") from None
        return self

    async def __aexit__(self, *exc) -> None:
        try:
            await self._socket.close()
        except (TimeoutError, ConnectionClosed):
            pass  # the server dropped it already: nothing left to close

    async def open(self, page: str) -> Run:
        """A page by its URL path ("" for home), as a first request of that URL is."""
        self.page, self.widgets, self.states = page, {}, {}
        return await self._rerun()

    async def change(self, values: dict[str, object], submit: str | None = None) -> Run:
        """Set widgets by label (a form's, then its submit button `submit`) and wait for the rerun;
        widgets inside a fragment rerun only that fragment, as in the browser."""
        fragments = set()
        for label, value in values.items():
            widget = self._widget(label)
            self.states[widget.id] = _state(widget, value)
            fragments.add(widget.fragment)
        if submit:
            button = self._widget(submit)
            fragments.add(button.fragment)
            trigger = WidgetState(id=button.id, trigger_value=True)
            return await self._rerun(trigger, fragment=_single(fragments))
        return await self._rerun(fragment=_single(fragments))

    async def click(self, label: str) -> Run:
        button = self._widget(label)
        return await self._rerun(WidgetState(id=button.id, trigger_value=True), fragment=button.fragment)

    async def upload(self, label: str, path: Path) -> Run:
        """A file into the file uploader `label`, through Streamlit's upload route."""
        widget = self._widget(label)
        request = BackMsg()
        request.file_urls_request.CopyFrom(
            FileURLsRequest(request_id=uuid.uuid4().hex, file_names=[path.name], session_id=self.session_id)
        )
        await self._send(request)
        urls = await self._receive(lambda message: message.WhichOneof("type") == "file_urls_response")
        target = urls.file_urls_response.file_urls[0]
        data = path.read_bytes()
        await asyncio.to_thread(self._put, target.upload_url, path.name, data)
        state = WidgetState(id=widget.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = target.file_id, path.name, len(data)
        info.file_urls.CopyFrom(target)
        self.states[widget.id] = state
        return await self._rerun(fragment=widget.fragment)

    def _put(self, url: str, name: str, data: bytes) -> None:
        if url.startswith("/"):
            url = self.url + url
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        token = next((cookie.value for cookie in self.cookies if cookie.name == "_streamlit_xsrf"), "")
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": token}
        request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
        self.http.open(request, timeout=self.timeout).read()

    def _widget(self, label: str) -> Widget:
        if label not in self.widgets:
            raise VisitError(f"/{self.page}: no widget {label!r} (has {', '.join(map(repr, self.widgets))})")
        return self.widgets[label]

    async def _rerun(self, *triggers: WidgetState, fragment: str = "") -> Run:
        message = BackMsg()
        rerun = message.rerun_script
        rerun.page_name, rerun.fragment_id = self.page, fragment
        rerun.widget_states.widgets.extend([*self.states.values(), *triggers])
        started = time.perf_counter()
        await self._send(message)
        run = Run(seconds=0.0, elements=0)
        errors: list[str] = []

        def finished(forward: ForwardMsg) -> bool:
            self._read(forward, run, errors)
            if run.first_element is None and _in_main(forward):
                run.first_element = time.perf_counter()
            return forward.WhichOneof("type") == "script_finished"

        done = await self._receive(finished)
        run.seconds = time.perf_counter() - started
        status = FINISHED.get(done.script_finished, str(done.script_finished))
        if errors or status != "ok":
            raise VisitError(f"/{self.page}: {'; '.join(errors) or status}")
        self.widgets.update(run.widgets)
        return run

    def _read(self, forward: ForwardMsg, run: Run, errors: list[str]) -> None:
        kind = forward.WhichOneof("type")
        if kind == "new_session":
            self.session_id = forward.new_session.initialize.session_id or self.session_id
        elif kind == "page_not_found":
            errors.append(f"page not found: {forward.page_not_found.page_name!r}")
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            run.elements += 1
            element = forward.delta.new_element
            name = element.WhichOneof("type")
            proto = getattr(element, name)
            if name == "exception":
                errors.append(f"{proto.type}: {proto.message}"[:300])
            elif getattr(proto, "id", "") and getattr(proto, "label", ""):
                run.widgets[proto.label] = Widget(
                    proto.id,
                    name,
                    getattr(proto, "form_id", ""),
                    forward.delta.fragment_id,
                    _options(proto),
                    name == "slider" and bool(proto.options),
                )

    async def _send(self, message: BackMsg) -> None:
        try:
            await self._socket.send(message.SerializeToString())
        except ConnectionClosed as error:  # the server closed it, or stopped answering its pings
            raise VisitError(f"/{self.page}: disconnected ({error})") from None

    async def _receive(self, until: Callable[[ForwardMsg], bool]) -> ForwardMsg:
        deadline = time.perf_counter() + self.timeout
        while True:
            left = deadline - time.perf_counter()
            try:
                data = await asyncio.wait_for(self._socket.recv(), timeout=max(left, 0.001))
            except TimeoutError:
                raise VisitError(f"/{self.page}: no answer within {self.timeout:.0f} s") from None
            except Exception as error:  # the server closed the connection
                raise VisitError(f"/{self.page}: disconnected ({type(error).__name__}: {error})") from None
            forward = ForwardMsg()
            forward.ParseFromString(data)
            if until(forward):
                return forward


def _single(fragments: set[str]) -> str:
    """The fragment to rerun: one only when every changed widget lives in it."""
    return fragments.pop() if len(fragments) == 1 else ""


def _state(widget: Widget, value) -> WidgetState:
    """The widget state the frontend sends for `value` (options by their formatted text)."""
    state = WidgetState(id=widget.id)
    if widget.kind in ("text_area", "text_input", "selectbox", "radio"):
        state.string_value = str(value)
    elif widget.kind in ("multiselect", "button_group") or widget.select:
        values = value if isinstance(value, list) else [value]
        state.string_array_value.data.extend(map(str, values))
    elif widget.kind == "slider":
        state.double_array_value.data.extend(value if isinstance(value, list) else [value])
    elif widget.kind == "number_input":
        state.double_value = float(value)
    elif widget.kind == "checkbox":
        state.bool_value = bool(value)
    else:
        raise VisitError(f"cannot set a {widget.kind} ({widget.id})")
    return state


# What a visitor does on each page, after opening it: (name, step) in order. `n` is the visitor's
# number and `r` the round, so that visitors type different things, as people do, and the
# per-visitor caches fill up to their bounds.
Step = Callable[[Visitor, int, int], Awaitable[Run]]
PHOTO = ROOT / "assets" / "gallery" / "cat.jpg"
WALKS: dict[str, list[tuple[str, Step]]] = {
    "": [],
    "sentiment": [
        ("a review", lambda v, n, r: v.change({"Review": f"Visitor {n} found round {r} dull."}, "Read it")),
        ("a unit", lambda v, n, r: v.change({"Unit": (7 * n + r) % 256})),
        (
            "a pattern span",
            lambda v, n, r: v.change({"Span of this review": v.widgets["Span of this review"].options[:2]}),
        ),
        ("an own model", lambda v, n, r: _own_model(v, n)),
    ],
    "captioning": [
        ("a sample photo", lambda v, n, r: v.change({"Sample photo": "Coffee"})),
        ("hidden cells", lambda v, n, r: v.change({"Hidden cells": ["B2", "C2"]})),
        ("a forced beginning", lambda v, n, r: v.change({"…the caption had to start with": "a dog"})),
        ("an upload", lambda v, n, r: _upload(v)),
    ],
    "translation": [
        (
            "a sentence",
            lambda v, n, r: v.change({"Sentence": f"Ein Mann liest {n + r} Bücher im Park."}, "Translate"),
        ),
        (
            "a forced beginning",
            lambda v, n, r: v.change({"Start the translation with": "The man"}, "Translate"),
        ),
    ],
    "state": [("a weight", lambda v, n, r: v.change({"a: weight of the old state": 0.9}))],
    "cell": [
        ("letters", lambda v, n, r: v.change({"Letters to read (any of e, h, l, o)": "hello"[: 2 + n % 4]})),
        ("a time step", lambda v, n, r: v.change({"Time step t": 2})),
    ],
    "bptt": [
        (
            "the BPTT text",
            lambda v, n, r: v.change({"Review": f"It was fine until minute {n}."}, "Backpropagate"),
        ),
        ("a spectral radius", lambda v, n, r: v.change({"Spectral radius of W_h": 2.0})),
    ],
    "recall": [
        (
            "the recall task",
            lambda v, n, r: v.change(
                {"N: distractors to wait through": 5, "Training steps": 50, "Seed": n},
                "Train the three cells",
            ),
        )
    ],
    "bidirectional": [  # its step is moved in the browser: nothing reaches the server
        ("a sentence", lambda v, n, r: v.change({"German sentence": f"Ich sehe {n} Vögel."}, "Encode")),
    ],
    "history": [
        ("a checkpoint", lambda v, n, r: v.change({"Checkpoint": v.widgets["Checkpoint"].options[-1]}))
    ],
}


async def _upload(visitor: Visitor) -> Run:
    await visitor.change({"Image": "Upload"})
    return await visitor.upload(
        next(label for label in visitor.widgets if label.startswith("A photo")), PHOTO
    )


async def _own_model(visitor: Visitor, number: int) -> Run:
    label = next(label for label in visitor.widgets if label.startswith("Upload a checkpoint"))
    return await visitor.upload(label, await asyncio.to_thread(own_checkpoint, number))


@functools.cache
def own_checkpoint(number: int) -> Path:
    """Visitor `number`'s own sentiment model: the shipped default's weights, its bytes made its own
    (another seed in its training record), so that every visitor's upload takes its own room in the
    app's cache of uploads, as twenty people's own models would."""
    import torch  # the check's process only; visitors speak the protocol without it

    folder = Path(tempfile.gettempdir()) / "unfold-cloud-uploads"
    folder.mkdir(exist_ok=True)
    path = folder / f"visitor-{number}.pt"
    checkpoint = torch.load(ROOT / "checkpoints" / f"{registry.default('sentiment')}.pt", weights_only=True)
    torch.save({**checkpoint, "train": {**checkpoint["train"], "seed": 1000 + number}}, path)
    return path


@dataclass
class Timing:
    page: str
    action: str  # "open" or the step's name
    seconds: float | None  # None: it failed
    error: str = ""


async def walk(
    url: str, pages: list[str], number: int, round_: int, timeout: float, think: float = 0.0
) -> list[Timing]:
    """One visitor: every page in turn (starting at a different one per visitor), opened and then
    changed as WALKS says, reading for about `think` seconds (0.5 to 1.5 times it) after each
    answer. A failure is recorded and the walk goes on with the next page."""
    timings = []
    start = number % len(pages)
    pauses = random.Random(f"{number} {round_}")
    try:
        async with Visitor(url, timeout) as visitor:
            for page in pages[start:] + pages[:start]:
                for action, step in [("open", None), *WALKS.get(page, [])]:
                    await asyncio.sleep(think * pauses.uniform(0.5, 1.5))
                    try:
                        run = await (visitor.open(page) if step is None else step(visitor, number, round_))
                        timings.append(Timing(page, action, run.seconds))
                    except VisitError as error:
                        timings.append(Timing(page, action, None, str(error)))
                        break  # the rest of this page's steps depend on this one
    except VisitError as error:  # the server did not let this visitor in
        timings.append(Timing("", "connect", None, str(error)))
    return timings
