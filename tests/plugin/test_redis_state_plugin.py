"""The pytest plugin's state option: ``--mockapi-state redis://...`` (or the
``mockapi_state`` ini value) puts the session server's state in a real redis-server."""

from __future__ import annotations

import textwrap

import pytest

from tests.redis_server import RedisServer

SUITE = """
import openai
import redis

def test_a_file_goes_to_redis(mockapi):
    client = openai.OpenAI()
    made = client.files.create(file=("notes.txt", b"kept in redis"), purpose="user_data")
    kept = redis.Redis(port={port}, db=5).get("mockapi:state:b:" + made.id)
    assert kept == b"kept in redis"
"""


@pytest.mark.parametrize("where", ["option", "ini"])
def test_the_state_option_puts_the_session_state_in_redis(
    pytester: pytest.Pytester, redis_server: RedisServer, where: str
) -> None:
    pytester.makepyfile(test_app=textwrap.dedent(SUITE.replace("{port}", str(redis_server.port))))
    args = ["-p", "no:cacheprovider"]
    if where == "option":
        args += ["--mockapi-state", redis_server.url(5)]
    else:
        pytester.makeini(f"[pytest]\nmockapi_state = {redis_server.url(5)}\n")
    result = pytester.runpytest_inprocess(*args)
    result.assert_outcomes(passed=1)


def test_a_bad_state_url_fails_the_session_naming_the_option() -> None:
    from mockapi.config import Settings
    from mockapi.errors import MockapiError
    from mockapi.testing import _with_state

    with pytest.raises(MockapiError, match="--mockapi-state / mockapi_state mysql://db/x: a"):
        _with_state(Settings(), "mysql://db/x")
