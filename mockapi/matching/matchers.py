"""Matching: which fixture answers a request, and, when none does, which came closest.

Matchers are plain functions registered by name in :data:`MATCHERS` (VCR.py style):
``matcher(request_json, argument, fixture) -> list[Difference]``, an empty list meaning
"matches". Each failure *is* the diff, so a miss explains itself. The built-in ones:

``model``
    A string must equal the request's ``model``; ``{regex: ...}`` must match the whole
    model name (``re.fullmatch``: ``gpt-4o`` does not match ``gpt-4o-mini``).
``body``
    The whole JSON body, compared by meaning (see :mod:`mockapi.matching.diff`): key order
    ignored, array order kept, ``1 == 1.0`` but ``true != 1``. ``stream`` and
    ``stream_options`` are never compared, so one recording answers both kinds of call,
    nor is ``encoding_format`` (embeddings are served in the encoding asked for);
    the fixture's ``ignore`` paths are left out of both sides.
``partial_body``
    A subset: every key the fixture lists must be in the request with an equal value;
    nested objects are subsets too; lists must have the same length and are compared
    item by item with the same rule. The fixture's ``ignore`` paths are left out; keys it
    lists explicitly (even ``stream``) are compared.
``content``
    A regular expression searched (``re.search``) in message text. A string searches the
    last ``user`` message; ``{regex, role, scope}`` picks the role (``user``, ``system``,
    ``assistant``, ``tool``, ``developer`` or ``any``) and the scope (``last`` message of
    that role, or ``any`` of them). See :func:`messages_of` for what counts as a message.

Arguments are *prepared* once when a fixture is indexed (regexes compiled, expected
bodies canonicalised), never per request; matchers also accept the raw argument. The
index over the fixtures is :mod:`mockapi.matching.index`; the text of a miss,
:mod:`mockapi.matching.report`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockapi.errors import FixtureError
from mockapi.library.fixture import Fixture, allow_matcher
from mockapi.matching.diff import (
    MISSING,
    Difference,
    Message,
    Path,
    PreparedBody,
    messages_of,
    parse_path,
    render,
)

__all__ = [
    "MATCHERS",
    "ROLES",
    "ContentRule",
    "Difference",
    "Matcher",
    "Message",
    "PreparedBody",
    "messages_of",
    "register_matcher",
]

Matcher = Callable[[Any, Any, Fixture], list[Difference]]
"""``(request_json, argument, fixture) -> differences``; empty means the request matches."""
Preparer = Callable[[Any, Fixture], Any]
"""Turns a matcher's argument into the form it is fastest to match with, once."""

MATCHERS: dict[str, Matcher] = {}
PREPARERS: dict[str, Preparer] = {}
STRENGTH: dict[str, int] = {}
"""How specific each matcher is, for tie-breaking: body 3, partial_body 2, others 1."""


def register_matcher(
    name: str, *, prepare: Preparer | None = None, strength: int = 1
) -> Callable[[Matcher], Matcher]:
    """Register a matcher function under ``name`` (the key used in a fixture's ``match``).

    ``prepare(argument, fixture)`` runs once per fixture when it is indexed and its
    result is what the matcher receives; it may raise FixtureError for a bad argument.
    ``strength`` ranks how specific the matcher is when priorities tie.
    """

    def decorate(matcher: Matcher) -> Matcher:
        if name in MATCHERS:
            raise ValueError(f"a matcher named {name!r} is already registered")
        MATCHERS[name] = matcher
        STRENGTH[name] = strength
        if prepare is not None:
            PREPARERS[name] = prepare
        allow_matcher(name)
        return matcher

    return decorate


# -- model -------------------------------------------------------------------------------


def prepare_model(argument: Any, fixture: Fixture) -> str | re.Pattern[str]:
    if isinstance(argument, str):
        return argument
    if isinstance(argument, dict) and isinstance(argument.get("regex"), str):
        return _compile(argument["regex"], "match.model.regex", fixture)
    problem = f"'match.model' must be a string or {{regex: ...}}, got {argument!r}"
    raise FixtureError(fixture.source, problem)


