"""The exception tree: every error mockapi raises on purpose is a MockapiError drawn in
errors.py's docstring, and an APIError becomes a response in one way."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import mockapi
from mockapi import errors
from mockapi.faults import spec as faults
from mockapi.library.fixture import parse_entry


def _exception_classes() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for info in pkgutil.walk_packages(mockapi.__path__, "mockapi."):
        if info.name.endswith(".__main__"):
            continue  # ``python -m`` entry points run their program when imported
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
                and not name.startswith("_")  # private signals never leave their module
            ):
                found.append(value)
    return found


def test_every_exception_is_a_mockapi_error_drawn_in_the_tree() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15
    tree = errors.__doc__ or ""
    for cls in classes:
        assert issubclass(cls, errors.MockapiError), f"{cls.__module__}.{cls.__name__}"
        assert f" {cls.__name__} " in tree, f"{cls.__name__} is missing from errors.py's tree"
        if cls.__module__ != "mockapi.errors":
            where = cls.__module__.removeprefix("mockapi.")
            assert f"[{where}]" in tree, f"{cls.__name__}: say it lives in {where}"


@pytest.mark.parametrize(
    "name", ["FaultSpecError", "SchemaDataError", "FormError", "PNGError", "CassetteError"]
)
def test_the_former_value_errors_still_are(name: str) -> None:
    assert issubclass(getattr(errors, name), ValueError)


def test_one_fault_spec_error_for_the_spec_and_the_fixture() -> None:
    with pytest.raises(errors.FaultSpecError) as plain:
        faults.parse("stat=1")
    assert str(plain.value) == plain.value.problem  # no source: the problem alone
    with pytest.raises(errors.FaultSpecError) as in_fixture:
        parse_entry({"response": {"body": {}}, "fault": "stat=1"}, "f.yaml#0")
    assert isinstance(in_fixture.value, errors.FixtureError)
    assert in_fixture.value.source == "f.yaml#0"
    assert in_fixture.value.location == ("fault",)
    assert str(in_fixture.value) == f"f.yaml#0: 'fault': {plain.value.problem}"


def test_an_api_error_answers_with_its_body_and_its_headers_over_the_base() -> None:
    error = errors.APIError(429, "slow down", code="rate_limit_exceeded", headers={"a": "1"})
    response = error.response({"a": "0", "x-request-id": "req_1"})
    assert response.status == 429
    assert response.headers == {"a": "1", "x-request-id": "req_1"}
    assert response.body == error.body()
    assert error.response().headers == {"a": "1"}
