"""What every benchmark script shares: a Django set up on a SQLite file, percentiles of
timings, peak memory. Import it before anything from Django (``import _support`` works
because Python puts the script's folder, benchmarks/, on the path)."""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
from pathlib import Path


def django_on_sqlite(db: Path | None = None) -> tuple[Path, bool]:
    """Point trustledger at a SQLite file (``db``, or a new one in a temp folder), set Django
    up, and say whether the file already existed (an earlier run's data to reuse)."""
    workdir = tempfile.mkdtemp(prefix="trustledger-bench-")
    path = db or Path(workdir) / "bench.sqlite3"
    reuse = path.exists()
    os.environ["TRUSTLEDGER_DATABASE_URL"] = f"sqlite:///{path.resolve()}"
    os.environ.setdefault("TRUSTLEDGER_DATA_DIR", workdir)
    os.environ.setdefault("TRUSTLEDGER_MODE", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustledger.settings")
    import django  # noqa: PLC0415 (settings come from the environment set just above)

    django.setup()
    return path, reuse


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of ``samples``."""
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (max RSS), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
