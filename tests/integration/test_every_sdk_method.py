"""Every method of every resource of the installed SDK, called once against the mock.

The resources are read from a client (``dir(client)``, ``client.beta``'s included, by
:func:`sdk_resources`) and their methods from the resources, so a resource or method a
new SDK version adds fails here until mockapi serves it (or it is listed under
NOT_SERVED with the reason). Each call goes through the strict client (the SDK's models
must accept the answer exactly) unless the real API itself sends what the strict models
refuse (README: "Where the SDK's strict validation disagrees with the API"); the
families' own test modules check the content.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest

from mockapi.config import OnMiss
from mockapi.web.server import ServerThread
from tests.helpers import running_server, strict_client

# translations.create and images.create_variation are deprecated in the SDK, not gone.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
_SKIPPED = ("with_raw_response", "with_streaming_response")


def sdk_resources(client: openai.OpenAI) -> tuple[str, ...]:
    """The client's resources (``chat``, ``beta``, ...): its public attributes that are
    API resources (they hold the client), not its plain methods or settings."""
    return tuple(
        name
        for name in dir(client)
        if not name.startswith("_")
        and name not in _SKIPPED
        and hasattr(value := getattr(client, name), "_client")
        and not callable(value)
    )


with openai.OpenAI(api_key="k", base_url="http://127.0.0.1:9/v1") as _offline:
    RESOURCES = sdk_resources(_offline)
CLIENT_SIDE = {
    # Methods that send no request: nothing to serve.
    "webhooks.unwrap": "verifies a delivered webhook's signature and parses it, locally",
    "webhooks.verify_signature": "checks a delivered webhook's signature locally",
}
PENDING: dict[str, str] = {
    # Families being served by work in progress, by method prefix: each goes when its
    # family lands (its methods then have CALLS rows, or NOT_SERVED entries of their own).
}
NOT_SERVED: dict[str, str] = {}
LENIENT = {
    # The real API sends these answers and the SDK's strict models refuse them.
    "chat.completions.messages.list": "items with role 'user' (the model says 'assistant')",
    "embeddings.create": "base64 vectors, the SDK's default encoding (a str where a list is)",
}
Call = Callable[[openai.OpenAI], Any]


def _wav(client: openai.OpenAI) -> bytes:
    speech = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="alloy", input="Testing one two", response_format="wav"
    )
    return speech.content


def _png() -> bytes:
    from mockapi.endpoints.images import png

    return png.gradient(256, 256, b"x", alpha=True)


def _stored(client: openai.OpenAI) -> str:
    made = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], store=True
    )
    return made.id


def _consent(client: openai.OpenAI) -> str:
    return client.audio.voice_consents.create(
        name="Ada", language="en-US", recording=("consent.wav", _wav(client), "audio/wav")
    ).id


BATCH_LINE = (
    b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": '
    b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}}\n'
)


def _file(client: openai.OpenAI) -> str:
    return client.files.create(file=("in.jsonl", io.BytesIO(BATCH_LINE)), purpose="batch").id


def _batch(client: openai.OpenAI) -> str:
    return client.batches.create(
        input_file_id=_file(client), endpoint="/v1/chat/completions", completion_window="24h"
    ).id


def _upload(client: openai.OpenAI) -> str:
    return client.uploads.create(
        bytes=len(BATCH_LINE), filename="in.jsonl", mime_type="text/jsonl", purpose="batch"
    ).id


def _uploaded(client: openai.OpenAI) -> Any:
    upload_id = _upload(client)
    part = client.uploads.parts.create(upload_id, data=BATCH_LINE)
    return client.uploads.complete(upload_id, part_ids=[part.id])


def _chat_stream(client: openai.OpenAI) -> Any:
    with client.chat.completions.stream(model="gpt-4o", messages=CHAT) as stream:
        return stream.get_final_completion()


def _stream(client: openai.OpenAI, **kwargs: Any) -> list[Any]:
    with client.responses.stream(model="gpt-4o-mini", input="Hi", **kwargs) as stream:
        return [*stream, stream.get_final_response()]


def _connect(client: openai.OpenAI) -> Any:
    with client.responses.connect() as connection:
        connection.response.create(model="gpt-4o-mini", input="Hi")
        for event in connection:
            if event.type in ("response.completed", "error"):
                assert event.type == "response.completed", event
                return event.response
    raise AssertionError("the WebSocket closed before the response completed")


def _container_file(client: openai.OpenAI) -> Any:
    box = client.containers.create(name="box")
    return client.containers.files.create(box.id, file=("a.txt", b"hi"))


CHAT = [{"role": "user", "content": "Hello"}]
CALLS: dict[str, Call] = {
    "chat.completions.create": lambda c: c.chat.completions.create(model="gpt-4o", messages=CHAT),
    "chat.completions.stream": lambda c: (
        c.chat.completions.stream(model="gpt-4o", messages=CHAT).__enter__().get_final_completion()
    ),
    "chat.completions.parse": lambda c: c.chat.completions.parse(model="gpt-4o", messages=CHAT),
    "chat.completions.list": lambda c: c.chat.completions.list(limit=2),
    "chat.completions.retrieve": lambda c: c.chat.completions.retrieve(_stored(c)),
    "chat.completions.update": lambda c: c.chat.completions.update(_stored(c), metadata={"k": "v"}),
    "chat.completions.delete": lambda c: c.chat.completions.delete(_stored(c)),
    "chat.completions.messages.list": lambda c: c.chat.completions.messages.list(_stored(c)),
    "models.list": lambda c: c.models.list(),
    "models.retrieve": lambda c: c.models.retrieve("gpt-4o-mini"),
    "models.delete": lambda c: c.models.delete("ft:gpt-4o-mini-2024-07-18:acme::abc123"),
    "embeddings.create": lambda c: c.embeddings.create(
        model="text-embedding-3-small", input="hello"
    ),
    "completions.create": lambda c: c.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say this is a test"
    ),
    "moderations.create": lambda c: c.moderations.create(
        model="omni-moderation-latest", input="a kind word"
    ),
    "responses.create": lambda c: c.responses.create(model="gpt-4o-mini", input="Hi"),
    "responses.stream": _stream,
    "responses.parse": lambda c: c.responses.parse(model="gpt-4o-mini", input="Hi"),
    "responses.retrieve": lambda c: c.responses.retrieve(
        c.responses.create(model="gpt-4o-mini", input="Hi").id
    ),
    "responses.delete": lambda c: c.responses.delete(
        c.responses.create(model="gpt-4o-mini", input="Hi").id
    ),
    "responses.cancel": lambda c: c.responses.cancel(
        c.responses.create(model="gpt-4o-mini", input="Hi", background=True).id
    ),
    "responses.connect": _connect,
    "responses.compact": lambda c: c.responses.compact(model="gpt-4o-mini", input="Hi"),
    "responses.input_items.list": lambda c: c.responses.input_items.list(
        c.responses.create(model="gpt-4o-mini", input="Hi").id
    ),
    "responses.input_tokens.count": lambda c: c.responses.input_tokens.count(
        model="gpt-4o-mini", input="Hi"
    ),
    "audio.speech.create": lambda c: (
        c.audio.speech.create(model="tts-1", voice="alloy", input="Hello").content
    ),
    "audio.transcriptions.create": lambda c: c.audio.transcriptions.create(
        model="whisper-1", file=("a.wav", _wav(c), "audio/wav")
    ),
    "audio.translations.create": lambda c: c.audio.translations.create(
        model="whisper-1", file=("a.wav", _wav(c), "audio/wav")
    ),
    "audio.voice_consents.create": _consent,
    "audio.voice_consents.list": lambda c: c.audio.voice_consents.list(),
    "audio.voice_consents.retrieve": lambda c: c.audio.voice_consents.retrieve(_consent(c)),
    "audio.voice_consents.update": lambda c: c.audio.voice_consents.update(
        _consent(c), name="Grace"
    ),
    "audio.voice_consents.delete": lambda c: c.audio.voice_consents.delete(_consent(c)),
    "audio.voices.create": lambda c: c.audio.voices.create(
        name="ada", consent=_consent(c), audio_sample=("s.wav", _wav(c), "audio/wav")
    ),
    "audio.voices.delete": lambda c: c.audio.voices.delete(
        c.audio.voices.create(
            name="ada", consent=_consent(c), audio_sample=("s.wav", _wav(c), "audio/wav")
        ).id
    ),
    "images.generate": lambda c: c.images.generate(model="gpt-image-1", prompt="a red fox"),
    "images.edit": lambda c: c.images.edit(
        model="dall-e-2", image=("i.png", io.BytesIO(_png()), "image/png"), prompt="add a hat"
    ),
    "images.create_variation": lambda c: c.images.create_variation(
        image=("i.png", io.BytesIO(_png()), "image/png"), n=1, size="256x256"
    ),
    "files.create": _file,
    "files.list": lambda c: c.files.list(purpose="batch"),
    "files.retrieve": lambda c: c.files.retrieve(_file(c)),
    "files.content": lambda c: c.files.content(_file(c)).content,
    "files.retrieve_content": lambda c: c.files.retrieve_content(_file(c)),
    "files.delete": lambda c: c.files.delete(_file(c)),
    "files.wait_for_processing": lambda c: c.files.wait_for_processing(_file(c)),
    "uploads.create": _upload,
    "uploads.parts.create": lambda c: c.uploads.parts.create(_upload(c), data=BATCH_LINE),
    "uploads.complete": _uploaded,
    "uploads.cancel": lambda c: c.uploads.cancel(_upload(c)),
    "uploads.upload_file_chunked": lambda c: c.uploads.upload_file_chunked(
        file=BATCH_LINE,
        filename="in.jsonl",
        bytes=len(BATCH_LINE),
        mime_type="text/jsonl",
        purpose="batch",
    ),
    "batches.create": _batch,
    "batches.list": lambda c: c.batches.list(limit=2),
    "batches.retrieve": lambda c: c.batches.retrieve(_batch(c)),
    "batches.cancel": lambda c: c.batches.cancel(_batch(c)),
    "containers.create": lambda c: c.containers.create(name="box", file_ids=[_file(c)]),
    "containers.list": lambda c: c.containers.list(limit=2),
    "containers.retrieve": lambda c: c.containers.retrieve(c.containers.create(name="box").id),
    "containers.delete": lambda c: (  # the SDK's delete returns None: the raw answer is kept
        c.containers.with_raw_response.delete(c.containers.create(name="box").id)
    ),
    "containers.files.create": _container_file,
    "containers.files.list": lambda c: c.containers.files.list(_container_file(c).container_id),
    "containers.files.retrieve": lambda c: (
        lambda f: c.containers.files.retrieve(f.id, container_id=f.container_id)
    )(_container_file(c)),
    "containers.files.delete": lambda c: (
        lambda f: c.containers.files.with_raw_response.delete(f.id, container_id=f.container_id)
    )(_container_file(c)),
    "containers.files.content.retrieve": lambda c: (
        lambda f: c.containers.files.content.retrieve(f.id, container_id=f.container_id).content
    )(_container_file(c)),
}


def _conversation(client: openai.OpenAI) -> str:
    return client.conversations.create(items=[{"role": "user", "content": "Hi"}]).id


def _conversation_item(client: openai.OpenAI, method: str) -> Any:
    """``conversations.items.<method>`` (retrieve or delete) on a new conversation's item."""
    conversation_id = _conversation(client)
    [item] = client.conversations.items.list(conversation_id).data
    call = getattr(client.conversations.items, method)
    return call(str(item.id), conversation_id=conversation_id)


