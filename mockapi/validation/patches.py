"""Where the real API disagrees with the OpenAI spec: the corrections ``derive`` applies.

Each :class:`Patch` changes one component schema before it is converted, and carries
its evidence (a recorded exchange in ``../shared/real-traffic``, or the spec's own
example), which lands in the derived schema as its ``$comment``.
"""

from __future__ import annotations

from mockapi.validation import patches_stateful as stateful
from mockapi.validation.patch import MediaPatch, Patch

__all__ = ["MEDIA_PATCHES", "PATCHES", "MediaPatch", "Patch"]


# The legacy Completions logprobs object, inside CreateCompletionResponse.
_LEGACY_LOGPROBS: tuple[str | int, ...] = (
    "properties", "choices", "items", "properties", "logprobs", "anyOf", 0, "properties",
)  # fmt: skip

_ONE_OF_FIX = (
    "mockapi: the response is a oneOf of the json, verbose_json (and diarized_json) "
    "bodies, and this one (only `text` required, any other key allowed) also matched "
    "every verbose_json and diarized_json body, so none could validate; the API's json "
    "answers carry only the keys declared here (the spec's examples)"
)
_AUDIO_PATCHES: tuple[Patch, ...] = (
    Patch(
        "CreateTranscriptionResponseJson",
        (),
        set=(("additionalProperties", False),),
        why=_ONE_OF_FIX,
    ),
    Patch(
        "CreateTranslationResponseJson", (), set=(("additionalProperties", False),), why=_ONE_OF_FIX
    ),
    Patch(
        "VoiceResource",
        (),
        set=(
            (
                "properties",
                {
                    "object": {"type": "string", "enum": ["audio.voice"]},
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "created_at": {"type": "integer", "format": "unixtime"},
                    "type": {"type": "string", "enum": ["audio_sample", "prompt"]},
                    "prompt": {"type": "string"},
                },
            ),
        ),
        why="mockapi: the official SDK (openai-python 3.57, types/audio/voice.py) requires "
        "`type` ('audio_sample' or 'prompt') in a voice and reads `prompt`, which the spec "
        "does not declare (and its additionalProperties: false forbade)",
    ),
)

# The event types of the March 2025 Responses streams, which had no sequence_number.
_UNNUMBERED_EVENTS = (
    "ResponseCreatedEvent",
    "ResponseInProgressEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseTextDeltaEvent",
    "ResponseTextDoneEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseCompletedEvent",
)
_RESPONSES_PATCHES: tuple[Patch, ...] = (
    Patch(
        "ResponseUsage",
        ("properties", "input_tokens_details"),
        unrequire=("cache_write_tokens",),
        why="mockapi: no recorded Responses usage has input_tokens_details.cache_write_tokens "
        "(gpt-4o, gpt-4o-mini, gpt-5.5, 2025-03 to 2026-05: every recording)",
    ),
    Patch(
        "OutputTextContent",
        (),
        unrequire=("logprobs",),
        why="mockapi: output_text parts without `logprobs` (gpt-4o, 2025-03 "
        "test_openai_responses_stream and 2025-06 test_native_output)",
    ),
    *(
        Patch(
            name,
            (),
            unrequire=("sequence_number",),
            why="mockapi: the Responses stream events of March 2025 carry no "
            "`sequence_number` (gpt-4o, pydantic-ai test_openai_responses_stream)",
        )
        for name in _UNNUMBERED_EVENTS
    ),
    *(
        Patch(
            name,
            (),
            unrequire=("logprobs",),
            why="mockapi: output_text delta and done events without `logprobs` (gpt-4o, "
            "2025-03, pydantic-ai test_openai_responses_stream)",
        )
        for name in ("ResponseTextDeltaEvent", "ResponseTextDoneEvent")
    ),
    Patch(
        "ResponseFunctionCallArgumentsDoneEvent",
        (),
        unrequire=("name",),
        why="mockapi: `response.function_call_arguments.done` events without `name` "
        "(gpt-4o 2025-03, pydantic-ai test_openai_responses_stream; gpt-5.5 2026-05, "
        "simonw/llm test_responses_tool_use_streaming)",
    ),
)

_STORE_MESSAGE_ROLES = ["developer", "system", "user", "assistant", "tool", "function"]

