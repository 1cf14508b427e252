"""Fault specs, the decisions on them, their answers and their pacing: the pure half."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from mockapi.config import OnMiss, Settings
from mockapi.errors import FaultSpecError, FixtureError, MockapiError
from mockapi.faults import answers as fault_answers
from mockapi.faults import pacing
from mockapi.faults import spec as faults
from mockapi.faults.spec import Fault
from mockapi.faults.state import FaultState
from mockapi.library import store
from mockapi.library.fixture import parse_entry
from mockapi.lint import lint_paths
from mockapi.model import Request, SSEEvent
from mockapi.replay.engine import Replayer
from mockapi.replay.request import parse_request
from mockapi.wire.durations import format_duration, parse_duration

# -- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.0001, "1ms"),
        (0.006, "6ms"),
        (0.02, "20ms"),
        (1, "1s"),
        (9.816, "9.816s"),
        (20, "20s"),
        (360, "6m0s"),
        (90.5, "1m30.5s"),
        (3723.5, "1h2m3.5s"),
    ],
)
def test_durations_are_written_as_the_api_writes_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == pytest.approx(max(seconds, 0.001) if seconds else 0)


@pytest.mark.parametrize("value", ["soon", "-1", "1x", True, [1]])
def test_bad_durations_name_the_value(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


# -- parsing ----------------------------------------------------------------------------------


def test_header_syntax() -> None:
    assert faults.parse("status=429; retry_after=0.2") == Fault(status=429, retry_after=0.2)
    assert faults.parse("503") == Fault(status=503)
    assert faults.parse("reset") == Fault(reset=True)
    assert faults.parse("cut_after=3; error_event") == Fault(cut_after=3, error_event=True)
    assert faults.parse("latency=200ms; ttft_ms=150; tps=40") == Fault(
        latency=0.2, ttft=0.15, tps=40.0
    )
    assert faults.parse("stall") == Fault(stall=faults.STALL_FOREVER)
    assert faults.parse("Status=500; Header.X-Thing=1") == Fault(
        status=500, headers={"x-thing": "1"}
    )


def test_a_json_body_may_hold_semicolons() -> None:
    fault = faults.parse('status=418; body={"error": {"message": "a; b", "code": null}}')
    assert fault.body == {"error": {"message": "a; b", "code": None}}


def test_mapping_syntax_and_one_of() -> None:
    fault = faults.parse(
        {"probability": 0.5, "times": 3, "one_of": ["status=500", {"reset": True}], "path": "/v1/*"}
    )
    assert fault.one_of == (Fault(status=500), Fault(reset=True))
    assert fault.times == 3 and fault.probability == 0.5
    assert fault.applies_to("/v1/embeddings") and not fault.applies_to("/__mockapi/x")
    assert faults.parse("chaos=0.2").one_of is faults.CHAOS


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("statu=500", "unknown fault key 'statu'"),
        ("status=abc", "'status' must be a whole number"),
        ("status=700", "between 100 and 599"),
        ("reset; status=500", "status and reset contradict"),
        ("error_event", "add 'cut_after'"),
        ("retry_after=1", "add 'status'"),
        ("probability=2; status=500", "between 0 and 1"),
        ("tps=0", "tokens per second > 0"),
        ("cut_after", "needs a value"),
        ("", "empty"),
        ('status=400; body={"a": ', "not valid JSON"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, words: str) -> None:
    with pytest.raises(FaultSpecError, match=words.replace("(", r"\(")):
        faults.parse(spec)


@pytest.mark.parametrize(
    "spec",
    [
        "status=429; retry_after=0.2",
        "cut_after=3; error_event",
        "latency=0.25; tps=20",
        'status=400; message=nope; code=bad_thing; body={"x":1}',
        "status=503; header.x-should-retry=false",
    ],
)
def test_describe_reads_back(spec: str) -> None:
    fault = faults.parse(spec)
    assert faults.parse(fault.describe()) == fault
    assert faults.parse(fault.to_json()) == fault


def test_over_keeps_what_the_stronger_fault_sets() -> None:
    rule = Fault(latency=0.5, status=500, headers={"a": "1"})
    header = Fault(status=429, headers={"b": "2"})
    merged = header.over(rule)
    assert merged.status == 429 and merged.latency == 0.5
    assert merged.headers == {"a": "1", "b": "2"}
    assert header.over(None) is header


# -- deciding ---------------------------------------------------------------------------------


def test_times_fails_the_first_n_then_never_until_reset() -> None:
    state = FaultState()
    rule = Fault(status=503, times=2)
    fired = [state.decide(rule, "k") is not None for _ in range(4)]
    assert fired == [True, True, False, False]
    assert state.counters() == {"k": {"seen": 4, "fired": 2}}
    state.reset()
    assert state.decide(rule, "k") is not None


def test_seeded_probability_gives_the_same_pattern_for_the_same_seed() -> None:
    rule = faults.parse("chaos=0.5")

    def run(seed: int) -> list[str]:
        state = FaultState([rule], seed=seed)
        outcomes = []
        for _ in range(40):
            ruled, _ = state.for_request("/v1/chat/completions", None, stream=False)
            outcomes.append(ruled.describe() if ruled is not None else "ok")
        return outcomes

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert 5 < first.count("ok") < 35  # both kinds happen
    assert not any("cut_after" in o for o in first)  # no stream cuts for a plain request


def test_rules_apply_by_path_and_header_faults_count_apart() -> None:
    state = FaultState([faults.parse("status=500; path=/v1/embeddings")])
    assert state.for_request("/v1/chat/completions", None, stream=False) == (None, None)
    ruled, asked = state.for_request("/v1/embeddings", "latency=1; times=1", stream=False)
    assert ruled == Fault(status=500, path="/v1/embeddings")
    assert asked == Fault(latency=1.0, times=1)
    assert state.for_request("/v1/embeddings", "latency=1; times=1", stream=False)[1] is None
    with pytest.raises(FaultSpecError):
        state.for_request("/v1/embeddings", "nonsense=1", stream=False)


def test_replacing_rules_restarts_their_counters() -> None:
    state = FaultState([Fault(status=500, times=1)])
    assert state.for_request("/", None, stream=False)[0] is not None
    assert state.for_request("/", None, stream=False)[0] is None
    state.set_rules([Fault(status=500, times=1)])
    assert state.for_request("/", None, stream=False)[0] is not None


# -- answers ----------------------------------------------------------------------------------

CHAT = parse_request(
    "POST",
    "/v1/chat/completions",
    {"content-type": "application/json", "openai-organization": "org-acme"},
    json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).encode(),
)


def test_a_429_fault_has_the_real_body_and_headers() -> None:
    response = fault_answers.fault_response(
        Fault(status=429, retry_after=0.25), CHAT, {"x-request-id": "req_1"}, None
    )
    assert response.status == 429
    error = response.body["error"]
    assert error["message"] == (
        "Rate limit reached for gpt-4o in organization org-acme on requests per min (RPM): "
        "Limit 10000, Used 10000, Requested 1. Please try again in 250ms. Visit "
        "https://platform.openai.com/account/rate-limits to learn more."
    )
    assert (error["type"], error["param"], error["code"]) == (
        "requests",
        None,
        "rate_limit_exceeded",
    )
    headers = response.headers
    assert headers["retry-after"] == "1" and headers["retry-after-ms"] == "250"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"] == "250ms"
    assert headers["x-request-id"] == "req_1"


def test_server_errors_have_the_real_wording() -> None:
    def answer(spec: str) -> dict[str, object]:
        body = fault_answers.fault_response(faults.parse(spec), CHAT, {}, None).body
        assert isinstance(body, dict)
        return body["error"]  # type: ignore[no-any-return]

    assert answer("500") == {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert answer("503")["code"] == "server_is_overloaded"
    assert answer("504")["message"] == "mockapi fault: HTTP 504 Gateway Timeout"
    assert answer("400; message=Bad thing; code=bad")["code"] == "bad"
    bad_gateway = fault_answers.fault_response(Fault(status=502), CHAT, {}, None)
    assert bad_gateway.raw is not None and b"502 Bad Gateway" in bad_gateway.raw
    assert bad_gateway.headers["content-type"] == "text/html"
    text = fault_answers.fault_response(Fault(status=418, body="teapot"), CHAT, {}, None)
    assert text.raw == b"teapot" and text.status == 418


def test_the_error_event_speaks_the_stream_dialect() -> None:
    chat = (SSEEvent(data={"choices": []}),)
    assert fault_answers.error_event(chat, 1).data["error"]["type"] == "server_error"
    named = (SSEEvent(data={"type": "response.created", "sequence_number": 4}, event="x"),)
    event = fault_answers.error_event(named, 1)
    assert event.event == "error"
    assert event.data["type"] == "error" and event.data["sequence_number"] == 5


# -- pacing -----------------------------------------------------------------------------------


def test_pace_waits_ttft_then_for_each_events_tokens() -> None:
    events = [
        SSEEvent(data={"choices": [{"delta": {"role": "assistant", "content": ""}}]}),
        SSEEvent(data={"choices": [{"delta": {"content": " hello world"}}]}, delay=5.0),
        SSEEvent(data={"type": "response.output_text.delta", "delta": "one two three"}),
        SSEEvent(data="[DONE]"),
    ]
    paced = pacing.pace(events, ttft=0.3, tps=10)
    assert [e.delay for e in paced] == pytest.approx([0.3, 0.2, 0.3, 0.0])
    assert pacing.pace(events, ttft=0.1)[1].delay == 5.0  # no tps: recorded delays stay


# -- fixtures ---------------------------------------------------------------------------------


def test_fixtures_take_a_fault_on_the_entry_and_on_each_response() -> None:
    fixture = parse_entry(
        {
            "fault": "latency=0.1",
            "sequence": [
                {"fault": "status=503"},
                {"fault": {"cut_after": 2}, "body": {"choices": [{"message": {"content": "x"}}]}},
            ],
        },
        "f#0",
    )
    assert fixture.fault == Fault(latency=0.1)
    assert fixture.responses[0].fault == Fault(status=503)
    assert fixture.responses[0].body is None
    assert fixture.responses[1].fault == Fault(cut_after=2)


def test_a_bad_fault_names_the_entry_and_its_place() -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_entry({"sequence": [{"body": {}}, {"fault": "stat=1", "body": {}}]}, "f.yaml#3")
    assert caught.value.location == ("sequence", 1, "fault")
    assert "unknown fault key 'stat'" in str(caught.value)
    with pytest.raises(FixtureError, match="exactly one of 'body'"):
        parse_entry({"response": {"fault": "latency=1"}}, "f.yaml#0")  # a delay needs an answer


def test_validate_points_at_the_fault_line(tmp_path: Path) -> None:
    path = tmp_path / "faulty.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            version: 1
            fixtures:
              - name: flaky
                sequence:
                  - fault: status=503
                  - fault: {status: 429, retry_after: soon}
                  - body: {choices: [{message: {role: assistant, content: ok}}]}
            """
        )
    )
    report = lint_paths([path], None)
    assert [str(p) for p in report.problems] == [
        f"{path}:6: #0 (flaky) sequence[1]: 'fault': 'retry_after': expected a duration such "
        "as 0.5, 200ms, 1.5s or 1m30s, got 'soon'"
    ]
    path.write_text(path.read_text().replace("retry_after: soon", "retry_after: 1"))
    assert lint_paths([path], None).ok