CALLS |= {
    "conversations.create": _conversation,
    "conversations.retrieve": lambda c: c.conversations.retrieve(_conversation(c)),
    "conversations.update": lambda c: c.conversations.update(_conversation(c), metadata={"k": "v"}),
    "conversations.delete": lambda c: c.conversations.delete(_conversation(c)),
    "conversations.items.create": lambda c: c.conversations.items.create(
        _conversation(c), items=[{"role": "user", "content": "Hello"}]
    ),
    "conversations.items.list": lambda c: c.conversations.items.list(_conversation(c)),
    "conversations.items.retrieve": lambda c: _conversation_item(c, "retrieve"),
    "conversations.items.delete": lambda c: _conversation_item(c, "delete"),
}


def _store(client: openai.OpenAI) -> str:
    """A vector store holding one processed text file."""
    text = b"The moon pulls the tides."
    made = client.files.create(file=("tides.txt", text), purpose="assistants")
    store = client.vector_stores.create(name="docs", file_ids=[made.id])
    client.vector_stores.retrieve(store.id)  # processes the file
    return store.id


def _store_file(client: openai.OpenAI) -> tuple[str, str]:
    """A vector store and the id of its processed file."""
    store_id = _store(client)
    return store_id, client.vector_stores.files.list(store_id).data[0].id


def _file_batch(client: openai.OpenAI) -> Any:
    return client.vector_stores.file_batches.create(_store(client), file_ids=[_file(client)])


CALLS |= {
    "vector_stores.create": _store,
    "vector_stores.list": lambda c: c.vector_stores.list(limit=2),
    "vector_stores.retrieve": lambda c: c.vector_stores.retrieve(_store(c)),
    "vector_stores.update": lambda c: c.vector_stores.update(_store(c), name="renamed"),
    "vector_stores.delete": lambda c: c.vector_stores.delete(_store(c)),
    "vector_stores.search": lambda c: c.vector_stores.search(_store(c), query="tides"),
    "vector_stores.files.create": lambda c: c.vector_stores.files.create(
        _store(c), file_id=_file(c), attributes={"kind": "note"}
    ),
    "vector_stores.files.create_and_poll": lambda c: c.vector_stores.files.create_and_poll(
        _file(c), vector_store_id=_store(c)
    ),
    "vector_stores.files.upload": lambda c: c.vector_stores.files.upload(
        vector_store_id=_store(c), file=("a.md", b"# A")
    ),
    "vector_stores.files.upload_and_poll": lambda c: c.vector_stores.files.upload_and_poll(
        vector_store_id=_store(c), file=("a.md", b"# A")
    ),
    "vector_stores.files.list": lambda c: c.vector_stores.files.list(_store(c), filter="completed"),
    "vector_stores.files.retrieve": lambda c: (
        lambda ids: c.vector_stores.files.retrieve(ids[1], vector_store_id=ids[0])
    )(_store_file(c)),
    "vector_stores.files.poll": lambda c: (
        lambda ids: c.vector_stores.files.poll(ids[1], vector_store_id=ids[0])
    )(_store_file(c)),
    "vector_stores.files.update": lambda c: (
        lambda ids: c.vector_stores.files.update(
            ids[1], vector_store_id=ids[0], attributes={"year": 2024}
        )
    )(_store_file(c)),
    "vector_stores.files.delete": lambda c: (
        lambda ids: c.vector_stores.files.delete(ids[1], vector_store_id=ids[0])
    )(_store_file(c)),
    "vector_stores.files.content": lambda c: (
        lambda ids: c.vector_stores.files.content(ids[1], vector_store_id=ids[0])
    )(_store_file(c)),
    "vector_stores.file_batches.create": _file_batch,
    "vector_stores.file_batches.create_and_poll": lambda c: (
        c.vector_stores.file_batches.create_and_poll(_store(c), file_ids=[_file(c)])
    ),
    "vector_stores.file_batches.upload_and_poll": lambda c: (
        c.vector_stores.file_batches.upload_and_poll(_store(c), files=[("b.txt", b"bee")])
    ),
    "vector_stores.file_batches.retrieve": lambda c: (
        lambda b: c.vector_stores.file_batches.retrieve(b.id, vector_store_id=b.vector_store_id)
    )(_file_batch(c)),
    "vector_stores.file_batches.poll": lambda c: (
        lambda b: c.vector_stores.file_batches.poll(b.id, vector_store_id=b.vector_store_id)
    )(_file_batch(c)),
    "vector_stores.file_batches.cancel": lambda c: (
        lambda b: c.vector_stores.file_batches.cancel(b.id, vector_store_id=b.vector_store_id)
    )(_file_batch(c)),
    "vector_stores.file_batches.list_files": lambda c: (
        lambda b: c.vector_stores.file_batches.list_files(b.id, vector_store_id=b.vector_store_id)
    )(_file_batch(c)),
}


FINE_TUNING_LINE = (
    b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}]}\n'
)


def _job(client: openai.OpenAI, *, done: bool = False) -> str:
    """A fine-tuning job on ten examples (one retrieve: queued; three: succeeded)."""
    data = FINE_TUNING_LINE * 10
    made = client.files.create(file=("train.jsonl", io.BytesIO(data)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=made.id)
    for _ in range(3 if done else 0):
        client.fine_tuning.jobs.retrieve(job.id)
    return job.id


def _running(client: openai.OpenAI) -> str:
    job_id = _job(client)
    client.fine_tuning.jobs.retrieve(job_id)
    client.fine_tuning.jobs.retrieve(job_id)
    return job_id


LENIENT |= {"fine_tuning.jobs.pause": "status 'paused' (the SDK's model predates pause)"}
CALLS |= {
    "fine_tuning.jobs.create": _job,
    "fine_tuning.jobs.retrieve": lambda c: c.fine_tuning.jobs.retrieve(_job(c)),
    "fine_tuning.jobs.list": lambda c: c.fine_tuning.jobs.list(limit=2, metadata={"k": "v"}),
    "fine_tuning.jobs.cancel": lambda c: c.fine_tuning.jobs.cancel(_job(c)),
    "fine_tuning.jobs.pause": lambda c: c.fine_tuning.jobs.pause(_running(c)),
    "fine_tuning.jobs.resume": lambda c: (
        lambda job_id: (  # the pause answer ('paused') read raw: the strict model refuses it
            c.fine_tuning.jobs.with_raw_response.pause(job_id),
            c.fine_tuning.jobs.resume(job_id),
        )[1]
    )(_running(c)),
    "fine_tuning.jobs.list_events": lambda c: c.fine_tuning.jobs.list_events(_job(c, done=True)),
    "fine_tuning.jobs.checkpoints.list": lambda c: c.fine_tuning.jobs.checkpoints.list(
        _job(c, done=True)
    ),
}


CHECKPOINT = "ft:gpt-4o-mini-2024-07-18:org-mockapi:weather:B7R9VjQd:ckpt-step-20"
GRADER: Any = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.label}}",
    "operation": "eq",
}


def _permission(client: openai.OpenAI) -> str:
    made = client.fine_tuning.checkpoints.permissions.create(CHECKPOINT, project_ids=["proj_a"])
    return made.data[0].id


CALLS |= {
    "fine_tuning.checkpoints.permissions.create": _permission,
    "fine_tuning.checkpoints.permissions.list": lambda c: (
        c.fine_tuning.checkpoints.permissions.list(CHECKPOINT, order="ascending")
    ),
    "fine_tuning.checkpoints.permissions.retrieve": lambda c: (
        c.fine_tuning.checkpoints.permissions.retrieve(CHECKPOINT, project_id="proj_a")
    ),
    "fine_tuning.checkpoints.permissions.delete": lambda c: (
        c.fine_tuning.checkpoints.permissions.delete(
            _permission(c), fine_tuned_model_checkpoint=CHECKPOINT
        )
    ),
    "fine_tuning.alpha.graders.run": lambda c: c.fine_tuning.alpha.graders.run(
        grader=GRADER, model_sample="Paris", item={"label": "Paris"}
    ),
    "fine_tuning.alpha.graders.validate": lambda c: c.fine_tuning.alpha.graders.validate(
        grader=GRADER
    ),
}


EVAL_ITEMS: Any = {
    "type": "jsonl",
    "source": {
        "type": "file_content",
        "content": [{"item": {"label": "Paris"}, "sample": {"output_text": "Paris"}}],
    },
}


def _eval(client: openai.OpenAI) -> str:
    config: Any = {"type": "custom", "item_schema": {"type": "object"}}
    return client.evals.create(data_source_config=config, testing_criteria=[GRADER]).id


