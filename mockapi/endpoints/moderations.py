"""Moderations: ``POST /v1/moderations``, with a flagging rule tests can trigger on purpose.

**Models.** ``omni-moderation-latest`` and ``omni-moderation-2024-09-26`` answer
under their own name, with all 13 categories and ``category_applied_input_types``.
``text-moderation-latest`` and ``-stable``, and a request without ``model``, answer as
``text-moderation-007`` did in the recorded traffic (and the spec's own example): 11
categories (no ``illicit``, ``illicit/violent``) and no applied input types. Other
``text-moderation-*`` names answer under their own name; any other model is the real
404 ``model_not_found``. Text models take text only (an image part is a 400).

**Results.** One per input: a string, each string of a list, or one for a whole list
of ``text`` / ``image_url`` parts (texts joined by newlines).

**The rule.** A category is flagged when its trigger word appears in the text
(case-insensitive, as a whole word: no letter or digit right before or after it,
though ``s``, ``es``, ``ed``, ``d``, ``ing``, ``er`` or ``ers`` may follow: ``kill``,
``kills``, ``killed``, ``killing``, ``idiot-kill.png``; not ``skill``). Flagging a
sub-category flags its parent too (``violence/graphic`` flags ``violence``):

=========================  ======================================
category                   trigger words
=========================  ======================================
``harassment``             ``idiot``, ``moron``
``harassment/threatening`` ``threaten``
``hate``                   ``bigot``, ``hateful``
``hate/threatening``       ``exterminate``
``illicit``                ``shoplift``, ``counterfeit``
``illicit/violent``        ``bomb``, ``firearm``
``self-harm``              ``self-harm``, ``suicide``
``self-harm/intent``       ``suicidal``
``self-harm/instructions`` ``overdose``
``sexual``                 ``explicit``, ``nsfw``
``sexual/minors``          ``underage``
``violence``               ``kill``, ``murder``
``violence/graphic``       ``gore``, ``gruesome``
=========================  ======================================

An ``image_url`` part flags the image categories (``sexual``, ``self-harm`` and its
sub-categories, ``violence`` and ``violence/graphic``) whose trigger is in its URL
(``https://example.com/gore.png``); ``data:`` URLs are never flagged. A flagged
category scores 0.90-0.99 (a parent flagged through its sub-category 0.75-0.89),
the others 1e-8-1e-3, each derived from a hash of the model, the category and the
input: the same input always gets the same scores. ``flagged`` is true when any
category is.

**Fixtures** (:class:`ModerationShape`): a hand-written body may leave out ``id``,
``model``, ``results`` (then computed by the rule) or parts of a result: missing
categories are false (true when their given score is over 0.5), missing scores
follow the categories, ``flagged`` is any category, and omni models get
``category_applied_input_types``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.endpoint import Body, Context, Endpoint
from mockapi.endpoints.plain_shape import PlainShape
from mockapi.errors import APIError, model_not_found
from mockapi.library.fixture import FixtureResponse
from mockapi.model import JSON

TEXT_MODEL = "text-moderation-007"
"""What ``text-moderation-latest``, ``-stable`` and a request without ``model`` answer as."""

OMNI_CATEGORIES = (
    "harassment", "harassment/threatening", "sexual", "hate", "hate/threatening",
    "illicit", "illicit/violent", "self-harm/intent", "self-harm/instructions",
    "self-harm", "sexual/minors", "violence", "violence/graphic",
)  # fmt: skip
"""In the order the omni models send them."""
TEXT_CATEGORIES = (
    "sexual", "hate", "harassment", "self-harm", "sexual/minors", "hate/threatening",
    "violence/graphic", "self-harm/intent", "self-harm/instructions",
    "harassment/threatening", "violence",
)  # fmt: skip
"""In the order ``text-moderation-007`` sends them (no ``illicit``)."""
IMAGE_CATEGORIES = frozenset(
    {"sexual", "self-harm", "self-harm/intent", "self-harm/instructions", "violence"}
    | {"violence/graphic"}
)
"""The categories omni models also score images for."""

TRIGGERS: Mapping[str, tuple[str, ...]] = {
    "harassment": ("idiot", "moron"),
    "harassment/threatening": ("threaten",),
    "hate": ("bigot", "hateful"),
    "hate/threatening": ("exterminate",),
    "illicit": ("shoplift", "counterfeit"),
    "illicit/violent": ("bomb", "firearm"),
    "self-harm": ("self-harm", "suicide"),
    "self-harm/intent": ("suicidal",),
    "self-harm/instructions": ("overdose",),
    "sexual": ("explicit", "nsfw"),
    "sexual/minors": ("underage",),
    "violence": ("kill", "murder"),
    "violence/graphic": ("gore", "gruesome"),
}
_PATTERNS = {
    category: re.compile(
        r"(?<![^\W_])(?:"  # not inside a word: letters and digits on neither side
        + "|".join(map(re.escape, words))
        + r")(?:s|es|ed|d|ing|er|ers)?(?![^\W_])"
    )
    for category, words in TRIGGERS.items()
}
_ID_CHARS = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Input:
    """One thing to moderate: its text and the URLs of its images."""

    text: str
    images: tuple[str, ...] = ()


def response_model(requested: Any) -> str:
    """The model a moderation answers as, or the real 404 for one that does not moderate."""
    if requested is None or requested in ("text-moderation-latest", "text-moderation-stable"):
        return TEXT_MODEL
    name = str(requested)
    if name.startswith(("omni-moderation-", "text-moderation-")):
        return name
    raise model_not_found(name)


def is_omni(model: str) -> bool:
    """Whether ``model`` is an omni model (13 categories, applied input types, images)."""
    return model.startswith("omni-moderation")


def inputs(value: Any) -> list[Input]:
    """The request's ``input`` as what each result moderates."""
    if isinstance(value, str):
        return [Input(value)]
    if not isinstance(value, list):
        return []
    if all(isinstance(item, str) for item in value):
        return [Input(item) for item in value]
    texts: list[str] = []
    images: list[str] = []
    for part in value:
        if isinstance(part, dict) and part.get("type") == "text":
            texts.append(str(part.get("text", "")))
        elif isinstance(part, dict) and part.get("type") == "image_url":
            url = part.get("image_url")
            images.append(str(url.get("url", "")) if isinstance(url, dict) else "")
    return [Input("\n".join(texts), tuple(images))]


