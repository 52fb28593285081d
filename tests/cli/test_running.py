"""run, invoke and watch: output, exit codes, and Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import select
import signal
import subprocess
import time

import pytest

from covia import Grid, Job
from covia.cli.render import Output
from covia.cli.running import offer_cancel
from tests.cli.helpers import (
    COVIA,
    TIMEOUT,
    assert_one_line_error,
    clean_env,
    covia,
    run_main,
    spawn,
)

ECHO = "v/test/ops/echo"
DELAYED = json.dumps({"delay": 200, "operation": ECHO, "input": {"late": True}})


def test_run_prints_the_output_as_json(capsys, url):
    result = run_main(capsys, "--venue", url, "run", ECHO, '{"message": "hello"}')
    assert result.code == 0
    assert json.loads(result.out) == {"message": "hello"}
    assert "COMPLETE" in result.err


def test_run_json_writes_nothing_for_people_on_stderr(url):
    done = covia("--venue", url, "--json", "run", "v/test/ops/echo", '{"quiet": true}')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"quiet": True}
    assert done.stderr == ""
    plain = covia("--venue", url, "run", "v/test/ops/echo", '{"quiet": false}')
    assert "COMPLETE" in plain.stderr  # the human line, without --json


def test_run_reads_input_from_a_file_and_from_stdin(capsys, tmp_path, url):
    path = tmp_path / "input.json"
    path.write_text('{"from": "file"}', encoding="utf-8")
    from_file = run_main(capsys, "--venue", url, "run", ECHO, f"@{path}")
    assert json.loads(from_file.out) == {"from": "file"}
    from_stdin = covia("--venue", url, "run", ECHO, "-", input='{"from": "stdin"}')
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout) == {"from": "stdin"}


def test_run_follows_a_job_that_takes_a_while(capsys, url):
    result = run_main(capsys, "--venue", url, "run", "v/test/ops/delay", DELAYED)
    assert result.code == 0
    assert json.loads(result.out) == {"late": True}
    assert "PENDING" in result.err
    assert "COMPLETE" in result.err


def test_bad_json_input_is_a_usage_error_before_anything_runs(url, venue):
    before = len(Grid.connect(url).list_jobs())
    result = covia("--venue", url, "run", ECHO, "{not json")
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "not valid JSON")
    assert len(Grid.connect(url).list_jobs()) == before


def test_a_failed_job_exits_5_with_its_error(url):
    result = covia("--venue", url, "run", "v/test/ops/error", '{"message": "it broke"}')
    assert result.returncode == 5
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("covia: ")
    assert "it broke" in lines[-1]
    assert "Traceback" not in result.stderr


def test_run_json_gives_the_record_of_a_failed_job(capsys, url):
    result = run_main(
        capsys, "--venue", url, "--json", "run", "v/test/ops/error", '{"message": "x"}'
    )
    assert result.code == 5
    assert json.loads(result.out)["status"] == "FAILED"


def test_a_job_waiting_for_input_ends_the_run_with_exit_5(capsys, url):
    result = run_main(capsys, "--venue", url, "run", "v/test/ops/chat")
    assert result.code == 5
    assert "INPUT_REQUIRED" in result.err


def test_an_unknown_operation_is_exit_1(capsys, url):
    result = run_main(capsys, "--venue", url, "run", "v/test/ops/nope", "{}")
    assert result.code == 1
    assert_one_line_error(result.err, "400")


def test_invoke_shows_the_finished_job(capsys, url):
    result = run_main(capsys, "--venue", url, "invoke", "v/test/ops/delay", DELAYED)
    assert result.code == 0
    assert "COMPLETE" in result.out
    assert '"late": true' in result.out
    record = json.loads(run_main(capsys, "--venue", url, "--json", "invoke", ECHO, "[1]").out)
    assert record["status"] == "COMPLETE"
    assert record["output"] == [1]


def test_invoke_detach_then_watch(capsys, url):
    started = run_main(capsys, "--venue", url, "invoke", "--detach", "v/test/ops/delay", DELAYED)
    assert started.code == 0, started.err
    job_id = started.out.strip()
    assert len(job_id) == 32
    watched = covia("--venue", url, "--json", "watch", job_id)
    assert watched.returncode == 0, watched.stderr
    records = [json.loads(line) for line in watched.stdout.splitlines()]
    assert all(r["id"] == job_id for r in records)
    assert records[-1]["status"] == "COMPLETE"
    assert records[-1]["output"] == {"late": True}


def test_watch_prints_a_line_per_event(capsys, url):
    with Grid.connect(url) as sdk:
        job = sdk.invoke("v/test/ops/delay", json.loads(DELAYED))
    result = run_main(capsys, "--venue", url, "watch", job.id)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == f"job {job.id} (Delay Operation)"
    assert "COMPLETE" in lines[-1]
    assert 'output: {"late": true}' in lines[-1]


def test_watching_a_job_that_failed_exits_5(capsys, url):
    with Grid.connect(url) as sdk:
        job = sdk.invoke("v/test/ops/error", {"message": "bad"}).wait(timeout=30)
    result = run_main(capsys, "--venue", url, "watch", job.id)
    assert result.code == 5
    assert "error: bad" in result.out


def test_watching_an_unknown_job_is_exit_1(capsys, url):
    result = run_main(capsys, "--venue", url, "watch", "ef" * 16)
    assert result.code == 1
    assert_one_line_error(result.err, "job not found")


def test_ctrl_c_cancels_the_job_and_exits_cleanly(url, venue, inherited_sigint):
    """The user presses Ctrl-C while ``covia invoke`` follows a job that never ends;
    stdin is not a terminal, so the CLI cancels without asking and says so."""
    process = spawn(
        [*COVIA, "--venue", url, "invoke", "v/test/ops/never"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        assert " STARTED " in first
        job_id = first.split()[1]
        process.send_signal(signal.SIGINT)
        out, rest = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert f"Interrupted: cancelling job {job_id}" in rest
    assert f"Cancelled job {job_id}" in rest
    assert "Traceback" not in rest
    assert out == ""
    assert venue.call(venue.simulator.job, job_id)["status"] == "CANCELLED"


class Terminal(io.StringIO):
    """Keyboard input typed at a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("answer", "status", "said"),
    [
        ("\n", "CANCELLED", "Cancelled job"),
        ("y\n", "CANCELLED", "Cancelled job"),
        ("n\n", "STARTED", "left running; `covia watch"),
        ("", "STARTED", "left running"),
    ],
    ids=["enter", "yes", "no", "end-of-input"],
)
def test_at_a_terminal_ctrl_c_asks_first(url, answer, status, said):
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=False)
    with Grid.connect(url) as sdk:
        job = sdk.invoke("v/test/ops/never")
        offer_cancel(job, out, Terminal(answer))
        assert f"Cancel job {job.id}? [Y/n] " in err.getvalue()
        assert said in err.getvalue()
        assert job.refresh().status.value == status
        job.cancel()


