"""What the API accepts of a file (mockapi.endpoints.files.rules), and files as the state
store keeps them (stored: expiry on the mock's clock, create_from a stream)."""

from __future__ import annotations

import io

import pytest

from mockapi.config import Settings
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.files import rules, stored
from mockapi.endpoints.files.routes import ENDPOINTS
from mockapi.errors import APIError, StateLimitError
from mockapi.model import Request
from mockapi.state.clock import Clock
from mockapi.state.objects import ObjectStore


@pytest.mark.parametrize("purpose", rules.UPLOAD_PURPOSES)
def test_every_upload_purpose_is_accepted(purpose: str) -> None:
    assert rules.check_purpose(purpose) == purpose


@pytest.mark.parametrize("purpose", [*rules.OUTPUT_PURPOSES, "fine_tune", ""])
def test_output_only_and_unknown_purposes_are_the_apis_invalid_value(purpose: str) -> None:
    with pytest.raises(APIError) as caught:
        rules.check_purpose(purpose)
    error = caught.value
    assert (error.status, error.param, error.code) == (400, "purpose", "invalid_value")
    assert error.message == (
        f"Invalid value: '{purpose}'. Supported values are: 'assistants', 'batch', "
        "'fine-tune', 'vision', 'user_data', and 'evals'."
    )


def test_a_missing_purpose_is_a_missing_parameter() -> None:
    with pytest.raises(APIError) as caught:
        rules.check_purpose(None)
    assert (caught.value.param, caught.value.code) == ("purpose", "missing_required_parameter")


@pytest.mark.parametrize(
    ("purpose", "api"), [("batch", "Batch API"), ("fine-tune", "Fine-Tuning API")]
)
def test_batch_and_fine_tune_files_must_be_named_jsonl(purpose: str, api: str) -> None:
    rules.check_filename(purpose, "input.JSONL")  # the extension, whatever its case
    with pytest.raises(APIError) as caught:
        rules.check_filename(purpose, "input.json")
    error = caught.value
    assert error.message == f"Invalid file format for {api}. Must be .jsonl"
    assert (error.status, error.param, error.code) == (400, None, None)


def test_other_purposes_take_any_name() -> None:
    for purpose in ("assistants", "vision", "user_data", "evals"):
        rules.check_filename(purpose, "paper.pdf")


def test_a_batch_file_over_200_mb_is_too_large_and_others_may_be_512_mb() -> None:
    rules.check_size("batch", rules.BATCH_MAX_BYTES)
    rules.check_size("assistants", rules.BATCH_MAX_BYTES + 1)
    rules.check_size("assistants", rules.API_MAX_FILE_BYTES)
    for purpose, size in (
        ("batch", rules.BATCH_MAX_BYTES + 1),
        ("assistants", rules.API_MAX_FILE_BYTES + 1),
    ):
        with pytest.raises(APIError) as caught:
            rules.check_size(purpose, size)
        assert caught.value.message.startswith("File is too large.")
        assert f"{size:,} bytes" in caught.value.message


def test_a_file_over_the_mocks_limit_names_the_flag_and_both_numbers() -> None:
    error = rules.stored_too_much(StateLimitError("file-x", 5000, 4096, scope="file"))
    assert error.status == 400
    assert error.message.startswith("File is too large.")
    assert "5,000 bytes" in error.message and "4,096 bytes" in error.message
    assert "--max-file-size" in error.message


def test_the_total_cap_says_it_is_the_mocks_own_and_which_flag_raises_it() -> None:
    problem = StateLimitError("file-x", 300, 1000, scope="total", used=800)
    error = rules.stored_too_much(problem)
    assert error.status == 400
    assert "mock's own cap, not the API's" in error.message
    assert "--max-state-size" in error.message
    assert "1,100 bytes" in error.message and "1,000 bytes" in error.message


def test_expiry_defaults_to_30_days_for_batch_files_and_never_for_others() -> None:
    assert rules.expiry_seconds("batch", None) == 30 * 24 * 3600
    assert rules.expiry_seconds("assistants", None) is None
    assert rules.expiry_seconds("assistants", {"anchor": "created_at", "seconds": 3600}) == 3600
    assert rules.expiry_seconds("batch", {"anchor": "created_at", "seconds": 2_592_000}) == (
        2_592_000
    )


@pytest.mark.parametrize(
    ("expires_after", "param"),
    [
        ({"anchor": "created_at", "seconds": 3599}, "expires_after.seconds"),
        ({"anchor": "created_at", "seconds": 2_592_001}, "expires_after.seconds"),
        ({"anchor": "created_at", "seconds": "3600"}, "expires_after.seconds"),
        ({"anchor": "last_used_at", "seconds": 3600}, "expires_after.anchor"),
        ("3600", "expires_after"),
    ],
)
def test_expires_after_out_of_its_bounds_is_refused(expires_after: object, param: str) -> None:
    with pytest.raises(APIError) as caught:
        rules.expiry_seconds("assistants", expires_after)
    assert (caught.value.status, caught.value.param) == (400, param)


# -- stored files on the mock's clock ---------------------------------------------------


class Wall:
    """A wall clock the test sets."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def context(state: ObjectStore, wall: Wall) -> Context:
    endpoint = ENDPOINTS[0]
    return Context(
        request=Request("POST", "/v1/files"),
        endpoint=endpoint,
        params={},
        body={},
        seed=0,
        state=state,
        models=[],
        synthesize=False,
        clock=Clock(state, wall=wall),
        settings=Settings(),
    )


def test_an_expiring_file_is_gone_once_the_mocks_clock_passes_its_time() -> None:
    state, wall = ObjectStore(), Wall()
    ctx = context(state, wall)
    lasting = stored.create(ctx, b"keep", filename="a.txt", purpose="assistants")
    brief = stored.create(ctx, b"brief", filename="b.jsonl", purpose="batch", expires_after=3600)
    assert brief["expires_at"] == brief["created_at"] + 3600
    assert lasting["expires_at"] is None
    ctx.clock.advance(3599)
    assert stored.find(ctx, brief["id"]) == brief
    ctx.clock.advance(1)
    with pytest.raises(APIError) as caught:
        stored.content(ctx, brief["id"])
    assert (caught.value.status, caught.value.message) == (
        404,
        f"No such File object: {brief['id']}",
    )
    assert state.get_blob(brief["id"]) is None  # its bytes went with it
    assert stored.find(ctx, lasting["id"]) == lasting


def test_purge_removes_only_the_expired_files() -> None:
    state, wall = ObjectStore(), Wall()
    ctx = context(state, wall)
    first = stored.create(ctx, b"1", filename="1.jsonl", purpose="batch", expires_after=3600)
    second = stored.create(ctx, b"2", filename="2.jsonl", purpose="batch", expires_after=7200)
    wall.now += 3600
    assert stored.purge_expired(ctx) == 1
    assert [f["id"] for f in state.values(stored.KIND)] == [second["id"]]
    assert state.get_blob(first["id"]) is None


def test_create_from_a_stream_keeps_the_same_object_as_create() -> None:
    state, wall = ObjectStore(), Wall()
    ctx = context(state, wall)
    made = stored.create_from(ctx, io.BytesIO(b"x" * 3000), filename="big.bin", purpose="user_data")
    assert made["bytes"] == 3000
    assert stored.content(ctx, made["id"]) == b"x" * 3000
    assert stored.find(ctx, made["id"]) == made
