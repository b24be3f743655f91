"""Fixtures shared by the experiments' tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def dask_cluster():
    """A local Dask cluster on loopback (two in-process workers, one thread each); the
    tests that use it are skipped when dask.distributed is not installed."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None,
                                  silence_logs="error") as local:
        yield local