def test_cancelling_a_job_that_already_ended_says_so(url):
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=False)
    with Grid.connect(url) as sdk:
        job = sdk.invoke(ECHO, 1).wait(timeout=30)
        offer_cancel(job, out, io.StringIO())
    assert "had already ended: COMPLETE" in err.getvalue()


def _controlling_terminal() -> None:  # pragma: no cover - runs in the child
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Pty:
    """A child process on a pseudo-terminal: what a person at a terminal sees and types."""

    def __init__(self, *args: str) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.process = spawn(
            [*COVIA, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=clean_env(),
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self.seen = b""

    def expect(self, token: bytes) -> None:
        """Read until ``token`` shows (bounded, so a broken CLI fails instead of hanging)."""
        deadline = time.monotonic() + TIMEOUT
        while token not in self.seen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    break
                self.seen += chunk
        assert token in self.seen, self.seen.decode(errors="replace")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> int:
        try:
            return self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            os.close(self.master)


@pytest.mark.skipif(not hasattr(os, "setsid"), reason="needs POSIX pseudo-terminals")
@pytest.mark.parametrize(("answer", "status"), [(b"y\r", "CANCELLED"), (b"n\r", "STARTED")])
def test_ctrl_c_at_a_terminal_asks_before_cancelling(url, venue, answer, status, inherited_sigint):
    terminal = Pty("--venue", url, "invoke", "v/test/ops/never")
    try:
        terminal.expect(b" STARTED (")
        job_id = terminal.seen.split(b"job ", 1)[1][:32].decode()
        terminal.type(b"\x03")  # Ctrl-C: the terminal sends SIGINT
        terminal.expect(f"Cancel job {job_id}? [Y/n] ".encode())
        terminal.type(answer)
        terminal.expect(b"Cancelled job" if status == "CANCELLED" else b"left running")
    finally:
        code = terminal.close()
    assert code == 130
    assert b"Traceback" not in terminal.seen
    assert venue.call(venue.simulator.job, job_id)["status"] == status
    if status == "STARTED":
        with Grid.connect(url) as sdk:
            sdk.get_job(job_id).cancel()


def test_ctrl_c_stops_watching_and_leaves_the_job_alone(capsys, url, venue, monkeypatch):
    with Grid.connect(url) as sdk:
        job = sdk.invoke("v/test/ops/never")

    def interrupted(self):
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(Job, "stream", interrupted)
    result = run_main(capsys, "--venue", url, "watch", job.id)
    assert result.code == 130
    assert f"Stopped watching; job {job.id} goes on" in result.err
    assert venue.call(venue.simulator.job, job.id)["status"] == "STARTED"
    with Grid.connect(url) as sdk:
        sdk.get_job(job.id).cancel()
