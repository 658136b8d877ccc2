"""Headless batch sweeps: scenario grids run in parallel on Dask, results in Parquet.

- :mod:`model.scenario` reads and validates the scenario files;
- :mod:`model.sweeps.runner` runs them (locally or on a Dask cluster);
- :mod:`model.sweeps.storage` writes and reads the crash-safe results directory;
- :mod:`model.sweeps.plots` draws a sweep's figures;
- :mod:`model.sweeps.cli` is the ``sweep`` and ``plot`` commands.
"""

from model.sweeps.storage import load_runs, load_series, read_manifest

__all__ = ["load_runs", "load_series", "read_manifest"]
