"""The batch over partitions through Dask: one compiled kernel, shipped once, mapped over
slices of the catalogue on a cluster (a local one by default).

Worth it when a catalogue no longer fits one machine's memory or time budget: the single
process evaluates about a million product-formulas per second per core (see bench/), so
a local cluster pays its start-up (seconds) back only on catalogues of millions of
product-formula cells, and a remote one when the catalogue lives there too.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import fail
from ..evaluation.compiled import Program, Rows
from .batch import BatchResult, Catalogue, evaluate_catalogue


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


def evaluate_dask(prog: Program, cat: Catalogue, partitions: int | None = None,
                  scheduler: str | None = None, client=None) -> BatchResult:
    """Evaluate `cat` on a Dask cluster; results are the same numbers as `evaluate_catalogue`."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise fail("io", "--dask needs Dask: pip install 'pcf[dask]'", None, path="<args>") \
            from None
    own = client is None
    cluster = None
    if own:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(processes=True, dashboard_address=None, silence_logs=40)
            client = Client(cluster)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = partitions_of(cat, partitions or workers)
        kernel = client.scatter(prog.kernel(), broadcast=True)
        # The partitions are data, not part of the task graph: scattered first (each to one
        # worker), the graph holds only their keys. Passed as arguments, they made the graph as
        # large as the catalogue, and Dask warned "Sending large graph" at 10 MB.
        futures = client.map(_evaluate_part, [kernel] * len(parts), client.scatter(parts), pure=False)
        done = client.gather(futures)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
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
