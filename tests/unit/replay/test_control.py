"""The control operations shared by the admin API and the pytest handle."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mockapi.build import build
from mockapi.config import OnMiss, RecordMode, Settings
from mockapi.errors import FixtureError, MockapiError
from mockapi.faults import spec as faults
from mockapi.faults.ratelimit import Limits
from mockapi.library.fixture import parse_document
from mockapi.model import Response
from mockapi.plugins import Hooks
from mockapi.replay.control import RUNTIME_PREFIX, RUNTIME_PRIORITY, Control
from mockapi.replay.engine import Replayer
from mockapi.replay.request import parse_request
from mockapi.testing import MockapiHandle
from mockapi.web.admin import admin_routes

HEADERS = {"authorization": "Bearer k", "content-type": "application/json"}


def reply(content: str) -> dict[str, Any]:
    return {"body": {"choices": [{"message": {"role": "assistant", "content": content}}]}}


def replayer(**settings: Any) -> Replayer:
    """A replayer with one file fixture, ``from-file`` (asked with "file")."""
    entry = {"name": "from-file", "match": {"content": "file"}, "response": reply("file")}
    fixtures = parse_document({"version": 1, "fixtures": [entry]}, "library.yaml")
    return Replayer(Settings(**settings), fixtures, validator=None)


def control(**settings: Any) -> tuple[Control, Replayer]:
    r = replayer(**settings)
    return Control(r), r


def ask(r: Replayer, content: str) -> Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    request = parse_request("POST", "/v1/chat/completions", HEADERS, json.dumps(body).encode())
    answer = r.handle(request)
    assert isinstance(answer, Response)
    return answer


def names(c: Control) -> set[str]:
    return {f.name for f in c.fixtures()}


# -- reset and run-time fixtures -----------------------------------------------------------


def test_reset_clears_journal_and_counts_but_keeps_fixtures_unless_asked() -> None:
    c, r = control()
    added = {"name": "added", "match": {"content": "added"}, "response": reply("added")}
    c.add_fixtures([c.runtime_fixture(added)])
    assert ask(r, "file").status == 200
    [hit] = c.entries()
    assert hit.fixture == "from-file"
    assert c.uses(next(f for f in c.fixtures() if f.name == "from-file")) == 1

    assert c.reset() == 0
    assert c.entries() == [] and names(c) == {"from-file", "added"}
    assert all(c.uses(f) == 0 for f in c.fixtures())
    assert c.entries(since=0) == []

    assert c.reset(fixtures=True) == 1
    assert names(c) == {"from-file"}  # the file fixture stays


def test_runtime_fixtures_have_one_source_convention_and_priority() -> None:
    c, _ = control()
    named = c.runtime_fixture({"name": "ping", "response": reply("x")})
    unnamed = c.runtime_fixture({"response": reply("y")})
    keyed = c.runtime_fixture({"name": "mine", "response": reply("z")}, key="test_a#0")
    assert (named.source, keyed.source) == ("runtime:ping", "runtime:test_a#0")
    assert unnamed.source.startswith(RUNTIME_PREFIX + "#") and unnamed.name == unnamed.source
    assert {named.priority, unnamed.priority, keyed.priority} == {RUNTIME_PRIORITY}
    assert c.runtime_fixture({"priority": 3, "response": reply("y")}).priority == 3


def test_the_same_name_again_replaces_and_a_key_prefix_removes_a_tests_own() -> None:
    c, r = control()
    c.add_fixtures([c.runtime_fixture({"name": "ping", "response": reply("one")})])
    c.add_fixtures([c.runtime_fixture({"name": "ping", "response": reply("two")})])
    assert [f.name for f in c.fixtures()].count("ping") == 1
    assert ask(r, "anything").body["choices"][0]["message"]["content"] == "two"
    c.add_fixtures([c.runtime_fixture({"response": reply("t")}, key="test_a#0")])
    assert c.remove_runtime("test_a#") == 1
    assert names(c) == {"from-file", "ping"}


def test_a_bad_runtime_fixture_is_refused_before_it_is_served() -> None:
    c, _ = control()
    with pytest.raises(FixtureError, match="regular expression"):
        c.runtime_fixture({"match": {"content": {"regex": "("}}, "response": reply("x")})
    with pytest.raises(FixtureError, match="must be a mapping"):
        c.runtime_fixture(["not", "an", "entry"])
    assert names(c) == {"from-file"}


def test_a_runtime_fixture_may_use_the_servers_plugin_matchers_only() -> None:
    hooks = Hooks()
    hooks.matchers.add("has_tools", lambda body, argument, fixture: [])
    c = Control(Replayer(Settings(), [], validator=None, hooks=hooks))
    entry = {"match": {"has_tools": True}, "response": reply("x")}
    assert c.runtime_fixture(entry).matchers == {"has_tools": True}
    without, _ = control()
    with pytest.raises(FixtureError, match="has_tools"):
        without.runtime_fixture(entry)


def test_fixtures_from_the_handle_and_the_admin_api_are_listed_alike() -> None:
    c, _ = control()
    session: Any = SimpleNamespace(control=c)
    handle = MockapiHandle(session, "test_mod.py::test_x", assert_all_used=False)
    handle.add(reply="from the handle", match={"content": "handle"})
    app = Starlette(routes=admin_routes(c, Settings()))
    with TestClient(app, base_url="http://127.0.0.1") as http:
        entry = {"name": "from-admin", "match": {"content": "admin"}, "response": reply("a")}
        assert http.post("/__mockapi/fixtures", json=entry).status_code == 201
        listed = {f["name"]: f for f in http.get("/__mockapi/fixtures").json()["data"]}

    handle_name = f"{RUNTIME_PREFIX}test_mod.py::test_x#0"
    added = [listed[handle_name], listed["from-admin"]]
    assert [f["source"] for f in added] == [handle_name, "runtime:from-admin"]
    assert all(f["runtime"] is True and f["priority"] == RUNTIME_PRIORITY for f in added)
    assert listed["from-file"]["runtime"] is False
    assert c.reset(fixtures=True) == 2  # one reset clears what either added


# -- record mode -----------------------------------------------------------------------------


class FakeRecording:
    """A recorder stand-in that says what :meth:`switch` was asked."""

    def __init__(self) -> None:
        self.mode = RecordMode.NONE
        self.calls: list[tuple[RecordMode, OnMiss, bool | None]] = []

    @property
    def upstream_url(self) -> str:
        return "http://upstream.test"

    @property
    def directory(self) -> Path:
        return Path("recordings")

    def switch(
        self, mode: RecordMode, *, default_on_miss: OnMiss, recorded: bool | None
    ) -> tuple[OnMiss, bool]:
        self.calls.append((mode, default_on_miss, recorded))
        self.mode = mode
        return (
            (OnMiss.PROXY, mode is RecordMode.ALL)
            if mode is not RecordMode.NONE
            else (
                default_on_miss,
                False,
            )
        )


def test_record_mode_goes_through_the_recording_and_configures_misses() -> None:
    recording = FakeRecording()
    c = Control(replayer(on_miss=OnMiss.PROXY), recording, default_on_miss=OnMiss.SYNTHESIZE)
    assert c.can_record and c.upstream_url == "http://upstream.test"

    c.set_record_mode(RecordMode.ALL)
    assert (c.record_mode, c.on_miss, c.proxy_all) == (RecordMode.ALL, OnMiss.PROXY, True)
    c.set_record_mode(RecordMode.NONE)
    assert (c.on_miss, c.proxy_all) == (OnMiss.SYNTHESIZE, False)
    c.set_record_mode(RecordMode.ONCE, default_on_miss=OnMiss.ERROR, recorded=True)
    assert recording.calls[-1] == (RecordMode.ONCE, OnMiss.ERROR, True)


def test_without_an_upstream_only_mode_none_exists() -> None:
    c, _ = control(on_miss=OnMiss.SYNTHESIZE)
    assert not c.can_record and c.record_mode is RecordMode.NONE and c.upstream_url is None
    with pytest.raises(MockapiError, match="'new_episodes' needs an upstream"):
        c.set_record_mode(RecordMode.NEW_EPISODES)
    c.set_record_mode(RecordMode.NONE, default_on_miss=OnMiss.ERROR)
    assert c.on_miss is OnMiss.ERROR


def test_the_built_control_switches_the_real_recorder(tmp_path: Path) -> None:
    settings = Settings(fixture_dirs=(tmp_path,), upstream_url="http://127.0.0.1:9")
    built = build(settings)
    assert built.recorder is not None and built.control.record_dir == tmp_path
    built.control.set_record_mode(RecordMode.NEW_EPISODES)
    assert built.recorder.mode is RecordMode.NEW_EPISODES
    assert (built.control.on_miss, built.control.proxy_all) == (OnMiss.PROXY, False)
    built.control.set_record_mode(RecordMode.ALL)
    assert built.control.proxy_all is True
    built.control.set_record_mode(RecordMode.NONE)
    assert (built.recorder.mode, built.control.on_miss) == (RecordMode.NONE, settings.on_miss)


# -- faults, rate limits and a test's changes --------------------------------------------


def test_fault_rules_add_after_or_first_and_clear() -> None:
    c, r = control()
    later, first = faults.parse("status=503"), faults.parse("status=429")
    c.add_faults([later])
    c.add_faults([first], first=True)
    assert list(c.fault_rules) == [first, later]
    assert ask(r, "file").status == 429  # the first rule that fires applies
    c.set_faults([later], seed=7)
    assert (list(c.fault_rules), c.fault_seed) == ([later], 7)
    c.clear_faults()
    assert list(c.fault_rules) == []
    assert ask(r, "file").status == 200


def test_rate_limit_set_and_clear() -> None:
    c, r = control()
    c.set_rate_limit(Limits(rpm=1))
    assert c.snapshot().rate_limit == Limits(rpm=1)
    assert [ask(r, "file").status for _ in range(2)] == [200, 429]
    c.set_rate_limit(None)
    assert c.rate_limit is None
    assert ask(r, "file").status == 200


def test_restore_undoes_a_tests_changes() -> None:
    recording = FakeRecording()
    c = Control(replayer(), recording, default_on_miss=OnMiss.ERROR)
    before = c.snapshot()
    c.set_record_mode(RecordMode.ALL)
    c.add_faults([faults.parse("status=500")])
    c.set_rate_limit(Limits(rpm=2))
    c.restore(before)
    assert c.snapshot() == before
    assert recording.mode is RecordMode.NONE and c.rate_limit is None