_NAME_RULE = (("pattern", "^[a-zA-Z0-9_-]+$"), ("maxLength", 64))
_NAME_WHY = (
    "mockapi: the spec's description says 'Must be a-z, A-Z, 0-9, or contain underscores "
    "and dashes, with a maximum length of 64'; the API refuses other names with \"Invalid "
    "'tools[0].function.name': string does not match pattern. Expected a string that "
    "matches the pattern '^[a-zA-Z0-9_-]+$'.\" (invalid_value; quoted in public issues of "
    "llama_index, vercel/ai, dify)"
)
# Names the spec describes in words only: the rule as a schema, so they are refused as
# the API refuses them (an empty text.format name is refused, not echoed back).
_NAME_PATCHES: tuple[Patch, ...] = (
    Patch("FunctionObject", ("properties", "name"), set=_NAME_RULE, why=_NAME_WHY),
    Patch(
        "ResponseFormatJsonSchema",
        ("properties", "json_schema", "properties", "name"),
        set=_NAME_RULE,
        why=_NAME_WHY,
    ),
    Patch("TextResponseFormatJsonSchema", ("properties", "name"), set=_NAME_RULE, why=_NAME_WHY),
)

# Where the real API (../shared/real-traffic) disagrees with the spec. Requests: the spec
# must not reject what the API accepted. Responses: what the API sent must validate.
_BETA_REALTIME = (
    "mockapi: the beta Realtime API's session requests as the SDK sends them "
    "(openai 3.x beta.realtime.sessions/transcription_sessions.create: `model`, "
    "`input_audio_noise_reduction`, `modalities`, and `client_secret` as the secret's "
    "expiry); the spec's schema has the answer's `client_secret` (`value`, `expires_at`) "
    "in their place"
)
_SECRET_EXPIRY = {
    "type": "object",
    "properties": {
        "anchor": {"type": "string", "enum": ["created_at"]},
        "seconds": {"type": "integer", "minimum": 10, "maximum": 7200},
    },
}
_NOISE_REDUCTION = {
    "type": "object",
    "properties": {"type": {"$ref": "#/components/schemas/NoiseReductionType"}},
}
_MODALITIES = {"type": "array", "items": {"type": "string", "enum": ["text", "audio"]}}
_REALTIME_PATCHES: tuple[Patch, ...] = (
    Patch("RealtimeSessionCreateRequest", (), unrequire=("client_secret",), why=_BETA_REALTIME),
    Patch(
        "RealtimeSessionCreateRequest",
        ("properties", "client_secret"),
        set=(("properties", {"expires_after": {**_SECRET_EXPIRY, "required": ["anchor"]}}),),
        unrequire=("value", "expires_at"),
        why=_BETA_REALTIME,
    ),
    Patch(
        "RealtimeSessionCreateRequest",
        (),
        # An allOf branch declares the properties the spec leaves out.
        set=(
            (
                "allOf",
                [
                    {
                        "properties": {
                            "model": {"type": "string"},
                            "input_audio_noise_reduction": _NOISE_REDUCTION,
                        }
                    }
                ],
            ),
        ),
        why=_BETA_REALTIME,
    ),
    Patch(
        "RealtimeTranscriptionSessionCreateRequest",
        (),
        set=(
            (
                "allOf",
                [
                    {
                        "properties": {
                            "client_secret": {
                                "type": "object",
                                "properties": {"expires_at": _SECRET_EXPIRY},
                            },
                            "modalities": _MODALITIES,
                        }
                    }
                ],
            ),
        ),
        why=_BETA_REALTIME,
    ),
)

