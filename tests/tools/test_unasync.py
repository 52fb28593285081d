"""``tools/unasync.py``: the committed sync shell is what the generator writes from the
async one, and the generator's rules and markers do what its docstring says."""

from __future__ import annotations

import pytest

from tools.unasync import COMMAND, PAIRS, ROOT, UnasyncError, header, main, stale, unasync_text


def test_the_committed_sync_shell_is_generated_from_the_async_one() -> None:
    diffs = stale()
    assert not diffs, (
        f"the sync shell differs from what its async source generates: run `{COMMAND}` "
        "(and edit the async module, never the generated one)\n" + "\n".join(diffs)
    )


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_each_generated_module_says_where_it_comes_from(source: str, target: str) -> None:
    text = (ROOT / target).read_text(encoding="utf-8")
    assert text.startswith(header(source))
    assert "async def" not in text
    assert "await " not in text


def test_check_exits_zero_when_current_and_two_on_bad_arguments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--check"]) == 0
    assert main(["--wrong"]) == 2
    assert COMMAND in capsys.readouterr().err


def body(text: str) -> str:
    """The generated text without its header."""
    generated = unasync_text(text, "x.py")
    assert generated.startswith(header("x.py"))
    return generated[len(header("x.py")) :]


@pytest.mark.parametrize(
    ("async_code", "sync_code"),
    [
        ("async def f(self) -> AsyncJob:\n", "def f(self) -> Job:\n"),
        ("return await self._session.call(c)\n", "return self._session.call(c)\n"),
        ("async with aclosing(x) as xs:\n", "with closing(x) as xs:\n"),
        ("async for item in items:\n    f(item)\n", "for item in items:\n    f(item)\n"),
        ("  async for item in items:\n    yield item\n", "  yield from items\n"),
        (
            "return job_output((await self.wait(t))._record)\n",
            "return job_output(self.wait(t)._record)\n",
        ),
        ("list((await s.call(f(e))).items)\n", "list(s.call(f(e)).items)\n"),
        ("list(await s.run(f(c)))\n", "list(s.run(f(c)))\n"),
        ("-> AsyncGenerator[bytes, None]:\n", "-> Generator[bytes, None, None]:\n"),
        ("await self._session.aclose()\n", "self._session.close()\n"),
        ("async def __aenter__(self) -> AsyncVenue:\n", "def __enter__(self) -> Venue:\n"),
        (
            "from covia.async_api._session import AsyncSession\n",
            "from covia._session import SyncSession\n",
        ),
        (
            '"""Made by ``AsyncGrid.connect`` (async)."""\n',
            '"""Made by ``Grid.connect`` (sync)."""\n',
        ),
        ('"""Use it as an async context manager."""\n', '"""Use it as a context manager."""\n'),
        ("drive_call_async(c, call, p)\n", "drive_call(c, call, p)\n"),
        ("AsyncJobView\n", "AsyncJobView\n"),  # whole words only
    ],
)
def test_word_rules(async_code: str, sync_code: str) -> None:
    assert body(async_code) == sync_code


def test_async_only_lines_are_left_out() -> None:
    text = "a = 1\n# unasync: async-only\nb = 2\n# unasync: end\nc = 3\n"
    assert body(text) == "a = 1\nc = 3\n"


def test_sync_only_lines_are_uncommented_at_their_indent() -> None:
    text = (
        "class A:\n"
        "    # unasync: sync-only\n"
        "    # @property\n"
        "    # def did(self) -> str:\n"
        "    #     return self._did\n"
        "    #\n"
        "    # unasync: end\n"
        "    x = 1\n"
    )
    expected = (
        "class A:\n"
        "    @property\n"
        "    def did(self) -> str:\n"
        "        return self._did\n"
        "\n"
        "    x = 1\n"
    )
    assert body(text) == expected


def test_replacements_apply_before_the_rules() -> None:
    text = '# unasync: "tasks" -> "threads"\n"""Many tasks may await venue.status()."""\n'
    assert body(text) == '"""Many threads may venue.status()."""\n'


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("# unasync: sometimes\n", "unknown marker 'sometimes'"),
        ("# unasync: end\n", "an end with no block open"),
        ("# unasync: async-only\n# unasync: sync-only\n", "sync-only inside the open async-only"),
        ("# unasync: async-only\nx = 1\n", "the async-only block is not ended"),
        (
            "# unasync: sync-only\nx = 1\n# unasync: end\n",
            "x.py:2: a sync-only line must be a comment",
        ),
        ('# unasync: "gone" -> "here"\nx = 1\n', "the replacement of 'gone' matches nothing"),
    ],
)
def test_a_bad_marker_is_named_with_its_place(text: str, complaint: str) -> None:
    with pytest.raises(UnasyncError, match=complaint):
        unasync_text(text, "x.py")
