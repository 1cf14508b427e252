"""A client's own JSON Schema, checked and applied: an eval's ``item_schema``.

The derived schemas (:mod:`mockapi.validation.validator`) check requests against the
spec; some requests carry a schema of their own that later data must fit (an eval's
``data_source_config.item_schema``, which each run's items must match). This module
is that check, with ``jsonschema`` (draft 2020-12, the dialect the API documents for
structured data) kept inside the validation package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match

Checker = Callable[[Any], "str | None"]
"""What is wrong with a value (a sentence naming where), or None when it fits."""


def schema_problem(schema: Any) -> str | None:
    """What makes ``schema`` unusable as a JSON Schema (draft 2020-12), or None."""
    if not isinstance(schema, Mapping):
        return f"expected a JSON Schema object, got {type(schema).__name__}"
    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError as problem:
        where = "/".join(str(step) for step in problem.absolute_path) or "the top"
        return f"not a valid JSON Schema at {where}: {problem.message}"
    return None


def checker(schema: Mapping[str, Any]) -> Checker:
    """A check of values against ``schema`` (one :func:`schema_problem` passed),
    compiled once for many values."""
    validator = Draft202012Validator(dict(schema))

    def check(value: Any) -> str | None:
        found = best_match(validator.iter_errors(value))
        if found is None:
            return None
        where = "".join(f"[{step!r}]" for step in found.absolute_path)
        return f"{where or 'the value'}: {found.message}"

    return check
