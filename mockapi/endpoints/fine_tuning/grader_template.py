"""Graders' template strings, as the graders guide describes them.

Any ``{{ namespace.variable }}`` in a grader's text is replaced by the variable's value.
The only namespaces are ``item`` (the dataset item: ``run``'s ``item``) and ``sample``
(the model's output: ``output_text`` is ``run``'s ``model_sample``; ``output_json`` is
that text parsed, when it is a JSON object). Nested values are reached with a JSON-path
like syntax: ``{{ item.reference_answer.donors }}``, ``{{ item.tags[0] }}``,
``{{ item["a key"] }}``.

A string value is put in as it is; any other value as its JSON (``1.0``, ``true``,
``{"a": 1}``): an assumption, the guide does not say. A variable the item or sample
does not have is the API's ``invalid_variable_error``; ``sample.output_json`` when the
sample is not a JSON object is its ``sample_parse_error`` (see :class:`GraderVariableError`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from mockapi.errors import MockapiError

NAMESPACES = ("item", "sample")
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_ROOT = re.compile(r"[A-Za-z_]\w*")
_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[\"([^\"]*)\"\]|\['([^']*)'\]")

Kind = Literal["invalid_variable", "sample_parse"]


class GraderVariableError(MockapiError):
    """A template whose variable has no value: ``kind`` says which of the API's
    errors it is."""

    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind: Kind = kind
        self.message = message


def variables(text: str) -> list[str]:
    """The expressions inside the ``{{ }}`` of ``text``, stripped, in order."""
    return [match.group(1).strip() for match in _TEMPLATE.finditer(text)]


def problem(text: str) -> str | None:
    """What is wrong with the templates of ``text`` (a namespace other than ``item`` or
    ``sample``, a path that cannot be read), or None."""
    for expression in variables(text):
        try:
            root, _steps = _path(expression)
        except GraderVariableError as error:
            return error.message
        if root not in NAMESPACES:
            return (
                f"'{{{{{expression}}}}}' uses the namespace '{root}': the only namespaces "
                "are 'item' and 'sample' (e.g. '{{item.label}}', '{{sample.output_text}}')."
            )
    return None


def sample_namespace(model_sample: str) -> dict[str, Any]:
    """The ``sample`` namespace of ``model_sample``."""
    sample: dict[str, Any] = {"output_text": model_sample}
    try:
        parsed = json.loads(model_sample)
    except ValueError:
        return sample
    if isinstance(parsed, dict):
        sample["output_json"] = parsed
    return sample


def render(text: str, namespaces: Mapping[str, Any]) -> str:
    """``text`` with each template replaced by its value; :class:`GraderVariableError` for a
    variable the namespaces do not have."""
    if "{{" not in text:
        return text
    return _TEMPLATE.sub(lambda match: _shown(lookup(match.group(1).strip(), namespaces)), text)


def lookup(expression: str, namespaces: Mapping[str, Any]) -> Any:
    """The value ``expression`` (``item.a[0].b``) names in ``namespaces``."""
    root, steps = _path(expression)
    if root not in namespaces:
        raise GraderVariableError(
            "invalid_variable", f"'{{{{{expression}}}}}': no namespace '{root}'"
        )
    value = namespaces[root]
    walked = root
    for step in steps:
        listed = isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
        if listed or (isinstance(step, str) and isinstance(value, dict) and step in value):
            value = value[step]
        else:
            if walked == "sample" and step == "output_json":
                raise GraderVariableError(
                    "sample_parse",
                    f"'{{{{{expression}}}}}': the model sample is not a JSON object",
                )
            raise GraderVariableError(
                "invalid_variable", f"'{{{{{expression}}}}}': {walked} has no {step!r}"
            )
        walked += f"[{step}]" if isinstance(step, int) else f".{step}"
    return value


def _path(expression: str) -> tuple[str, list[str | int]]:
    root = _ROOT.match(expression)
    if root is None:
        raise GraderVariableError("invalid_variable", f"'{{{{{expression}}}}}' names no variable")
    steps: list[str | int] = []
    position = root.end()
    while position < len(expression):
        step = _STEP.match(expression, position)
        if step is None:
            raise GraderVariableError(
                "invalid_variable",
                f"'{{{{{expression}}}}}' cannot be read from {expression[position:]!r} on",
            )
        name, index, quoted, single = step.groups()
        steps.append(int(index) if index is not None else name or quoted or single or "")
        position = step.end()
    return root.group(), steps


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