@register_matcher("model", prepare=prepare_model)
def match_model(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    wanted = argument
    if not isinstance(wanted, (str, re.Pattern)):
        wanted = prepare_model(argument, fixture)
    actual = request_json.get("model", MISSING) if isinstance(request_json, dict) else MISSING
    if _model_ok(wanted, actual):
        return []
    shown = render(wanted) if isinstance(wanted, str) else f"/{wanted.pattern}/ (whole name)"
    if actual is MISSING:
        return [Difference("model", wanted, actual, f"missing in request (expected {shown})")]
    return [Difference("model", wanted, actual, f"expected {shown}, got {render(actual)}")]


def _model_ok(wanted: str | re.Pattern[str], actual: Any) -> bool:
    if not isinstance(actual, str):
        return False
    return actual == wanted if isinstance(wanted, str) else bool(wanted.fullmatch(actual))


# -- bodies ------------------------------------------------------------------------------


def _ignore_paths(fixture: Fixture) -> tuple[Path, ...]:
    try:
        return tuple(parse_path(text) for text in fixture.ignore)
    except ValueError as exc:
        raise FixtureError(fixture.source, f"'match.ignore': {exc}") from None


def prepare_body(argument: Any, fixture: Fixture) -> PreparedBody:
    return PreparedBody.build(argument, _ignore_paths(fixture), exact=True)


def prepare_partial(argument: Any, fixture: Fixture) -> PreparedBody:
    return PreparedBody.build(argument, _ignore_paths(fixture), exact=False)


@register_matcher("body", prepare=prepare_body, strength=3)
def match_body(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    body = argument if isinstance(argument, PreparedBody) else prepare_body(argument, fixture)
    return body.compare(request_json)


@register_matcher("partial_body", prepare=prepare_partial, strength=2)
def match_partial_body(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    body = argument if isinstance(argument, PreparedBody) else prepare_partial(argument, fixture)
    return body.compare(request_json, subset=True)


# -- content -----------------------------------------------------------------------------

ROLES = frozenset({"user", "system", "assistant", "tool", "developer", "any"})


@dataclass(frozen=True)
class ContentRule:
    """A prepared ``content`` argument: a compiled regex, a role and a scope."""

    pattern: re.Pattern[str]
    role: str = "user"
    scope: str = "last"

    @property
    def shown(self) -> str:
        return f"/{self.pattern.pattern}/"

    def passes(self, messages: list[Message]) -> bool:
        """The matcher's verdict without building differences (the hot path)."""
        for message in reversed(messages):
            if self.role in ("any", message.role):
                if self.pattern.search(message.text):
                    return True
                if self.scope == "last":
                    return False
        return False


def prepare_content(argument: Any, fixture: Fixture) -> ContentRule:
    if isinstance(argument, str):
        return ContentRule(_compile(argument, "match.content", fixture))
    if not isinstance(argument, dict) or not isinstance(argument.get("regex"), str):
        problem = f"must be a regex string or {{regex, role, scope}}, got {argument!r}"
        raise FixtureError(fixture.source, f"'match.content' {problem}")
    role, scope = argument.get("role", "user"), argument.get("scope", "last")
    if role not in ROLES:
        problem = f"must be one of {', '.join(sorted(ROLES))}, got {role!r}"
        raise FixtureError(fixture.source, f"'match.content.role' {problem}")
    if scope not in ("last", "any"):
        problem = f"must be 'last' or 'any', got {scope!r}"
        raise FixtureError(fixture.source, f"'match.content.scope' {problem}")
    return ContentRule(_compile(argument["regex"], "match.content.regex", fixture), role, scope)


@register_matcher("content", prepare=prepare_content)
def match_content(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    rule = argument if isinstance(argument, ContentRule) else prepare_content(argument, fixture)
    return _content_differences(messages_of(request_json), rule)


def _content_differences(all_messages: list[Message], rule: ContentRule) -> list[Difference]:
    messages = [m for m in all_messages if rule.role in ("any", m.role)]
    who = "" if rule.role == "any" else f"{rule.role} "
    if not messages:
        reason = f"has no {who}message to match {rule.shown}"
        return [Difference("messages", rule.shown, MISSING, reason)]
    if rule.scope == "last":
        last = messages[-1]
        if rule.pattern.search(last.text):
            return []
        reason = f"did not match {rule.shown}: got {render(last.text)}"
        return [Difference(last.field, rule.shown, last.text, reason)]
    if any(rule.pattern.search(m.text) for m in messages):
        return []
    reason = f"has no {who}message matching {rule.shown} (last: {render(messages[-1].text)})"
    return [Difference("messages", rule.shown, messages[-1].text, reason)]


def _compile(pattern: str, key: str, fixture: Fixture) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        problem = f"'{key}' is not a valid regular expression ({exc}): {pattern!r}"
        raise FixtureError(fixture.source, problem) from None
