"""The pytest handle's view of what the code under test created (files, batches) and
its control over jobs and the clock, driven as users drive it: a suite run by pytester
whose code under test uploads a JSONL file, creates a batch and polls it."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

CODE = '''
import io
import json
import openai

LINES = [
    {"custom_id": f"q{n}", "method": "POST", "url": "/v1/chat/completions",
     "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Hi {n}"}]}}
    for n in range(3)
]

def submit() -> str:
    """The code under test: uploads its requests and starts a batch."""
    client = openai.OpenAI(max_retries=0)
    data = "".join(json.dumps(line) + "\\n" for line in LINES).encode()
    uploaded = client.files.create(file=("requests.jsonl", io.BytesIO(data)), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    return batch.id

def status(batch_id: str) -> str:
    return openai.OpenAI(max_retries=0).batches.retrieve(batch_id).status
'''

TESTS = """
import json
import pytest
from app import submit, status

@pytest.mark.mockapi(on_miss="synthesize")
def test_what_the_code_created_is_on_the_handle(mockapi):
    batch_id = submit()
    [uploaded] = mockapi.files
    assert uploaded["purpose"] == "batch" and uploaded["filename"] == "requests.jsonl"
    assert mockapi.file_content(uploaded["id"]).count(b"\\n") == 3
    assert [b["id"] for b in mockapi.batches] == [batch_id]
    assert mockapi.objects("batches") == mockapi.batches

    mockapi.jobs.hold(batch_id)  # stuck: the client's polling sees no progress
    assert [status(batch_id) for _ in range(3)] == ["validating"] * 3
    done = mockapi.jobs.complete(batch_id)
    assert status(batch_id) == "completed"
    assert done["request_counts"] == {"total": 3, "completed": 3, "failed": 0}
    lines = mockapi.file_content(done["output_file_id"]).decode().splitlines()
    assert sorted(json.loads(x)["custom_id"] for x in lines) == ["q0", "q1", "q2"]
    assert {f["purpose"] for f in mockapi.files} == {"batch", "batch_output"}

@pytest.mark.mockapi(on_miss="synthesize")
def test_each_test_starts_empty_and_the_clock_expires(mockapi):
    assert mockapi.files == [] and mockapi.batches == []
    batch_id = submit()
    assert status(batch_id) == "in_progress"
    now = mockapi.advance_clock(25 * 3600)
    [expired] = mockapi.batches
    assert expired["status"] == "expired" and expired["expired_at"] <= now
    assert status(batch_id) == "expired"
    with pytest.raises(Exception, match="no file 'file-nope'"):
        mockapi.file_content("file-nope")
    with pytest.raises(Exception, match="no job 'batch_nope'"):
        mockapi.jobs.complete("batch_nope")

@pytest.mark.mockapi(on_miss="synthesize")
def test_the_clock_is_wall_time_again(mockapi):
    import time
    batch_id = submit()
    [batch] = mockapi.batches
    assert abs(batch["created_at"] - time.time()) < 60
    assert status(batch_id) == "in_progress"
"""


def test_the_handle_reads_and_drives_what_the_code_created(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=CODE)
    pytester.makepyfile(test_app=textwrap.dedent(TESTS))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
