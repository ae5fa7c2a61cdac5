"""The round on a Dask cluster (``kpixl round … --executor dask [--scheduler ADDRESS]``).

:func:`dask_executor` gives an executor for :func:`kpixl.round.run_round` that runs the
worker side of the round — :func:`~kpixl.round.score_chunk` and
:func:`~kpixl.round.annotate_one` — on the workers of a ``dask.distributed`` cluster: a
``LocalCluster`` of worker processes, or a running cluster named by its scheduler's address.
Everything else stays in the coordinating process, exactly as in a serial round:

* workers read, check and score chunks of stored contents and return small result frames;
  they never open the ledger. The coordinator records each chunk in one transaction, so the
  ledger stays the single source of truth and its crash-consistency rules hold unchanged.
* workers write each annotated copy into a scratch folder of their own and send its bytes
  back; the coordinator writes it (atomically) into the output folder, which workers need
  not reach.
* workers read the received files from the ledger's store (``LEDGER.store/``), so that
  folder must be reachable by every worker at the same path (a shared folder). This is
  checked before any work is sent (every worker stats every path), and said clearly when it
  is not so (:class:`ClusterInputError`, a usage error).
* a worker that dies mid-chunk (a crash, the out-of-memory killer) has its chunk retried by
  the scheduler on another worker. A task whose workers died more often than the
  scheduler's ``distributed.scheduler.allowed-failures`` (Dask's default 3) comes back
  here: once the rest of the work is done, each of its files is run again on its own,
  alone on the cluster, so a file that merely shared a worker with a crash is scored as
  usual, and a file that kills every worker that reads it becomes that file's
  ``internal-error`` finding, never the round's end.

Results arrive in the order they complete, not the order submitted; the round does not
depend on that order (the ledger orders everything by content hash).

Dask is an optional extra (``pip install 'kpixl[dask]'``): this module imports it only
when :func:`dask_executor` is called, and nothing else in kpixl imports this module.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpixl._version import __version__
from kpixl.findings import finding, findings_frame
from kpixl.ledger import ContentResult
from kpixl.round import RoundInputError, _unreadable, annotate_one, score_chunk

if TYPE_CHECKING:
    from distributed import Client, Future

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler to answer."""
WORKERS_TIMEOUT = 60.0
"""Seconds to wait for a cluster to have at least one worker (at the start, and when every
worker is gone mid-round)."""
_POLL = 5.0


class ClusterInputError(RoundInputError):
    """The cluster cannot be used as asked: Dask missing, the scheduler unreachable, no
    workers, or workers that cannot read the received files (a usage error, exit 2)."""


# --- the worker side ------------------------------------------------------------------------


class _Unreachable(Exception):
    """Raised on a worker that cannot read some stored contents (a worker that joined after
    the check of :meth:`DaskExecutor._check_workers`)."""

    def __init__(self, worker: str, missing: list[str]) -> None:
        super().__init__(worker, missing)
        self.worker = worker
        self.missing = missing


def _check_reach(paths: Sequence[str]) -> None:
    missing = _missing(paths)
    if missing:
        from distributed import get_worker

        raise _Unreachable(get_worker().address, missing)


def _missing(paths: Sequence[str]) -> list[str]:
    return [p for p in paths if not (os.path.isfile(p) and os.access(p, os.R_OK))]


def _worker_view(paths: Sequence[str]) -> tuple[str, list[str]]:
    """On each worker: its kpixl version and the paths it cannot read."""
    return __version__, _missing(paths)


def _same(value: Any) -> Any:
    """A task that returns its argument: the masters are sent to the scheduler once, as this
    task, and workers fetch its result (recomputed if every copy of it is lost)."""
    return value


def _score_remote(items: Sequence[tuple[str, str]], masters: Sequence[Any]) -> list[ContentResult]:
    _check_reach([stored for _, stored in items])
    return score_chunk(items, masters)


def _annotate_remote(job: dict[str, Any]) -> dict[str, Any]:
    _check_reach([job["stored"]])
    with tempfile.TemporaryDirectory(prefix="kpixl-") as scratch:
        outcome = annotate_one({**job, "target": str(Path(scratch) / Path(job["target"]).name)})
        if outcome["path"] is not None:
            outcome["data"] = Path(outcome["path"]).read_bytes()
    return outcome


