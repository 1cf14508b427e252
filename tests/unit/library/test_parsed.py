"""Recordings kept as the loader made them: thawed the same, never stale, never trusted
past the code that froze them."""

from __future__ import annotations

import dataclasses
import json
import marshal
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockapi.library import parsed, store
from mockapi.library.fixture import Fixture, parse_document
from mockapi.library.packed import Packed, PackedMatchers
from mockapi.matching.index import FixtureIndex
from mockapi.matching.matchers import exact_key
from mockapi.model import Request

CHAT = "/v1/chat/completions"
OLD = 1_600_000_000_000_000_000  # long past: a file's stat vouches for it


def body(n: int) -> dict[str, Any]:
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": f"question {n}"}],
        "temperature": 0.5,
        "stream": True,  # never compared: the key leaves it out
    }


def answer(n: int) -> dict[str, Any]:
    return {"id": f"chatcmpl-{n}", "object": "chat.completion", "choices": [], "n": n}


def recording(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"rec{n}",
        "meta": {"recorded_at": "2025-01-01T00:00:00Z"},
        "match": {"path": CHAT, "body": body(n)},
        "response": {"status": 200, "headers": {"x-n": str(n)}, "body": answer(n)},
        **extra,
    }


def write(path: Path, *entries: dict[str, Any], test: str | None = None) -> Path:
    document: dict[str, Any] = {"version": 1, "fixtures": list(entries)}
    if test is not None:
        document["test"] = test
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    os.utime(path, ns=(OLD, OLD))
    return path


def req(value: Any) -> Request:
    return Request("POST", CHAT, {}, (), json.dumps(value).encode(), value)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    folder = tmp_path / "fixtures"
    write(folder / "a.yaml", recording(0), recording(1, times=2, priority=3))
    write(folder / "b.yaml", recording(2))
    return folder


def body_key(fixture: Fixture) -> bytes | None:
    assert isinstance(fixture.matchers, PackedMatchers)
    stored = fixture.matchers.stored("body")
    assert type(stored) is Packed
    return stored.key


def test_a_second_load_thaws_the_same_recordings_with_their_keys(
    directory: Path, cache_root: Path, decoded: list[Path]
) -> None:
    first = store.load_library([directory], keys=exact_key)
    assert len(decoded) == 2
    decoded.clear()
    second = store.load_library([directory])  # no key function: the keys come from the cache
    assert decoded == []
    assert second == first
    a, b = directory / "a.yaml", directory / "b.yaml"
    assert [f.source for f in second] == [f"{a}#0", f"{a}#1", f"{b}#0"]
    assert [(f.times, f.priority) for f in second] == [(None, 0), (2, 3), (None, 0)]
    assert [dict(f.meta) for f in second] == [{"recorded_at": "2025-01-01T00:00:00Z"}] * 3
    for n, fixture in enumerate(second):
        assert body_key(fixture) == exact_key(body(n)) is not None
        assert fixture.matchers["body"] == body(n)
        assert fixture.responses[0].body == answer(n)
        assert dict(fixture.responses[0].headers) == {"x-n": str(n)}


def test_an_index_of_thawed_recordings_finds_them_and_reports_near_misses(
    directory: Path, cache_root: Path
) -> None:
    store.load_library([directory], keys=exact_key)
    index = FixtureIndex(store.load_library([directory]))
    found = index.find(req({**body(2), "stream": False}), available=lambda _: True)
    assert found is not None and found.name == "rec2"
    near = {**body(1), "temperature": 0.9}
    assert index.find(req(near), available=lambda _: True) is None
    best = index.near_misses(req(near))[0]
    assert best.fixture.name == "rec1"
    assert [(d.field, d.expected, d.actual) for d in best.differences] == [
        ("body.temperature", 0.5, 0.9)
    ]


def test_a_known_key_is_not_trusted_for_a_fixture_that_ignores_fields(
    directory: Path, cache_root: Path
) -> None:
    store.load_library([directory], keys=exact_key)
    thawed = store.load_library([directory])[0]
    ignoring = dataclasses.replace(thawed, ignore=("temperature",))
    index = FixtureIndex([ignoring])
    assert index.find(req({**body(0), "temperature": 2}), available=lambda _: True) is ignoring