# -- the replayer -----------------------------------------------------------------------------


def _replayer(tmp_path: Path, text: str, **settings: object) -> Replayer:
    (tmp_path / "f.yaml").write_text(textwrap.dedent(text))
    return Replayer(Settings(**settings), store.load_library([tmp_path]), validator=None)  # type: ignore[arg-type]


def _ask(content: str, fault: str | None = None) -> Request:
    headers = {"authorization": "Bearer sk-x", "content-type": "application/json"}
    if fault is not None:
        headers[faults.HEADER] = fault
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    return parse_request("POST", "/v1/chat/completions", headers, json.dumps(body).encode())


FLAKY = """\
version: 1
fixtures:
  - name: flaky
    match: {content: flaky}
    sequence:
      - fault: status=503
      - fault: status=503
      - body: {choices: [{message: {role: assistant, content: third time lucky}}]}
  - name: steady
    match: {content: steady}
    response:
      body: {choices: [{message: {role: assistant, content: always}}]}
"""


def test_a_sequence_fails_twice_then_answers(tmp_path: Path) -> None:
    replayer = _replayer(tmp_path, FLAKY)
    statuses = [replayer.serve(_ask("flaky"))[0].status for _ in range(4)]  # type: ignore[union-attr]
    assert statuses == [503, 503, 200, 200]
    assert [e.fault for e in replayer.journal.entries()][:3] == ["status=503", "status=503", None]
    replayer.reset()
    assert replayer.serve(_ask("flaky"))[0].status == 503  # type: ignore[union-attr]


