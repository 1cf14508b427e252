"""The spec's corrections for the stateful families (files, batches, containers,
fine-tuning jobs, evals, videos) and the empty-page cursors every list shares; collected
into ``PATCHES`` by :mod:`mockapi.validation.patches`."""

from __future__ import annotations

from mockapi.validation.patch import Patch

# An empty page has no first or last item, so its cursors are null.
EMPTY_PAGE = (
    "mockapi: an empty page has no first or last item and the API sends `{id}: null` "
    "(the spec's newer lists declare it so, required and nullable: VideoListResource, "
    "SkillListResource, ThreadItemListResource; the SDK's ConversationCursorPage reads "
    "an Optional last_id and stops paging on null)"
)
CURSOR_PATCHES: tuple[Patch, ...] = tuple(
    Patch(
        component,
        ("properties", cursor),
        set=(("nullable", True),),
        why=EMPTY_PAGE.format(id=cursor),
    )
    for component in (
        "ChatCompletionList",
        "ChatCompletionMessageList",
        "ResponseItemList",
        "ConversationItemList",
        "ListFilesResponse",
        "ListVectorStoresResponse",
        "ListVectorStoreFilesResponse",
        "ContainerListResource",
        "ContainerFileListResource",
        "ListAssistantsResponse",
        "ListMessagesResponse",
        "ListRunsResponse",
        "ListRunStepsResponse",
        "EvalList",
        "EvalRunList",
        "EvalRunOutputItemList",
    )
    for cursor in ("first_id", "last_id")
)


_FILE_PURPOSES = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]
FILE_PATCHES: tuple[Patch, ...] = (
    Patch(
        "OpenAIFile",
        ("properties", "expires_at"),
        set=(("nullable", True),),
        why="mockapi: a file that never expires (any purpose but batch, without "
        "expires_after) has `expires_at: null`; the SDK's FileObject reads Optional[int]",
    ),
    Patch(
        "OpenAIFile",
        ("properties", "status_details"),
        set=(("nullable", True),),
        why="mockapi: the API sends `status_details: null` on a processed file (upload "
        "answer quoted in BerriAI/litellm#37527, 2026)",
    ),
    Patch(
        "OpenAIFile",
        ("properties", "purpose"),
        set=(
            (
                "enum",
                [
                    "assistants",
                    "assistants_output",
                    "batch",
                    "batch_output",
                    "fine-tune",
                    "fine-tune-results",
                    "vision",
                    "user_data",
                    "evals",
                ],
            ),
        ),
        why="mockapi: a file keeps the purpose it was uploaded with, and CreateFileRequest "
        "accepts `evals`, which this older enum does not list",
    ),
    Patch(
        "CreateUploadRequest",
        ("properties", "purpose"),
        set=(("enum", _FILE_PURPOSES),),
        why="mockapi: an Upload takes the purposes a File does (the SDK's "
        "uploads.create types `purpose` as FilePurpose, `user_data` and `evals` included)",
    ),
)

_BATCH_NULLS = (
    "errors",
    "output_file_id",
    "error_file_id",
    "in_progress_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
)
BATCH_PATCHES: tuple[Patch, ...] = (
    *(
        Patch(
            "Batch",
            ("properties", name),
            set=(("nullable", True),),
            why="mockapi: the API sends null until the batch gets there (the spec's own "
            "create and cancel examples: `errors: null`, `output_file_id: null`, "
            "`completed_at: null`, ...); the SDK's Batch reads them as Optional",
        )
        for name in _BATCH_NULLS
    ),
    *(
        Patch(
            "ListBatchesResponse",
            ("properties", cursor),
            set=(("nullable", True),),
            why=EMPTY_PAGE.format(id=cursor),
        )
        for cursor in ("first_id", "last_id")
    ),
)

CONTAINER_PATCHES: tuple[Patch, ...] = (
    Patch(
        "ContainerResource",
        (),
        set=(("required", ["id", "object", "name", "created_at", "status"]),),
        why="mockapi: the spec lists id, name, created_at and status twice in `required`, "
        "which JSON Schema forbids (the names must be unique)",
    ),
)

