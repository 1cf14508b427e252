"""What ``graders.validate`` (and ``run``, before it grades) checks of a grader,
beyond the shape request validation already checked against the spec.

Each problem is the API's 400 (``invalid_request_error``, code ``invalid_value``)
whose ``param`` is where it is (``grader.graders.name.reference``) and whose message
says what is wrong and what to do. The wording is the mock's: the API's validate
errors are not documented. What is checked, from the graders guide and the reference:

* template strings use only the ``item`` and ``sample`` namespaces, and can be read;
* ``score_model``: ``range`` is two numbers, the first below the second;
* ``label_model``: ``labels`` is not empty and ``passing_labels`` is a non-empty
  subset of it;
* ``python``: ``source`` is at most 256 kB, parses as Python and defines
  ``grade(sample, item)`` with two parameters. It is read with :func:`ast.parse`, which
  builds a syntax tree and runs nothing;
* ``multi``: ``graders`` names at least one grader, none of them a ``multi`` (the guide:
  a multigrader cannot nest one), and ``calculate_output`` parses and reads only their
  names;
* at the top level, a grader of the types ``run`` and ``validate`` take (``label_model``
  only inside a ``multi``).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from mockapi.endpoints.fine_tuning import grader_formula, grader_template
from mockapi.errors import APIError

TOP_TYPES = ("string_check", "text_similarity", "python", "score_model", "multi")
"""The grader types ``run`` and ``validate`` take."""
SUB_TYPES = ("string_check", "text_similarity", "python", "score_model", "label_model")
"""The grader types a ``multi`` grader combines."""
MAX_SOURCE_BYTES = 256 * 1024
"""The largest Python grader source the API takes (the graders guide: under 256kB)."""


def invalid(param: str, message: str) -> APIError:
    """The 400 for a grader's ``param`` (a dotted path from ``grader``)."""
    return APIError(400, f"Invalid '{param}': {message}", param=param, code="invalid_value")


def check(
    grader: Any, param: str = "grader", *, types: tuple[str, ...] = TOP_TYPES
) -> Mapping[str, Any]:
    """``grader`` when it passes; :func:`invalid` for its first problem. ``types``: the
    grader types taken at the top (an eval's testing criteria take ``label_model`` and
    no ``multi``)."""
    if not isinstance(grader, Mapping):
        raise invalid(param, "expected a grader object.")
    kind = str(grader.get("type"))
    if kind not in types:
        inside = " (a label_model grader goes inside a multi grader's 'graders')"
        raise invalid(
            f"{param}.type",
            f"'{kind}' cannot be run on its own; use one of {', '.join(types)}"
            + (inside if "multi" in types else "")
            + ".",
        )
    _check(grader, kind, param)
    return grader


def _type_of(grader: Any, param: str) -> str:
    if not isinstance(grader, Mapping):
        raise invalid(param, "expected a grader object.")
    return str(grader.get("type"))


def _check(grader: Mapping[str, Any], kind: str, param: str) -> None:
    if kind in ("string_check", "text_similarity"):
        for field in ("input", "reference"):
            _check_text(grader.get(field), f"{param}.{field}")
    elif kind in ("score_model", "label_model"):
        _check_messages(grader.get("input"), f"{param}.input")
        if kind == "score_model":
            _check_range(grader.get("range"), f"{param}.range")
        else:
            _check_labels(grader, param)
    elif kind == "python":
        _check_source(grader.get("source"), f"{param}.source")
    elif kind == "multi":
        _check_multi(grader, param)


def _check_text(text: Any, param: str) -> None:
    if isinstance(text, str) and (problem := grader_template.problem(text)) is not None:
        raise invalid(param, problem)


def _check_messages(messages: Any, param: str) -> None:
    for index, message in enumerate(messages if isinstance(messages, list) else []):
        content = message.get("content") if isinstance(message, Mapping) else None
        parts = content if isinstance(content, list) else [content]
        for number, part in enumerate(parts):
            where = f"{param}[{index}].content" + (
                f"[{number}]" if isinstance(content, list) else ""
            )
            if isinstance(part, str):
                _check_text(part, where)
            elif isinstance(part, Mapping):
                _check_text(part.get("text"), f"{where}.text")
                _check_text(part.get("image_url"), f"{where}.image_url")


def _check_range(value: Any, param: str) -> None:
    if value is None:
        return
    numbers = [v for v in value if is_number(v)] if isinstance(value, list) else []
    if len(numbers) != 2 or len(value) != 2:
        raise invalid(param, f"expected two numbers [low, high], got {value!r}.")
    if not numbers[0] < numbers[1]:
        raise invalid(param, f"the low end {numbers[0]} must be below the high end {numbers[1]}.")


def is_number(value: Any) -> bool:
    """Whether ``value`` is a JSON number (not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_labels(grader: Mapping[str, Any], param: str) -> None:
    labels = grader.get("labels") or []
    passing = grader.get("passing_labels") or []
    if not labels:
        raise invalid(f"{param}.labels", "expected at least one label.")
    if not passing:
        raise invalid(f"{param}.passing_labels", "expected at least one passing label.")
    stray = [label for label in passing if label not in labels]
    if stray:
        raise invalid(
            f"{param}.passing_labels",
            f"{stray!r} are not in 'labels' {labels!r}; passing labels must be a subset "
            "of the labels.",
        )


def _check_source(source: Any, param: str) -> None:
    if not isinstance(source, str):
        return
    size = len(source.encode())
    if size > MAX_SOURCE_BYTES:
        raise invalid(param, f"the source is {size} bytes; it must be under 256kB.")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as problem:
        line = getattr(problem, "lineno", None)
        where = f" on line {line}" if line else ""
        raise invalid(param, f"the source does not parse{where}: {problem}.") from None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "grade":
            arguments = node.args
            count = len(arguments.posonlyargs) + len(arguments.args)
            if count != 2 or arguments.vararg is not None:
                raise invalid(
                    param, f"grade() takes {count} parameters; it must take (sample, item)."
                )
            return
    raise invalid(param, "the source defines no grade(sample, item) function.")


def _check_multi(grader: Mapping[str, Any], param: str) -> None:
    graders = grader.get("graders")
    if not isinstance(graders, Mapping) or not graders:
        raise invalid(
            f"{param}.graders",
            "expected an object naming at least one grader, e.g. "
            '{"name": {"type": "string_check", ...}}; its keys are the names '
            "'calculate_output' reads.",
        )
    for key, sub in graders.items():
        where = f"{param}.graders.{key}"
        kind = _type_of(sub, where)
        if kind == "multi":
            raise invalid(f"{where}.type", "a multi grader cannot contain another multi grader.")
        if kind not in SUB_TYPES:
            raise invalid(f"{where}.type", f"expected one of {', '.join(SUB_TYPES)}.")
        _check(sub, kind, where)
    formula = grader.get("calculate_output")
    where = f"{param}.calculate_output"
    try:
        parsed = grader_formula.parse(str(formula))
    except grader_formula.FormulaError as problem:
        raise invalid(where, f"{problem.message}.") from None
    unknown = sorted(parsed.names() - set(graders))
    if unknown:
        raise invalid(
            where,
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a grader's "
            f"name; the names are {', '.join(sorted(graders))}.",
        )
