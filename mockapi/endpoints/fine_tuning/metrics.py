"""A job's training metrics: a deterministic loss curve, its step rows and results file.

Nothing trains, so the numbers are made up, but they behave: the training loss falls
from about 2 towards 0.05 along an exponential with a little noise, the mean token
accuracy rises as it falls, and both are fixed by the job's ``seed`` (the same job
gives the same curve). A job with a validation file also reports ``valid_loss`` and
``valid_mean_token_accuracy`` every tenth of the run and at its last step, and
``full_valid_loss``/``full_valid_mean_token_accuracy`` at the last step, as real jobs
do. DPO and reinforcement jobs report the same metrics (the API's own differ: assumed).

A run of more than :data:`MAX_ROWS` steps is reported at :data:`MAX_ROWS` steps spread
evenly over it, the last included (the API reports every step; a mock keeps its state
small). The rows become the job's ``metrics`` events and its results file: the CSV the
API writes (``step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy``,
numbers to 5 places, empty cells where a step has no validation), base64-encoded as
the API serves it (the fine-tuning cookbook decodes it with ``base64.b64decode``).
"""

from __future__ import annotations

import base64
import hashlib
import math
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 1000
"""The most steps a job reports (events and results rows)."""
CSV_COLUMNS = ("step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy")


@dataclass(frozen=True)
class Step:
    """One step's metrics."""

    step: int
    total: int
    train_loss: float
    train_accuracy: float
    valid_loss: float | None = None
    valid_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_accuracy: float | None = None

    def data(self) -> dict[str, Any]:
        """The ``data`` of its ``metrics`` event, in the API's key order."""
        out: dict[str, Any] = {"step": self.step, "train_loss": self.train_loss}
        if self.valid_loss is not None:
            out["valid_loss"] = self.valid_loss
        out["total_steps"] = self.total
        if self.full_valid_loss is not None:
            out["full_valid_loss"] = self.full_valid_loss
        out["train_mean_token_accuracy"] = self.train_accuracy
        if self.valid_accuracy is not None:
            out["valid_mean_token_accuracy"] = self.valid_accuracy
        if self.full_valid_accuracy is not None:
            out["full_valid_mean_token_accuracy"] = self.full_valid_accuracy
        return out

    def message(self) -> str:
        """The event's message: ``Step 3/100: training loss=1.52`` (and validation)."""
        text = f"Step {self.step}/{self.total}: training loss={self.train_loss:.2f}"
        if self.valid_loss is not None:
            text += f", validation loss={self.valid_loss:.2f}"
        if self.full_valid_loss is not None:
            text += f", full validation loss={self.full_valid_loss:.2f}"
        return text

    def checkpoint_metrics(self) -> dict[str, float]:
        """The ``metrics`` of a checkpoint taken at this step."""
        out: dict[str, float] = {
            "step": self.step,
            "train_loss": self.train_loss,
            "train_mean_token_accuracy": self.train_accuracy,
        }
        if self.valid_loss is not None and self.valid_accuracy is not None:
            out.update(valid_loss=self.valid_loss, valid_mean_token_accuracy=self.valid_accuracy)
        return out


def at(step: int, total: int, *, seed: int, validated: bool) -> Step:
    """The metrics of ``step`` (1-based) of ``total``; validation ones when ``validated``
    and the step is one that validates."""
    loss = _loss(step, total, seed, "train")
    accuracy = _accuracy(loss, step, seed, "train")
    if not validated or not (step == total or step % max(1, total // 10) == 0):
        return Step(step, total, loss, accuracy)
    valid = _loss(step, total, seed, "valid") * 1.1
    found = Step(step, total, loss, accuracy, valid, _accuracy(valid, step, seed, "valid"))
    if step != total:
        return found
    full = _loss(step, total, seed, "full") * 1.2
    full_accuracy = _accuracy(full, step, seed, "full")
    return Step(step, total, loss, accuracy, valid, found.valid_accuracy, full, full_accuracy)


def reported_steps(total: int) -> list[int]:
    """The steps reported: all of them, or :data:`MAX_ROWS` spread evenly (last included)."""
    if total <= MAX_ROWS:
        return list(range(1, total + 1))
    return sorted({max(1, round(total * (n + 1) / MAX_ROWS)) for n in range(MAX_ROWS)})


def results_file(rows: list[Step]) -> bytes:
    """The results file of ``rows``: the API's CSV, base64-encoded."""
    lines = [",".join(CSV_COLUMNS)]
    for row in rows:
        cells = [
            str(row.step),
            _cell(row.train_loss),
            _cell(row.train_accuracy),
            _cell(row.valid_loss),
            _cell(row.valid_accuracy),
        ]
        lines.append(",".join(cells))
    return base64.b64encode(("\n".join(lines) + "\n").encode())


def _cell(value: float | None) -> str:
    return "" if value is None else repr(round(value, 5))


def _noise(seed: int, step: int, name: str) -> float:
    """A number in [-1, 1) fixed by the job's seed, the step and the series."""
    digest = hashlib.sha256(f"{seed}:{name}:{step}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1.0


def _loss(step: int, total: int, seed: int, name: str) -> float:
    start = 1.8 + 0.4 * (_noise(seed, 0, name) + 1) / 2
    floor = 0.05
    smooth = floor + (start - floor) * math.exp(-4.0 * step / max(1, total))
    return round(max(0.0, smooth * (1 + 0.15 * _noise(seed, step, name))), 6)


def _accuracy(loss: float, step: int, seed: int, name: str) -> float:
    raw = 1.0 - loss / 2.6 + 0.02 * _noise(seed, step, name + ":accuracy")
    return round(min(1.0, max(0.0, raw)), 6)
