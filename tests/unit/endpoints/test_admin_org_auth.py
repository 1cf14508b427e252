"""Who may call what (mockapi.wire.credentials.key_error): admin routes take only admin
keys, admin keys call nothing else, and --api-key / --admin-api-key restrict each kind,
with the statuses and bodies the API answers."""

from __future__ import annotations

import pytest

from mockapi.errors import APIError
from mockapi.wire import credentials

ADMIN = "sk-admin-abc"
PLAIN = "sk-proj-abc"
ISSUED = "sk-admin-issued-by-the-api"


def refusal(
    key: str,
    method: str,
    path: str,
    *,
    api_keys: tuple[str, ...] = (),
    admin_api_keys: tuple[str, ...] = (),
) -> APIError | None:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return credentials.key_error(
        headers,
        api_keys,
        method=method,
        path=path,
        admin_api_keys=admin_api_keys,
        issued=lambda secret: secret == ISSUED,
    )


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/v1/organization/projects", "api.management.read"),
        ("POST", "/v1/organization/projects/proj_1/archive", "api.management.write"),
        ("DELETE", "/v1/organization/users/user-1", "api.management.write"),
        ("GET", "/v1/projects/proj_1/roles", "api.management.read"),
        ("GET", "/v1/organization/usage/completions", "api.usage.read"),
        ("GET", "/v1/organization/costs", "api.usage.read"),
    ],
)
def test_an_ordinary_key_on_an_admin_route_is_a_403_with_a_bare_string_error(
    method: str, path: str, scope: str
) -> None:
    problem = refusal(PLAIN, method, path)
    assert isinstance(problem, credentials.AdminScopeError)
    assert problem.status == 403
    message = problem.body()["error"]
    assert isinstance(message, str)
    assert message.startswith(
        "You have insufficient permissions for this operation. "
        f"Missing scopes: {scope}. Check that you have the correct role"
    )


def test_an_admin_key_on_an_ordinary_route_is_a_401_missing_model_request() -> None:
    problem = refusal(ADMIN, "POST", "/v1/chat/completions")
    assert problem is not None and problem.status == 401
    error = problem.body()["error"]
    assert "Missing scopes: model.request." in error["message"]
    assert error["type"] == "invalid_request_error"


def test_admin_and_ordinary_keys_are_accepted_where_they_belong() -> None:
    assert refusal(ADMIN, "GET", "/v1/organization/projects") is None
    assert refusal(ADMIN, "DELETE", "/v1/projects/proj_1/roles/role_1") is None
    assert refusal(PLAIN, "POST", "/v1/chat/completions") is None
    # a path that only starts like an admin one is an ordinary route
    assert refusal(PLAIN, "GET", "/v1/organizations") is None


def test_admin_api_keys_restrict_admin_keys_as_api_keys_restrict_the_others() -> None:
    restricted = {"admin_api_keys": ("sk-admin-good",), "api_keys": ("sk-good",)}
    assert refusal("sk-admin-good", "GET", "/v1/organization/users", **restricted) is None
    wrong = refusal("sk-admin-other", "GET", "/v1/organization/users", **restricted)
    assert wrong is not None and wrong.status == 401 and wrong.code == "invalid_api_key"
    assert "--admin-api-key" in wrong.message
    # --api-key does not restrict admin keys, nor --admin-api-key ordinary ones
    assert refusal(ADMIN, "GET", "/v1/organization/users", api_keys=("sk-good",)) is None
    assert refusal(PLAIN, "POST", "/v1/embeddings", admin_api_keys=("sk-admin-good",)) is None


def test_a_key_given_with_admin_api_key_is_an_admin_key_whatever_its_prefix() -> None:
    assert (
        refusal("my-admin", "GET", "/v1/organization/users", admin_api_keys=("my-admin",)) is None
    )
    problem = refusal("my-admin", "POST", "/v1/embeddings", admin_api_keys=("my-admin",))
    assert problem is not None and problem.status == 401


def test_keys_the_admin_api_issued_pass_any_restriction() -> None:
    assert refusal(ISSUED, "GET", "/v1/organization/users", admin_api_keys=("sk-admin-x",)) is None


def test_a_missing_key_is_the_usual_401_everywhere() -> None:
    for path in ("/v1/organization/projects", "/v1/chat/completions"):
        problem = refusal("", "GET", path)
        assert problem is not None and problem.status == 401
        assert problem.message.startswith("You didn't provide an API key.")
