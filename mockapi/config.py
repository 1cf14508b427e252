"""Settings: one frozen object that every layer reads, built by the CLI or the plugin."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class OnMiss(str, enum.Enum):
    """What the server does with a request that no fixture matches."""

    ERROR = "error"
    """Answer 404 ``mockapi_no_match`` with the near-miss report (the default for tests)."""
    SYNTHESIZE = "synthesize"
    """Answer with a spec-valid generated response (the default for ``mockapi serve``)."""
    PROXY = "proxy"
    """Forward to the upstream (recording)."""


class RecordMode(str, enum.Enum):
    """When the recorder may call the upstream; the words and meanings of VCR.py."""

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"


DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_JOURNAL_SIZE = 1000
DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024
"""The API's limit on one uploaded file (512 MB)."""
DEFAULT_MAX_STATE_BYTES = 2 * 1024 * 1024 * 1024
"""The total of all stored file bytes, past which an upload is refused (2 GiB)."""
DEFAULT_POLL_AFTER_MS = 10
"""The ``openai-poll-after-ms`` an unfinished job's retrieve carries: SDK pollers wait
that long (without it they sleep 1 s)."""
DEFAULT_WEBHOOK_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
"""Seconds between a webhook's delivery attempts: the API retries with exponential
backoff for up to 72 hours; the mock keeps the doubling and stops after 5 attempts."""


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know, fixed at start-up."""

    fixture_dirs: tuple[Path, ...] = ()
    on_miss: OnMiss = OnMiss.ERROR
    api_keys: frozenset[str] = field(default_factory=frozenset)
    """Accepted bearer tokens; empty means any non-empty token is accepted."""
    admin_api_keys: frozenset[str] = field(default_factory=frozenset)
    """Accepted admin keys on the Administration API (``--admin-api-key``); empty means
    any ``sk-admin-`` key is accepted there."""
    validate: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    journal_size: int = DEFAULT_JOURNAL_SIZE
    honor_delays: bool = True
    """Wait the ``delay_ms`` written before stream events (off: replay instantly)."""
    seed: int = 0
    """Seed for synthesized answers and generated ids; same seed, same output."""
    record_mode: RecordMode = RecordMode.NONE
    upstream_url: str | None = None
    upstream_key_env: str | None = None
    """Name of an environment variable holding the upstream key (else the client's own)."""
    upstream_timeout: float = 600.0
    record_errors: bool = True
    """Record upstream 4xx/5xx answers too, so error paths replay."""
    redact_headers: frozenset[str] = field(default_factory=frozenset)
    redact_paths: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()
    """Plugins to load: file paths, module names or bundled plugin names."""
    host: str = "127.0.0.1"
    """The address the server listens on: off loopback, the admin API needs a token."""
    admin_token: str | None = field(default=None, repr=False)
    """The token the admin API and the inspector require (always, when set)."""
    cors_origins: tuple[str, ...] = ()
    """Origins whose browser scripts may call the API (``*``: any); empty: no CORS."""
    faults: tuple[str, ...] = ()
    """Fault rules in force for every request (specs as ``mockapi.faults.spec`` reads them)."""
    fault_seed: int | None = None
    """Seed of probabilistic faults (``chaos=P``); None: ``seed``."""
    rate_limit: str | None = None
    """``rpm=N,tpm=N``: limit requests per API key and model like the real API; None: off."""

    state_path: Path | None = None
    """The SQLite database that keeps what the server created (files, batches, stored
    responses) across restarts and shares it between ``--workers``; None: in memory."""
    state_url: str | None = field(default=None, repr=False)
    """The Redis server (``redis://HOST:PORT/DB``) that keeps what the server created, the
    rate-limit buckets, the fault counters and the journal, shared by replicas on several
    machines (:mod:`mockapi.state.redis`); wins over ``state_path``. Kept out of ``repr``
    (a password in the URL)."""
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """The largest file an upload may store (``--max-file-size``)."""
    max_state_bytes: int = DEFAULT_MAX_STATE_BYTES
    """The total of all stored file bytes (``--max-state-size``)."""
    poll_after_ms: int = DEFAULT_POLL_AFTER_MS
    """The ``openai-poll-after-ms`` header on a retrieve of an unfinished job."""
    webhooks: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """``(url, secret)`` of each webhook endpoint (``--webhook-url``/``--webhook-secret``):
    a finished job's event is POSTed there, signed with the ``whsec_...`` secret.
    Kept out of ``repr`` (the secrets)."""
    webhook_retry_delays: tuple[float, ...] = DEFAULT_WEBHOOK_RETRY_DELAYS
    """Seconds between a webhook's delivery attempts (one more attempt than delays)."""
    sunset: frozenset[str] = field(default_factory=frozenset)
    """API families answered as shut down (``--sunset assistants``: every Assistants
    route answers as the API has since its shutdown on 2026-08-26)."""

    @property
    def record_dir(self) -> Path | None:
        """Where recordings are written: the first fixture directory."""
        return self.fixture_dirs[0] if self.fixture_dirs else None
