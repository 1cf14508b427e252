"""The inspector page at ``/__mockapi/``: the request log and the fixtures, in HTML.

The page is rendered here, on the server, from the same JSON the admin API serves;
a little plain JavaScript in the page (``inspector.html``, a package resource: no
build step, no CDN) then polls the journal and adds new requests as they come. Every
value that came from a client or a fixture file is escaped: request bodies are data,
never markup.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import resources
from typing import Any

_TEMPLATE = resources.files("mockapi.web").joinpath("inspector.html").read_text(encoding="utf-8")
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_SUMMARY = {
    "miss": "no fixture matched",
    "synthesized": "synthesized",
    "proxied": "sent upstream",
}


def render_page(
    status: Mapping[str, Any],
    fixtures: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    *,
    prefix: str,
) -> str:
    """The whole page: ``status`` (health), ``fixtures`` and journal ``entries`` as JSON."""
    rows = "".join(render_entry(entry) for entry in reversed(entries))
    slots = {
        "prefix": _esc(prefix),
        "version": _esc(status.get("version")),
        "pid": _esc(status.get("pid")),
        "record_mode": _esc(status.get("record_mode")),
        "on_miss": _esc(status.get("on_miss")),
        "fixture_count": str(len(fixtures)),
        "requests": rows,
        "fixtures": "".join(render_fixture(fixture) for fixture in fixtures),
    }
    # One pass: text put into a slot is never searched for slots again.
    return _SLOT.sub(lambda m: slots[m.group(1)], _TEMPLATE)


def render_entry(entry: Mapping[str, Any]) -> str:
    """One journal entry as a ``<li>`` (``inspector.html``'s ``entryNode`` builds the same)."""
    outcome = str(entry.get("outcome", ""))
    status = int(entry.get("status") or 0)
    seq = int(entry.get("seq") or 0)
    stamp = float(entry.get("time") or 0)
    stream = '<span class="badge stream">stream</span>' if entry.get("stream") else ""
    opened = " open" if outcome == "miss" else ""
    return (
        f'<li class="entry outcome-{_css(outcome)}" data-seq="{seq}">'
        f"<details{opened}><summary>"
        f'<span class="seq">#{seq}</span>'
        f'<time data-t="{stamp}">{_clock(stamp)}</time>'
        f'<span class="method">{_esc(entry.get("method"))}</span>'
        f'<span class="path">{_esc(entry.get("path"))}</span>'
        f'<span class="badge status s{status // 100}xx">{status}</span>'
        f'<span class="badge outcome">{_esc(outcome)}</span>{stream}'
        f'<span class="answer">{_esc(_summary(entry))}</span>'
        f'</summary><div class="detail">{_answer(entry)}'
        f'<h3>Request body</h3><pre class="json">{_esc(_pretty(entry.get("body")))}</pre>'
        "</div></details></li>"
    )


def render_fixture(fixture: Mapping[str, Any]) -> str:
    """One fixture as a table row (``inspector.html``'s ``fixtureRow`` builds the same)."""
    times = fixture.get("times")
    kind = "runtime" if fixture.get("runtime") else "file"
    matchers = json.dumps(fixture.get("matchers") or {}, ensure_ascii=False, default=str)
    return (
        f'<tr class="fixture {kind}">'
        f'<td class="name">{_esc(fixture.get("name"))}<div class="source">'
        f'<span class="badge kind">{kind}</span> {_esc(fixture.get("source"))}</div></td>'
        f'<td class="route">{_esc(fixture.get("method"))} {_esc(fixture.get("path"))}</td>'
        f'<td><code class="matchers">{_esc(matchers)}</code></td>'
        f'<td class="num">{_esc(fixture.get("priority"))}</td>'
        f'<td class="num">{_esc("∞" if times is None else times)}</td>'
        f'<td class="num uses">{_esc(fixture.get("uses"))}</td></tr>'
    )


def _summary(entry: Mapping[str, Any]) -> str:
    outcome = entry.get("outcome")
    if outcome == "hit":
        return str(entry.get("fixture") or "built-in answer")
    if outcome in ("rejected", "webhook"):
        return str(entry.get("report") or "").split("\n", 1)[0][:160]
    return _SUMMARY.get(str(outcome), "")


def _answer(entry: Mapping[str, Any]) -> str:
    outcome = entry.get("outcome")
    report = entry.get("report")
    if outcome == "hit" and entry.get("fixture"):
        return (
            f'<h3>Answered by fixture</h3><p class="fixture"><strong>'
            f"{_esc(entry.get('fixture'))}</strong> <code>{_esc(entry.get('fixture_source'))}"
            "</code></p>"
        )
    titles = {
        "miss": "Near miss",
        "rejected": "Rejected",
        "proxied": "Upstream error",
        "webhook": "Webhook delivery",
    }
    if report and outcome in titles:
        return f'<h3>{titles[str(outcome)]}</h3><pre class="report">{_esc(report)}</pre>'
    if outcome == "synthesized":
        return "<p>No fixture matched; a synthesized answer was sent.</p>"
    if outcome == "proxied":
        return "<p>Sent to the upstream (and recorded, if it completed).</p>"
    return ""


def _pretty(body: Any) -> str:
    if body is None:
        return "(no JSON body)"
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)


def _clock(stamp: float) -> str:
    moment = datetime.fromtimestamp(stamp, tz=timezone.utc)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def _css(value: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", value.lower())


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