def test_header_faults_use_no_fixture_and_leak_nowhere(tmp_path: Path) -> None:
    replayer = _replayer(tmp_path, FLAKY)
    failed, delivered = replayer.serve(_ask("steady", "status=500"))
    assert failed.status == 500 and delivered is None  # type: ignore[union-attr]
    reset, delivered = replayer.serve(_ask("steady", "reset"))
    assert delivered == Fault(reset=True) and reset.status == 0  # type: ignore[union-attr]
    fine, delivered = replayer.serve(_ask("steady"))
    assert fine.status == 200 and delivered is None  # type: ignore[union-attr]
    fixture = next(f for f in replayer.index.fixtures if f.name == "steady")
    assert replayer.uses(fixture) == 1  # only the request that got its answer used it
    # The flaky fixture's faults are its own: the steady one never fails.
    assert replayer.serve(_ask("flaky"))[0].status == 503  # type: ignore[union-attr]
    assert replayer.serve(_ask("steady"))[0].status == 200  # type: ignore[union-attr]


def test_a_stream_fault_is_handed_to_the_web_layer_only_for_streams(tmp_path: Path) -> None:
    replayer = _replayer(tmp_path, FLAKY, on_miss=OnMiss.SYNTHESIZE)
    plain = _ask("steady", "cut_after=1; tps=50")
    assert replayer.serve(plain)[1] is None
    stream = parse_request(
        "POST",
        "/v1/chat/completions",
        dict(plain.headers),
        json.dumps({**plain.json, "stream": True}).encode(),
    )
    response, delivered = replayer.serve(stream)
    assert delivered == Fault(cut_after=1, tps=50.0)
    assert response.events is not None  # type: ignore[union-attr]
    assert response.events[1].delay == pytest.approx(1 / 50)  # type: ignore[union-attr]


