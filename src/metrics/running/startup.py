"""What a shishi process does before anything else: skip slow optional imports, boot a worker.

Kept apart from the heavy modules, and importing it applies the import skip: a pool's
forkserver imports this module before metrics.running.batch (which pulls in nbformat, and with it
jsonschema).
"""

from __future__ import annotations

import sys
from pathlib import Path


def skip_slow_imports() -> None:
    """Keep jsonschema from importing rfc3987-syntax (2-3 s of grammar building at import,
    python-jsonschema/jsonschema#1392) in this process: nbformat pulls jsonschema in, but
    shishi validates no IRI formats, and jsonschema treats the module as optional."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def pool_worker(notebooks_dir: Path) -> None:
    """Initializer of a report pool worker (a fresh interpreter): see metrics.running.batch.warm_pool."""
    skip_slow_imports()
    from metrics.running.batch import start_worker

    start_worker(notebooks_dir)


skip_slow_imports()