PATCHES: tuple[Patch, ...] = (
    Patch(
        "StopConfiguration",
        ("oneOf", 1),
        drop=("minItems",),
        why="mockapi: the API accepted `stop: []` (gpt-3.5-turbo, 2025-03), the spec says "
        "minItems 1",
    ),
    Patch(
        "CreateModelResponseProperties",
        ("allOf", 1, "properties", "top_logprobs"),
        set=(("nullable", True),),
        why="mockapi: CreateChatCompletionRequest and ModelResponseProperties allow "
        "`top_logprobs: null`; this allOf part alone did not, so null failed the whole",
    ),
    Patch(
        "CreateChatCompletionResponse",
        ("properties", "choices", "items"),
        unrequire=("logprobs",),
        why="mockapi: o3-mini answers (2025-06, 2026-06) have no choices[].logprobs key",
    ),
    Patch(
        "CreateChatCompletionResponse",
        ("properties", "system_fingerprint"),
        set=(("nullable", True),),
        why="mockapi: the API sends `system_fingerprint: null` for some models "
        "(gpt-3.5-turbo-0125, 2025-03)",
    ),
    Patch(
        "CreateChatCompletionStreamResponse",
        ("properties", "system_fingerprint"),
        set=(("nullable", True),),
        why="mockapi: gpt-3.5-turbo-0125 chunks carry `system_fingerprint: null` (2025-03)",
    ),
    Patch(
        "CreateCompletionResponse",
        ("properties", "choices", "items", "properties", "finish_reason"),
        set=(("nullable", True),),
        why="mockapi: stream chunks carry `finish_reason: null` until the last one, and the "
        "spec uses this schema for them (gpt-3.5-turbo-instruct, 2023-10, "
        "openai/openai-openapi#100)",
    ),
    Patch(
        "CreateCompletionResponse",
        (*_LEGACY_LOGPROBS, "token_logprobs", "items"),
        set=(("nullable", True),),
        why="mockapi: with `echo` the API sends `null` for the prompt's first token "
        "(text-davinci-003, 2023-11, vllm-project/vllm#1504; lm-eval relies on it)",
    ),
    Patch(
        "CreateCompletionResponse",
        (*_LEGACY_LOGPROBS, "top_logprobs", "items"),
        set=(("nullable", True),),
        why="mockapi: with `echo` the API sends `null` top_logprobs for the prompt's "
        "first token (text-davinci-003, 2023-11, vllm-project/vllm#1504)",
    ),
    Patch(
        "FunctionTool",
        (),
        unrequire=("strict",),
        why="mockapi: the API accepted Responses function tools without `strict` "
        "(gpt-5.5, 2026-05, simonw/llm test_responses_tool_use_streaming)",
    ),
    Patch(
        "FunctionToolCall",
        ("properties", "status"),
        set=(("nullable", True),),
        why="mockapi: the API accepted a `function_call` input item with `status: null` "
        "(gpt-4o, 2025-10, pydantic-ai simple_response_with_tool_call)",
    ),
    Patch(
        "ModelResponseProperties",
        ("properties", "user"),
        set=(("nullable", True),),
        why="mockapi: every recorded Responses API answer carries `user: null` (gpt-4o, "
        "gpt-4o-mini, gpt-5.5, 2025-03 to 2026-05)",
    ),
    Patch(
        "Response",
        ("allOf", 2, "properties", "usage"),
        set=(("nullable", True),),
        why="mockapi: `response.created` and `response.in_progress` events carry "
        "`usage: null` (gpt-4o 2025-03, gpt-5.5 2026-05 streams)",
    ),
    Patch(
        "TextResponseFormatJsonSchema",
        ("properties", "description"),
        set=(("nullable", True),),
        why="mockapi: the API echoes a `json_schema` text format with `description: null` "
        "(gpt-4o, 2025-06, pydantic-ai test_native_output)",
    ),
    Patch(
        "InputItem",
        (),
        drop=("oneOf", "discriminator"),
        set=(
            (
                "anyOf",
                [
                    {"$ref": f"#/components/schemas/{name}"}
                    for name in (
                        "EasyInputMessage",
                        "Item",
                        "CompactionTriggerItemParam",
                        "ItemReferenceParam",
                        "ProgramItemParam",
                        "ProgramOutputItemParam",
                    )
                ],
            ),
        ),
        why="mockapi: a message item without `type`, such as `{role: user, content: "
        "[{type: input_text, ...}]}` (the spec's own input_image example, and what the SDK "
        "documents), is both an EasyInputMessage and an InputMessage, so `oneOf` rejected "
        "it; the API accepts it",
    ),
    Patch(
        "Embedding",
        ("properties", "embedding"),
        set=(
            (
                "anyOf",
                [
                    {"type": "array", "items": {"type": "number", "format": "float"}},
                    {"type": "string", "contentEncoding": "base64"},
                ],
            ),
        ),
        drop=("type", "items"),
        why="mockapi: with `encoding_format: base64` the API sends each vector as a base64 "
        "string of float32 values (text-embedding-3-small, 2025-12, pydantic-ai "
        "TestOpenAI.test_query)",
    ),
    Patch(
        "CreateModerationResponse",
        ("properties", "results", "items"),
        unrequire=("category_applied_input_types",),
        why="mockapi: text-moderation-007 results have no category_applied_input_types "
        "(2025-08, ruby-openai moderations_have_a_great_day_; the spec's own example)",
    ),
    Patch(
        "CreateModerationResponse",
        ("properties", "results", "items", "properties", "categories"),
        unrequire=("illicit", "illicit/violent"),
        why="mockapi: text-moderation-007 categories have no illicit, illicit/violent "
        "(2025-08, ruby-openai moderations_have_a_great_day_; the spec's own example)",
    ),
    Patch(
        "CreateModerationResponse",
        ("properties", "results", "items", "properties", "category_scores"),
        unrequire=("illicit", "illicit/violent"),
        why="mockapi: text-moderation-007 category_scores have no illicit, illicit/violent "
        "(2025-08, ruby-openai moderations_have_a_great_day_; the spec's own example)",
    ),
    *_AUDIO_PATCHES,
    *_RESPONSES_PATCHES,
    *stateful.CURSOR_PATCHES,
    *_NAME_PATCHES,
    *stateful.FILE_PATCHES,
    *stateful.BATCH_PATCHES,
    Patch(
        "UpdateVectorStoreRequest",
        ("properties", "expires_after"),
        set=(
            (
                "anyOf",
                [{"$ref": "#/components/schemas/VectorStoreExpirationAfter"}, {"type": "null"}],
            ),
        ),
        drop=("allOf",),
        why="mockapi: `expires_after: null` clears a store's expiry (the spec's allOf of the "
        "policy and a nullable schema refuses null; the SDK's update takes Optional)",
    ),
    *stateful.CONTAINER_PATCHES,
    Patch(
        "ChatCompletionMessageList",
        ("properties", "data", "items", "allOf", 0),
        drop=("$ref",),
        set=(
            ("type", "object"),
            ("required", ["role"]),
            (
                "properties",
                {
                    "role": {"type": "string", "enum": _STORE_MESSAGE_ROLES},
                    "content": {"type": "string", "nullable": True},
                    "name": {"type": "string", "nullable": True},
                },
            ),
        ),
        why="mockapi: messages.list lists the stored request's messages with their own "
        "roles and no `refusal` (the spec's own example for GET "
        "/chat/completions/{completion_id}/messages: role user, content, name, content_parts)",
    ),
    Patch(
        "GraderMulti",
        ("properties", "graders"),
        drop=("oneOf",),
        set=(
            ("type", "object"),
            ("minProperties", 1),
            (
                "additionalProperties",
                {
                    "oneOf": [
                        {"$ref": f"#/components/schemas/{name}"}
                        for name in (
                            "GraderStringCheck",
                            "GraderTextSimilarity",
                            "GraderPython",
                            "GraderScoreModel",
                            "GraderLabelModel",
                        )
                    ]
                },
            ),
        ),
        why="mockapi: a multi grader's `graders` is an object of graders by name, the names "
        "its `calculate_output` reads (the graders guide's multigrader and tool-call "
        'examples: `"graders": {"name": {...}, "email": {...}}`, `(name + email) / 2`); '
        "the spec (and the SDK) type it as one grader",
    ),
    *stateful.FINE_TUNING_JOB_PATCHES,
    *_REALTIME_PATCHES,
    *stateful.EVAL_PATCHES,
    *stateful.VIDEO_PATCHES,
)

_RUN_STREAM = (
    "mockapi: with `stream: true` the answer is the run's event stream, each event "
    "`{event, data}` (the spec's own `stream` field: 'returns a stream of events that "
    "happen during the Run as server-sent events, terminating when the Run enters a "
    "terminal state with a `data: [DONE]` message'; the SDK parses it as "
    "Stream[AssistantStreamEvent]); the spec's 200 lists only JSON"
)

# Operations whose answers the spec under-declares (see MediaPatch).
MEDIA_PATCHES: tuple[MediaPatch, ...] = (
    *(
        MediaPatch("POST", path, "stream_event", "AssistantStreamEvent", why=_RUN_STREAM)
        for path in (
            "/threads/runs",
            "/threads/{thread_id}/runs",
            "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
        )
    ),
    MediaPatch(
        "GET",
        "/responses/{response_id}",
        "stream_event",
        "ResponseStreamEvent",
        why="mockapi: with `?stream=true` the answer is the response's event stream (the "
        "spec's own `stream` query parameter: 'the model response data will be streamed "
        "to the client ... using server-sent events'; the SDK's responses.retrieve(..., "
        "stream=True) returns Stream[ResponseStreamEvent]); the spec's 200 lists only JSON",
    ),
)
