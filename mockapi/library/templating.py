"""Templates in fixtures: response bodies and stream events rendered per request.

A response with ``template: true`` may hold Jinja2 templates in its ``body`` or its
events' ``data`` (syntax and scope: ``fixtures/README.md``, "Templates"):

- a string containing ``{{``, ``{%`` or ``{#`` is a template rendered to a string;
- a mapping ``{"$json": "..."}`` is a template whose output is parsed as JSON, so a
  value can become a number, an object or a list.

This is the only module that imports ``jinja2``. Templates run in Jinja's
``ImmutableSandboxedEnvironment`` (no attribute access to ``_``-names, no mutation of
the request, no loader so no ``include``/``import``/``extends``, and capped ``range``,
``*`` and ``**``): a fixture file can compute values, never run code. Undefined names
are errors (``StrictUndefined``), so a typo fails loudly instead of rendering empty.

Templates are compiled once, when the fixture is parsed (:func:`compile_response`;
syntax errors are :class:`TemplateCompileError`, a ``FixtureError``); a request only
renders them (:meth:`ResponseTemplate.render`), and a failure there is a
:class:`TemplateError`: an ``APIError`` answered as a 500 of type
``mockapi_template_error`` naming the fixture, the value and the template line.
"""

from __future__ import annotations

import functools
import json
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mockapi.errors import APIError, FixtureError
from mockapi.model import JSON, Request, SSEEvent
from mockapi.wire import tokens
from mockapi.wire.canonical import digest
from mockapi.wire.credentials import SECRET_HEADERS, is_secret_name

TEMPLATE_ERROR = "mockapi_template_error"
"""``error.type`` of the 500 answered when a template fails while rendering."""
JSON_KEY = "$json"
"""The key of a mapping whose template output is parsed as JSON."""
MARKERS = ("{{", "{%", "{#")
"""A string holding one of these, in a ``template: true`` response, is a template."""

Location = tuple[str | int, ...]
"""Where a value sits: keys and list indexes, e.g. ``("body", "choices", 0)``."""

_NAME = "<template>"  # the file name Jinja gives frames of string templates
_MAX_REPEAT = 1_000_000  # longest str/list a template may build with `*`
_MAX_EXPONENT = 1_000


class TemplateCompileError(FixtureError):
    """A template in a fixture does not compile (found when the fixture is loaded).

    ``location`` is the templated value's place in the fixture entry (e.g. ``("response",
    "body", "choices", 0, "message", "content")``) and ``line`` the template's line, so
    that ``mockapi validate`` can point at the YAML line.
    """

    def __init__(self, where: str, problem: str, *, location: Location, line: int) -> None:
        super().__init__(where, problem)
        self.location = location
        self.line = line


class TemplateError(APIError):
    """A template failed while rendering a request: answered as a 500, never a crash."""

    def __init__(self, where: str, line: int | None, problem: str) -> None:
        at = f"line {line}: " if line is not None else ""
        super().__init__(
            500,
            f"A fixture template failed to render: {where}: {at}{problem} (mockapi: fix the "
            "template in the fixture file; `mockapi validate` checks templates before serving)",
            type=TEMPLATE_ERROR,
            code="template_error",
        )
        self.where = where
        self.line = line
        self.problem = problem


def format_location(location: Location) -> str:
    """``("body", "choices", 0, "message")`` as ``body.choices[0].message``."""
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# -- the sandbox ---------------------------------------------------------------------------


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with ``*`` and ``**`` capped so a template cannot
    exhaust memory or CPU by accident (``'x' * 10**12``)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1:
            if abs(right) > _MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large (at most {_MAX_EXPONENT})")
        elif operator == "*":
            for seq, count in ((left, right), (right, left)):
                if _is_int(count) and isinstance(seq, (str, list, tuple)):
                    _check_repeat(len(seq) * count)
        return super().call_binop(context, operator, left, right)


