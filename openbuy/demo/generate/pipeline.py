"""Generating on two cores while the database writes.

Making up two million rows in Python takes longer than writing them, so ``generate`` forks two
children that each generate an independent part of the data — the needs side (needs, ideas,
the specifications being written, comments) and the buying side (processes with everything in
them, lessons) — and send each full buffer of rows down a pipe. The parent, which holds the
connection and the transaction, writes the rows as they come from either.

The children never touch the database (every query is refused there): what they need from it
— areas, content types, the first free ids, the people — is read or written before the fork.
The two sides share only the specification tables; each writes its own range of ids there (see
:func:`split_ids`). Once the buying side has sent its last rows it fits the lessons' similarity
index, which comes back down a second pipe.

Where processes cannot be forked, every step runs in the one process, writing as it goes.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from django.db import connection

from openbuy.demo.generate import comments, lessons, needs, people, processes, specifications
from openbuy.demo.generate.context import Context
from openbuy.demo.generate.specifications import SHARE as specifications_share
from openbuy.demo.generate.writer import Send, Writer

NEEDS_SIDE = (needs, specifications, comments)
BUYING_SIDE = (processes, lessons)

Fitted = tuple[bytes, list, int] | None  # the index, its phrases, how many lessons it holds


class GenerationError(RuntimeError):
    """A generating process failed; the message carries its traceback."""


def split_ids(first: dict[str, int], count: int) -> dict[str, int]:
    """The buying side's first ids: after the needs side's share of the specification tables."""
    return {
        label: start + specifications_share.get(label, 0) * count for label, start in first.items()
    }


def run(
    ctx: Context,
    *,
    write: Send,
    advance: Callable[[int], Any],
    describe: Callable[[str], Any],
    fit_index: bool,
) -> Children:
    """Generate every step's rows and ``write`` them. Returns the children, still fitting the
    lessons index: call ``index()`` after the commit, and ``stop()`` whatever happens."""
    ctx.writer.send, ctx.advance = write, advance
    describe(_name(people))
    people.run(ctx)
    ctx.writer.flush()
    first = ctx.writer.first_ids
    buying = Writer(split_ids(first, ctx.scale.specifications), send=write)
    if "fork" not in multiprocessing.get_all_start_methods():
        for steps, writer in ((NEEDS_SIDE, ctx.writer), (BUYING_SIDE, buying)):
            ctx.writer = writer
            for step in steps:
                describe(_name(step))
                step.run(ctx)
            writer.flush()
        return Children([], None)
    fork = multiprocessing.get_context("fork")
    fitted, fitted_end = fork.Pipe(duplex=False)
    children: dict[Connection, Any] = {}
    for steps in (NEEDS_SIDE, BUYING_SIDE):
        receiver, sender = fork.Pipe(duplex=False)
        if steps is BUYING_SIDE:
            ctx.writer = buying  # the needs side, forked already, keeps the first writer
        child = fork.Process(
            target=_produce,
            args=(ctx, steps, sender, fitted_end if steps is BUYING_SIDE and fit_index else None),
            name="openbuy-generate",
            daemon=True,  # never outlives the command, whatever happens to it
        )
        child.start()
        sender.close()
        children[receiver] = child
    fitted_end.close()
    try:
        _consume(children, write, advance, describe)
    except BaseException:
        for child in children.values():
            child.terminate()
            child.join()
        raise

    return Children(list(children.values()), fitted if fit_index else None)


@dataclass
class Children:
    processes: list[Any]
    fitted: Connection | None

    def index(self) -> Fitted:
        """The lessons index the buying side fitted (None: build it the usual way)."""
        try:
            result = self.fitted.recv() if self.fitted is not None else None
        except EOFError:  # the fitting failed
            result = None
        for child in self.processes:
            child.join()
        return result

    def stop(self) -> None:
        """End any child still running (after a failure, it may wait to send forever)."""
        for child in self.processes:
            if child.is_alive():
                child.terminate()
            child.join()


def _consume(children: dict[Connection, Any], write: Send, advance, describe) -> None:
    """Write the rows from both children as they come, until both are done."""
    waiting = set(children)
    while waiting:
        for ready in wait(list(waiting)):
            assert isinstance(ready, Connection)
            try:
                message = ready.recv()
            except EOFError:
                raise GenerationError("A generating process ended without finishing") from None
            if message[0] == "rows":
                _, label, columns, batch, made = message
                write(label, columns, batch)
                advance(made)
            elif message[0] == "step":
                describe(message[1])
            elif message[0] == "done":
                advance(message[1])
                waiting.discard(ready)
            else:
                raise GenerationError(message[1])


def _name(step) -> str:
    return f"Generating {step.__name__.rsplit('.', 1)[-1]}"


def _no_database(execute, sql, params, many, context):
    raise RuntimeError("A generating process must not use the database: read it before forking")


def _produce(ctx: Context, steps, sender: Connection, fitted: Connection | None) -> None:
    """In a child: run the steps, sending rows (and how many objects they completed); then, on
    the buying side, fit the lessons' index."""
    made = 0

    def advance(count: int) -> None:
        nonlocal made
        made += count

    def send(label: str, columns: list[str], batch: list[tuple]) -> None:
        nonlocal made
        sender.send(("rows", label, columns, batch, made))
        made = 0

    ctx.advance, ctx.writer.send = advance, send
    try:
        with connection.execute_wrapper(_no_database):
            for step in steps:
                sender.send(("step", _name(step)))
                step.run(ctx)
            ctx.writer.flush()
        sender.send(("done", made))
    except BaseException:
        sender.send(("error", traceback.format_exc()))
        return
    finally:
        sender.close()
    if fitted is not None:
        lessons.fit(ctx.lessons, fitted)