def _eval_run(client: openai.OpenAI, *, done: bool = False) -> tuple[str, str]:
    """A new eval and a run of it (finished: two retrieves), read raw: a run says
    ``error: null``, which the strict models refuse."""
    eval_id = _eval(client)
    made = client.evals.runs.with_raw_response.create(eval_id, data_source=EVAL_ITEMS)
    run_id = str(made.http_response.json()["id"])
    for _ in range(2 if done else 0):
        client.evals.runs.with_raw_response.retrieve(run_id, eval_id=eval_id)
    return eval_id, run_id


def _output_item(client: openai.OpenAI) -> Any:
    eval_id, run_id = _eval_run(client, done=True)
    listed = client.evals.runs.output_items.list(run_id, eval_id=eval_id)
    return client.evals.runs.output_items.retrieve(
        listed.data[0].id, eval_id=eval_id, run_id=run_id
    )


_NULL_ERROR = "`error: null` on a run or a sample (the SDK's model wants an error object)"
LENIENT |= {
    f"evals.runs.{name}": _NULL_ERROR
    for name in (
        "create",
        "retrieve",
        "list",
        "cancel",
        "output_items.list",
        "output_items.retrieve",
    )
}
CALLS |= {
    "evals.create": _eval,
    "evals.list": lambda c: c.evals.list(limit=2),
    "evals.retrieve": lambda c: c.evals.retrieve(_eval(c)),
    "evals.update": lambda c: c.evals.update(_eval(c), name="renamed", metadata={"k": "v"}),
    "evals.delete": lambda c: c.evals.delete(_eval(c)),
    "evals.runs.create": lambda c: c.evals.runs.create(_eval(c), data_source=EVAL_ITEMS),
    "evals.runs.retrieve": lambda c: (lambda ids: c.evals.runs.retrieve(ids[1], eval_id=ids[0]))(
        _eval_run(c)
    ),
    "evals.runs.list": lambda c: c.evals.runs.list(_eval_run(c, done=True)[0]),
    "evals.runs.cancel": lambda c: (lambda ids: c.evals.runs.cancel(ids[1], eval_id=ids[0]))(
        _eval_run(c)
    ),
    "evals.runs.delete": lambda c: (lambda ids: c.evals.runs.delete(ids[1], eval_id=ids[0]))(
        _eval_run(c)
    ),
    "evals.runs.output_items.list": lambda c: (
        lambda ids: c.evals.runs.output_items.list(ids[1], eval_id=ids[0])
    )(_eval_run(c, done=True)),
    "evals.runs.output_items.retrieve": _output_item,
}

ADMIN_KEY = "sk-admin-every-method"
_admin_names = itertools.count(1)


def _org(client: openai.OpenAI) -> Any:
    """``client.admin.organization``, sent with an admin key as the Administration API
    requires."""
    return client.with_options(admin_api_key=ADMIN_KEY).admin.organization


def _admin_name(noun: str) -> str:
    return f"{noun}-{next(_admin_names)}"


def _member(client: openai.OpenAI) -> str:
    """A new user of the organization: an invite sent and accepted (by its retrieve)."""
    org = _org(client)
    sent = org.invites.create(email=_admin_name("user") + "@example.com", role="reader")
    org.invites.retrieve(sent.id)
    return str(org.users.list(emails=[sent.email]).data[0].id)


def _admin_project(client: openai.OpenAI) -> str:
    return str(_org(client).projects.create(name=_admin_name("project")).id)


def _project_member(client: openai.OpenAI) -> tuple[str, str]:
    project, user = _admin_project(client), _member(client)
    _org(client).projects.users.create(project, user_id=user, role="member")
    return project, user


def _group(client: openai.OpenAI) -> str:
    return str(_org(client).groups.create(name=_admin_name("group")).id)


def _project_group(client: openai.OpenAI) -> tuple[str, str]:
    project, group = _admin_project(client), _group(client)
    _org(client).projects.groups.create(project, group_id=group, role="member")
    return project, group


def _org_role(client: openai.OpenAI) -> str:
    made = _org(client).roles.create(role_name=_admin_name("role"), permissions=["a.read"])
    return str(made.id)


def _project_role(client: openai.OpenAI, project: str) -> str:
    roles = _org(client).projects.roles
    return str(roles.create(project, role_name=_admin_name("role"), permissions=["a.read"]).id)


def _user_role(client: openai.OpenAI) -> tuple[str, str]:
    user, role = _member(client), _org_role(client)
    _org(client).users.roles.create(user, role_id=role)
    return user, role


def _group_role(client: openai.OpenAI) -> tuple[str, str]:
    group, role = _group(client), _org_role(client)
    _org(client).groups.roles.create(group, role_id=role)
    return group, role


def _project_user_role(client: openai.OpenAI) -> tuple[str, str, str]:
    project, user = _project_member(client)
    role = _project_role(client, project)
    _org(client).projects.users.roles.create(user, project_id=project, role_id=role)
    return project, user, role


def _project_group_role(client: openai.OpenAI) -> tuple[str, str, str]:
    project, group = _project_group(client)
    role = _project_role(client, project)
    _org(client).projects.groups.roles.create(group, project_id=project, role_id=role)
    return project, group, role


def _invite(client: openai.OpenAI) -> str:
    sent = _org(client).invites.create(email=_admin_name("invite") + "@example.com", role="reader")
    return str(sent.id)


def _group_member(client: openai.OpenAI) -> tuple[str, str]:
    group, user = _group(client), _member(client)
    _org(client).groups.users.create(group, user_id=user)
    return group, user


_O = "admin.organization."
CALLS |= {
    _O + "projects.create": lambda c: _org(c).projects.create(name="every method"),
    _O + "projects.list": lambda c: _org(c).projects.list(include_archived=True),
    _O + "projects.retrieve": lambda c: _org(c).projects.retrieve(_admin_project(c)),
    _O + "projects.update": lambda c: _org(c).projects.update(_admin_project(c), name="new"),
    _O + "projects.archive": lambda c: _org(c).projects.archive(_admin_project(c)),
    _O + "users.list": lambda c: _org(c).users.list(),
    _O + "users.retrieve": lambda c: _org(c).users.retrieve(_member(c)),
    _O + "users.update": lambda c: _org(c).users.update(_member(c), role="owner"),
    _O + "users.delete": lambda c: _org(c).users.delete(_member(c)),
    _O + "invites.create": lambda c: _org(c).invites.create(
        email="every@example.com", role="reader", projects=[]
    ),
    _O + "invites.list": lambda c: _org(c).invites.list(),
    _O + "invites.retrieve": lambda c: _org(c).invites.retrieve(_invite(c)),
    _O + "invites.delete": lambda c: _org(c).invites.delete(_invite(c)),
    _O + "roles.create": lambda c: _org(c).roles.create(
        role_name=_admin_name("role"), permissions=["a.read"], description="every method"
    ),
    _O + "roles.list": lambda c: _org(c).roles.list(),
    _O + "roles.retrieve": lambda c: _org(c).roles.retrieve(_org_role(c)),
    _O + "roles.update": lambda c: _org(c).roles.update(_org_role(c), permissions=["b.read"]),
    _O + "roles.delete": lambda c: _org(c).roles.delete(_org_role(c)),
    _O + "users.roles.create": lambda c: _org(c).users.roles.create(
        _member(c), role_id=_org_role(c)
    ),
    _O + "users.roles.list": lambda c: _org(c).users.roles.list(_user_role(c)[0]),
    _O + "users.roles.retrieve": lambda c: _org(c).users.roles.retrieve(
        (held := _user_role(c))[1], user_id=held[0]
    ),
    _O + "users.roles.delete": lambda c: _org(c).users.roles.delete(
        (held := _user_role(c))[1], user_id=held[0]
    ),
    _O + "groups.create": lambda c: _org(c).groups.create(name="every method"),
    _O + "groups.list": lambda c: _org(c).groups.list(limit=2),
    _O + "groups.retrieve": lambda c: _org(c).groups.retrieve(_group(c)),
    _O + "groups.update": lambda c: _org(c).groups.update(_group(c), name="renamed"),
    _O + "groups.delete": lambda c: _org(c).groups.delete(_group(c)),
    _O + "groups.users.create": lambda c: _org(c).groups.users.create(
        _group(c), user_id=_member(c)
    ),
    _O + "groups.users.list": lambda c: _org(c).groups.users.list(_group_member(c)[0]),
    _O + "groups.users.retrieve": lambda c: _org(c).groups.users.retrieve(
        (held := _group_member(c))[1], group_id=held[0]
    ),
    _O + "groups.users.delete": lambda c: _org(c).groups.users.delete(
        (held := _group_member(c))[1], group_id=held[0]
    ),
    _O + "groups.roles.create": lambda c: _org(c).groups.roles.create(
        _group(c), role_id=_org_role(c)
    ),
    _O + "groups.roles.list": lambda c: _org(c).groups.roles.list(_group_role(c)[0]),
    _O + "groups.roles.retrieve": lambda c: _org(c).groups.roles.retrieve(
        (held := _group_role(c))[1], group_id=held[0]
    ),
    _O + "groups.roles.delete": lambda c: _org(c).groups.roles.delete(
        (held := _group_role(c))[1], group_id=held[0]
    ),
    _O + "projects.roles.create": lambda c: _org(c).projects.roles.create(
        _admin_project(c), role_name="deployer", permissions=["api.model.request"]
    ),
    _O + "projects.roles.list": lambda c: _org(c).projects.roles.list(_admin_project(c)),
    _O + "projects.roles.retrieve": lambda c: _org(c).projects.roles.retrieve(
        _project_role(c, project := _admin_project(c)), project_id=project
    ),
    _O + "projects.roles.update": lambda c: _org(c).projects.roles.update(
        _project_role(c, project := _admin_project(c)), project_id=project, role_name="x"
    ),
    _O + "projects.roles.delete": lambda c: _org(c).projects.roles.delete(
        _project_role(c, project := _admin_project(c)), project_id=project
    ),
    _O + "projects.users.create": lambda c: _org(c).projects.users.create(
        _admin_project(c), user_id=_member(c), role="member"
    ),
    _O + "projects.users.list": lambda c: _org(c).projects.users.list(_project_member(c)[0]),
    _O + "projects.users.retrieve": lambda c: _org(c).projects.users.retrieve(
        (held := _project_member(c))[1], project_id=held[0]
    ),
    _O + "projects.users.update": lambda c: _org(c).projects.users.update(
        (held := _project_member(c))[1], project_id=held[0], role="owner"
    ),
    _O + "projects.users.delete": lambda c: _org(c).projects.users.delete(
        (held := _project_member(c))[1], project_id=held[0]
    ),
    _O + "projects.users.roles.create": lambda c: _org(c).projects.users.roles.create(
        (held := _project_member(c))[1],
        project_id=held[0],
        role_id=_project_role(c, held[0]),
    ),
    _O + "projects.users.roles.list": lambda c: _org(c).projects.users.roles.list(
        (held := _project_user_role(c))[1], project_id=held[0]
    ),
    _O + "projects.users.roles.retrieve": lambda c: _org(c).projects.users.roles.retrieve(
        (held := _project_user_role(c))[2], project_id=held[0], user_id=held[1]
    ),
    _O + "projects.users.roles.delete": lambda c: _org(c).projects.users.roles.delete(
        (held := _project_user_role(c))[2], project_id=held[0], user_id=held[1]
    ),
    _O + "projects.groups.create": lambda c: _org(c).projects.groups.create(
        _admin_project(c), group_id=_group(c), role="owner"
    ),
    _O + "projects.groups.list": lambda c: _org(c).projects.groups.list(_project_group(c)[0]),
    _O + "projects.groups.retrieve": lambda c: _org(c).projects.groups.retrieve(
        (held := _project_group(c))[1], project_id=held[0]
    ),
    _O + "projects.groups.delete": lambda c: _org(c).projects.groups.delete(
        (held := _project_group(c))[1], project_id=held[0]
    ),
    _O + "projects.groups.roles.create": lambda c: _org(c).projects.groups.roles.create(
        (held := _project_group(c))[1],
        project_id=held[0],
        role_id=_project_role(c, held[0]),
    ),
    _O + "projects.groups.roles.list": lambda c: _org(c).projects.groups.roles.list(
        (held := _project_group_role(c))[1], project_id=held[0]
    ),
    _O + "projects.groups.roles.retrieve": lambda c: _org(c).projects.groups.roles.retrieve(
        (held := _project_group_role(c))[2], project_id=held[0], group_id=held[1]
    ),
    _O + "projects.groups.roles.delete": lambda c: _org(c).projects.groups.roles.delete(
        (held := _project_group_role(c))[2], project_id=held[0], group_id=held[1]
    ),
}