def _check_repeat(size: int) -> None:
    if size > _MAX_REPEAT:
        raise SecurityError(f"a value of {size} items is too large (at most {_MAX_REPEAT})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dumps(value: Any, indent: int | None = None) -> str:
    """Plain JSON (Jinja's own ``tojson`` HTML-escapes ``<``, ``>``, ``&`` and ``'``)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _loads(text: str) -> Any:
    return json.loads(text)


def _new_id(prefix: str = "", length: int = 24) -> str:
    """``prefix`` and ``length`` random letters and digits: ``id("call_")``."""
    alphabet = string.ascii_letters + string.digits
    return str(prefix) + "".join(secrets.choice(alphabet) for _ in range(min(length, 256)))


def _token_counter(default_model: Any) -> Callable[..., int]:
    def count(value: Any, model: str | None = None) -> int:
        """Tokens in ``value`` (a non-string as its JSON) for ``model`` (the request's)."""
        text = value if isinstance(value, str) else _dumps(value)
        model = model or (default_model if isinstance(default_model, str) else None)
        return tokens.count_text(text, model) if model else tokens.count_text(text)

    return count


def _environment() -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters["tojson"] = _dumps
    env.filters["fromjson"] = _loads
    env.globals.update(
        now=lambda: int(time.time()),
        uuid=lambda: str(uuid.uuid4()),
        id=_new_id,
        json=_dumps,
    )
    return env


_ENV = _environment()
_NO_LOADER = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


@functools.lru_cache(maxsize=4096)
def compile_template(source: str) -> Template:
    """Compile ``source`` (cached by source text); raises jinja2's TemplateSyntaxError."""
    tree = _ENV.parse(source)
    for node in tree.find_all(_NO_LOADER):
        what = type(node).__name__.lower().replace("fromimport", "from ... import")
        raise TemplateSyntaxError(
            f"'{what}' is not available in fixture templates (they cannot read files)",
            node.lineno,
        )
    return _ENV.from_string(tree)


def is_template(value: Any) -> bool:
    """True for a string that holds template markup."""
    return isinstance(value, str) and any(marker in value for marker in MARKERS)


# -- compiled values -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    template: Template
    where: str

    def render(self, scope: Mapping[str, Any]) -> JSON:
        return _run(self.template, scope, self.where)


@dataclass(frozen=True)
class _Json:
    template: Template
    where: str

    def render(self, scope: Mapping[str, Any]) -> JSON:
        text = _run(self.template, scope, self.where)
        try:
            return json.loads(text)
        except ValueError as exc:
            shown = text if len(text) <= 120 else text[:117] + "..."
            raise TemplateError(
                self.where, None, f"the {JSON_KEY} template's output is not JSON ({exc}): {shown!r}"
            ) from None


@dataclass(frozen=True)
class _Dict:
    items: tuple[tuple[str, Any], ...]

    def render(self, scope: Mapping[str, Any]) -> JSON:
        return {key: _render(value, scope) for key, value in self.items}


@dataclass(frozen=True)
class _List:
    items: tuple[Any, ...]

    def render(self, scope: Mapping[str, Any]) -> JSON:
        return [_render(value, scope) for value in self.items]


_NODES = (_Text, _Json, _Dict, _List)


def _render(value: Any, scope: Mapping[str, Any]) -> JSON:
    # Literal parts are shared, not copied: the rest of rendering never mutates them.
    return value.render(scope) if isinstance(value, _NODES) else value


def _run(template: Template, scope: Mapping[str, Any], where: str) -> str:
    try:
        return template.render(scope)
    except TemplateError:
        raise
    except Exception as exc:  # a filter, a helper or the sandbox refused: a 500, not a crash
        jinja = type(exc).__module__.startswith("jinja2")
        message = str(exc) if jinja else f"{type(exc).__name__}: {exc}"
        raise TemplateError(where, _template_line(exc), message) from None


def _template_line(exc: BaseException) -> int | None:
    """The template line of a render error (Jinja rewrites tracebacks to show it)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _NAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@dataclass(frozen=True)
class ResponseTemplate:
    """A response's compiled body and/or events (their ``data``), ready to render.

    ``body`` and each event's ``data`` hold compiled nodes where there are templates
    and the literal values elsewhere.
    """

    body: Any
    events: tuple[SSEEvent, ...] | None

    def render(
        self, request: Request, *, seed: int = 0
    ) -> tuple[JSON, tuple[SSEEvent, ...] | None]:
        """The body and events for ``request``; raises :class:`TemplateError`.

        ``seed`` (the server's ``--seed``) is mixed into the seed of ``faker``.
        """
        scope = context(request, seed=seed)
        body = _render(self.body, scope)
        if self.events is None:
            return body, None
        return body, tuple(replace(e, data=_render(e.data, scope)) for e in self.events)


def compile_response(
    body: JSON,
    events: tuple[SSEEvent, ...] | None,
    *,
    where: str,
    location: Location = (),
) -> ResponseTemplate | None:
    """Compile the templates in a response's ``body`` or ``events``; None if there are none.

    ``where`` names the response in messages (``file#0 (name) response``); ``location``
    is its place in the fixture entry (``("response",)``, ``("sequence", 1)``).
    Raises :class:`TemplateCompileError` naming the value and the template line.
    """
    compiler = _Compiler(where, location)
    compiled_body = compiler.value(body, ("body",))
    compiled_events = None
    if events is not None:
        compiled_events = tuple(
            replace(event, data=compiler.value(event.data, ("events", i, "data")))
            for i, event in enumerate(events)
        )
    if not compiler.found:
        return None
    return ResponseTemplate(compiled_body, compiled_events)


class _Compiler:
    def __init__(self, where: str, location: Location) -> None:
        self.where = where
        self.location = location
        self.found = False

    def value(self, value: Any, path: Location) -> Any:
        if isinstance(value, dict):
            if JSON_KEY in value:
                return self._json(value, path)
            items = tuple((k, self.value(v, (*path, k))) for k, v in value.items())
            if any(isinstance(v, _NODES) for _, v in items):
                return _Dict(items)
            return dict(items)  # a constant $json inside is now its value
        if isinstance(value, list):
            elements = tuple(self.value(v, (*path, i)) for i, v in enumerate(value))
            if any(isinstance(v, _NODES) for v in elements):
                return _List(elements)
            return list(elements)
        if is_template(value):
            return _Text(self._compile(value, path), self._where(path))
        return value

    def _json(self, value: dict[str, Any], path: Location) -> Any:
        source = value[JSON_KEY]
        self.found = True
        if len(value) != 1 or not isinstance(source, str):
            raise TemplateCompileError(
                self._where(path),
                f"a {JSON_KEY} template is a mapping with only the key {JSON_KEY!r} and a "
                f"string template as its value, got {value!r}",
                location=(*self.location, *path),
                line=1,
            )
        if not is_template(source):  # constant JSON: check it now, serve it as is
            try:
                return json.loads(source)
            except ValueError as exc:
                raise TemplateCompileError(
                    self._where(path),
                    f"the {JSON_KEY} value is not JSON ({exc}): {source!r}",
                    location=(*self.location, *path),
                    line=1,
                ) from None
        return _Json(self._compile(source, path), self._where(path))

    def _compile(self, source: str, path: Location) -> Template:
        self.found = True
        try:
            return compile_template(source)
        except TemplateSyntaxError as exc:
            line = exc.lineno or 1
            raise TemplateCompileError(
                self._where(path),
                f"line {line}: {exc.message}",
                location=(*self.location, *path),
                line=line,
            ) from None

    def _where(self, path: Location) -> str:
        return f"{self.where}.{format_location(path)}"


# -- the scope of a template ---------------------------------------------------------------


def context(request: Request, *, seed: int = 0) -> dict[str, Any]:
    """The variables a template sees for ``request`` (documented in fixtures/README.md)."""
    body: dict[str, Any] = request.json if isinstance(request.json, dict) else {}
    raw_messages = body.get("messages")
    messages = raw_messages if isinstance(raw_messages, list) else []
    last_message = _last_message(messages)
    return {
        "request": body,
        "body": body,
        "model": body.get("model"),
        "messages": messages,
        "tools": body.get("tools") or [],
        "last_user_message": last_message("user"),
        "last_message": last_message,
        "tokens": _token_counter(body.get("model")),
        "headers": {
            k: v
            for k, v in request.headers.items()
            if k not in SECRET_HEADERS and not is_secret_name(k)
        },
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "faker": SeededFaker(request_seed(body, seed)),
    }


def _last_message(messages: list[Any]) -> Callable[..., str]:
    def last_message(role: str = "user") -> str:
        """The text of the last message with ``role`` (``"any"``: any role); "" if none."""
        for message in reversed(messages):
            if isinstance(message, dict) and role in ("any", message.get("role")):
                return tokens.message_text(message.get("content"))
        return ""

    return last_message


def request_seed(body: Mapping[str, Any], seed: int = 0) -> int:
    """A stable seed for a request: its canonical body without ``stream``/``stream_options``.

    The same request (in either mode, whatever its key order) gives the same seed;
    ``seed`` (the server's ``--seed``) shifts every seed at once.
    """
    kept = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    return int(digest(kept, seed)[:16], 16)


_LOCAL = threading.local()  # one Faker per thread: creating one costs ~80 ms


class SeededFaker:
    """The ``faker`` of a template: Faker's providers, seeded for this request.

    The generator is seeded when a template first uses it during a render, so the
    values depend only on the request (and the server seed), not on earlier requests.
    Only provider methods (``faker.name()``, ``faker.sentence()``, ...) are reachable;
    Faker's own machinery (seeding, ``get_formatter``, ``add_provider``) is not.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        generator = _generator()
        if name not in _provider_names(generator):
            raise SecurityError(
                f"faker.{name} is not a Faker provider available to templates; use one such "
                "as faker.name(), faker.email(), faker.sentence() or faker.random_int(1, 10)"
            )
        if getattr(_LOCAL, "owner", None) is not self:
            generator.seed_instance(self._seed)
            _LOCAL.owner = self
        return getattr(generator, name)

    def __repr__(self) -> str:
        return "<faker>"


def _generator() -> Any:
    generator = getattr(_LOCAL, "faker", None)
    if generator is None:
        from faker import Faker  # ~250 ms to import: only when a template uses faker

        generator = _LOCAL.faker = Faker()
    return generator


_PROVIDERS: frozenset[str] | None = None


def _provider_names(generator: Any) -> frozenset[str]:
    """Public methods of the generator's providers (computed once)."""
    global _PROVIDERS
    if _PROVIDERS is None:
        names = {
            name
            for provider in generator.providers
            for name in dir(type(provider))
            if not name.startswith("_") and callable(getattr(type(provider), name, None))
        }
        _PROVIDERS = frozenset(names)
    return _PROVIDERS
