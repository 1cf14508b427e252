"""mockapi.matching.matchers.Matchers: matchers owned by a registry, not the process."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockapi.errors import FixtureError
from mockapi.library.fixture import MATCHER_KEYS, ROUTE_KEYS, Fixture, FixtureResponse
from mockapi.matching import matchers as matchers_module
from mockapi.matching.diff import MISSING, Difference
from mockapi.matching.index import FixtureIndex
from mockapi.matching.matchers import BUILTIN, Matchers, match_body
from mockapi.model import Request

CHAT = "/v1/chat/completions"


def fx(name: str, priority: int = 0, **matchers: Any) -> Fixture:
    return Fixture(
        name=name,
        source=f"fixtures/test.yaml#{name}",
        path=CHAT,
        matchers=matchers,
        priority=priority,
        responses=(FixtureResponse(body={"id": name}),),
    )


def chat(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}


def find(index: FixtureIndex, body: Any) -> str | None:
    request = Request("POST", CHAT, {}, (), json.dumps(body).encode(), body)
    found = index.find(request, available=lambda _: True)
    return found.name if found else None


def has_tools(request_json: Any, argument: Any, fixture: Fixture) -> list[Difference]:
    if bool(request_json.get("tools")) == argument:
        return []
    return [Difference("body.tools", argument, request_json.get("tools", MISSING), "nope")]


def test_the_builtin_registry_holds_the_names_the_parser_checks() -> None:
    assert tuple(BUILTIN) == MATCHER_KEYS
    assert Matchers.builtin() is BUILTIN
    assert tuple(Matchers()) == MATCHER_KEYS
    assert BUILTIN["body"] is match_body


def test_the_builtin_registry_is_read_only() -> None:
    with pytest.raises(TypeError, match=r"cannot add matcher 'has_tools'.*Matchers\(\)"):
        BUILTIN.add("has_tools", has_tools)
    assert "has_tools" not in BUILTIN


def test_registries_are_independent() -> None:
    first, second = Matchers(), Matchers()
    first.add("has_tools", has_tools)
    second.add("has_tools", has_tools)  # the same name on another registry is fine
    copied = first.copy()
    copied.add("other", has_tools)
    assert "has_tools" in first and "has_tools" in second and "has_tools" in copied
    assert "other" in copied and "other" not in first
    assert "has_tools" not in BUILTIN and "has_tools" not in Matchers()


def test_a_name_twice_on_one_registry_is_an_error_naming_it() -> None:
    registry = Matchers()
    registry.add("has_tools", has_tools)
    with pytest.raises(ValueError, match="a matcher named 'has_tools' is already registered"):
        registry.register("has_tools")(has_tools)
    with pytest.raises(ValueError, match="'content' is already registered"):
        registry.add("content", has_tools)


@pytest.mark.parametrize("name", [*ROUTE_KEYS, ""])
def test_route_keys_cannot_name_a_matcher(name: str) -> None:
    with pytest.raises(ValueError, match=repr(name)):
        Matchers().add(name, has_tools)


def test_the_index_uses_its_registry_and_prepares_once() -> None:
    prepared: list[Any] = []

    def prepare(argument: Any, fixture: Fixture) -> bool:
        prepared.append(argument)
        return bool(argument)

    registry = Matchers()
    registry.register("has_tools", prepare=prepare)(has_tools)
    index = FixtureIndex([fx("tools", has_tools=1), fx("plain", has_tools=0)], matchers=registry)
    assert index.matchers is registry
    for _ in range(3):
        assert find(index, chat("x", tools=[{"type": "function"}])) == "tools"
        assert find(index, chat("x")) == "plain"
    assert prepared == [1, 0], "arguments are prepared when indexed, not per request"


def test_strength_breaks_ties() -> None:
    registry = Matchers()
    registry.add("strong", has_tools, strength=5)
    registry.add("weak", has_tools, strength=0)
    both = [fx("weak", weak=False, content="x"), fx("strong", strong=False)]
    assert find(FixtureIndex(both, matchers=registry), chat("x")) == "strong"


def test_an_index_without_the_matcher_refuses_the_fixture_naming_it() -> None:
    registry = Matchers()
    registry.add("has_tools", has_tools)
    fixture = fx("tools", has_tools=1)
    FixtureIndex([fixture], matchers=registry)
    with pytest.raises(FixtureError) as caught:
        FixtureIndex([fixture])
    message = str(caught.value)
    assert message.startswith("fixtures/test.yaml#tools")
    assert "unknown matcher(s) ['has_tools']" in message
    assert "'content'" in message and "'body'" in message, "the known names are listed"
    assert "plugin" in message


def test_unknown_matcher_is_a_fixture_error() -> None:
    with pytest.raises(FixtureError, match=r"unknown matcher\(s\) \['shape'\]"):
        FixtureIndex([fx("bad", shape=1)])


def test_no_module_level_registry_remains() -> None:
    """The process-wide tables plugins used to write are gone."""
    from mockapi.library import fixture

    for gone in ("MATCHERS", "PREPARERS", "STRENGTH", "register_matcher"):
        assert not hasattr(matchers_module, gone)
    assert not hasattr(fixture, "_EXTRA_MATCHERS") and not hasattr(fixture, "allow_matcher")