def _observed(client: openai.OpenAI) -> Any:
    """``client.admin.organization`` with an admin key (usage, audit logs, rate limits)."""
    return client.with_options(admin_api_key="sk-admin-every-method").admin.organization


def _limited_project(client: openai.OpenAI) -> str:
    return str(_observed(client).projects.create(name="limited").id)


_USAGE = (
    "audio_speeches", "audio_transcriptions", "code_interpreter_sessions", "completions",
    "costs", "decisions", "embeddings", "file_search_calls", "images", "moderations",
    "vector_stores", "web_search_calls",
)  # fmt: skip
CALLS |= {
    **{
        f"admin.organization.usage.{name}": (
            lambda c, name=name: getattr(_observed(c).usage, name)(start_time=1_730_419_200)
        )
        for name in _USAGE
    },
    "admin.organization.audit_logs.list": lambda c: _observed(c).audit_logs.list(limit=5),
    "admin.organization.projects.rate_limits.list_rate_limits": lambda c: _observed(
        c
    ).projects.rate_limits.list_rate_limits(_limited_project(c)),
    "admin.organization.projects.rate_limits.update_rate_limit": lambda c: _observed(
        c
    ).projects.rate_limits.update_rate_limit(
        "rl-gpt-4o", project_id=_limited_project(c), max_requests_per_1_minute=100
    ),
}


def _account(client: openai.OpenAI) -> tuple[str, Any]:
    """A project and a new service account of it (with its first key)."""
    project = _admin_project(client)
    return project, _org(client).projects.service_accounts.create(project, name="bot")


def _account_key(client: openai.OpenAI) -> tuple[str, str]:
    project, made = _account(client)
    return project, str(made.api_key.id)


def _certificate(client: openai.OpenAI) -> str:
    from tests.unit.endpoints.test_admin_keys import CERT_2027

    return str(_org(client).certificates.create(certificate=CERT_2027, name="every method").id)


SPEND: Any = {
    "threshold_amount": 1000,
    "currency": "USD",
    "interval": "month",
    "notification_channel": {"type": "email", "recipients": ["ops@example.com"]},
}
LIMIT: Any = {"threshold_amount": 10_000, "currency": "USD", "interval": "month"}
AWS_KEY: Any = {
    "type": "aws",
    "name": "kms",
    "external_id": "org-mockapi",
    "kms_arn": "arn:aws:kms:us-east-1:123456789012:key/k",
    "role_arn": "arn:aws:iam::123456789012:role/r",
}
CONDITION: Any = {"type": "error_rate", "threshold": 0.05, "window_seconds": 300}


def _project_alert(client: openai.OpenAI) -> tuple[str, str]:
    project = _admin_project(client)
    return project, str(_org(client).projects.spend_alerts.create(project, **SPEND).id)


def _limited_org(client: openai.OpenAI) -> Any:
    """The organization's spend limit resource, a limit set."""
    _org(client).spend_limit.update(**LIMIT)
    return _org(client).spend_limit


def _limited(client: openai.OpenAI) -> str:
    """A project with a spend limit set."""
    project = _admin_project(client)
    _org(client).projects.spend_limit.update(project, **LIMIT)
    return project


def _storage(client: openai.OpenAI) -> str:
    provider: Any = {"type": "gcp", "bucket": "b", "workload_identity_pool_id": "p"}
    provider |= {"workload_identity_project_number": "1", "workload_identity_provider_id": "w"}
    made = _org(client).external_storage.create(
        project_id=_admin_project(client), provider=provider
    )
    return str(made.id)


def _provider(client: openai.OpenAI) -> str:
    made = _org(client).workload_identity_providers.create(
        name="ci", type="oidc", issuer="https://token.actions.githubusercontent.com", audience="a"
    )
    return str(made.id)


def _federation_rule(client: openai.OpenAI) -> tuple[str, str]:
    provider, (project, made) = _provider(client), _account(client)
    rule = _org(client).workload_identity_providers.federation_rules.create(
        provider,
        attribute_matchers={"repository": "o/r"},
        project_id=project,
        service_account_id=made.id,
    )
    return provider, str(rule.id)


def _health_rule(client: openai.OpenAI, project: str | None = None) -> str:
    if project is None:
        return str(_org(client).health.alert_rules.create(name="errors", condition=CONDITION).id)
    rules = _org(client).projects.health.alert_rules
    return str(rules.create(project, name="errors", condition=CONDITION).id)


def _missing(call: Callable[[], Any]) -> Any:
    """The body of the API's 404 ``call`` answers: health alerts are snapshots of rules
    that fired, and the mock evaluates no rule, so every alert id is unknown (the route
    is served; its answer is the 404)."""
    with pytest.raises(openai.NotFoundError) as missing:
        call()
    return missing.value.body


