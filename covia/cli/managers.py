"""The caller's own things on the command line: ``ws ls|get|put|rm PATH`` (workspace),
``secrets [set|rm NAME]``, ``agents [request|fork|trigger|context|cancel-task …]``,
``chat AGENT [MESSAGE]``, and ``pin PATH`` / ``pins`` (pinned assets).

A secret's value is read from stdin (a prompt that does not echo at a terminal), never
from the command line, where it would land in the shell's history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from covia.cli.errors import CliError, ExitCode
from covia.cli.inputs import read_input
from covia.cli.render import Output, dumps
from covia.cli.venue import VenueOptions, connect
from covia_proto.converter import unstructure

__all__ = ["register"]


# -- workspace ----------------------------------------------------------------------------


def ws_ls(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        listing = venue.workspace.list(args.path)
    if out.json_mode:
        out.json(unstructure(listing))
        return 0
    if not listing.exists:
        out.note(f"nothing at {args.path}")
        return 0
    if listing.keys:
        for key in listing.keys:
            out.line(key)
        return 0
    count = "" if listing.count is None else f" of {listing.count}"
    out.line(f"{listing.type}{count}")
    return 0


def ws_get(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        found = venue.workspace.read(args.path)
    if out.json_mode:
        out.json(unstructure(found))
        return 0
    if not found.exists:
        raise CliError(f"nothing at {args.path}", ExitCode.VENUE)
    out.line(dumps(found.value))
    return 0


def ws_put(args: argparse.Namespace, out: Output) -> int:
    value = read_input(args.value)
    with connect(VenueOptions.from_args(args), out) as venue:
        venue.workspace.write(args.path, value)
    out.done({"path": args.path, "written": True}, f"wrote {args.path}")
    return 0


def ws_rm(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        venue.workspace.delete(args.path)
    out.done({"path": args.path, "deleted": True}, f"deleted {args.path}")
    return 0


# -- secrets ------------------------------------------------------------------------------


def secrets_list(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        names = venue.secrets.list()
    if out.json_mode:
        out.json(names)
    else:
        for name in names:
            out.line(name)
    return 0


def _secret_value() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Secret value: ")
    value = sys.stdin.read()
    return value.removesuffix("\n")


def secrets_set(args: argparse.Namespace, out: Output) -> int:
    value = _secret_value()
    if not value:
        raise CliError("no secret value on stdin")
    with connect(VenueOptions.from_args(args), out) as venue:
        venue.secrets.set(args.name, value)
    out.done({"name": args.name, "stored": True}, f"stored secret {args.name}")
    return 0


def secrets_rm(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        venue.secrets.delete(args.name)
    out.done({"name": args.name, "deleted": True}, f"deleted secret {args.name}")
    return 0


# -- agents -------------------------------------------------------------------------------


def agents_list(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        found = venue.agents.list(include_terminated=args.all)
    if out.json_mode:
        out.json([unstructure(agent) for agent in found])
        return 0
    rows = [(a.agent_id, a.status or "", "" if a.tasks is None else str(a.tasks)) for a in found]
    out.table(["agent", "status", "tasks"], rows)
    return 0


def _show_value(out: Output, value: Any) -> None:
    out.line(value if isinstance(value, str) else dumps(value))


def agents_request(args: argparse.Namespace, out: Output) -> int:
    task = read_input(args.input)
    with connect(VenueOptions.from_args(args), out) as venue:
        result = venue.agent(args.agent).request(task, session_id=args.session, timeout=args.wait)
    if out.json_mode:
        out.json(unstructure(result))
        return 0
    _show_value(out, result.output)
    if result.session_id:
        out.note(f"session {result.session_id} (continue it with --session)")
    return 0


def agents_fork(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        forked = venue.agent(args.source).fork(
            args.agent, include_timeline=args.timeline, overwrite=args.overwrite
        )
    out.done(unstructure(forked), f"forked {args.source} into {forked.agent_id}")
    return 0


def agents_trigger(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        cycle = venue.agent(args.agent).trigger(wait=not args.no_wait)
    if out.json_mode:
        out.json(unstructure(cycle))
        return 0
    out.line(cycle.status or "")
    if cycle.result is not None:
        _show_value(out, cycle.result)
    return 0


def agents_context(args: argparse.Namespace, out: Output) -> int:
    task = read_input(args.task)
    with connect(VenueOptions.from_args(args), out) as venue:
        rendered = venue.agent(args.agent).context(task=task)
    if out.json_mode:
        out.json(unstructure(rendered))
    else:
        out.line(rendered.text)
    return 0


def agents_cancel_task(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        cancelled = venue.agent(args.agent).cancel_task(args.task)
    out.done(unstructure(cancelled), f"cancelled task {args.task} of {args.agent}")
    return 0


# -- pins ---------------------------------------------------------------------------------


def pin(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        pinned = venue.pins.pin(args.path)
    if out.json_mode:
        out.json(unstructure(pinned))
    else:
        out.line(pinned.path)
    return 0


def pins_list(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        page = venue.pins.list(type=args.type, offset=args.offset, limit=args.limit)
    if out.json_mode:
        out.json(unstructure(page))
        return 0
    rows = [(p.id, p.name or "", p.type or "") for p in page.items]
    out.table(["id", "name", "type"], rows)
    if page.total is not None and page.total > len(page.items):
        out.note(f"{len(page.items)} of {page.total} pins (page with --offset, --limit)")
    return 0


def _show_reply(out: Output, reply: Any) -> None:
    if out.json_mode:
        out.json_line(unstructure(reply))
    else:
        response = reply.response
        out.line(response if isinstance(response, str) else dumps(response))


def chat(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        session = venue.agent(args.agent).session(args.session)
        if args.message is not None:
            _show_reply(out, session.send(args.message))
            return 0
        if sys.stdin.isatty():
            out.note(f"chatting with {args.agent}: one message a line, Ctrl-D to end")
        for line in sys.stdin:
            message = line.rstrip("\n")
            if message.strip():
                _show_reply(out, session.send(message))
        if session.session_id and not out.json_mode:
            out.note(f"session {session.session_id} (continue it with --session)")
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    ws = commands.add_parser(
        "ws",
        help="your workspace: ls, get, put, rm lattice paths (w/...)",
        description="Your lattice values through v/ops/covia/*: paths like w/notes; "
        "another identity's are <DID>/w/... and need a grant.",
    )
    actions = ws.add_subparsers(dest="ws_command", metavar="ACTION", required=True)
    ls = actions.add_parser("ls", parents=[common], help="what a path holds (keys of a map)")
    ls.add_argument("path", nargs="?", default=None, help="a path (default: the top)")
    ls.set_defaults(handler=ws_ls)
    get = actions.add_parser("get", parents=[common], help="print the value at a path")
    get.add_argument("path")
    get.set_defaults(handler=ws_get)
    put = actions.add_parser("put", parents=[common], help="write a JSON value at a path")
    put.add_argument("path")
    put.add_argument("value", help="JSON, @FILE or - (stdin)")
    put.set_defaults(handler=ws_put)
    rm = actions.add_parser("rm", parents=[common], help="delete a path")
    rm.add_argument("path")
    rm.set_defaults(handler=ws_rm)

    secrets = commands.add_parser(
        "secrets",
        parents=[common],
        help="list your secrets' names; set NAME (value on stdin), rm NAME",
        description="Your secrets at the venue. Values are read from stdin, never from "
        "the command line, and never printed.",
    )
    secrets.set_defaults(handler=secrets_list)
    secret_actions = secrets.add_subparsers(dest="secrets_command", metavar="ACTION")
    set_ = secret_actions.add_parser(
        "set", parents=[common], help="store a secret; its value is read from stdin"
    )
    set_.add_argument("name")
    set_.set_defaults(handler=secrets_set)
    remove = secret_actions.add_parser("rm", parents=[common], help="delete a secret")
    remove.add_argument("name")
    remove.set_defaults(handler=secrets_rm)

    agents = commands.add_parser(
        "agents",
        parents=[common],
        help="list your agents; request, fork, trigger, context, cancel-task",
    )
    agents.add_argument("--all", action="store_true", help="terminated agents too")
    agents.set_defaults(handler=agents_list)
    _agent_actions(agents, common)

    talk = commands.add_parser(
        "chat",
        parents=[common],
        help="chat with an agent: one MESSAGE, or a line at a time from stdin",
    )
    talk.add_argument("agent")
    talk.add_argument("message", nargs="?", default=None)
    talk.add_argument("--session", default=None, help="continue this session id")
    talk.set_defaults(handler=chat)

    pinned = commands.add_parser(
        "pin",
        parents=[common],
        help="pin a value (w/..., an operation, an asset id or DID URL) as your asset",
        description="Snapshot the map at PATH into your own content-addressed store; "
        "prints the pin's DID URL.",
    )
    pinned.add_argument("path")
    pinned.set_defaults(handler=pin)
    listed = commands.add_parser("pins", parents=[common], help="list your pinned assets")
    listed.add_argument("--type", default=None, help="only pins whose metadata has this type")
    listed.add_argument("--offset", type=int, default=None)
    listed.add_argument("--limit", type=int, default=None, help="at most 1000")
    listed.set_defaults(handler=pins_list)


def _agent_actions(agents: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = agents.add_subparsers(dest="agents_command", metavar="ACTION")
    request = actions.add_parser(
        "request", parents=[common], help="give an agent a task and print its answer"
    )
    request.add_argument("agent")
    request.add_argument("input", help='the task as JSON ({"task": "..."}), @FILE or -')
    request.add_argument("--session", default=None, help="file it in this session")
    request.add_argument(
        "--wait", type=float, default=None, help="seconds to wait for the answer (default: any)"
    )
    request.set_defaults(handler=agents_request)
    fork = actions.add_parser("fork", parents=[common], help="copy an agent under a new name")
    fork.add_argument("source")
    fork.add_argument("agent")
    fork.add_argument("--timeline", action="store_true", help="copy its timeline too")
    fork.add_argument(
        "--overwrite", action="store_true", help="reuse the name of a terminated agent"
    )
    fork.set_defaults(handler=agents_fork)
    trigger = actions.add_parser("trigger", parents=[common], help="run a cycle of an agent")
    trigger.add_argument("agent")
    trigger.add_argument("--no-wait", action="store_true", help="do not wait for the cycle")
    trigger.set_defaults(handler=agents_trigger)
    shown = actions.add_parser(
        "context", parents=[common], help="print what the agent's model would be sent"
    )
    shown.add_argument("agent")
    shown.add_argument("--task", default=None, help="as on a request with this JSON task")
    shown.set_defaults(handler=agents_context)
    cancel = actions.add_parser(
        "cancel-task", parents=[common], help="take a task (a request's job id) off the queue"
    )
    cancel.add_argument("agent")
    cancel.add_argument("task")
    cancel.set_defaults(handler=agents_cancel_task)
