"""Real traffic: the recorded errors come back from mockapi as the API sent them.

The recorded requests that failed (o1-mini with a ``developer`` message, unknown models
on chat and embeddings, ``temperature: -1`` on a streamed Responses request) are sent
to a synthesizing server "with the server's model list in force": a ``GET /v1/models``
fixture of the test's own lists the models that exist. Status, ``type``, ``code``,
``param`` and ``message`` must be the recorded ones, and a streamed request's error is
JSON, not SSE. With the built-in list, unknown names are accepted (the lenient default).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import running_server, strict_client
from tests.real_traffic import ABSENT, SKIP_REASON, recorded

pytestmark = pytest.mark.skipif(ABSENT, reason=SKIP_REASON)

LISTED = ("gpt-4o", "gpt-4o-mini", "o1-mini", "text-embedding-3-small")
MODELS_FIXTURE = """version: 1
fixtures:
  - name: our-models
    match: {method: GET, path: /v1/models}
    response:
      body:
        object: list
        data:
""" + "".join(
    f"          - {{id: {m}, object: model, created: 1715367049, owned_by: system}}\n"
    for m in LISTED
)


@pytest.fixture(scope="module")
def listed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    fixtures = tmp_path_factory.mktemp("models")
    (fixtures / "models.yaml").write_text(MODELS_FIXTURE)
    with running_server(on_miss=OnMiss.SYNTHESIZE, fixture_dirs=(fixtures,)) as server:
        yield server


def test_every_recorded_error_comes_back_as_recorded(listed_server: ServerThread) -> None:
    errors = [r for r in recorded() if r.status >= 400]
    assert len(errors) == 5
    for record in errors:
        answer = httpx.post(
            listed_server.url + record.item.path,
            json=record.request,
            headers={"authorization": "Bearer sk-test"},
            timeout=30,
        )
        assert answer.status_code == record.status, record.name
        assert answer.headers["content-type"].startswith("application/json"), record.name
        assert answer.json() == record.json, record.name


def test_the_sdk_raises_the_recorded_errors(listed_server: ServerThread) -> None:
    with strict_client(listed_server.url + "/v1") as client:
        with pytest.raises(openai.BadRequestError) as bad:
            client.chat.completions.create(
                model="o1-mini",
                messages=[
                    {"role": "user", "content": "Hi"},
                    {"role": "system", "content": "Be brief."},
                ],
            )
        assert bad.value.code == "unsupported_value" and bad.value.param == "messages[1].role"
        assert "does not support 'system' with this model" in bad.value.message
        with pytest.raises(openai.NotFoundError) as missing:
            client.responses.create(model="gpt-5.2-proo", input="hello")
        assert missing.value.code == "model_not_found"
        # A listed model, and a fine-tune of one, are answered.
        assert client.chat.completions.create(
            model="ft:gpt-4o-mini:acme::abc123", messages=[{"role": "user", "content": "Hi"}]
        ).choices


def test_the_built_in_list_accepts_any_model(tmp_path: Path) -> None:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as server:  # the bundled library
        with strict_client(server.url + "/v1") as client:
            completion = client.chat.completions.create(
                model="my-own-model", messages=[{"role": "user", "content": "Tell me of kites"}]
            )
            assert completion.model == "my-own-model"
            # The capability rules still apply.
            with pytest.raises(openai.BadRequestError):
                client.chat.completions.create(
                    model="o1-mini", messages=[{"role": "developer", "content": "Tell me of kites"}]
                )