_P = _O + "projects."
CALLS |= {
    _O + "admin_api_keys.create": lambda c: _org(c).admin_api_keys.create(name="every method"),
    _O + "admin_api_keys.list": lambda c: _org(c).admin_api_keys.list(limit=2),
    _O + "admin_api_keys.retrieve": lambda c: _org(c).admin_api_keys.retrieve(
        _org(c).admin_api_keys.create(name="k").id
    ),
    _O + "admin_api_keys.delete": lambda c: _org(c).admin_api_keys.delete(
        _org(c).admin_api_keys.create(name="k").id
    ),
    _P + "service_accounts.create": lambda c: _account(c)[1],
    _P + "service_accounts.list": lambda c: _org(c).projects.service_accounts.list(_account(c)[0]),
    _P + "service_accounts.retrieve": lambda c: _org(c).projects.service_accounts.retrieve(
        (made := _account(c))[1].id, project_id=made[0]
    ),
    _P + "service_accounts.update": lambda c: _org(c).projects.service_accounts.update(
        (made := _account(c))[1].id, project_id=made[0], role="owner"
    ),
    _P + "service_accounts.delete": lambda c: _org(c).projects.service_accounts.delete(
        (made := _account(c))[1].id, project_id=made[0]
    ),
    _P + "service_accounts.api_keys.create": lambda c: _org(
        c
    ).projects.service_accounts.api_keys.create(
        (made := _account(c))[1].id, project_id=made[0], name="second"
    ),
    _P + "api_keys.list": lambda c: _org(c).projects.api_keys.list(_account_key(c)[0]),
    _P + "api_keys.retrieve": lambda c: _org(c).projects.api_keys.retrieve(
        (key := _account_key(c))[1], project_id=key[0]
    ),
    _P + "api_keys.update": lambda c: _org(c).projects.api_keys.update(
        (key := _account_key(c))[1], project_id=key[0], scopes=["api.model.request"]
    ),
    _P + "api_keys.delete": lambda c: _org(c).projects.api_keys.delete(
        (key := _account_key(c))[1], project_id=key[0]
    ),
    _O + "certificates.create": lambda c: _org(c).certificates.retrieve(_certificate(c)),
    _O + "certificates.list": lambda c: _org(c).certificates.list(limit=2),
    _O + "certificates.retrieve": lambda c: _org(c).certificates.retrieve(
        _certificate(c), include=["content"]
    ),
    _O + "certificates.update": lambda c: _org(c).certificates.update(_certificate(c), name="x"),
    _O + "certificates.delete": lambda c: _org(c).certificates.delete(_certificate(c)),
    _O + "certificates.activate": lambda c: _org(c).certificates.activate(
        certificate_ids=[_certificate(c)]
    ),
    _O + "certificates.deactivate": lambda c: _org(c).certificates.deactivate(
        certificate_ids=[_certificate(c)]
    ),
    _P + "certificates.list": lambda c: _org(c).projects.certificates.list(_admin_project(c)),
    _P + "certificates.activate": lambda c: _org(c).projects.certificates.activate(
        _admin_project(c), certificate_ids=[_certificate(c)]
    ),
    _P + "certificates.deactivate": lambda c: _org(c).projects.certificates.deactivate(
        _admin_project(c), certificate_ids=[_certificate(c)]
    ),
    _O + "data_retention.retrieve": lambda c: _org(c).data_retention.retrieve(),
    _O + "data_retention.update": lambda c: _org(c).data_retention.update(
        retention_type="zero_data_retention"
    ),
    _P + "data_retention.retrieve": lambda c: _org(c).projects.data_retention.retrieve(
        _admin_project(c)
    ),
    _P + "data_retention.update": lambda c: _org(c).projects.data_retention.update(
        _admin_project(c), retention_type="none"
    ),
    _P + "hosted_tool_permissions.retrieve": lambda c: _org(
        c
    ).projects.hosted_tool_permissions.retrieve(_admin_project(c)),
    _P + "hosted_tool_permissions.update": lambda c: _org(
        c
    ).projects.hosted_tool_permissions.update(_admin_project(c), web_search={"enabled": False}),
    _P + "model_permissions.retrieve": lambda c: _org(c).projects.model_permissions.retrieve(
        _admin_project(c)
    ),
    _P + "model_permissions.update": lambda c: _org(c).projects.model_permissions.update(
        _admin_project(c), mode="allow_list", model_ids=["gpt-4o-mini"]
    ),
    _P + "model_permissions.delete": lambda c: _org(c).projects.model_permissions.delete(
        _admin_project(c)
    ),
    _P + "service_tier_settings.retrieve": lambda c: _org(
        c
    ).projects.service_tier_settings.retrieve(_admin_project(c)),
    _P + "service_tier_settings.update": lambda c: _org(c).projects.service_tier_settings.update(
        _admin_project(c), enabled_tiers=["flex"]
    ),
    _O + "spend_alerts.create": lambda c: _org(c).spend_alerts.create(**SPEND),
    _O + "spend_alerts.list": lambda c: _org(c).spend_alerts.list(limit=2),
    _O + "spend_alerts.retrieve": lambda c: _org(c).spend_alerts.retrieve(
        _org(c).spend_alerts.create(**SPEND).id
    ),
    _O + "spend_alerts.update": lambda c: _org(c).spend_alerts.update(
        _org(c).spend_alerts.create(**SPEND).id, **SPEND
    ),
    _O + "spend_alerts.delete": lambda c: _org(c).spend_alerts.delete(
        _org(c).spend_alerts.create(**SPEND).id
    ),
    _P + "spend_alerts.create": lambda c: _project_alert(c),
    _P + "spend_alerts.list": lambda c: _org(c).projects.spend_alerts.list(_project_alert(c)[0]),
    _P + "spend_alerts.retrieve": lambda c: _org(c).projects.spend_alerts.retrieve(
        (alert := _project_alert(c))[1], project_id=alert[0]
    ),
    _P + "spend_alerts.update": lambda c: _org(c).projects.spend_alerts.update(
        (alert := _project_alert(c))[1], project_id=alert[0], **SPEND
    ),
    _P + "spend_alerts.delete": lambda c: _org(c).projects.spend_alerts.delete(
        (alert := _project_alert(c))[1], project_id=alert[0]
    ),
    _O + "spend_limit.update": lambda c: _org(c).spend_limit.update(**LIMIT),
    _O + "spend_limit.retrieve": lambda c: _limited_org(c).retrieve(),
    _O + "spend_limit.delete": lambda c: _limited_org(c).delete(),
    _P + "spend_limit.update": lambda c: _org(c).projects.spend_limit.update(
        _admin_project(c), **LIMIT
    ),
    _P + "spend_limit.retrieve": lambda c: _org(c).projects.spend_limit.retrieve(_limited(c)),
    _P + "spend_limit.delete": lambda c: _org(c).projects.spend_limit.delete(_limited(c)),
    _O + "external_keys.create": lambda c: _org(c).external_keys.create(**AWS_KEY),
    _O + "external_keys.list": lambda c: _org(c).external_keys.list(purpose="ekm"),
    _O + "external_keys.retrieve": lambda c: _org(c).external_keys.retrieve(
        _org(c).external_keys.create(**AWS_KEY).id
    ),
    _O + "external_keys.validate": lambda c: _org(c).external_keys.validate(
        _org(c).external_keys.create(**AWS_KEY).id
    ),
    _O + "external_keys.delete": lambda c: _org(c).external_keys.delete(
        _org(c).external_keys.create(**AWS_KEY).id
    ),
    _O + "external_storage.create": lambda c: _org(c).external_storage.retrieve(_storage(c)),
    _O + "external_storage.list": lambda c: _org(c).external_storage.list(limit=2),
    _O + "external_storage.retrieve": lambda c: _org(c).external_storage.retrieve(_storage(c)),
    _O + "external_storage.validate": lambda c: _org(c).external_storage.validate(_storage(c)),
    _O + "external_storage.delete": lambda c: _org(c).external_storage.delete(_storage(c)),
    _O + "workload_identity_providers.create": lambda c: _org(
        c
    ).workload_identity_providers.retrieve(_provider(c)),
    _O + "workload_identity_providers.list": lambda c: _org(c).workload_identity_providers.list(),
    _O + "workload_identity_providers.retrieve": lambda c: _org(
        c
    ).workload_identity_providers.retrieve(_provider(c)),
    _O + "workload_identity_providers.update": lambda c: _org(c).workload_identity_providers.update(
        _provider(c), description="every method"
    ),
    _O + "workload_identity_providers.delete": lambda c: _org(c).workload_identity_providers.delete(
        _provider(c)
    ),
    _O + "workload_identity_providers.federation_rules.create": lambda c: _federation_rule(c),
    _O + "workload_identity_providers.federation_rules.list": lambda c: _org(
        c
    ).workload_identity_providers.federation_rules.list(_federation_rule(c)[0]),
    _O + "workload_identity_providers.federation_rules.retrieve": lambda c: _org(
        c
    ).workload_identity_providers.federation_rules.retrieve(
        (rule := _federation_rule(c))[1], workload_identity_provider_id=rule[0]
    ),
    _O + "workload_identity_providers.federation_rules.update": lambda c: _org(
        c
    ).workload_identity_providers.federation_rules.update(
        (rule := _federation_rule(c))[1], workload_identity_provider_id=rule[0], enabled=False
    ),
    _O + "workload_identity_providers.federation_rules.delete": lambda c: _org(
        c
    ).workload_identity_providers.federation_rules.delete(
        (rule := _federation_rule(c))[1], workload_identity_provider_id=rule[0]
    ),
    _O + "health.alert_rules.create": lambda c: _org(c).health.alert_rules.retrieve(
        _health_rule(c)
    ),
    _O + "health.alert_rules.list": lambda c: _org(c).health.alert_rules.list(limit=2),
    _O + "health.alert_rules.retrieve": lambda c: _org(c).health.alert_rules.retrieve(
        _health_rule(c)
    ),
    _O + "health.alert_rules.update": lambda c: _org(c).health.alert_rules.update(
        _health_rule(c), expected_version=1, enabled=False
    ),
    _O + "health.alert_rules.delete": lambda c: _org(c).health.alert_rules.delete(
        _health_rule(c), expected_version=1
    ),
    _O + "health.alerts.retrieve": lambda c: _missing(
        lambda: _org(c).health.alerts.retrieve("alert_unknown")
    ),
    _P + "health.alert_rules.create": lambda c: _health_rule(c, _admin_project(c)),
    _P + "health.alert_rules.list": lambda c: _org(c).projects.health.alert_rules.list(
        _admin_project(c)
    ),
    _P + "health.alert_rules.retrieve": lambda c: _org(c).projects.health.alert_rules.retrieve(
        _health_rule(c, project := _admin_project(c)), project_id=project
    ),
    _P + "health.alert_rules.update": lambda c: _org(c).projects.health.alert_rules.update(
        _health_rule(c, project := _admin_project(c)), project_id=project, expected_version=1
    ),
    _P + "health.alert_rules.delete": lambda c: _org(c).projects.health.alert_rules.delete(
        _health_rule(c, project := _admin_project(c)), project_id=project, expected_version=1
    ),
    _P + "health.alerts.retrieve": lambda c: _missing(
        lambda: _org(c).projects.health.alerts.retrieve(
            "alert_unknown", project_id=_admin_project(c)
        )
    ),
}


def _skill_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("echo/SKILL.md", "---\nname: echo\ndescription: Say it back.\n---\n")
    return out.getvalue()


def _skill(client: openai.OpenAI) -> str:
    return client.skills.create(files=("echo.zip", _skill_zip(), "application/zip")).id


CALLS |= {
    "skills.create": _skill,
    "skills.list": lambda c: c.skills.list(limit=2),
    "skills.retrieve": lambda c: c.skills.retrieve(_skill(c)),
    "skills.update": lambda c: c.skills.update(_skill(c), default_version="1"),
    "skills.delete": lambda c: c.skills.delete(_skill(c)),
    "skills.content.retrieve": lambda c: c.skills.content.retrieve(_skill(c)).content,
    "skills.versions.create": lambda c: c.skills.versions.create(
        _skill(c), files=[("echo/SKILL.md", b"---\nname: echo\ndescription: Again.\n---\n")]
    ),
    "skills.versions.list": lambda c: c.skills.versions.list(_skill(c)),
    "skills.versions.retrieve": lambda c: c.skills.versions.retrieve("1", skill_id=_skill(c)),
    "skills.versions.delete": lambda c: c.skills.versions.delete("1", skill_id=_skill(c)),
    "skills.versions.content.retrieve": lambda c: (
        c.skills.versions.content.retrieve("1", skill_id=_skill(c)).content
    ),
}


