"""``covia_proto.testing.agent_ops``: the simulator's agents, where they go beyond what
``tests/covia/test_managers.py`` holds against the real venue."""

from __future__ import annotations

import pytest

from covia import Grid, JobFailedError
from covia_proto.testing.memory import MemoryDriver


@pytest.fixture
def venue(covia_simulator, covia_clock):
    with Grid.connect("http://venue.test", driver=MemoryDriver(covia_simulator, covia_clock)) as v:
        yield v


def test_a_template_keeps_its_provider_model_until_overridden(venue):
    venue.agents.create("t", "v/agents/templates/minimal")
    config = venue.agent("t").info().config
    assert config["llmOperation"] == "v/ops/langchain/openai"
    assert config["operation"] == "v/ops/llmagent/chat"
    with pytest.raises(JobFailedError, match="runs only v/test/ops/llm"):
        venue.agent("t").chat("hi")
    venue.agent("t").update(config={"llmOperation": "v/test/ops/llm"})
    assert venue.agent("t").chat("hi").response.endswith("\nhi")


def test_unknown_references_and_suspended_agents_fail_as_the_venue_says(venue):
    with pytest.raises(JobFailedError, match="Cannot resolve config reference"):
        venue.agents.create("x", "v/agents/templates/nope")
    venue.agents.create("s", {"llmOperation": "v/test/ops/llm"})
    venue.agent("s").suspend()
    with pytest.raises(JobFailedError, match="Transition cancelled"):
        venue.agent("s").chat("hi")


def test_removed_agents_leave_no_record_and_can_be_made_again(venue):
    venue.agents.create("r", {"llmOperation": "v/test/ops/llm"})
    venue.agent("r").delete(remove=True)
    assert venue.agents.list(include_terminated=True) == []
    assert venue.agents.create("r", {}).created is True


def test_a_chat_with_structured_content_keeps_a_session_per_conversation(venue):
    venue.agents.create("c", {"llmOperation": "v/test/ops/llm"})
    one, two = venue.agent("c").session(), venue.agent("c").session()
    one.send({"k": 1})
    two.send("x")
    assert one.session_id != two.session_id
    assert venue.agent("c").info().timeline_length == 2


def test_only_the_scripted_models_run_a_request(venue):
    venue.agents.create("p", "v/agents/templates/minimal")
    with pytest.raises(JobFailedError, match="runs only v/test/ops/llm and v/test/ops/taskllm"):
        venue.agent("p").request({"task": "x"})


def test_a_chat_models_task_stays_queued_and_the_trigger_lists_it(venue, covia_simulator):
    venue.agents.create("q", {"llmOperation": "v/test/ops/llm"})
    job = venue.invoke("v/ops/agent/request", {"agentId": "q", "input": {"task": "x"}})
    assert venue.get_job(job.id).status == "STARTED"
    assert venue.agent("q").info().tasks == 1
    result = venue.agent("q").trigger().result
    assert result.startswith("[Tasks assigned to you]\n- Task " + job.id)
    assert venue.agent("q").trigger(force=False).status == "SLEEPING"
    venue.agent("q").cancel_task(job.id)
    assert venue.agent("q").trigger().result.startswith("[No pending tasks")


def test_a_trigger_echoes_its_session_and_refuses_a_suspended_agent(venue):
    venue.agents.create("e", {"llmOperation": "v/test/ops/taskllm"})
    assert venue.agent("e").trigger(session_id="00ff").session_id == "00ff"
    assert venue.agent("e").trigger(force=False).result is None
    venue.agent("e").suspend()
    with pytest.raises(JobFailedError, match="Agent is suspended: e"):
        venue.agent("e").trigger()


def test_a_fork_copies_the_timeline_only_when_asked(venue):
    venue.agents.create("src", {"llmOperation": "v/test/ops/taskllm", "model": "m1"})
    venue.agent("src").request({"task": "x"})
    venue.agent("src").fork("bare")
    venue.agent("src").fork("full", include_timeline=True, config={"model": "m2"})
    assert venue.agent("bare").info().timeline_length == 0
    assert venue.agent("full").info().timeline_length == 1
    assert venue.agent("full").context().model == "m2"
