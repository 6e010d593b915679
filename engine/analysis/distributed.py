"""The batch over partitions through Dask: one compiled kernel, shipped once, mapped over
slices of the catalogue on a cluster (a local one by default).

Worth it when a catalogue no longer fits one machine's memory or time budget: the single
process evaluates about a million product-formulas per second per core (see bench/), so
a local cluster pays its start-up (seconds) back only on catalogues of millions of
product-formula cells, and a remote one when the catalogue lives there too.
"""
from __future__ import annotations

from collections import deque
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from ..core.errors import fail
from ..evaluation.compiled import Program, Rows
from .batch import BatchResult, Catalogue, Outcome, evaluate_catalogue, evaluate_chunk
from .widecsv import Chunk


def partitions_of(cat: Catalogue, count: int) -> list[Catalogue]:
    """`count` contiguous slices of the catalogue (the last ones may be one product shorter)."""
    n = len(cat)
    bounds = np.linspace(0, n, max(1, min(count, n)) + 1).astype(int)
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        inputs = {k: (Rows({c: a[:, lo:hi] for c, a in v.columns.items()}, v.mask[:, lo:hi])
                      if isinstance(v, Rows) else v[lo:hi]) for k, v in cat.inputs.items()}
        out.append(Catalogue(cat.ids[lo:hi], cat.names[lo:hi], inputs, cat.divisor[lo:hi], cat.path))
    return out


def _evaluate_part(kernel: Program, part: Catalogue) -> tuple[np.ndarray, ...]:
    r = evaluate_catalogue(kernel, part)
    return r.lines, r.stages, r.total, r.checks


@contextmanager
def dask_client(scheduler: str | None = None, client=None):
    """A Dask client: `client` as given, else one of the scheduler at `scheduler`, else of a local
    cluster of processes started here; what is started here is closed on the way out."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise fail("io", "--dask needs Dask: pip install 'pcf[dask]'", None, path="<args>") \
            from None
    if client is not None:
        yield client
        return
    if scheduler:
        with Client(scheduler) as own:
            yield own
        return
    # The scheduler's HTTP server (health, and the dashboard when bokeh is installed) on a free
    # port of this machine only: the default, 8787 on every interface, warns when taken.
    with LocalCluster(processes=True, dashboard_address="127.0.0.1:0", silence_logs=40) as cluster, \
            Client(cluster) as own:
        yield own


def workers_of(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def dask_outcomes(prog: Program, client, chunks: Iterator[tuple[Chunk, int]],
                  in_flight: int | None = None) -> Iterator[Outcome]:
    """Each chunk's `evaluate_chunk` on the cluster, yielded in the catalogue's order, with at most
    `in_flight` chunks (default: two per worker) sent and not yet back: the catalogue is read as
    the cluster works through it, and memory follows the chunk, as in the plain path."""
    # Keys of their own (hash=False): a key named by content would be shared with an earlier call's
    # equal data, which the scheduler forgets when that call's futures are released.
    kernel = client.scatter(prog.kernel(), broadcast=True, hash=False)
    limit = in_flight or 2 * workers_of(client)
    pending: deque = deque()
    for chunk, offset in chunks:
        # each chunk scattered as data (the task graph holds its key only: no "large graph")
        pending.append(client.submit(evaluate_chunk, kernel, client.scatter(chunk, hash=False), offset, pure=False))
        while len(pending) >= limit:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def evaluate_dask(prog: Program, cat: Catalogue, partitions: int | None = None,
                  scheduler: str | None = None, client=None) -> BatchResult:
    """Evaluate `cat` on a Dask cluster; results are the same numbers as `evaluate_catalogue`."""
    with dask_client(scheduler, client) as client:
        parts = partitions_of(cat, partitions or workers_of(client))
        kernel = client.scatter(prog.kernel(), broadcast=True, hash=False)
        # The partitions are data, not part of the task graph: scattered first (each to one
        # worker), the graph holds only their keys. Passed as arguments, they made the graph as
        # large as the catalogue, and Dask warned "Sending large graph" at 10 MB.
        futures = client.map(_evaluate_part, [kernel] * len(parts), client.scatter(parts, hash=False), pure=False)
        done = client.gather(futures)
    lines = np.concatenate([d[0] for d in done], axis=1)
    result = BatchResult(cat.ids, cat.names, lines, np.concatenate([d[1] for d in done], axis=1),
                         np.concatenate([d[2] for d in done]), np.concatenate([d[3] for d in done], axis=1))
    bad = ~np.isfinite(result.lines)
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        e = prog.plan.method.emissions[i]
        raise fail("bad-number", f"`{e.name}` is not finite for product `{cat.ids[j]}`: "
                   "overflow or division by zero", e.span)
    return result
