"""The bundled plugins through a real server and the official SDK."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from mockapi.config import RecordMode
from tests.fake_upstream import FakeUpstream
from tests.helpers import running_server

PII = "Please email Sarah Johnson at sarah.johnson@example.org or call +1 415-555-0134."


def test_echo_answers_plain_and_streamed(tmp_path: Path) -> None:
    with (
        running_server(fixture_dirs=(tmp_path,), plugins=("echo",)) as server,
        openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client,
    ):
        ask = [{"role": "user", "content": "Repeat after me: ünïcode & émoji 🎉"}]
        plain = client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
        chunks = list(
            client.chat.completions.create(model="gpt-4o-mini", messages=ask, stream=True)
        )  # type: ignore[arg-type]
    assert plain.choices[0].message.content == ask[0]["content"]
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ask[0]["content"]
    )
    assert len(chunks) > 3


def test_scrub_pii_keeps_personal_data_out_of_recordings(tmp_path: Path) -> None:
    with FakeUpstream(event_delay=0.001) as upstream:
        with (
            running_server(
                fixture_dirs=(tmp_path,),
                record_mode=RecordMode.NEW_EPISODES,
                upstream_url=upstream.url,
                plugins=("scrub_pii",),
            ) as server,
            openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client,
        ):
            live = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": PII}]
            )
        assert upstream.last_request.json["messages"][0]["content"] == PII, "upstream sees it all"
    assert live.choices[0].message.content == f"Echo: {PII}"
    written = "".join(p.read_text() for p in tmp_path.rglob("*.yaml"))
    for personal in ("Sarah Johnson", "sarah.johnson@example.org", "415-555-0134"):
        assert personal not in written
    # Replaying the same (unscrubbed) request matches the scrubbed recording.
    with (
        running_server(fixture_dirs=(tmp_path,), plugins=("scrub_pii",)) as server,
        openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client,
    ):
        replayed = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": PII}]
        )
    content = replayed.choices[0].message.content or ""
    assert content.startswith("Echo: Please email ") and "Sarah Johnson" not in content


def test_pytest_option_loads_plugins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import openai

        def test_echo(mockapi):
            client = openai.OpenAI(max_retries=0)
            reply = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "ping"}])
            assert reply.choices[0].message.content == "ping"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mockapi-plugin", "echo")
    result.assert_outcomes(passed=1)
