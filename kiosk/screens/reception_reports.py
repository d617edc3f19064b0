"""Receptionist mode's reports: today, this week, month, quarter or year on the site's clock
(kiosk.core.reports), the figures as a list, visitors by hour as a chart rendered off the UI
thread (``kiosk.shell.background``), and CSV / PDF export into ``<data dir>/reports``.
The figures are read and the exports written on the command runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty

from kiosk.core.reports.chart import render_chart
from kiosk.core.reports.export import (
    file_name,
    label_of,
    save,
    title_of,
    to_csv,
    to_pdf,
    value_text,
)
from kiosk.core.reports.periods import KINDS
from kiosk.screens.base import KioskScreen
from kiosk.shell.background import background


class ReceptionReportsScreen(KioskScreen):
    #: the console locks itself (kiosk.shell.reception): no visitor idle prompt over it
    goes_home_itself = True
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    #: kiosk.core.reports.figures.ReportService
    reports = ObjectProperty(None)
    kind = StringProperty("day")
    #: kiosk.core.reports.figures.Report on show
    report = ObjectProperty(None, allownone=True)
    chart = ObjectProperty(None, allownone=True)
    period_text = StringProperty("")
    kinds = KINDS

    def on_pre_enter(self, *_: Any) -> None:
        self.show(self.kind)

    def show(self, kind: str) -> None:
        self.kind = kind
        reports = self.reports
        self.run(lambda: reports.report(reports.period(kind)), self._shown)

    def _shown(self, report: Any) -> None:
        self.report = report
        self.period_text = self.t(f"report.period_{report.period.kind}", label=report.period.label)
        self._fill()
        title, by_hour = self.t("report.by_hour"), report.by_hour

        def draw() -> Any:
            return render_chart(by_hour, title=title)

        background().run("report-chart", draw, self._chart_drawn)

    def _chart_drawn(self, image: Any) -> None:
        from kiosk.widgets.mapview import texture_from

        self.chart = texture_from(image)

    def _fill(self) -> None:
        box = self.ids.rows
        box.clear_widgets()
        if self.report is None:
            return
        t = self.t
        for section in self.report.sections:
            box.add_widget(Factory.ReportSectionTitle(text=title_of(section, t)))
            for figure in section.figures:
                row = Factory.ReportRow()
                row.label = label_of(section, figure, t)
                row.value = value_text(figure.value) or "—"
                box.add_widget(row)

    def export(self, fmt: str) -> None:
        report = self.report
        if report is None:
            return
        t, folder = self.t, Path(self.shell.settings.data_dir) / "reports"
        site = self.shell.settings.site
        site_name = site.name_zh if self.shell.lang == "zh_CN" else site.name_en

        def write() -> Path:
            data = to_csv(report, t) if fmt == "csv" else to_pdf(report, t, site_name=site_name)
            return save(data, folder, file_name(report, fmt))

        self.run(
            write, lambda path: self.shell.show_message("reception_reports.exported", path=path)
        )

    def on_language(self, lang: str) -> None:
        if self.report is not None:
            self._shown(self.report)

    def back(self) -> None:
        self.go("reception_board")

    def reset(self) -> None:
        super().reset()
        self.report = self.chart = None
        self.period_text = ""
        if "rows" in self.ids:
            self.ids.rows.clear_widgets()
