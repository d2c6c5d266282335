"""Where shishi's own files live, derived once from the package's location (no module state).

Every other module asks here instead of counting ``parents[...]`` itself, so moving a module
never silently points it at the wrong folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: src/metrics/: the library, its vocabularies (data/) and its PDF template (templates/).
PACKAGE_DIR = Path(str(resources.files("metrics")))
#: The checkout's root (where pyproject.toml, notebooks/ and data/ are).
PROJECT_ROOT = PACKAGE_DIR.parents[1]
#: The report notebooks papermill runs.
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
#: nbconvert templates and CSS of the PDF exporter.
TEMPLATES_DIR = PACKAGE_DIR / "templates"
#: The package's vocabularies (header synonyms, status words...).
DATA_DIR = PACKAGE_DIR / "data"