def triggered(text: str) -> set[str]:
    """The categories whose trigger word is in ``text`` (sub-categories only, no parents)."""
    lowered = text.lower()
    return {category for category, pattern in _PATTERNS.items() if pattern.search(lowered)}


def moderate(item: Input, model: str) -> dict[str, Any]:
    """One result for ``item`` by the rule in the module docstring."""
    omni = is_omni(model)
    categories = OMNI_CATEGORIES if omni else TEXT_CATEGORIES
    direct = triggered(item.text)
    for url in item.images:
        if not url.startswith("data:"):
            direct |= triggered(url) & IMAGE_CATEGORIES
    implied = {category.split("/")[0] for category in direct if "/" in category} - direct
    seed = f"{model}\0{item.text}\0{chr(0).join(item.images)}"
    scores = {}
    for category in categories:
        unit = _unit(seed, category)
        if category in direct:
            scores[category] = 0.90 + 0.09 * unit
        elif category in implied:
            scores[category] = 0.75 + 0.14 * unit
        else:
            scores[category] = 10 ** -(3 + 5 * unit)
    flags = {category: scores[category] > 0.5 for category in categories}
    result: dict[str, Any] = {
        "flagged": any(flags.values()),
        "categories": flags,
        "category_scores": scores,
    }
    if omni:
        result["category_applied_input_types"] = applied_types(item)
    return result


def applied_types(item: Input) -> dict[str, list[str]]:
    """Which input types each omni category's score is for."""
    has_text = bool(item.text) or not item.images
    types: dict[str, list[str]] = {}
    for category in OMNI_CATEGORIES:
        kinds = ["text"] if has_text else []
        if item.images and category in IMAGE_CATEGORIES:
            kinds.append("image")
        types[category] = kinds
    return types


def _unit(seed: str, category: str) -> float:
    digest = hashlib.sha256(f"{seed}\0{category}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def moderation_id() -> str:
    """A fresh id in the real API's format (``modr-`` and 29 letters and digits)."""
    return "modr-" + "".join(secrets.choice(_ID_CHARS) for _ in range(29))


def synthesize(ctx: Context) -> FixtureResponse:
    """The moderation of the request's inputs by the rule."""
    model = response_model(ctx.body.get("model"))
    items = inputs(ctx.body.get("input"))
    if not is_omni(model) and any(item.images for item in items):
        raise APIError(
            400,
            f"Invalid 'input': {model} moderates text only; send text, or use "
            "omni-moderation-latest for images.",
            param="input",
        )
    body = {
        "id": moderation_id(),
        "model": model,
        "results": [moderate(item, model) for item in items],
    }
    return FixtureResponse(body=body)


class ModerationShape(PlainShape):
    """Completes hand-written moderation bodies (see the module docstring)."""

    endpoint = "moderations"
    example = "{results: [{flagged: true, categories: {violence: true}}]}"

    def complete(self, body: JSON, request: Mapping[str, Any]) -> JSON:
        """``body`` with ``id``, ``model`` and the parts of results it leaves out."""
        if not isinstance(body, dict):
            return body
        model = body.get("model")
        if not isinstance(model, str):
            try:
                model = response_model(request.get("model"))
            except APIError:  # a fixture answers whatever model it matched
                model = str(request.get("model"))
        items = inputs(request.get("input"))
        results = body.get("results")
        if results is None:
            results = [moderate(item, model) for item in items]
        completed: dict[str, Any] = {
            "id": body.get("id") or moderation_id(),
            "model": model,
            "results": [
                _complete_result(r, model, items[i] if i < len(items) else Input(""))
                if isinstance(r, dict)
                else r
                for i, r in enumerate(results if isinstance(results, list) else [])
            ],
        }
        completed.update({k: v for k, v in body.items() if k not in completed})
        return completed


def _complete_result(result: dict[str, Any], model: str, item: Input) -> dict[str, Any]:
    omni = is_omni(model)
    names: Sequence[str] = OMNI_CATEGORIES if omni else TEXT_CATEGORIES
    given = _mapping(result.get("categories"))
    given_scores = _mapping(result.get("category_scores"))
    extra = [name for name in (*given, *given_scores) if name not in names]
    names = [*names, *dict.fromkeys(extra)]
    categories = {}
    scores = {}
    for name in names:
        score = given_scores.get(name)
        flag = given.get(name, isinstance(score, (int, float)) and score > 0.5)
        categories[name] = flag
        if score is None:
            score = 0.95 if flag else 10 ** -(3 + 5 * _unit(f"{model}\0{item.text}", name))
        scores[name] = score
    completed: dict[str, Any] = {
        "flagged": result.get("flagged", any(v is True for v in categories.values())),
        "categories": categories,
        "category_scores": scores,
    }
    if omni or "category_applied_input_types" in result:
        completed["category_applied_input_types"] = result.get(
            "category_applied_input_types", applied_types(item)
        )
    completed.update({k: v for k, v in result.items() if k not in completed})
    return completed


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


SHAPE = ModerationShape()

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/moderations", body=Body.JSON, synthesize=synthesize, shape=SHAPE),
)
