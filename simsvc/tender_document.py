"""The promise table as a Word document, in the layout a tender's service section uses.

Tenders print their service commitments as one table: a row per fault level and a column
per clock (故障级别 / 响应时间 / 到场时间 / 解决时间; Severity / Response / On site /
Resolution), with a zone column where the bounds differ by zone (城区 / 周边 / 外省), the
level's cell then spanning its zone rows. Each bound is the one of the
:class:`~simsvc.planner.promise.PromiseTable` ("2小时内", "30 min"); the caption says
what it promises (the share of incidents, the confidence) and the footnotes why a more
severe level gets a looser bound where it does. A bid team pastes the table into its bid.

Writing needs ``python-docx`` (``pip install 'simsvc[office]'``); the file is written
atomically (:mod:`simsvc.result_files`).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simsvc.extras import require
from simsvc.result_files import write_bytes

if TYPE_CHECKING:
    from simsvc.planner.promise import PromiseTable

TITLES = {"en": "After-sales service commitments", "zh": "售后服务承诺"}
NOTES = {"en": "Notes", "zh": "注"}
CHINESE_FONT = "宋体"
"""East Asian font of a Chinese document (SimSun, on every Chinese Windows)."""


def _set_chinese_font(document: Any) -> None:
    from docx.oxml.ns import qn

    for name in ("Normal", "Title", "Heading 1", "Table Grid"):
        try:
            style = document.styles[name]
        except KeyError:
            continue
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), CHINESE_FONT)


def document_bytes(table: PromiseTable, lang: str = "en") -> bytes:
    """The ``.docx`` file of the promise table ``table`` in ``lang`` (en, zh), in memory."""
    require("docx", "python-docx", "office", "writing Word files")
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Pt

    document = Document()
    if lang == "zh":
        _set_chinese_font(document)
    document.add_heading(TITLES[lang], level=1)
    document.add_paragraph(table.caption(lang))
    header, rows = table.grid(lang, sizes=False)
    grid = document.add_table(rows=1 + len(rows), cols=len(header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for k, text in enumerate(header):
        cell = grid.cell(0, k)
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for r, cells in enumerate(rows, start=1):
        for k, text in enumerate(cells):
            grid.cell(r, k).text = text
    if table.has_zones:  # a level's cell spans its zone rows, as tenders print it
        start = 1
        while start <= len(rows):
            end = start
            while end < len(rows) and rows[end][0] == rows[start - 1][0]:
                end += 1
            if end > start:
                merged = grid.cell(start, 0).merge(grid.cell(end, 0))
                merged.text = rows[start - 1][0]
            start = end + 1
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10.5)  # 五号, the body size of Chinese documents
    notes = table.footnotes(lang)
    if notes:
        document.add_paragraph(NOTES[lang] + ("：" if lang == "zh" else ":"))
        for k, note in enumerate(notes, start=1):
            document.add_paragraph(f"{k}. {note}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_promise_document(
    target: str | Path,
    table: PromiseTable,
    lang: str = "en",
    *,
    together: contextlib.ExitStack | None = None,
) -> None:
    """Write the promise table to ``target`` (``.docx``) atomically (see
    :func:`simsvc.result_files.one_set`)."""
    write_bytes(target, document_bytes(table, lang), together=together)
