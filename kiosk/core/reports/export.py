"""A report as CSV or PDF, in one language.

CSV: UTF-8 with a byte-order mark (Excel on Chinese Windows reads it as UTF-8, not GBK) and
every cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return prefixed
with ``'`` (OWASP's CSV-injection rule), so a name or a ticket subject typed at the desk never
runs as a formula. PDF: A4 pages drawn with the badges' fonts (Chinese included) and the
chart, saved by Pillow as the badge PDFs are (``kiosk.core.badges.render``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from kiosk.core.reports.chart import MUTED, draw_text, render_chart
from kiosk.core.reports.figures import Figure, Report, Section

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Translate = Callable[..., str]

#: A4 at 150 dpi
PAGE = (1240, 1754)
DPI = 150


def neutralise(cell: str) -> str:
    """``cell`` made inert for a spreadsheet (OWASP: a leading ``'``)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def title_of(section: Section, t: Translate) -> str:
    return t(section.key) if section.translated else section.key


def label_of(section: Section, figure: Figure, t: Translate) -> str:
    return t(figure.key, **figure.params) if section.translated else figure.key


def value_text(value: object) -> str:
    return "" if value is None else str(value)


def table(report: Report, t: Translate) -> list[tuple[str, str, str]]:
    """(section, figure, value) rows, translated by ``t``."""
    return [
        (title_of(s, t), label_of(s, f, t), value_text(f.value))
        for s in report.sections
        for f in s.figures
    ]


def to_csv(report: Report, t: Translate) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t("report.csv_site"), t("report.csv_period"), *_header(t)])
    for section, label, value in table(report, t):
        row = [report.site_id, report.period.label, section, label, value]
        writer.writerow([neutralise(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def _header(t: Translate) -> list[str]:
    return [t("report.csv_section"), t("report.csv_figure"), t("report.csv_value")]


def pages(
    report: Report, t: Translate, *, site_name: str, charts: Sequence[Image.Image] = ()
) -> list[Image.Image]:
    """The report drawn on A4 pages: title, period, the chart, then every section, then any
    further ``charts`` (head office's spread of the desk's times), each whole on a page."""
    width, height = PAGE
    margin, line = 90, 44
    out: list[Image.Image] = []

    def new_page() -> tuple[Image.Image, ImageDraw.ImageDraw, float]:
        page = Image.new("RGB", PAGE, "white")
        out.append(page)
        return page, ImageDraw.Draw(page), margin

    page, draw, y = new_page()
    draw_text(draw, (margin, y), t("report.title", site=site_name), 44)
    y += 70
    period = t(f"report.period_{report.period.kind}", label=report.period.label)
    draw_text(draw, (margin, y), period, 28, MUTED)
    y += 60
    chart = render_chart(report.by_hour, title=t("report.by_hour"), size=(width - 2 * margin, 460))
    page.paste(chart, (margin, int(y)))
    y += chart.height + 30
    for section in report.sections:
        if y + 2 * line > height - margin:
            page, draw, y = new_page()
        draw_text(draw, (margin, y), title_of(section, t), 32)
        y += line + 10
        for figure in section.figures:
            if y + line > height - margin:
                page, draw, y = new_page()
            draw_text(draw, (margin + 30, y), label_of(section, figure, t), 24)
            draw_text(draw, (width - margin - 260, y), value_text(figure.value) or "—", 24)
            y += line
        y += 20
    for image in charts:
        if y + image.height > height - margin:
            page, draw, y = new_page()
        page.paste(image, (margin, int(y)))
        y += image.height + 30
    return out


def to_pdf(
    report: Report, t: Translate, *, site_name: str, charts: Sequence[Image.Image] = ()
) -> bytes:
    first, *rest = pages(report, t, site_name=site_name, charts=charts)
    out = io.BytesIO()
    first.save(out, "PDF", resolution=DPI, save_all=True, append_images=rest)
    return out.getvalue()


def save(data: bytes, folder: Path, name: str) -> Path:
    """Write an export as ``folder/name`` (whole or not at all: a temporary file renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    part = target.with_suffix(target.suffix + ".part")
    part.write_bytes(data)
    part.replace(target)
    return target


def file_name(report: Report, suffix: str) -> str:
    """``report-<site>-<period label>.<suffix>``."""
    return f"report-{report.site_id}-{report.period.label}.{suffix}"
