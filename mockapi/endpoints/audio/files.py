"""The audio file of an upload (transcriptions, translations, voice consents, voices)."""

from __future__ import annotations

from mockapi.endpoints.audio import codec as audio_codec
from mockapi.endpoints.endpoint import Context
from mockapi.errors import APIError
from mockapi.model import FilePart


def audio_upload(ctx: Context, field: str) -> FilePart:
    """The uploaded file ``field``, checked to be audio by its magic bytes (WAV, FLAC,
    MP3, Ogg, WebM, MP4/M4A); anything else is the API's 400 ``Invalid file format``."""
    upload = next((f for f in ctx.request.files if f.name == field), None)
    if upload is None:
        raise APIError(
            400,
            f"Missing required parameter: '{field}'. Upload the audio as a file part named "
            f"'{field}'.",
            param=field,
            code="missing_required_parameter",
        )
    if audio_codec.inspect(upload.data) is None:
        raise APIError(
            400,
            f"Invalid file format. Supported formats: {list(audio_codec.SUPPORTED_UPLOADS)}",
        )
    return upload