def test_an_edited_recording_is_parsed_again(
    directory: Path, cache_root: Path, decoded: list[Path]
) -> None:
    store.load_library([directory], keys=exact_key)
    path = directory / "b.yaml"
    text = path.read_text()
    edited = text.replace("question 2", "question 7")
    assert len(edited) == len(text)
    path.write_text(edited)  # the same size; only its ctime tells
    os.utime(path, ns=(OLD, OLD))
    decoded.clear()
    fixtures = store.load_library([directory], keys=exact_key)
    assert decoded == [path]
    assert fixtures[2].matchers["body"]["messages"][0]["content"] == "question 7"
    assert body_key(fixtures[2]) == exact_key({**body(2), "messages": body(7)["messages"]})


def test_what_other_code_froze_is_dropped_and_the_documents_kept(
    directory: Path, cache_root: Path, decoded: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store.load_library([directory], keys=exact_key)
    monkeypatch.setattr(parsed, "code_version", lambda: "another mockapi")
    decoded.clear()
    again = store.load_library([directory])  # parsed from the cached documents, not thawed
    assert decoded == [] and again == first
    assert [body_key(f) for f in again] == [None, None, None]


def test_a_cassette_is_thawed_for_its_test_only(directory: Path, cache_root: Path) -> None:
    write(directory / "cassette.yaml", recording(5), test="tests/test_a.py::test_b")
    everything = store.load_library([directory], keys=exact_key)
    assert [f.name for f in everything] == ["rec0", "rec1", "rec2", "rec5"]
    shared = store.load_library([directory], cassettes=False)
    assert [f.name for f in shared] == ["rec0", "rec1", "rec2"]
    assert [f.name for f in store.load_library([directory])] == ["rec0", "rec1", "rec2", "rec5"]


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({**recording(0), "match": {"path": CHAT, "body": body(0), "ignore": ["seed"]}}, "ignore"),
        ({**recording(0), "match": {"path": CHAT, "body": body(0), "model": "m"}}, "model"),
        ({**recording(0), "match": {"path": CHAT, "partial_body": body(0)}}, "partial"),
        ({**recording(0), "fault": {"status": 500}}, "fault"),
        ({**recording(0), "response": {"events": [{"data": {"a": 1}}]}}, "stream"),
        ({**recording(0), "response": {"template": True, "body": {"a": "{{ x }}"}}}, "template"),
        ({**recording(0), "response": {"body": "plain text"}}, "string body"),
    ],
)
def test_only_plain_recordings_are_frozen(entry: dict[str, Any], why: str) -> None:
    fixtures = parse_document({"version": 1, "fixtures": [recording(1), entry]}, "lib/a.yaml")
    assert parsed.freeze(fixtures, test=False, keys=exact_key) is None, why
    assert parsed.freeze(fixtures[:1], test=False, keys=exact_key) is not None


def test_a_memo_that_is_not_what_freeze_writes_thaws_to_none() -> None:
    [fixture] = parse_document({"version": 1, "fixtures": [recording(0)]}, "lib/a.yaml")
    memo = parsed.freeze([fixture], test=False, keys=None)
    assert memo is not None
    assert parsed.thaw(memo, "lib/a.yaml") is not None
    form, test, frozen = marshal.loads(memo)
    broken = [
        b"",
        memo[: len(memo) // 2],
        marshal.dumps((form + 1, test, frozen)),
        marshal.dumps((form, "yes", frozen)),
        marshal.dumps((form, test, [(*frozen[0][:3], "not bytes", *frozen[0][4:])])),
        marshal.dumps((form, test, [frozen[0][:5]])),
        marshal.dumps(["not", "a tuple"]),
    ]
    for memo_bytes in broken:
        assert parsed.thaw(memo_bytes, "lib/a.yaml") is None, memo_bytes[:40]


def test_the_code_version_follows_the_source_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = Path(parsed.__file__).resolve().parents[1]
    assert all((package / name).is_file() for name in parsed.CODE)
    version = parsed.code_version()
    assert version == parsed.code_version.__wrapped__()  # the same source, the same version
    copy = tmp_path / "mockapi"
    for name in parsed.CODE:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((package / name).read_bytes())
    monkeypatch.setattr(parsed, "__file__", str(copy / "library" / "parsed.py"))
    assert parsed.code_version.__wrapped__() == version
    (copy / "matching" / "outline.py").write_bytes(b"# edited\n")
    assert parsed.code_version.__wrapped__() != version
    (copy / "wire" / "canonical.py").unlink()
    unreadable = parsed.code_version.__wrapped__()
    assert unreadable.startswith("unreadable") and unreadable != parsed.code_version.__wrapped__()