FINE_TUNING_JOB_PATCHES: tuple[Patch, ...] = (
    Patch(
        "FineTuningJob",
        ("properties", "status"),
        set=(
            (
                "enum",
                [
                    *("validating_files", "queued", "running", "pausing", "paused"),
                    *("succeeded", "failed", "cancelled"),
                ],
            ),
        ),
        why="mockapi: a paused job's status is `paused` (the API reference's job object "
        "lists validating_files, queued, running, pausing, paused, succeeded, failed, "
        "cancelled since POST /fine_tuning/jobs/{id}/pause exists); the spec's enum predates it",
    ),
    Patch(
        "FineTuningJob",
        ("properties", "hyperparameters"),
        set=(("nullable", True),),
        why="mockapi: DPO and reinforcement jobs carry `hyperparameters: null` (real DPO "
        "jobs listed by the SDK, 2024-12; the spec: 'only returned when running supervised "
        "jobs'), their hyperparameters being in `method`",
    ),
)

_EVAL_CHAT_MESSAGE = {
    "type": "object",
    "properties": {"role": {"type": "string"}, "content": {"type": "string"}},
    "required": ["role", "content"],
}
_EVAL_OVERLAP = (
    "mockapi: a oneOf whose branches overlap made anyOf: `{role, content: str}` is both "
    "a simple message and an EvalItem (its content an EvalItemContentText string), so no "
    "such message could validate; the API takes it (the spec's own createEval and "
    "createEvalRun examples send exactly that)"
)
_EVAL_NULL = (
    "mockapi: the API sends null here (the spec's own examples for the eval run objects: "
    "`error: null`, and `per_model_usage`, `per_testing_criteria_results` and "
    "`sampling_params` null on a queued run; recorded runs, 2025-05, the same)"
)
_EVAL_TEMPLATE: tuple[str | int, ...] = (
    "properties", "input_messages", "oneOf", 0, "properties", "template", "items",
)  # fmt: skip
EVAL_PATCHES: tuple[Patch, ...] = (
    Patch(
        "CreateEvalItem",
        (),
        drop=("oneOf",),
        set=(("anyOf", [_EVAL_CHAT_MESSAGE, {"$ref": "#/components/schemas/EvalItem"}]),),
        why=_EVAL_OVERLAP,
    ),
    Patch(
        "CreateEvalCompletionsRunDataSource",
        _EVAL_TEMPLATE,
        drop=("oneOf",),
        set=(
            (
                "anyOf",
                [
                    {"$ref": "#/components/schemas/EasyInputMessage"},
                    {"$ref": "#/components/schemas/EvalItem"},
                ],
            ),
        ),
        why=_EVAL_OVERLAP,
    ),
    Patch(
        "CreateEvalResponsesRunDataSource",
        _EVAL_TEMPLATE,
        drop=("oneOf",),
        set=(("anyOf", [_EVAL_CHAT_MESSAGE, {"$ref": "#/components/schemas/EvalItem"}]),),
        why=_EVAL_OVERLAP,
    ),
    *(
        Patch(
            component, ("properties", "sampling_params"), set=(("nullable", True),), why=_EVAL_NULL
        )
        for component in ("CreateEvalCompletionsRunDataSource", "CreateEvalResponsesRunDataSource")
    ),
    *(
        Patch("EvalRun", ("properties", name), set=(("nullable", True),), why=_EVAL_NULL)
        for name in ("error", "per_model_usage", "per_testing_criteria_results")
    ),
    Patch(
        "EvalRunOutputItem",
        ("properties", "sample", "properties", "error"),
        set=(("nullable", True),),
        why="mockapi: a sample without an error says `error: null` (the spec's own examples "
        "for the output item objects)",
    ),
)


VIDEO_PATCHES: tuple[Patch, ...] = (
    Patch(
        "VideoSeconds",
        (),
        set=(("enum", ["4", "8", "12", "16", "20"]),),
        why="mockapi: the video generation guide says sora-2 and sora-2-pro both generate 16 "
        "and 20 second videos, and the spec's own extension `seconds` says 'allowed values: "
        "4, 8, 12, 16, 20'; the enum lists 4, 8 and 12 only",
    ),
)