REALTIME: Any = {"type": "realtime", "model": "gpt-realtime"}
SDP_OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
WEBSOCKET = (
    "the Realtime and Live WebSocket protocols, which issue 20 leaves out (their HTTP "
    "routes are served)"
)
NOT_SERVED |= {
    "realtime.connect": WEBSOCKET,
    "realtime.translations.connect": WEBSOCKET,
    "beta.realtime.connect": WEBSOCKET,
    "live.connect": WEBSOCKET,
    "live.forks.connect": WEBSOCKET,
    "live.sideband.connect": WEBSOCKET,
}
CALLS |= {
    "realtime.client_secrets.create": lambda c: c.realtime.client_secrets.create(session=REALTIME),
    "realtime.translations.client_secrets.create": lambda c: (
        c.realtime.translations.client_secrets.create(session={"model": "gpt-realtime-translate"})
    ),
    "beta.realtime.sessions.create": lambda c: c.beta.realtime.sessions.create(
        model="gpt-4o-realtime-preview"
    ),
    "beta.realtime.transcription_sessions.create": lambda c: (
        c.beta.realtime.transcription_sessions.create()
    ),
    "realtime.calls.create": lambda c: (
        c.realtime.calls.create(sdp=SDP_OFFER, session=REALTIME).content  # type: ignore[arg-type]
    ),
    # accept, hangup, refer and reject answer 200 with no body (the SDK returns None).
    "realtime.calls.accept": lambda c: c.realtime.calls.with_raw_response.accept(
        "rtc_every_1", **REALTIME
    ),
    "realtime.calls.hangup": lambda c: c.realtime.calls.with_raw_response.hangup("rtc_every_2"),
    "realtime.calls.refer": lambda c: c.realtime.calls.with_raw_response.refer(
        "rtc_every_3", target_uri="tel:+14155550123"
    ),
    "realtime.calls.reject": lambda c: c.realtime.calls.with_raw_response.reject("rtc_every_4"),
}


SERVER: list[ServerThread] = []
"""The module's server (for the calls that put objects in place through its control)."""


def _chatkit_thread(client: openai.OpenAI) -> str:
    """A ChatKit thread put in place as ChatKit's frontend leaves one (no API makes it)."""
    control = SERVER[0].control  # type: ignore[attr-defined]
    return str(control.add_chatkit_thread("ada", messages=[("user", "Hi")])["id"])


CALLS |= {
    "beta.chatkit.sessions.create": lambda c: c.beta.chatkit.sessions.create(
        user="ada", workflow={"id": "wf_every"}
    ),
    "beta.chatkit.sessions.cancel": lambda c: c.beta.chatkit.sessions.cancel(
        c.beta.chatkit.sessions.create(user="ada", workflow={"id": "wf_every"}).id
    ),
    "beta.chatkit.threads.list": lambda c: c.beta.chatkit.threads.list(user="ada"),
    "beta.chatkit.threads.retrieve": lambda c: c.beta.chatkit.threads.retrieve(_chatkit_thread(c)),
    "beta.chatkit.threads.delete": lambda c: c.beta.chatkit.threads.delete(_chatkit_thread(c)),
    "beta.chatkit.threads.list_items": lambda c: c.beta.chatkit.threads.list_items(
        _chatkit_thread(c)
    ),
}


_COMPLETED_VIDEO: dict[str, str] = {}
"""One completed video per server, shared by the calls that need one (a render each
would cost a second)."""


def _completed_video(client: openai.OpenAI) -> str:
    key = str(client.base_url)
    if key not in _COMPLETED_VIDEO:
        _COMPLETED_VIDEO[key] = client.videos.create_and_poll(prompt="a fox in the snow").id
    return _COMPLETED_VIDEO[key]


def _clip(client: openai.OpenAI) -> tuple[str, bytes, str]:
    """The completed video's MP4, as an upload."""
    return (
        "clip.mp4",
        client.videos.download_content(_completed_video(client)).read(),
        "video/mp4",
    )


def _failed_video(client: openai.OpenAI) -> str:
    """A video planned to fail (a finished video that renders nothing), polled to its end."""
    made = client.videos.create(prompt="doomed", extra_headers={"x-mockapi-job": "fail"})
    return client.videos.poll(made.id).id


CALLS |= {
    "videos.create": lambda c: c.videos.create(prompt="a fox", seconds="4", size="1280x720"),
    "videos.create_and_poll": lambda c: c.videos.create_and_poll(prompt="an owl"),
    "videos.poll": lambda c: c.videos.poll(_completed_video(c)),
    "videos.list": lambda c: c.videos.list(limit=2),
    "videos.retrieve": lambda c: c.videos.retrieve(c.videos.create(prompt="a fox").id),
    "videos.delete": lambda c: c.videos.delete(_failed_video(c)),
    "videos.download_content": lambda c: c.videos.download_content(
        _completed_video(c), variant="thumbnail"
    ).read(),
    "videos.remix": lambda c: c.videos.remix(_completed_video(c), prompt="now at night"),
    "videos.edit": lambda c: c.videos.edit(video=_clip(c), prompt="make it rain"),
    "videos.extend": lambda c: c.videos.extend(video=_clip(c), prompt="and on", seconds="4"),
    "videos.create_character": lambda c: c.videos.create_character(name="Fox", video=_clip(c)),
    "videos.get_character": lambda c: c.videos.get_character(
        c.videos.create_character(name="Fox", video=_clip(c)).id
    ),
}


ASSISTANT_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
FORCED_TOOL: Any = {"type": "function", "function": {"name": "get_weather"}}


def _assistant(client: openai.OpenAI) -> str:
    return client.beta.assistants.create(model="gpt-4o", tools=[ASSISTANT_TOOL]).id


def _thread(client: openai.OpenAI) -> str:
    return client.beta.threads.create(messages=[{"role": "user", "content": "Weather in Oslo?"}]).id


def _message(client: openai.OpenAI) -> tuple[str, str]:
    """A thread and its message's id."""
    thread_id = _thread(client)
    return thread_id, client.beta.threads.messages.list(thread_id).data[0].id


def _run(client: openai.OpenAI, **options: Any) -> Any:
    """A run of a new assistant on a new thread, polled to its rest."""
    return client.beta.threads.runs.create_and_poll(
        thread_id=_thread(client), assistant_id=_assistant(client), **options
    )


def _outputs(run: Any) -> list[Any]:
    """Outputs for each call a run waits for."""
    calls = run.required_action.submit_tool_outputs.tool_calls
    return [{"tool_call_id": call.id, "output": "sunny"} for call in calls]


def _streamed(manager: Any) -> Any:
    """The final run of a run's stream (an AssistantStreamManager), read to its end."""
    with manager as stream:
        stream.until_done()
        return stream.get_final_run()


def _resumed(client: openai.OpenAI, how: str) -> Any:
    """A run waiting for outputs, given them by ``runs.<how>``."""
    run = _run(client, tool_choice=FORCED_TOOL)
    answered = getattr(client.beta.threads.runs, how)(
        run_id=run.id, thread_id=run.thread_id, tool_outputs=_outputs(run)
    )
    return _streamed(answered) if how.endswith("_stream") else answered


def _step(client: openai.OpenAI) -> Any:
    run = _run(client)
    step = client.beta.threads.runs.steps.list(run.id, thread_id=run.thread_id).data[0]
    return client.beta.threads.runs.steps.retrieve(step.id, thread_id=run.thread_id, run_id=run.id)


ONE_MESSAGE: Any = {"messages": [{"role": "user", "content": "Hi"}]}
CALLS |= {
    "beta.assistants.create": _assistant,
    "beta.assistants.list": lambda c: c.beta.assistants.list(limit=2),
    "beta.assistants.retrieve": lambda c: c.beta.assistants.retrieve(_assistant(c)),
    "beta.assistants.update": lambda c: c.beta.assistants.update(_assistant(c), name="Oslo"),
    "beta.assistants.delete": lambda c: c.beta.assistants.delete(_assistant(c)),
    "beta.threads.create": _thread,
    "beta.threads.retrieve": lambda c: c.beta.threads.retrieve(_thread(c)),
    "beta.threads.update": lambda c: c.beta.threads.update(_thread(c), metadata={"k": "v"}),
    "beta.threads.delete": lambda c: c.beta.threads.delete(_thread(c)),
    "beta.threads.create_and_run": lambda c: c.beta.threads.create_and_run(
        assistant_id=_assistant(c), thread=ONE_MESSAGE
    ),
    "beta.threads.create_and_run_poll": lambda c: c.beta.threads.create_and_run_poll(
        assistant_id=_assistant(c), thread=ONE_MESSAGE
    ),
    "beta.threads.create_and_run_stream": lambda c: _streamed(
        c.beta.threads.create_and_run_stream(assistant_id=_assistant(c), thread=ONE_MESSAGE)
    ),
    "beta.threads.messages.create": lambda c: c.beta.threads.messages.create(
        _thread(c), role="user", content="And tomorrow?"
    ),
    "beta.threads.messages.list": lambda c: c.beta.threads.messages.list(_thread(c), order="asc"),
    "beta.threads.messages.retrieve": lambda c: (
        lambda ids: c.beta.threads.messages.retrieve(ids[1], thread_id=ids[0])
    )(_message(c)),
    "beta.threads.messages.update": lambda c: (
        lambda ids: c.beta.threads.messages.update(ids[1], thread_id=ids[0], metadata={"k": "v"})
    )(_message(c)),
    "beta.threads.messages.delete": lambda c: (
        lambda ids: c.beta.threads.messages.delete(ids[1], thread_id=ids[0])
    )(_message(c)),
    "beta.threads.runs.create": lambda c: c.beta.threads.runs.create(
        _thread(c), assistant_id=_assistant(c)
    ),
    "beta.threads.runs.create_and_poll": _run,
    "beta.threads.runs.create_and_stream": lambda c: _streamed(
        c.beta.threads.runs.create_and_stream(thread_id=_thread(c), assistant_id=_assistant(c))
    ),
    "beta.threads.runs.stream": lambda c: _streamed(
        c.beta.threads.runs.stream(thread_id=_thread(c), assistant_id=_assistant(c))
    ),
    "beta.threads.runs.list": lambda c: c.beta.threads.runs.list(_run(c).thread_id),
    "beta.threads.runs.retrieve": lambda c: (
        lambda run: c.beta.threads.runs.retrieve(run.id, thread_id=run.thread_id)
    )(_run(c)),
    "beta.threads.runs.poll": lambda c: (
        lambda run: c.beta.threads.runs.poll(run.id, thread_id=run.thread_id)
    )(c.beta.threads.runs.create(_thread(c), assistant_id=_assistant(c))),
    "beta.threads.runs.update": lambda c: (
        lambda run: c.beta.threads.runs.update(run.id, thread_id=run.thread_id, metadata={"k": "v"})
    )(_run(c)),
    "beta.threads.runs.cancel": lambda c: (
        lambda run: c.beta.threads.runs.cancel(run.id, thread_id=run.thread_id)
    )(c.beta.threads.runs.create(_thread(c), assistant_id=_assistant(c))),
    "beta.threads.runs.submit_tool_outputs": lambda c: _resumed(c, "submit_tool_outputs"),
    "beta.threads.runs.submit_tool_outputs_and_poll": lambda c: _resumed(
        c, "submit_tool_outputs_and_poll"
    ),
    "beta.threads.runs.submit_tool_outputs_stream": lambda c: _resumed(
        c, "submit_tool_outputs_stream"
    ),
    "beta.threads.runs.steps.list": lambda c: (
        lambda run: c.beta.threads.runs.steps.list(run.id, thread_id=run.thread_id)
    )(_run(c)),
    "beta.threads.runs.steps.retrieve": _step,
}


