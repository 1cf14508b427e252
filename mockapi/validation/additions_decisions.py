"""The Decisions operation the spec lacks, for :func:`mockapi.validation.additions.extend`.

``client.decisions.create`` (openai 3.63) posts ``/decisions``: an input, a model and
1 to 400 predicate, choice or score questions; the answer holds one answer per
question and the usage. Written from the SDK's types (``types/decision*.py``); the
input's messages and the questions' instruction parts are taken as the SDK's unions
(strings or arrays of objects).
"""

from __future__ import annotations

from typing import Any

from mockapi.validation.additions import INT, STR, Operation, enum, nullable, obj

WHY = (
    "mockapi: not in the OpenAI spec; written from the official SDK's types "
    "(openai-python 3.63, client.decisions: types/decision.py, decision_create_params.py)"
)
NUM: dict[str, Any] = {"type": "number"}
_VALUE: dict[str, Any] = {"type": ["string", "boolean"]}
_TEXT_OR_PARTS: dict[str, Any] = {"anyOf": [STR, {"type": "array", "items": {"type": "object"}}]}
_QUESTION = {
    "type": "object",
    "properties": {
        "type": enum("predicate", "choice", "score"),
        "name": STR,
        "instructions": _TEXT_OR_PARTS,
        "choices": {"type": "array", "items": obj(("value",), value=_VALUE, description=STR)},
        "levels": {"type": "array", "items": obj(("label",), label=STR, description=STR)},
    },
    "required": ["type", "instructions"],
}
_ANSWER = {
    "oneOf": [
        obj(("type", "probability"), type=enum("predicate"), name=nullable(STR), probability=NUM),
        obj(
            ("type", "choice", "confidence", "probabilities"),
            type=enum("choice"),
            name=nullable(STR),
            choice=_VALUE,
            confidence=NUM,
            probabilities={
                "type": "array",
                "items": obj(("value", "probability"), value=_VALUE, probability=NUM),
            },
        ),
        obj(
            ("type", "score", "confidence", "probabilities"),
            type=enum("score"),
            name=nullable(STR),
            score=NUM,
            confidence=NUM,
            probabilities={
                "type": "array",
                "items": obj(
                    ("label", "value", "probability"), label=STR, value=INT, probability=NUM
                ),
            },
        ),
        obj(("type",), type=enum("refusal"), name=nullable(STR)),
    ]
}
COMPONENTS: dict[str, Any] = {
    "DecisionCreateRequest": {
        **obj(
            ("input", "model", "questions"),
            input=_TEXT_OR_PARTS,
            model=STR,
            questions={"type": "array", "items": _QUESTION, "minItems": 1, "maxItems": 400},
            prompt_cache_key=nullable(STR),
            prompt_cache_options=nullable({"type": "object"}),
            safety_identifier=nullable(STR),
        ),
        "additionalProperties": False,
    },
    "Decision": obj(
        ("answers", "model", "usage"),
        answers={"type": "array", "items": _ANSWER},
        model=STR,
        usage=obj(
            ("input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details"),
            input_tokens=INT,
            input_tokens_details=obj(
                ("cached_tokens", "cache_write_tokens"), cached_tokens=INT, cache_write_tokens=INT
            ),
            output_tokens=INT,
            output_tokens_details=obj(("reasoning_tokens",), reasoning_tokens=INT),
            total_tokens=INT,
        ),
    ),
}
OPERATIONS: tuple[Operation, ...] = (
    Operation("POST", "/decisions", WHY, request="DecisionCreateRequest", response="Decision"),
)
TARGETS = (("POST", "/decisions", "decisions.create"),)
"""The derive rows (method, path, stem) of these operations."""