# --- the coordinating side -----------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How one worker-side function of the round runs on the cluster.

    Attributes:
        prepare: a call's arguments as the workers need them (absolute paths: a worker's
            working folder is not the coordinator's).
        remote: what the workers run instead.
        paths: the stored paths a call reads (checked to be reachable first).
        finish: turns a worker's answer into what the round expects (in the coordinator).
        split: a call's arguments cut into one call per file (None: it is one already).
        merge: the answers of the smaller calls as the answer of the whole.
        killed: the answer for a call whose workers kept dying.
    """

    prepare: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    remote: Callable[..., Any]
    paths: Callable[[tuple[Any, ...]], list[str]]
    finish: Callable[[tuple[Any, ...], Any], Any]
    split: Callable[[tuple[Any, ...]], list[tuple[Any, ...]] | None]
    merge: Callable[[list[Any]], Any]
    killed: Callable[[tuple[Any, ...], int], Any]


def _score_prepare(args: tuple[Any, ...]) -> tuple[Any, ...]:
    items, *rest = args
    return ([(h, os.path.abspath(stored)) for h, stored in items], *rest)


def _annotate_prepare(args: tuple[Any, ...]) -> tuple[Any, ...]:
    job, *rest = args
    # the target stays as given: the coordinator writes it
    return ({**job, "stored": os.path.abspath(job["stored"])}, *rest)


def _crash_reason(attempts: int) -> str:
    return f"the worker process died each of the {attempts} times it read this file"


def _score_killed(args: tuple[Any, ...], attempts: int) -> list[ContentResult]:
    items = args[0]
    return [
        _unreadable(h, finding("internal-error", source=h, reason=_crash_reason(attempts)))
        for h, _ in items
    ]


def _score_split(args: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
    items, masters = args
    return [([item], masters) for item in items] if len(items) > 1 else None


def _merge_results(parts: list[Any]) -> list[ContentResult]:
    merged = [result for part in parts for result in part]
    return sorted(merged, key=lambda r: r.content_hash)


def _finish_copy(args: tuple[Any, ...], outcome: dict[str, Any]) -> dict[str, Any]:
    """Write the annotated copy a worker made into the output folder (the coordinator
    writes every output)."""
    from kpixl.atomic import atomic_path

    job = args[0]
    data = outcome.pop("data", None)
    if data is not None:
        with atomic_path(job["target"]) as temp:
            temp.write_bytes(data)
        outcome["path"] = job["target"]
    return outcome


def _annotate_killed(args: tuple[Any, ...], attempts: int) -> dict[str, Any]:
    job = args[0]
    failed = finding(
        "annotation-failed", source=job["content_hash"], reason=_crash_reason(attempts)
    )
    return {"content_hash": job["content_hash"], "path": None, "digest": "",
            "findings": findings_frame([failed])}  # fmt: skip


def _unsplittable(args: tuple[Any, ...]) -> None:
    return None


def _only(parts: list[Any]) -> Any:
    return parts[0]


_PLANS: dict[Callable[..., Any], _Plan] = {
    score_chunk: _Plan(
        prepare=_score_prepare,
        remote=_score_remote,
        paths=lambda args: [stored for _, stored in args[0]],
        finish=lambda args, results: results,
        split=_score_split,
        merge=_merge_results,
        killed=_score_killed,
    ),
    annotate_one: _Plan(
        prepare=_annotate_prepare,
        remote=_annotate_remote,
        paths=lambda args: [args[0]["stored"]],
        finish=_finish_copy,
        split=_unsplittable,
        merge=_only,
        killed=_annotate_killed,
    ),
}


class DaskExecutor(Executor):
    """Runs the round's worker side on a Dask cluster (see the module docstring).

    Only :meth:`map` of the round's two worker functions is offered, which is what
    :func:`kpixl.round.run_round` uses; its results come in the order they complete.

    Args:
        client: a connected ``distributed.Client``.
        allowed_failures: the scheduler's ``allowed-failures`` (how often a task's worker
            may die before the task comes back failed), for the findings' wording.
    """

    def __init__(self, client: Client, allowed_failures: int) -> None:
        self.client = client
        self.allowed_failures = allowed_failures
        self._checked: set[str] = set()

    def map(
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        """``fn`` over the argument tuples, on the cluster; results as they complete."""
        plan = _PLANS[fn]
        calls = [plan.prepare(call) for call in zip(*iterables, strict=True)]
        if calls:
            self._check_workers(sorted({p for call in calls for p in plan.paths(call)}))
        return self._run(plan, calls)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to do: :func:`dask_executor` closes the client and its cluster."""

    def _run(self, plan: _Plan, calls: list[tuple[Any, ...]]) -> Iterator[Any]:
        shared = self._share(calls)
        futures = {
            self.client.submit(plan.remote, *self._args(call, shared), pure=False): number
            for number, call in enumerate(calls)
        }
        suspects = []
        try:
            for future in self._as_completed(list(futures)):
                number = futures.pop(future)
                answer = self._result(future)
                if answer is _KILLED:
                    suspects.append(number)
                else:
                    yield plan.finish(calls[number], answer)
            for number in suspects:
                yield plan.finish(calls[number], self._alone(plan, calls[number], shared))
        finally:  # stopped early (an error, a reader that left): nothing left running
            self.client.cancel([*futures, *shared.values()])

    def _alone(self, plan: _Plan, call: tuple[Any, ...], shared: dict[int, Future[Any]]) -> Any:
        """A call whose workers kept dying, run again file by file with nothing else on the
        cluster, so that only the file itself can be what kills its workers."""
        parts = plan.split(call)
        if parts is not None:
            return plan.merge([self._alone(plan, part, shared) for part in parts])
        future = self.client.submit(plan.remote, *self._args(call, shared), pure=False)
        answer = self._result(next(self._as_completed([future])))
        return plan.killed(call, self.allowed_failures + 1) if answer is _KILLED else answer

    def _as_completed(self, futures: list[Future[Any]]) -> Iterator[Future[Any]]:
        """The futures as they finish; a clear error, never a wait without end, when the
        cluster has had no worker for :data:`WORKERS_TIMEOUT` seconds."""
        from distributed import wait

        pending = set(futures)
        alone_since: float | None = None
        while pending:
            try:
                done, pending = wait(pending, timeout=_POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            yield from done
            if done or self.client.nthreads():
                alone_since = None
                continue
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since > WORKERS_TIMEOUT:
                raise ClusterInputError(
                    f"คลัสเตอร์ของ Dask ไม่มีเครื่องประมวลผลเหลืออยู่เลยนานกว่า {WORKERS_TIMEOUT:.0f} วินาที "
                    f"/ the Dask cluster has had no worker for {WORKERS_TIMEOUT:.0f} s; the "
                    "ledger keeps what was done: run the same command again"
                )

    def _result(self, future: Future[Any]) -> Any:
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker:
            return _KILLED
        except _Unreachable as error:
            raise ClusterInputError(_unreachable_message(error.worker, error.missing)) from None
        finally:
            future.release()

    def _share(self, calls: list[tuple[Any, ...]]) -> dict[int, Future[Any]]:
        """Arguments passed to every call as one same object (the masters): sent once."""
        if len(calls) < 2:
            return {}
        shared = {}
        for position, value in enumerate(calls[0]):
            if all(call[position] is value for call in calls[1:]):
                shared[position] = self.client.submit(_same, value, pure=False)
        return shared

    @staticmethod
    def _args(call: tuple[Any, ...], shared: dict[int, Future[Any]]) -> list[Any]:
        return [shared.get(position, value) for position, value in enumerate(call)]

    def _check_workers(self, paths: list[str]) -> None:
        """Every worker runs kpixl of this version and reads every path, or a clear error."""
        todo = [p for p in paths if p not in self._checked]
        if not todo:
            return
        try:
            views = self.client.run(_worker_view, todo)
        except (ImportError, AttributeError) as error:
            raise ClusterInputError(
                "เครื่องประมวลผลของ Dask ไม่มี kpixl ติดตั้งไว้ "
                f"/ the Dask workers cannot run kpixl ({type(error).__name__}: {error}): "
                f"install kpixl {__version__} on every worker"
            ) from None
        for worker, (version, missing) in sorted(views.items()):
            if version != __version__:
                raise ClusterInputError(
                    f"เครื่องประมวลผล {worker} ใช้ kpixl รุ่น {version} ไม่ตรงกับรุ่น {__version__} "
                    f"ของเครื่องนี้ / the Dask worker {worker} runs kpixl {version}, this "
                    f"machine {__version__}: install the same version everywhere"
                )
            if missing:
                raise ClusterInputError(_unreachable_message(worker, missing))
        self._checked.update(todo)


class _Killed:
    """The answer of a task whose workers kept dying."""


_KILLED = _Killed()


def _unreachable_message(worker: str, missing: list[str]) -> str:
    store = Path(missing[0]).parent.parent
    return (
        f"เครื่องประมวลผลของ Dask {worker} เปิดไฟล์ที่รับไว้ไม่ได้ {len(missing)} ไฟล์ เช่น "
        f"{missing[0]} — ที่เก็บไฟล์ {store} ต้องอยู่ในโฟลเดอร์ที่ใช้ร่วมกัน ซึ่งเครื่องประมวลผลทุกเครื่อง"
        f"เปิดได้ที่ตำแหน่งเดียวกัน (กำหนดด้วย --ledger) / the Dask worker {worker} cannot read "
        f"{len(missing)} of the received files, e.g. {missing[0]}: the ledger's store {store} "
        "must be in a shared folder that every worker reaches at the same path (choose it "
        "with --ledger)"
    )


# --- making the executor ------------------------------------------------------------------


@contextlib.contextmanager
def dask_executor(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    allowed_failures: int | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on a running cluster, or on a new ``LocalCluster``.

    Args:
        scheduler: the scheduler's address (``tcp://HOST:8786``); None starts a
            ``LocalCluster`` of worker processes (one thread each) for this round.
        workers: the LocalCluster's worker processes (default: every core).
        allowed_failures: how often a task's worker may die before the task is set aside
            (LocalCluster only; a running cluster keeps its scheduler's setting).
        connect_timeout: seconds to wait for the scheduler.

    Raises:
        ClusterInputError: Dask is not installed, or the scheduler cannot be reached, or
            has no worker.
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterInputError(
            "ยังไม่ได้ติดตั้ง Dask — ติดตั้งด้วยคำสั่ง pip install 'kpixl[dask]' "
            "/ Dask is not installed: pip install 'kpixl[dask]'"
        ) from None
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            failures = (
                allowed_failures
                if allowed_failures is not None
                else int(dask.config.get("distributed.scheduler.allowed-failures"))
            )
            # A LocalCluster closes for good a worker that is away for lost-worker-timeout
            # after any removal, even while its nanny restarts it: it would shrink with
            # every crash. Its nannies restart their workers themselves.
            stack.enter_context(dask.config.set({"distributed.deploy.lost-worker-timeout": "1d"}))
            with dask.config.set({"distributed.scheduler.allowed-failures": failures}):
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers or os.cpu_count() or 1,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        # no dashboard; the scheduler's health page on a free port, not on
                        # 8787 (a second round at the same time would warn of it)
                        scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
                        silence_logs=logging.CRITICAL,
                    )
                )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(_connect(scheduler, connect_timeout))
            failures = int(client.run_on_scheduler(_allowed_failures))
        yield DaskExecutor(client, failures)


def _allowed_failures(dask_scheduler: Any) -> int:
    return int(dask_scheduler.allowed_failures)


def _connect(address: str, timeout: float) -> Client:
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port

    def unreachable(reason: str) -> ClusterInputError:
        return ClusterInputError(
            f"ติดต่อตัวจัดงานของ Dask ที่ {address} ไม่ได้ — ตรวจสอบที่อยู่และว่าเปิดตัวจัดงานไว้แล้ว "
            f"/ cannot reach the Dask scheduler at {address} ({reason}): check the address "
            "and that the scheduler is running"
        )

    try:
        scheme, location = parse_address(address)
        if scheme == "tcp":
            # A refused or unknown address fails at once here, not after Dask's retries.
            host, port = parse_host_port(location, default_port=8786)
            socket.create_connection((host, port), timeout=timeout).close()
    except (OSError, ValueError, TypeError) as error:
        raise unreachable(f"{type(error).__name__}: {error}") from None
    try:
        client = Client(address, timeout=timeout)
    except (OSError, ValueError) as error:
        raise unreachable(f"{type(error).__name__}: {error}") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except (OSError, TimeoutError) as error:
        client.close()
        raise ClusterInputError(
            f"ตัวจัดงานของ Dask ที่ {address} ยังไม่มีเครื่องประมวลผลเลย "
            f"/ the Dask scheduler at {address} has no worker ({type(error).__name__})"
        ) from None
    return client