class _Beta:
    """The client with ``chat`` or ``responses`` taken from ``client.beta`` (the same
    routes, the beta ones with ``?beta=true``), so their rows serve the beta twins."""

    def __init__(self, client: openai.OpenAI, name: str) -> None:
        self._client, self._name = client, name

    def __getattr__(self, attribute: str) -> Any:
        if attribute == self._name:
            return getattr(self._client.beta, attribute)
        return getattr(self._client, attribute)


def _beta_twin(method: str) -> Call:
    resource = method.split(".", 1)[0]
    return lambda c: CALLS[method](_Beta(c, resource))  # type: ignore[arg-type]


_BETA_TWINS = (
    *(f"chat.completions.{name}" for name in ("create", "stream", "parse", "list", "retrieve")),
    *(f"chat.completions.{name}" for name in ("update", "delete", "messages.list")),
    *(f"responses.{name}" for name in ("create", "retrieve", "delete", "cancel", "compact")),
    *(f"responses.{name}" for name in ("connect", "input_items.list", "input_tokens.count")),
)
CALLS |= {f"beta.{method}": _beta_twin(method) for method in _BETA_TWINS}
LENIENT |= {f"beta.{m}": LENIENT[m] for m in _BETA_TWINS if m in LENIENT}


CALLS |= {
    "content_provenance_checks.create": lambda c: c.content_provenance_checks.create(
        file=("i.png", _png(), "image/png")
    ),
}


def _hook(client: openai.OpenAI) -> str:
    """A webhook endpoint (its URL reaches nothing: a test delivery answers status 0)."""
    made = client.webhooks.create(
        name="every", url="http://127.0.0.1:9/hook", event_types=["batch.completed"]
    )
    return made.id


CALLS |= {
    "webhooks.create": _hook,
    "webhooks.list": lambda c: c.webhooks.list(limit=2),
    "webhooks.retrieve": lambda c: c.webhooks.retrieve(_hook(c)),
    "webhooks.update": lambda c: c.webhooks.update(_hook(c), name="renamed"),
    "webhooks.delete": lambda c: c.webhooks.delete(_hook(c)),
    "webhooks.rotate_secret": lambda c: c.webhooks.rotate_secret(_hook(c)),
    "webhooks.test": lambda c: c.webhooks.test(_hook(c), event_type="batch.completed"),
    "webhooks.event_types.list": lambda c: c.webhooks.event_types.list(),
}


LIVE: Any = {"type": "live", "model": "gpt-live-1"}
WEBRTC: Any = {"type": "webrtc", "sdp": SDP_OFFER}


def _live(client: openai.OpenAI) -> str:
    return client.live.create(session=LIVE, transport=WEBRTC).session.id


CALLS |= {
    "live.create": lambda c: c.live.create(session=LIVE, transport=WEBRTC),
    "live.sessions.fork": lambda c: c.live.sessions.fork(_live(c), transport=WEBRTC),
    "live.sessions.download_recording": lambda c: (
        c.live.sessions.download_recording(_live(c)).content
    ),
    # The controls answer 200 with no body (the SDK returns None).
    "live.sessions.accept": lambda c: c.live.sessions.with_raw_response.accept(
        _live(c), session=LIVE
    ),
    "live.sessions.hangup": lambda c: c.live.sessions.with_raw_response.hangup(_live(c)),
    "live.sessions.refer": lambda c: c.live.sessions.with_raw_response.refer(
        _live(c), target_uri="sip:agent@example.com"
    ),
    "live.sessions.reject": lambda c: c.live.sessions.with_raw_response.reject(
        _live(c), status_code=486
    ),
}


CALLS |= {
    "decisions.create": lambda c: c.decisions.create(
        model="gpt-6-luna",
        input="Where is my parcel?",
        questions=[{"type": "predicate", "instructions": "Is it a complaint?"}],
    ),
    # Raised by the API's safety systems; put in place through the server's control here.
    "safety.alerts.retrieve": lambda c: c.safety.alerts.retrieve(
        SERVER[0].control.add_safety_alert("resp_every")["id"]  # type: ignore[attr-defined]
    ),
    "safety.cases.retrieve": lambda c: c.safety.cases.retrieve(
        SERVER[0].control.add_safety_case("user_every")["id"]  # type: ignore[attr-defined]
    ),
}


_SESSIONS = "beta.agents.sessions"
_FUNCTION: Any = {
    "type": "function",
    "name": "get_time",
    "description": "The time",
    "parameters": {"type": "object", "properties": {}},
}


def _agent(client: openai.OpenAI) -> str:
    return client.beta.agents.create(model="gpt-5.5", name="every", tools=[_FUNCTION]).id


def _session(client: openai.OpenAI) -> str:
    """A session of an agent with one completed turn, in a hosted environment."""
    made = client.beta.agents.sessions.create(
        agent_id=_agent(client), environment={"type": "openai_hosted"}, input="Hi"
    )
    return made.id


def _turn(client: openai.OpenAI) -> tuple[str, str]:
    session_id = _session(client)
    return client.beta.agents.sessions.turns.list(session_id).data[0].id, session_id


def _artifact(client: openai.OpenAI) -> tuple[str, str]:
    session_id = _session(client)
    control = SERVER[0].control  # type: ignore[attr-defined]
    made = control.add_agent_artifact(session_id, "/mnt/data/out.txt", b"every")
    return made["id"], session_id


def _posted(client: openai.OpenAI) -> Any:
    session_id = _session(client)
    message: Any = {"type": "agent.session.input.message", "input": [_USER]}
    client.beta.agents.sessions.events.create(session_id, events=[message])
    return client.beta.agents.sessions.retrieve(session_id)


def _session_streamed(client: openai.OpenAI) -> Any:
    with client.beta.agents.sessions.stream(_session(client), input="Again") as stream:
        return stream.get_final_result()


def _first_event(client: openai.OpenAI) -> Any:
    with client.beta.agents.sessions.events.stream(_session(client)) as events:
        return next(iter(events))


def _for_result(client: openai.OpenAI) -> Any:
    session_id = _session(client)
    with client.beta.agents.sessions.stream(session_id, input="Write it") as stream:
        result = stream.get_final_result()
    control = SERVER[0].control  # type: ignore[attr-defined]
    control.add_agent_artifact(session_id, "/mnt/data/out.txt", b"every")
    return client.beta.agents.sessions.artifacts.for_result(result).content("/mnt/data/out.txt")


def _no_subagent(call: Callable[..., Any]) -> Any:
    try:
        call()
    except openai.NotFoundError as exc:
        return exc.body  # the mock's agents open no subagents: the 404 is the answer
    raise AssertionError("a subagent the mock never opened was found")


_USER: Any = {"role": "user", "content": [{"type": "input_text", "text": "More"}]}
_SUB = "sub_every"
CALLS |= {
    "beta.agents.create": _agent,
    "beta.agents.list": lambda c: c.beta.agents.list(),
    "beta.agents.retrieve": lambda c: c.beta.agents.retrieve(_agent(c)),
    "beta.agents.update": lambda c: c.beta.agents.update(_agent(c), name="renamed"),
    "beta.agents.delete": lambda c: c.beta.agents.delete(_agent(c)),
    f"{_SESSIONS}.create": _session,
    f"{_SESSIONS}.list": lambda c: c.beta.agents.sessions.list(),
    f"{_SESSIONS}.retrieve": lambda c: c.beta.agents.sessions.retrieve(_session(c)),
    f"{_SESSIONS}.update": lambda c: c.beta.agents.sessions.update(
        _session(c), metadata={"k": "v"}
    ),
    f"{_SESSIONS}.delete": lambda c: c.beta.agents.sessions.delete(_session(c)),
    f"{_SESSIONS}.stream": _session_streamed,
    f"{_SESSIONS}.events.create": _posted,
    f"{_SESSIONS}.events.stream": _first_event,
    f"{_SESSIONS}.items.list": lambda c: c.beta.agents.sessions.items.list(_session(c)),
    f"{_SESSIONS}.turns.list": lambda c: c.beta.agents.sessions.turns.list(_session(c)),
    f"{_SESSIONS}.turns.retrieve": lambda c: (
        lambda ids: c.beta.agents.sessions.turns.retrieve(ids[0], session_id=ids[1])
    )(_turn(c)),
    f"{_SESSIONS}.turns.items.list": lambda c: (
        lambda ids: c.beta.agents.sessions.turns.items.list(ids[0], session_id=ids[1])
    )(_turn(c)),
    f"{_SESSIONS}.subagents.list": lambda c: c.beta.agents.sessions.subagents.list(_session(c)),
    f"{_SESSIONS}.subagents.retrieve": lambda c: _no_subagent(
        lambda: c.beta.agents.sessions.subagents.retrieve(_SUB, session_id=_session(c))
    ),
    f"{_SESSIONS}.subagents.items.list": lambda c: _no_subagent(
        lambda: c.beta.agents.sessions.subagents.items.list(_SUB, session_id=_session(c))
    ),
    f"{_SESSIONS}.subagents.turns.list": lambda c: _no_subagent(
        lambda: c.beta.agents.sessions.subagents.turns.list(_SUB, session_id=_session(c))
    ),
    f"{_SESSIONS}.subagents.turns.retrieve": lambda c: _no_subagent(
        lambda: c.beta.agents.sessions.subagents.turns.retrieve(
            "turn_every", session_id=_session(c), subagent_id=_SUB
        )
    ),
    f"{_SESSIONS}.subagents.turns.items.list": lambda c: _no_subagent(
        lambda: c.beta.agents.sessions.subagents.turns.items.list(
            "turn_every", session_id=_session(c), subagent_id=_SUB
        )
    ),
    f"{_SESSIONS}.traces.list": lambda c: c.beta.agents.sessions.traces.list(_session(c)),
    f"{_SESSIONS}.artifacts.list": lambda c: c.beta.agents.sessions.artifacts.list(_session(c)),
    f"{_SESSIONS}.artifacts.retrieve": lambda c: (
        lambda ids: c.beta.agents.sessions.artifacts.retrieve(ids[0], session_id=ids[1])
    )(_artifact(c)),
    f"{_SESSIONS}.artifacts.content": lambda c: (
        lambda ids: c.beta.agents.sessions.artifacts.content(ids[0], session_id=ids[1])
    )(_artifact(c)),
    f"{_SESSIONS}.artifacts.delete": lambda c: (
        lambda ids: c.beta.agents.sessions.artifacts.delete(ids[0], session_id=ids[1])
    )(_artifact(c)),
    f"{_SESSIONS}.artifacts.for_result": _for_result,
}


