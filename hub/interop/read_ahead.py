"""Reading and checking a STIX file one batch ahead of its store, in a process of its own.

A `hub import` batch waits on the database for about half of its store, and the importing process spends
most of the rest reading the file (`ijson`) and checking the objects (`hub.stix.ingest.check_objects`:
validation, the objects' own TLP, their observable index values). Neither needs the database or the
principal, so a child process reads and checks the next batch while the parent stores this one. A process,
not a thread: the checks are Python and hold the interpreter's lock, so a checker thread only took turns
with the store (`docs/performance.md`, "Reading ahead").

The child is forked, so it starts with the hub already imported (a spawned one would import it again, about
a second of CPU), and it uses nothing it inherited but the code: no database connection, no log, no
terminal. It closes its copy of the pipe's read end, so it ends when the parent is gone (killed, or out of
memory) instead of waiting on a full pipe. It ends through `os._exit` (multiprocessing's fork start), so the
parent's connections are not closed from under it, and it ignores Ctrl-C: the parent stops it. The pipe
holds about one batch and the child blocks until the parent takes it, so memory stays a few batches
whatever the file's size.
"""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

from hub.errors import InvalidInput
from hub.interop.stix_files import in_batches, stream_objects
from hub.stix.ingest import CheckedBatch, check_objects

Batch = tuple[CheckedBatch, int]  # a checked batch and the byte offset the reader had reached


class _Failure(NamedTuple):
    """Why the reader stopped: bad input (told to the user as it is) or a fault (with its traceback)."""

    invalid_input: bool
    text: str


def checked_batches(path: Path, batch: int, domains: Sequence[str]) -> Iterator[Batch]:
    """The file's objects in checked batches of `batch`, each with the byte offset read so far.

    :raises InvalidInput: not a bundle, envelope or list of objects, or not valid JSON; raised where the
        reader met it, after the batches before it."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    reader = context.Process(
        target=_read,
        args=(path, batch, tuple(domains), sender, receiver),
        name="hub-import-reader",
        daemon=True,
    )
    reader.start()
    sender.close()  # the child's end: once the child is gone, a read here ends instead of waiting
    try:
        while (message := _receive(receiver)) is not None:
            yield message
    finally:
        reader.terminate()  # at the end it has exited already; on a failed store it is still reading
        reader.join()
        receiver.close()


def _receive(receiver: Connection) -> Batch | None:
    try:
        message: Batch | _Failure | None = receiver.recv()
    except EOFError:
        raise RuntimeError("the import's file reader stopped without a word (killed?)") from None
    if isinstance(message, _Failure):
        if message.invalid_input:
            raise InvalidInput(message.text)
        raise RuntimeError(f"the import's file reader failed:\n{message.text}")
    return message


def _read(path: Path, batch: int, domains: tuple[str, ...], sender: Connection, receiver: Connection) -> None:
    """In the child: read, check and send each batch, then None, or the failure that stopped the reading.

    The child's copy of the read end is closed first: while it is open a send into a full pipe waits
    forever once the parent is gone (killed, or out of memory), with the file and a batch held. Closed, the
    send fails and the child ends quietly: nobody is left to tell."""
    receiver.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _send_all(path, batch, domains, sender)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent is gone
    finally:
        sender.close()


def _send_all(path: Path, batch: int, domains: tuple[str, ...], sender: Connection) -> None:
    """Each checked batch, then None, or the failure; a pipe the parent no longer reads is not a failure
    to report (there is nobody to report it to)."""
    try:
        with path.open("rb") as handle:
            for chunk in in_batches(stream_objects(handle), batch):
                sender.send((check_objects(chunk, domains), handle.tell()))
        sender.send(None)
    except InvalidInput as exc:
        sender.send(_Failure(True, str(exc)))
    except (BrokenPipeError, ConnectionResetError):
        raise
    except Exception as exc:  # a fault: the parent reports it where the user and the log see it
        sender.send(_Failure(False, "".join(traceback.format_exception(exc))))
