"""Costs without a server: the shipped price table, a replaced one, each ledger row's line
items (longest model prefix, cached input, batch discount, per-image, per-character and
per-minute prices), and the costs page's groups and filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from mockapi.endpoints.admin import costs
from tests.unit.endpoints.admin_usage_state import CHAT, NOW, Org, chat_answer

TABLE = {
    "batch_discount": 0.5,
    "tokens": {
        "gpt-4o": {"input": 10.0, "cached_input": 5.0, "output": 40.0},
        "gpt-4o-mini": {"input": 1.0, "cached_input": 0.5, "output": 4.0},
        "text-embedding-3-small": {"input": 2.0},
    },
    "images": {"dall-e-3": {"1024x1024": 0.25}},
    "transcription_minute": {"whisper-1": 0.6},
    "speech_1m_characters": {"tts-1": 100.0},
    "tools": {"web_search_calls_1k": 1000.0},
}


def test_the_shipped_table_says_where_its_prices_come_from() -> None:
    shipped = costs.shipped()
    assert shipped["source"].startswith("OpenAI API pricing") and shipped["as_of"]
    assert costs.check_table(shipped) == shipped
    assert shipped["tokens"]["gpt-4o-mini"] == {"input": 0.15, "cached_input": 0.075, "output": 0.6}


def test_a_replaced_table_prices_until_it_is_removed() -> None:
    o = Org()
    assert costs.prices(o.state) == costs.shipped()
    costs.set_prices(o.state, TABLE)
    assert costs.prices(o.state) == TABLE
    costs.set_prices(o.state, None)
    assert costs.prices(o.state) == costs.shipped()


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ([], "mapping"),
        ({"token": {}}, "'token'"),
        ({"batch_discount": 2}, "batch_discount"),
        ({"tokens": {"gpt-4o": {"input": -1}}}, "tokens.gpt-4o"),
        ({"images": {"dall-e-3": {"1024x1024": "cheap"}}}, "images.dall-e-3"),
    ],
)
def test_a_bad_table_is_refused_naming_what_is_wrong(table: Any, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        costs.check_table(table)


def amounts(lines: list[tuple[str, Decimal, str | None, Decimal]]) -> dict[str, tuple[Any, ...]]:
    return {item: (quantity, unit, amount) for item, quantity, unit, amount in lines}


def test_line_items_of_each_kind_of_use() -> None:
    chat = {"input_tokens": 1000, "input_cached_tokens": 400, "output_tokens": 500}
    snapshot = {"model": "gpt-4o-mini-2024-07-18", "batch": False}
    assert amounts(costs.lines("completions", snapshot, chat, TABLE)) == {
        "gpt-4o-mini-2024-07-18, input": (600, "tokens", Decimal("0.0006")),
        "gpt-4o-mini-2024-07-18, cached input": (400, "tokens", Decimal("0.0002")),
        "gpt-4o-mini-2024-07-18, output": (500, "tokens", Decimal("0.002")),
    }
    batch = amounts(costs.lines("completions", {"model": "gpt-4o", "batch": True}, chat, TABLE))
    assert batch["gpt-4o, batch output"] == (500, "tokens", Decimal("0.01"))  # 500 x 40/1M / 2
    embedding = {"model": "text-embedding-3-small"}
    assert amounts(costs.lines("embeddings", embedding, {"input_tokens": 500}, TABLE)) == {
        "text-embedding-3-small, input": (500, "tokens", Decimal("0.001"))
    }
    image = {"model": "dall-e-3", "size": "1024x1024"}
    assert amounts(costs.lines("images", image, {"images": 3}, TABLE)) == {
        "dall-e-3, images": (3, "images", Decimal("0.75"))
    }
    speech = amounts(costs.lines("audio_speeches", {"model": "tts-1"}, {"characters": 50}, TABLE))
    assert speech == {"tts-1, characters": (50, "characters", Decimal("0.005"))}
    heard = costs.lines("audio_transcriptions", {"model": "whisper-1"}, {"seconds": 30}, TABLE)
    assert amounts(heard) == {"whisper-1, audio": (30, "duration_seconds", Decimal("0.3"))}
    searches = costs.lines("web_search_calls", {"model": "gpt-4o"}, {"num_requests": 2}, TABLE)
    assert amounts(searches) == {"web search tool calls": (2, None, Decimal("2"))}
    assert costs.lines("completions", {"model": "claude-3"}, chat, TABLE) == []  # not priced


def test_costs_add_up_by_day_line_item_and_project() -> None:
    o = Org()
    costs.set_prices(o.state, TABLE)
    o.project_key("sk-proj-a", "proj_a", "key_a", user_id="user-a")
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 100, 50), key="sk-proj-a")
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 300, 10))
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o", 100, 100), batch="batch_1")
    page = o.usage("costs", start_time=NOW - 86400)
    assert [len(b["results"]) for b in page["data"]] == [0, 1]
    [total] = page["data"][1]["results"]
    expected = (400 * 1 + 60 * 4) / 1e6 + (100 * 10 + 100 * 40) / 1e6 / 2
    assert total["amount"] == {"value": pytest.approx(expected), "currency": "usd"}
    assert (total["line_item"], total["project_id"], total["quantity"]) == (None, None, None)

    by_line = o.usage("costs", start_time=NOW, group_by=["line_item"])["data"][0]["results"]
    lines = {r["line_item"]: (r["quantity"], r["quantity_unit"]) for r in by_line}
    assert lines["gpt-4o-mini, input"] == (400, "tokens")
    assert lines["gpt-4o, batch input"] == (100, "tokens")
    by_project = o.usage("costs", start_time=NOW, group_by=["project_id"])["data"][0]["results"]
    values = {r["project_id"]: r["amount"]["value"] for r in by_project}
    assert values == {
        "proj_a": pytest.approx((100 + 50 * 4) / 1e6),
        o.default_project(): pytest.approx((300 + 40) / 1e6 + 5000 / 1e6 / 2),
    }
    only = o.usage("costs", start_time=NOW, line_items=["gpt-4o-mini, output"])["data"][0]
    assert only["results"][0]["amount"]["value"] == pytest.approx(60 * 4 / 1e6)