_VAULTS, _AUTOMATIONS = "beta.agents.vaults", "beta.agents.automations"
_BEARER: Any = {"type": "static_bearer", "token": "every-t", "mcp_server_url": "https://m.x"}
_TARGET: Any = {
    "type": "new_session",
    "agent": {"model": "gpt-5.2"},
    "environment": {"type": "self_hosted", "workspace_directory": "/w"},
    "input": [],
}


def _vault(client: openai.OpenAI) -> str:
    return client.beta.agents.vaults.create(name="every").id


def _credential(client: openai.OpenAI) -> tuple[str, str]:
    vault_id = _vault(client)
    made = client.beta.agents.vaults.credentials.create(vault_id, name="c", auth=_BEARER)
    return made.id, vault_id


def _automation(client: openai.OpenAI) -> str:
    made = client.beta.agents.automations.create(
        type="periodic", name="every", expression="0 9 * * *", timezone="UTC", target=_TARGET
    )
    return made.id


def _invocation(client: openai.OpenAI) -> Any:
    automation_id = _automation(client)
    made = client.beta.agents.automations.invocations.create(automation_id)
    return client.beta.agents.automations.invocations.retrieve(made.id, automation_id=automation_id)


CALLS |= {
    f"{_VAULTS}.create": _vault,
    f"{_VAULTS}.list": lambda c: c.beta.agents.vaults.list(),
    f"{_VAULTS}.retrieve": lambda c: c.beta.agents.vaults.retrieve(_vault(c)),
    f"{_VAULTS}.update": lambda c: c.beta.agents.vaults.update(_vault(c), name="renamed"),
    f"{_VAULTS}.delete": lambda c: c.beta.agents.vaults.delete(_vault(c)),
    f"{_VAULTS}.credentials.create": _credential,
    f"{_VAULTS}.credentials.list": lambda c: c.beta.agents.vaults.credentials.list(_vault(c)),
    f"{_VAULTS}.credentials.retrieve": lambda c: (
        lambda ids: c.beta.agents.vaults.credentials.retrieve(ids[0], vault_id=ids[1])
    )(_credential(c)),
    f"{_VAULTS}.credentials.update": lambda c: (
        lambda ids: c.beta.agents.vaults.credentials.update(ids[0], vault_id=ids[1], metadata={})
    )(_credential(c)),
    f"{_VAULTS}.credentials.delete": lambda c: (
        lambda ids: c.beta.agents.vaults.credentials.delete(ids[0], vault_id=ids[1])
    )(_credential(c)),
    f"{_AUTOMATIONS}.create": _automation,
    f"{_AUTOMATIONS}.list": lambda c: c.beta.agents.automations.list(),
    f"{_AUTOMATIONS}.retrieve": lambda c: c.beta.agents.automations.retrieve(_automation(c)),
    f"{_AUTOMATIONS}.update": lambda c: c.beta.agents.automations.update(
        _automation(c), name="renamed"
    ),
    f"{_AUTOMATIONS}.delete": lambda c: c.beta.agents.automations.delete(_automation(c)),
    f"{_AUTOMATIONS}.pause": lambda c: c.beta.agents.automations.pause(_automation(c)),
    f"{_AUTOMATIONS}.resume": lambda c: c.beta.agents.automations.resume(_automation(c)),
    f"{_AUTOMATIONS}.invocations.create": _invocation,
    f"{_AUTOMATIONS}.invocations.list": lambda c: c.beta.agents.automations.invocations.list(
        _automation(c)
    ),
    f"{_AUTOMATIONS}.invocations.retrieve": _invocation,
}


def _agent_env(client: openai.OpenAI) -> str:
    return client.beta.agents.environments.create(environment={"type": "openai_hosted"}).id


def _agent_template(client: openai.OpenAI) -> str:
    return client.beta.agents.environments.templates.create(name="every").id


def _agent_local_file() -> str:
    """A file on disk for the SDK's prepare helpers (they read local paths)."""
    folder = tempfile.mkdtemp(prefix="mockapi-every-")
    with open(os.path.join(folder, "a.txt"), "wb") as out:
        out.write(b"every")
    return folder


_ENVS = "beta.agents.environments"
CALLS |= {
    f"{_ENVS}.create": _agent_env,
    f"{_ENVS}.list": lambda c: c.beta.agents.environments.list(),
    f"{_ENVS}.retrieve": lambda c: c.beta.agents.environments.retrieve(_agent_env(c)),
    f"{_ENVS}.files.create": lambda c: c.beta.agents.environments.files.create(
        _agent_env(c), type="inline", data="ZXZlcnk=", path="/workspace/a.txt"
    ),
    f"{_ENVS}.files.list": lambda c: c.beta.agents.environments.files.list(_agent_env(c)),
    f"{_ENVS}.files.upload": lambda c: c.beta.agents.environments.files.upload(
        _agent_env(c), file=("a.txt", b"every"), path="/workspace/a.txt"
    ),
    f"{_ENVS}.files.prepare": lambda c: c.beta.agents.environments.files.prepare(
        {"/workspace/a.txt": os.path.join(_agent_local_file(), "a.txt")}
    ),
    f"{_ENVS}.files.prepare_directory": lambda c: (
        c.beta.agents.environments.files.prepare_directory(
            _agent_local_file(), destination="/workspace/in", include=["*.txt"]
        )
    ),
    f"{_ENVS}.templates.create": _agent_template,
    f"{_ENVS}.templates.list": lambda c: c.beta.agents.environments.templates.list(),
    f"{_ENVS}.templates.retrieve": lambda c: c.beta.agents.environments.templates.retrieve(
        _agent_template(c)
    ),
    f"{_ENVS}.templates.update": lambda c: c.beta.agents.environments.templates.update(
        _agent_template(c), name="renamed"
    ),
    f"{_ENVS}.templates.delete": lambda c: c.beta.agents.environments.templates.delete(
        _agent_template(c)
    ),
}


def sdk_methods(client: openai.OpenAI, *, client_side: bool = False) -> set[str]:
    """Every public method of the RESOURCES, as ``resource.sub.method`` (the CLIENT_SIDE
    helpers only when asked for)."""

    def walk(obj: Any, prefix: str) -> Iterator[str]:
        for name in dir(obj):
            if name.startswith("_") or name in _SKIPPED:
                continue
            value = getattr(obj, name)
            if hasattr(value, "_client") and not callable(value):
                yield from walk(value, f"{prefix}{name}.")
            elif callable(value) and not isinstance(value, type):
                yield f"{prefix}{name}"

    found = {m for r in RESOURCES for m in walk(getattr(client, r), f"{r}.")}
    return found if client_side else found - set(CLIENT_SIDE)


def not_served(methods: set[str]) -> dict[str, str]:
    """NOT_SERVED, and each method of a PENDING family that has no CALLS row yet."""
    pending = {
        m: why
        for m in methods - set(CALLS)
        for prefix, why in PENDING.items()
        if m.startswith(prefix)
    }
    return pending | NOT_SERVED


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with running_server(on_miss=OnMiss.SYNTHESIZE) as started:
        SERVER[:] = [started]
        yield started


def test_the_list_is_every_method_of_the_installed_sdk(server: ServerThread) -> None:
    with openai.OpenAI(base_url=server.url + "/v1", api_key="k") as client:
        methods = sdk_methods(client)
    assert {"skills", "realtime", "beta", "webhooks"} <= set(RESOURCES), RESOURCES
    missing = methods - set(CALLS) - set(not_served(methods))
    assert missing == set(), "a method the mock is not tested on"
    assert set(CALLS) - methods == set(), "a method the SDK no longer has"
    assert set(NOT_SERVED) & set(CALLS) == set(), "a method both served and not"
    with openai.OpenAI(base_url=server.url + "/v1", api_key="k") as client:
        assert set(CLIENT_SIDE) <= sdk_methods(client, client_side=True), "stale CLIENT_SIDE"


@pytest.mark.parametrize("method", sorted(CALLS))
def test_every_method_answers(server: ServerThread, method: str) -> None:
    if method in LENIENT:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
    else:
        client = strict_client(server.url + "/v1")
    with client:
        answer = CALLS[method](client)
    assert answer is not None or method.endswith("responses.delete")
