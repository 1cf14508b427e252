"""Voice consents (``/v1/audio/voice_consents``) and custom voices (``/v1/audio/voices``).

Creating one (a form upload whose recording or sample must be audio) is synthesized
and remembered, whoever answered it (a fixture too), so that list, retrieve, update
and delete find it. Those reads are lookups: they answer from what the server keeps
whatever ``on_miss`` says. An id the server never created is the API's 404 with
``--on-miss error``; when the server synthesizes it is a well-formed object with that
id (the same for the same id), so tests may use fixed ids. A deleted object is a 404 in
both modes until the server is reset.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from mockapi.endpoints.audio.files import audio_upload
from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.errors import APIError
from mockapi.library.fixture import FixtureResponse
from mockapi.model import Response
from mockapi.state.objects import paginate

CONSENTS = "audio.voice_consents"
CONSENTS_DELETED = "audio.voice_consents.deleted"
VOICES = "audio.voices"
VOICES_DELETED = "audio.voices.deleted"


def _created_at(object_id: str) -> int:
    """A plausible, fixed creation time for an id the server never created."""
    digest = hashlib.sha256(object_id.encode()).hexdigest()
    return 1_730_000_000 + int(digest[:8], 16) % 20_000_000


# -- voice consents --------------------------------------------------------------------


def consent(consent_id: str, name: str, language: str, created_at: int) -> dict[str, Any]:
    """A voice consent object as the API returns it."""
    return {
        "object": "audio.voice_consent",
        "id": consent_id,
        "name": name,
        "language": language,
        "created_at": created_at,
    }


def create_consent(ctx: Context) -> FixtureResponse:
    audio_upload(ctx, "recording")
    made = consent(
        "cons_" + secrets.token_hex(12),
        str(ctx.body.get("name", "")),
        str(ctx.body.get("language", "")),
        int(time.time()),
    )
    return FixtureResponse(body=made)


def remember_consent(ctx: Context, response: Response) -> None:
    body = response.body
    if isinstance(body, dict) and isinstance(body.get("id"), str):
        ctx.state.put(CONSENTS, body["id"], body)


def list_consents(ctx: Context) -> FixtureResponse:
    query = dict(ctx.request.query)
    return FixtureResponse(body=paginate(ctx.state.values(CONSENTS), query))


def _held_consent(ctx: Context) -> dict[str, Any]:
    consent_id = ctx.params["consent_id"]
    kept = ctx.state.get(CONSENTS, consent_id)
    if isinstance(kept, dict):
        return kept
    if ctx.synthesize and ctx.state.get(CONSENTS_DELETED, consent_id) is None:
        return consent(consent_id, "Consent " + consent_id, "en-US", _created_at(consent_id))
    raise _not_found("voice consent", consent_id, "consent_id")


def retrieve_consent(ctx: Context) -> FixtureResponse:
    return FixtureResponse(body=_held_consent(ctx))


def update_consent(ctx: Context) -> FixtureResponse:
    held = _held_consent(ctx)
    name = ctx.body.get("name")
    if isinstance(name, str):
        held["name"] = name
    ctx.state.put(CONSENTS, held["id"], held)
    return FixtureResponse(body=held)


def delete_consent(ctx: Context) -> FixtureResponse:
    held = _held_consent(ctx)
    ctx.state.delete(CONSENTS, held["id"])
    ctx.state.put(CONSENTS_DELETED, held["id"], True)
    return FixtureResponse(
        body={"id": held["id"], "object": "audio.voice_consent", "deleted": True}
    )


# -- voices ----------------------------------------------------------------------------


def create_voice(ctx: Context) -> FixtureResponse:
    audio_upload(ctx, "audio_sample")
    made = {
        "object": "audio.voice",
        "id": "voice_" + secrets.token_hex(12),
        "name": str(ctx.body.get("name", "")),
        "created_at": int(time.time()),
        "type": "audio_sample",
    }
    return FixtureResponse(body=made)


def remember_voice(ctx: Context, response: Response) -> None:
    body = response.body
    if isinstance(body, dict) and isinstance(body.get("id"), str):
        ctx.state.put(VOICES, body["id"], body)


def delete_voice(ctx: Context) -> FixtureResponse:
    voice_id = ctx.params["voice_id"]
    known = ctx.state.delete(VOICES, voice_id)
    gone = ctx.state.get(VOICES_DELETED, voice_id) is not None
    if not known and (gone or not ctx.synthesize):
        raise _not_found("voice", voice_id, "voice_id")
    ctx.state.put(VOICES_DELETED, voice_id, True)
    return FixtureResponse(body={"id": voice_id, "object": "audio.voice.deleted", "deleted": True})


def _not_found(kind: str, object_id: str, param: str) -> APIError:
    return APIError(
        404,
        f"No {kind} found with id '{object_id}'. (mockapi: it was never created on this "
        "server, or was deleted; create it first, or start the server with --on-miss "
        "synthesize to answer any id.)",
        param=param,
        code="not_found",
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/v1/audio/voice_consents",
        body=Body.FORM,
        synthesize=create_consent,
        remember=remember_consent,
    ),
    Endpoint("GET", "/v1/audio/voice_consents", lookup=list_consents),
    Endpoint("GET", "/v1/audio/voice_consents/{consent_id}", lookup=retrieve_consent),
    Endpoint(
        "POST", "/v1/audio/voice_consents/{consent_id}", body=Body.JSON, lookup=update_consent
    ),
    Endpoint("DELETE", "/v1/audio/voice_consents/{consent_id}", lookup=delete_consent),
    Endpoint(
        "POST", "/v1/audio/voices", body=Body.FORM, synthesize=create_voice, remember=remember_voice
    ),
    Endpoint("DELETE", "/v1/audio/voices/{voice_id}", lookup=delete_voice),
)
