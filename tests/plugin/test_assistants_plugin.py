"""The sunset switch from pytest, as a suite migrating off the Assistants API uses it: the
marker's ``sunset="assistants"`` and the handle's ``mockapi.sunset(...)`` answer the
Assistants routes as the API has since its shutdown, for that test only, while the rest
of the API answers; a family that cannot be shut down fails the test with a message
naming it."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

CODE = '''
import warnings

import openai

warnings.simplefilter("ignore", DeprecationWarning)


def make_assistant() -> str:
    """The legacy code path: it still makes an assistant."""
    client = openai.OpenAI(max_retries=0)
    return client.beta.assistants.create(model="gpt-4o", instructions="Be brief.").id


def list_models() -> list[str]:
    """Code that never touched the Assistants API."""
    return [model.id for model in openai.OpenAI(max_retries=0).models.list()]
'''

TESTS = """
import openai
import pytest
from app import list_models, make_assistant

@pytest.mark.mockapi(on_miss="synthesize", sunset="assistants")
def test_the_assistants_api_is_shut_down_for_this_test(mockapi):
    assert list_models()
    with pytest.raises(openai.NotFoundError, match="shut down on 2026-08-26"):
        make_assistant()

@pytest.mark.mockapi
def test_the_next_test_is_served_until_it_shuts_it_down(mockapi):
    assert make_assistant().startswith("asst_")
    mockapi.sunset("assistants")
    with pytest.raises(openai.NotFoundError, match="Responses API"):
        make_assistant()

@pytest.mark.mockapi(sunset="chat")
def test_an_unknown_family_fails_the_test(mockapi):
    pass
"""


def test_the_sunset_switch_holds_for_one_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=CODE)
    pytester.makepyfile(test_app=textwrap.dedent(TESTS))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*unknown sunset family 'chat': use one of assistants*"])
