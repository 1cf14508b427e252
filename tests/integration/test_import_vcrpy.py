"""A cassette written by VCR.py itself, imported and replayed through the SDK."""

from __future__ import annotations

from pathlib import Path

import openai
import vcr

from mockapi.recording.importer import import_cassettes
from tests.fake_upstream import FakeUpstream
from tests.helpers import running_server


def test_vcrpy_cassette_imports_and_replays(tmp_path: Path) -> None:
    cassette = tmp_path / "cassettes" / "test_vcr.yaml"
    ask = [{"role": "user", "content": "recorded by vcr.py"}]
    with FakeUpstream(event_delay=0.001) as upstream:
        recorder = vcr.VCR(record_mode="once", filter_headers=["authorization"])
        # VCR.py only imports OpenAI's host; the fake upstream stands in for it.
        with (
            recorder.use_cassette(str(cassette)),
            openai.OpenAI(
                base_url=upstream.url + "/v1", api_key="sk-vcr-test", max_retries=0
            ) as client,
        ):
            live = client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
            streamed = [
                c.choices[0].delta.content or ""
                for c in client.chat.completions.create(
                    model="gpt-4o-mini", messages=ask, stream=True
                )
                if c.choices
            ]  # type: ignore[arg-type]
    report = import_cassettes([cassette], tmp_path / "fixtures", hosts=["127.0.0.1"])
    assert (report.imported, report.skipped, report.failed_files) == (2, 0, 0), report.lines
    with (
        running_server(fixture_dirs=(tmp_path / "fixtures",)) as server,
        openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client,
    ):
        replayed = client.chat.completions.create(model="gpt-4o-mini", messages=ask)  # type: ignore[arg-type]
        again = [
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(model="gpt-4o-mini", messages=ask, stream=True)
            if c.choices
        ]  # type: ignore[arg-type]
    assert replayed.model_dump() == live.model_dump()
    assert again == streamed
