"""Model capability rules: roles, the model list in force, and per-family answer shape."""

from __future__ import annotations

import pytest

from mockapi.endpoints import capabilities, models
from mockapi.errors import APIError


def test_o1_mini_takes_no_system_or_developer_message() -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "developer", "content": "Be brief"}]
    with pytest.raises(APIError) as raised:
        capabilities.check_roles({"model": "o1-mini-2024-09-12", "messages": messages})
    error = raised.value
    assert (error.status, error.code, error.param) == (400, "unsupported_value", "messages[1].role")
    assert error.message == (
        "Unsupported value: 'messages[1].role' does not support 'developer' with this model."
    )
    # Other models, and o1-mini without those roles, are fine.
    capabilities.check_roles({"model": "o1", "messages": messages})
    capabilities.check_roles({"model": "o1-mini", "messages": messages[:1]})


def test_unknown_models_only_when_the_list_is_defined() -> None:
    listed = [{"id": "gpt-4o"}]
    with pytest.raises(APIError) as raised:
        capabilities.check_model("gpt-5.2-proo", listed, defined=True)
    assert (raised.value.status, raised.value.code) == (404, "model_not_found")
    assert raised.value.message == (
        "The model `gpt-5.2-proo` does not exist or you do not have access to it."
    )
    capabilities.check_model("gpt-5.2-proo", listed, defined=False)
    capabilities.check_model("gpt-4o", listed, defined=True)
    capabilities.check_model("ft:gpt-4o:acme::x1", listed, defined=True)


def test_the_built_in_list_is_not_a_defined_one() -> None:
    assert not models.list_defined(models.DEFAULT_MODELS)
    assert not models.list_defined([dict(m) for m in models.DEFAULT_MODELS])  # bundled copy
    assert models.list_defined([{"id": "gpt-4o"}])
    assert models.list_defined([*models.DEFAULT_MODELS, {"id": "o1-mini"}])


def test_answer_shape_by_family() -> None:
    assert capabilities.system_fingerprint("gpt-3.5-turbo-0125", "fp_x") is None
    assert capabilities.system_fingerprint("gpt-4o", "fp_x") == "fp_x"
    assert not capabilities.has_choice_logprobs("o3-mini")
    assert not capabilities.has_choice_logprobs("o1")
    assert capabilities.has_choice_logprobs("gpt-4o-mini")
    assert capabilities.has_choice_logprobs("gpt-4o1")  # a family is a name prefix and a cut
    assert capabilities.prompt_cache_retention("gpt-5.5") == "24h"
    assert capabilities.prompt_cache_retention("openai/gpt-5") == "24h"
    assert capabilities.prompt_cache_retention("gpt-4o") is None
