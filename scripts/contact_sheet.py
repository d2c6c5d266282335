"""Every page of a PDF side by side in one PNG: how a report reads at a glance (docs/pages/).

    python scripts/contact_sheet.py REPORT.pdf OUT.png [--columns 4] [--dpi 40]

Pages are rendered with poppler's pdftoppm (installed by `make setup`) and laid out in rows.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from PIL import Image


def contact_sheet(pdf: Path, out: Path, columns: int = 4, dpi: int = 40) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), f"{tmp}/p"], check=True)
        pages = [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("p-*.png"))]
        width, height = pages[0].size
        rows = (len(pages) + columns - 1) // columns
        gap = 8
        sheet = Image.new(
            "RGB", (columns * (width + gap) + gap, rows * (height + gap) + gap), (200, 200, 200)
        )
        for i, page in enumerate(pages):
            x, y = i % columns, i // columns
            sheet.paste(page, (gap + x * (width + gap), gap + y * (height + gap)))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--columns", type=int, default=4)
    ap.add_argument("--dpi", type=int, default=40)
    args = ap.parse_args()
    print(contact_sheet(args.pdf, args.out, args.columns, args.dpi))


if __name__ == "__main__":
    main()
