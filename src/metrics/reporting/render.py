"""Execute a report notebook with papermill and lay its outputs out as an A4 PDF.

The PDF route is nbconvert's HTML (inputs, prompts and the parameters cells left out) laid out
by WeasyPrint: measured at 2.3-2.6 s a PDF, with the CJK fonts embedded. It is packaged as the
nbconvert exporter ``shishi_pdf``, so ``jupyter nbconvert --to shishi_pdf X.ipynb`` works too.
Outputs are written to a temporary name and renamed: a report that fails midway leaves the
previous good PDF in place. The exporter fetches nothing it is handed: only its own template
assets, data: URIs and files under the report's own output folder (see :func:`url_fetcher`).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import nbformat
from nbconvert.exporters import HTMLExporter
from traitlets import List, Unicode, default

from metrics.errors import ReportError
from metrics.paths import NOTEBOOKS_DIR, TEMPLATES_DIR

#: The Jupyter kernel `make setup` installs into .venv, so notebooks run with the project's packages.
KERNEL = "shishi"
#: Cells with these tags never reach the PDF.
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove"}


class ShishiPDFExporter(HTMLExporter):
    """nbconvert exporter: the notebook's outputs as an A4 PDF with Chinese text."""

    export_from_notebook = "PDF via WeasyPrint (shishi)"
    output_mimetype = "application/pdf"
    #: Folders whose files the PDF may embed (the report's own output folder, for its charts
    #: and photos); the template's assets and data: URIs are always allowed, nothing else.
    allowed_dirs = List(Unicode(), default_value=[]).tag(config=True)

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    @default("template_extension")
    def _template_extension_default(self) -> str:
        return ".html.j2"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "shishi_pdf"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATES_DIR)]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    def from_notebook_node(  # type: ignore[override]
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        nb = strip_hidden_cells(nb)
        # marks laid over every page and boxes on the summary page (draft, revision), set by
        # shishi's batch through the resources, never by the notebook: see mark_html
        marks = (resources or {}).get("shishi_marks") or {}
        # files carried inside the PDF (the leadership report's figures.json): name -> bytes
        attachments = (resources or {}).get("shishi_attachments") or {}
        html, resources = super().from_notebook_node(nb, resources, **kw)
        pdf = html_to_pdf(
            titled(mark_html(html, marks)),
            allowed=[Path(d) for d in self.allowed_dirs],
            attachments=attachments,
        )
        resources["output_extension"] = ".pdf"
        return pdf, resources


def mark_html(html: str, marks: dict[str, str]) -> str:
    """Put a label in every page's top margin (草稿 · 数据不完整, 修订) and boxes (what is
    missing, what changed since the last version) under the first section heading.

    A box the notebook already shows (an element whose class starts the same: ``blockers``
    for ``blockers_box``) is not added twice.
    """
    label = marks.get("page_label", "")
    if label:
        text = label.replace('"', "")
        css = (
            f'<style>@page {{ @top-right {{ content: "{text}"; color: #b00020; font-weight: bold;'
            ' font-family: "Noto Sans CJK SC", sans-serif; font-size: 11pt; } }</style>'
        )
        html = html.replace("</head>", css + "</head>", 1)
    boxes = "".join(
        box
        for key, box in marks.items()
        if key.endswith("_box") and box and f'class="{key.removesuffix("_box")}' not in html
    )
    if boxes:
        at = html.find("</h2>")
        at = at + len("</h2>") if at >= 0 else html.find(">", html.find("<body")) + 1
        html = html[:at] + boxes + html[at:]
    return html


def strip_hidden_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without parameters / injected-parameters cells (they are the run's log, not the report)."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", []))]
    return nb


#: The archival profile of every PDF shishi writes: PDF/A-3u (ISO 19005-3, Unicode text), tagged.
PDF_VARIANT = "pdf/a-3u"
#: nbconvert's <title> for a notebook that names none; a PDF's title is never that.
UNTITLED = "Notebook"


def titled(html: str) -> str:
    """The HTML with a real <title>: the first heading's text when the notebook gave none.

    A PDF's title is what a file list, a reader's tab and an archive index show; nbconvert
    writes "Notebook" for a notebook without a name (data_quality.pdf's title was that).
    """
    title = re.search(r"<title>(.*?)</title>", html, flags=re.S)
    if title and title.group(1).strip() not in ("", UNTITLED):
        return html
    heading = re.search(r"<h[12][^>]*>(.*?)</h[12]>", html, flags=re.S)
    text = re.sub(r"<[^>]+>|¶", "", heading.group(1)).strip() if heading else ""
    text = text or "shishi 报告"
    if title:
        return html[: title.start(1)] + text + html[title.end(1) :]
    return html.replace("</head>", f"<title>{text}</title></head>", 1)


def html_to_pdf(
    html: str, allowed: Iterable[Path] = (), attachments: dict[str, bytes] | None = None
) -> bytes:
    """Lay HTML out as an archival PDF with WeasyPrint (imported late: it is the slow import).

    PDF/A-3u, tagged (headings, tables, figures with their alt text) for a reader's screen
    reader and an archive's checker, in the document's language (``<html lang="zh-CN">``);
    ``attachments`` (name -> bytes) are embedded as PDF/A-3 associated files.
    """
    import io

    import weasyprint

    made = _made_on(html)  # not the clock: the same report gives the same bytes
    files = [
        weasyprint.Attachment(
            file_obj=io.BytesIO(data), name=name, relationship="Data", created=made, modified=made
        )
        for name, data in (attachments or {}).items()
    ]
    return weasyprint.HTML(
        string=html, base_url=str(TEMPLATES_DIR), url_fetcher=url_fetcher(allowed)
    ).write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        attachments=files,
        finisher=_archival,
    )


def _made_on(html: str) -> dt.datetime:
    """The report's own date (its ``dcterms.created`` meta), else a fixed one (1980-01-01, as
    reproducible archives use): an attachment stamped with the clock would make every
    re-rendering of an unchanged report a different file."""
    found = re.search(r'<meta name="dcterms.created" content="([^"]+)"', html)
    with contextlib.suppress(ValueError):
        if found:
            return dt.datetime.fromisoformat(found.group(1))
    return dt.datetime(1980, 1, 1)


def _archival(document: Any, pdf: Any) -> None:
    """Two PDF/A rules WeasyPrint 70 leaves to its caller (checked by page-validation):
    images are not interpolated (ISO 19005-2 6.2.8.3) and the XMP metadata stream is not
    compressed (6.6.2.1)."""
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        if not isinstance(extra, dict):
            continue
        if extra.get("Subtype") == "/Image" and "Interpolate" in extra:
            extra["Interpolate"] = "false"
        if extra.get("Type") == "/Metadata":
            obj.compress = False


def url_fetcher(allowed: Iterable[Path] = ()) -> Any:
    """WeasyPrint's fetcher, limited to data: URIs and files under TEMPLATES_DIR or ``allowed``.

    A notebook's Markdown can hold ``<link rel=attachment href=file:///etc/passwd>`` or an
    http URL; neither is fetched (WeasyPrint logs the refusal and lays the page out without it).
    """
    from weasyprint import urls

    roots = [TEMPLATES_DIR.resolve(), *(Path(a).resolve() for a in allowed)]
    base = getattr(urls, "URLFetcher", None)
    if base is None:  # WeasyPrint < 66: a fetcher is a plain function
        return lambda url, *a, **k: urls.default_url_fetcher(_allowed_url(url, roots), *a, **k)

    class _Fetcher(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            return super().fetch(_allowed_url(url, roots), headers)

    return _Fetcher(allowed_protocols=["data", "file"], allow_redirects=False)


def _allowed_url(url: str, roots: list[Path]) -> str:
    """url itself when it is a data: URI or a file under one of roots; else ValueError."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "data":
        return url
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        path = Path(unquote(parts.path)).resolve()
        if path.is_file() and any(path.is_relative_to(root) for root in roots):
            return url
    raise ValueError(f"shishi 的 PDF 不引用外部资源：{url[:80]}")


def safe_name(text: str, fallback: str = "report") -> str:
    """A file-name component that cannot climb out of its folder or confuse a shell.

    Chinese characters stay (an analyst wants 青江卷烟厂.pdf), path separators and dots at the
    start go, and anything not a letter, digit, '-', '_' or '.' becomes '_'.
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"[^\w.\-]+", "_", text, flags=re.UNICODE).strip("._ ")
    text = re.sub(r"\.{2,}", "_", text)
    return text[:80] or fallback


def unit_folders(units: Iterable[str]) -> dict[str, str]:
    """A distinct, safe folder name per unit.

    :func:`safe_name` maps names that differ only by full-width letters, a space against an
    underscore, or past 80 characters to one name; two such units would overwrite each
    other's PDFs. Those (and every name safe_name had to shorten) get a short hash of the
    real name, so each unit keeps its own folder.
    """
    import hashlib

    units = list(dict.fromkeys(units))
    names = {u: safe_name(u, fallback="unit") for u in units}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    for unit, name in names.items():
        cut = len(unicodedata.normalize("NFKC", str(unit))) > 80
        if counts[name] > 1 or cut:
            tag = hashlib.sha256(str(unit).encode("utf-8")).hexdigest()[:8]
            names[unit] = f"{name[:71]}-{tag}"
    return names


class ReportFailed(ReportError):
    """A report notebook failed: which notebook, which cell, the error, and where the log is."""

    def __init__(self, notebook: str, cell: int | None, error: str, log_path: Path) -> None:
        self.notebook, self.cell, self.error, self.log_path = notebook, cell, error, log_path
        super().__init__(str(self), "打开该记录查看出错的单元格；数据问题请先看 data_quality.pdf")

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a pool worker to the parent intact
        return (type(self), (self.notebook, self.cell, self.error, self.log_path))

    def __str__(self) -> str:
        where = (
            f"单元格 [{self.cell}]" if self.cell is not None else "执行时"
        )  # as Jupyter numbers it
        error = " ".join(self.error.split())  # one line, whatever the exception's text
        return f"{self.notebook} {where}出错：{error}（完整记录见 {self.log_path}）"


def kernel_name() -> str:
    """The project's kernel (installed by `make setup`), else the running Python's own."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
        return KERNEL
    except NoSuchKernel:
        return "python3"


#: What jupyter_client says when a kernel died while starting (e.g. its port was taken).
KERNEL_DIED = "Kernel died before replying to kernel_info"
#: The kernel's own start-up chatter is not the analyst's business.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


class Kernel(Protocol):
    """A kernel started ahead of its report (see metrics.running.kernels.WarmKernel)."""

    km: Any

    def stop(self) -> None: ...


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    cwd: Path | None = None,
    kernel: Kernel | None = None,
) -> nbformat.NotebookNode:
    """Run a notebook with papermill; on failure the executed copy (the log) is kept beside it.

    ``kernel``, started ahead, runs the notebook; it is shut down here either way.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.{uuid.uuid4().hex[:8]}.running.ipynb")

    def run(km: Any) -> nbformat.NotebookNode:
        return pm.execute_notebook(
            str(notebook),
            str(tmp),
            parameters=parameters,
            kernel_name=kernel_name(),
            progress_bar=False,
            cwd=str(cwd or notebook.parent),
            log_output=False,
            extra_arguments=KERNEL_ARGS,
            **({"km": km} if km is not None else {}),
        )

    try:
        try:
            nb = run(kernel.km if kernel is not None else None)
        except RuntimeError as exc:
            if KERNEL_DIED not in str(exc):
                raise
            # two kernels booting at once can pick the same free port: the loser dies before
            # it answers. No cell has run; a fresh kernel (new ports) runs the notebook.
            nb = run(None)
    except PapermillExecutionError as exc:
        failed = output.with_name(f"{output.stem}.failed.ipynb")
        if tmp.exists():
            os.replace(tmp, failed)
        raise ReportFailed(
            notebook.name, exc.exec_count, f"{exc.ename}: {exc.evalue}", failed
        ) from exc
    finally:
        if kernel is not None:
            kernel.stop()
    os.replace(tmp, output)
    return nb


def notebook_to_pdf(
    nb: nbformat.NotebookNode,
    pdf_path: Path,
    marks: dict[str, str] | None = None,
    attachments: dict[str, bytes] | None = None,
) -> Path:
    """Export an executed notebook to PDF, replacing any previous PDF only when this one is done."""
    folder = pdf_path.parent.resolve()
    allowed = [folder] + ([folder.parent] if folder.name.startswith(".staging-") else [])
    body, _ = ShishiPDFExporter(allowed_dirs=[str(a) for a in allowed]).from_notebook_node(
        nb, {"shishi_marks": marks or {}, "shishi_attachments": attachments or {}}
    )
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf_path.with_name(f".{pdf_path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_bytes(body)  # opened as any file is: its mode follows the umask
        os.replace(tmp, pdf_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return pdf_path


def render_report(
    name: str,
    out_dir: Path,
    parameters: dict[str, Any],
    notebooks_dir: Path = NOTEBOOKS_DIR,
    kernel: Kernel | None = None,
    after_execute: Callable[[], None] | None = None,
    marks: dict[str, str] | None = None,
    attachments: dict[str, bytes] | None = None,
) -> Path:
    """notebooks/<name>.ipynb -> out_dir/<name>.ipynb (executed) and out_dir/<name>.pdf.

    ``after_execute`` runs between the notebook and the PDF layout: a batch uses it to start
    the next report's kernel while WeasyPrint lays this one out. ``attachments`` travel inside
    the PDF (see :func:`html_to_pdf`).
    """
    notebook = notebooks_dir / f"{name}.ipynb"
    if not notebook.exists():
        if kernel is not None:
            kernel.stop()
        raise ReportError(
            "找不到报告模板", "请确认 notebooks/ 文件夹完整（可重新克隆项目）", path=notebook
        )
    executed = out_dir / f"{name}.ipynb"
    # While the kernel runs the notebook this process only waits: load the PDF engine meanwhile.
    warm = threading.Thread(target=_prewarm, daemon=True)
    warm.start()
    nb = execute_notebook(notebook, executed, parameters, kernel=kernel)
    if after_execute is not None:
        after_execute()
    warm.join()
    return notebook_to_pdf(nb, out_dir / f"{name}.pdf", marks, attachments)


def _prewarm() -> None:
    """Import WeasyPrint and build the exporter's templates ahead of use (about 1 s)."""
    import weasyprint  # noqa: F401

    with contextlib.suppress(Exception):  # only a head start: the real export reports errors
        _ = ShishiPDFExporter().template