def test_a_bad_header_is_a_400_naming_it(tmp_path: Path) -> None:
    replayer = _replayer(tmp_path, FLAKY)
    response = replayer.handle(_ask("steady", "status=42"))
    assert response.status == 400  # type: ignore[union-attr]
    error = response.body["error"]  # type: ignore[union-attr]
    assert error["param"] == "x-mockapi-fault" and error["code"] == "invalid_fault"
    assert "'status=42'" in error["message"]


def test_bad_server_rules_stop_start_up(tmp_path: Path) -> None:
    with pytest.raises(MockapiError, match="fault 'reset; status=1'"):
        _replayer(tmp_path, FLAKY, faults=("reset; status=1",))
    with pytest.raises(MockapiError, match="rate limit 'rpm=0'"):
        _replayer(tmp_path, FLAKY, rate_limit="rpm=0")


def test_the_fixture_readme_example_fails_twice_then_answers(tmp_path: Path) -> None:
    readme = Path(__file__).resolve().parents[3] / "fixtures" / "README.md"
    section = readme.read_text().split("## Faults", 1)[1].split("## ", 1)[0]
    entry = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    replayer = _replayer(tmp_path, "version: 1\nfixtures:\n" + entry)
    served = [replayer.serve(_ask("please retry me")) for _ in range(3)]
    assert [(r.status, f) for r, f in served] == [  # type: ignore[union-attr]
        (503, None),
        (0, Fault(reset=True)),
        (200, None),
    ]
