"""Files in recordings: an uploaded or downloaded file's content is redacted (JSONL line by
line, as the request and answer bodies its lines are), binary data is left alone, and an
upload that held a secret is matched without its digest giving the secret away."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from mockapi.library import store
from mockapi.model import FilePart
from mockapi.recording.capture import Captured, recording_key, to_entry
from mockapi.recording.redaction import (
    RedactionRules,
    is_jsonl,
    redact_content,
    redact_text,
)
from mockapi.replay.request import parse_request

KEY = "sk-proj-JSONLSECRETKEY0123456789abcdefXYZ"
OTHER_KEY = "sk-proj-ANOTHERSECRET0123456789abcdefXYZ"
BEARER = "Bearer eyFAKEbearerTOKEN0123456789"
RULES = RedactionRules(json_paths=("metadata.customer",))
META = {"recorded_at": "2025-01-01T00:00:00Z"}
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256))


def line(custom_id: str, content: str, **body: Any) -> str:
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": content}],
        **body,
    }
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": request}
    )


def test_jsonl_lines_lose_their_secrets_and_untouched_lines_keep_their_bytes() -> None:
    clean = '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"n":1}}'
    text = "\r\n".join(
        [
            clean,
            line("b", f"my key is {KEY}"),
            line("c", "hi", metadata={"customer": "alice@example.com"}),
            line("d", "hi", extra_headers={"authorization": BEARER}),
            "",
        ]
    )
    out = redact_content(text.encode(), RULES).decode()
    assert KEY not in out and "alice@example.com" not in out and "eyFAKEbearer" not in out
    lines = out.split("\r\n")
    assert lines[0] == clean, "a line with nothing to redact keeps its bytes"
    assert lines[-1] == "", "the last line ending is kept"
    parsed = [json.loads(x) for x in lines[:-1]]
    assert parsed[1]["body"]["messages"][0]["content"] == "my key is REDACTED"
    # The rules' paths are paths in a line's request body, as in a direct request's.
    assert parsed[2]["body"]["metadata"] == {"customer": "REDACTED"}
    assert parsed[3]["body"]["extra_headers"] == {"authorization": "REDACTED"}
    assert lines[1].startswith('{"custom_id": "b", '), "a rewritten line keeps its spacing"


def test_batch_output_lines_answers_are_bodies_too() -> None:
    output = {
        "id": "batch_req_1",
        "custom_id": "a",
        "response": {"status_code": 200, "request_id": "req_1", "body": {"customer": "bob"}},
        "error": None,
    }
    rules = RedactionRules(json_paths=("customer",))
    out = redact_text(json.dumps(output, separators=(",", ":")) + "\n", rules)
    assert json.loads(out)["response"]["body"] == {"customer": "REDACTED"}
    assert out.endswith("}\n") and '":' in out and '": ' not in out


def test_text_that_is_not_jsonl_is_scrubbed_and_binary_is_returned_as_is() -> None:
    text = f"notes\napi_key={KEY}\n{{not json"
    assert redact_content(text.encode()) == b"notes\napi_key=REDACTED\n{not json"
    assert redact_content(AUDIO) is AUDIO
    plain = b'{"a": 1}\n'
    assert redact_content(plain) is plain, "nothing to redact: the same bytes object"
    assert is_jsonl('{"a": 1}\n\n[2]\n') and not is_jsonl("") and not is_jsonl("<html>")


def upload(content: bytes, *, filename: str = "batch.jsonl") -> Any:
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    return parse_request("POST", "/v1/files", headers, body)


def recorded_upload(content: bytes) -> tuple[dict[str, Any], str]:
    request = upload(content)
    answer = json.dumps({"id": "file-abc", "object": "file"}).encode()
    captured = Captured(
        "POST",
        "/v1/files",
        request.json,
        200,
        {"content-type": "application/json"},
        "application/json",
        answer,
        files=request.files,
    )
    return to_entry(captured, meta=META, rules=RULES)


def test_an_upload_holding_a_secret_is_described_by_its_redacted_content() -> None:
    content = (line("a", f"key {KEY}") + "\n").encode()
    entry, key = recorded_upload(content)
    redacted = redact_content(content, RULES)
    digest = hashlib.sha256(redacted).hexdigest()[:16]
    assert entry["match"]["body"] == {
        "purpose": "batch",
        "file": f"<file batch.jsonl (application/octet-stream, {len(redacted)} bytes, "
        f"sha256:{digest})>",
    }
    assert entry["match"]["ignore"] == ["file"], "the upload matches whatever its secret"
    written = store.dump_yaml(entry).decode()
    assert KEY not in written
    assert hashlib.sha256(content).hexdigest()[:16] not in written, "no digest of the secret"
    # The same file with another secret is the same recording (one key, one turn).
    other = (line("a", f"key {OTHER_KEY}") + "\n").encode()
    assert recorded_upload(other)[1] == key
    request = upload(other)
    assert recording_key("POST", "/v1/files", request.json, files=request.files) == key


def test_an_upload_without_secrets_is_matched_by_its_exact_digest() -> None:
    content = (line("a", "hello") + "\n").encode()
    entry, key = recorded_upload(content)
    digest = hashlib.sha256(content).hexdigest()[:16]
    assert entry["match"]["body"]["file"].endswith(f"sha256:{digest})>")
    assert "ignore" not in entry["match"]
    assert recorded_upload((line("a", "hello!") + "\n").encode())[1] != key
    request = upload(content)
    assert recording_key("POST", "/v1/files", request.json, files=request.files) == key
    assert (
        FilePart("file", "x", "a/b", content).describe()
        != FilePart("file", "x", "a/b", content + b" ").describe()
    )


def download(content_type: str, body: bytes) -> Captured:
    return Captured(
        "GET",
        "/v1/files/file-abc/content",
        None,
        200,
        {"content-type": content_type},
        content_type,
        body,
    )


def test_a_downloaded_file_is_a_binary_answer_redacted_when_it_is_text() -> None:
    files: dict[str, bytes] = {}
    content = (line("a", f"key {KEY}") + "\n" + line("b", "hi") + "\n").encode()
    entry, _ = to_entry(download("application/octet-stream", content), meta=META, files=files)
    [(name, data)] = files.items()
    assert entry["response"]["body_file"] == name and name.endswith(".bin")
    assert entry["response"]["headers"]["content-type"] == "application/octet-stream"
    assert data == redact_content(content) and KEY.encode() not in data
    assert hashlib.sha256(data).hexdigest()[:12] in name, "named by what is written"
    files.clear()
    to_entry(download("application/octet-stream", AUDIO), meta=META, files=files)
    assert list(files.values()) == [AUDIO], "binary data is stored byte for byte"


def test_jsonl_sent_as_json_is_kept_as_text_byte_for_byte() -> None:
    content = b'{"id": "batch_req_1", "custom_id": "a"}\n{"id": "batch_req_2", "custom_id": "b"}\n'
    entry, _ = to_entry(download("application/json", content), meta=META, files={})
    assert entry["response"]["text"] == content.decode()
    assert entry["response"]["headers"]["content-type"] == "application/json"


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlMTIzNDU2"


@pytest.mark.parametrize(
    ("body", "secret"),
    [
        ({"note": f"key {KEY}"}, KEY),
        ({"note": "org org-AbCdEfGhIjKlMnOpQrStUvWx"}, "org-AbCdEfGhIjKlMnOpQrStUvWx"),
        ({"note": "proj_a1B2c3D4e5F6g7H8i9J0k1L2 it is"}, "proj_a1B2c3D4e5F6g7H8i9J0k1L2"),
        ({"note": BEARER}, "eyFAKEbearerTOKEN0123456789"),
        ({"note": "aws AKIAABCDEFGHIJKLMNOP"}, "AKIAABCDEFGHIJKLMNOP"),
        ({"note": JWT}, JWT),
        ({"note": "use api_key=hunter22 please"}, "hunter22"),
        ({"Pass-Word": "cat"}, "cat"),
        ({"apiKey": 123456789}, "123456789"),
        ({"token": "abcdef0123456789abcd"}, "abcdef0123456789abcd"),
        ({"client_secret": {"value": "ek_abc123def456ghi789"}}, "ek_abc123def456ghi789"),
        ({"metadata": {"customer": "bob@example.com"}}, "bob@example.com"),
    ],
)
def test_every_kind_of_secret_is_found_in_a_large_file(body: dict[str, Any], secret: str) -> None:
    # Many clean lines (the quick look passes them) and one that holds the secret.
    clean = [line(f"task-{i}", "hello", max_tokens=5) for i in range(200)]
    text = "\n".join([*clean[:100], line("x", "hi", **body), *clean[100:]]) + "\n"
    out = redact_content(text.encode(), RULES).decode()
    assert secret not in out
    assert out.splitlines()[:100] == clean[:100], "the clean lines keep their bytes"


def test_an_escaped_secret_is_found_and_a_clean_file_is_returned_untouched() -> None:
    plain = "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Ab"
    escaped = plain.replace("s", "\\u0073", 1)  # sk-... spelled with an escape
    text = json.dumps({"custom_id": "a"})[:-1] + f', "note": "{escaped}"}}\n'
    assert json.loads(text)["note"] == plain
    assert plain not in json.loads(redact_content(text.encode()))["note"]
    clean = "".join(line(f"task-{i}", "hello", max_tokens=5) + "\n" for i in range(500))
    data = clean.encode()
    assert redact_content(data, RULES) is data
