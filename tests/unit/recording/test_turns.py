"""Turns: identical requests in flight wait for one recording, in a process and across.

A claim held through another open file stands for another process (``flock`` locks
belong to the open file, so a second open in this process conflicts like another
process would). The integration test ``test_recording_faults`` runs two real recorders.
"""

from __future__ import annotations

from pathlib import Path

import anyio

from mockapi.library import staging
from mockapi.recording.turns import Turn, Turns


class Library:
    """What is recorded so far: ``answer`` is None until a recording was made."""

    def __init__(self) -> None:
        self.answer: str | None = None
        self.waited: list[bool] = []

    def recorded(self, waited: bool) -> str | None:
        self.waited.append(waited)
        return self.answer


def test_requests_waiting_for_a_turn_are_answered_from_its_recording(tmp_path: Path) -> None:
    target = tmp_path / "chat" / "key.yaml"
    library = Library()
    results: list[object] = []

    async def main() -> None:
        turns = Turns(poll=0.001)
        first = await turns.take(target, library.recorded)
        assert isinstance(first, Turn)
        assert staging.claim(target) == staging.BUSY, "claimed for other processes too"

        async def wait() -> None:
            results.append(await turns.take(target, library.recorded))

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(wait)
            await anyio.sleep(0.05)
            assert results == [], "they wait while the turn is out"
            library.answer = "recorded answer"
            first.release()

    anyio.run(main)
    assert results == ["recorded answer"] * 5
    assert library.waited == [False] + [True] * 5, "told whether they waited"
    assert staging.lock_path(target).exists() is False


def test_a_turn_that_recorded_nothing_lets_the_waiters_go_on_their_own(tmp_path: Path) -> None:
    target = tmp_path / "key.yaml"
    library = Library()
    results: list[object] = []

    async def main() -> None:
        turns = Turns(poll=0.001)
        first = await turns.take(target, library.recorded)
        assert isinstance(first, Turn)

        async def wait() -> None:
            results.append(await turns.take(target, library.recorded))

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(wait)
            await anyio.sleep(0.02)
            first.release()  # e.g. the upstream broke off: nothing recorded

    anyio.run(main)
    assert results == [None] * 3, "each goes upstream without a turn, none waits again"


def test_a_claim_of_another_process_is_waited_for(tmp_path: Path) -> None:
    target = tmp_path / "key.yaml"
    library = Library()
    other = staging.claim(target)  # another recorder is recording this key
    assert isinstance(other, staging.Claim)

    async def main() -> object:
        turns = Turns(poll=0.001)
        async with anyio.create_task_group() as group:

            async def finish_elsewhere() -> None:
                await anyio.sleep(0.05)
                library.answer = "written by the other process"
                other.release()

            group.start_soon(finish_elsewhere)
            return await turns.take(target, library.recorded)

    assert anyio.run(main) == "written by the other process"
    assert library.waited == [False, True], "asked before claiming, and once it was free"


def test_a_claim_given_back_without_a_recording_passes_the_turn(tmp_path: Path) -> None:
    target = tmp_path / "key.yaml"
    other = staging.claim(target)
    assert isinstance(other, staging.Claim)

    async def main() -> object:
        turns = Turns(poll=0.001)
        async with anyio.create_task_group() as group:

            async def give_back() -> None:
                await anyio.sleep(0.02)
                other.release()

            group.start_soon(give_back)
            return await turns.take(target, Library().recorded)

    turn = anyio.run(main)
    assert isinstance(turn, Turn)
    assert staging.claim(target) == staging.BUSY, "now this process holds the claim"
    turn.release()
    turn.release()
    assert not staging.lock_path(target).exists()


def test_without_a_writable_directory_turns_still_hold_within_the_process(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    target = blocker / "key.yaml"

    async def main() -> tuple[object, object]:
        turns = Turns(poll=0.001)
        first = await turns.take(target, Library().recorded)
        with anyio.move_on_after(0.05):
            await turns.take(target, Library().recorded)
            return first, "the second did not wait"
        assert isinstance(first, Turn)
        first.release()
        second = await turns.take(target, Library().recorded)
        assert isinstance(second, Turn)
        second.release()
        return first, second

    first, second = anyio.run(main)
    assert isinstance(first, Turn) and isinstance(second, Turn) and first is not second
