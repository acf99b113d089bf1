"""The root-cause explorer in a notebook: the analysis of a pattern, and in JupyterLab the widgets that redraw it.

:class:`RootCauseExplorer` shows :func:`flp_inquiry.inquiry.analysis.analyse_pattern`'s sections, and in
JupyterLab adds ipywidgets (district, school, grade, group, metric) that redraw them.
"""
from __future__ import annotations

from pathlib import Path

from flp_inquiry.codes import DISTRICTS
from flp_inquiry.ingest.catalog import harmonised_districts
from flp_inquiry.inquiry import findings, labels
from flp_inquiry.inquiry.analysis import Analysis, analyse_pattern
from flp_inquiry.inquiry.patterns import (
    ALL_GRADES,
    EXPLORER_METRICS,
    Pattern,
    check_pattern,
    grades_in_scope,
)
from flp_inquiry.inquiry.session import ALL_SCHOOLS, Inquiry, start_inquiry

# ---------------------------------------------------------------------------
# showing it, with widgets in JupyterLab
# ---------------------------------------------------------------------------

SECTIONS = {
    "shows": ("What the data shows", ("trend",), ("contributions", "decomposition")),
    "surprising": ("What is surprising", ("funnel",), ("absence",)),
    "hypotheses": ("Hypotheses: attendance and the same students", (), ("attendance", "matched")),
}


def section_outputs(analysis: Analysis, section: str, heading: bool = True) -> list:
    """The sentences, charts and tables of one section (``shows``, ``surprising``, ``hypotheses``), in order.

    >>> print(section_outputs(Analysis(None, None), "surprising")[0])
    What is surprising
    <BLANKLINE>
    - Nothing stands out beyond what chance could explain.
    >>> print(section_outputs(Analysis(None, None), "surprising", heading=False)[0])
    - Nothing stands out beyond what chance could explain.
    """
    title, chart_names, table_names = SECTIONS[section]
    sentences = analysis.sentences.get(section) or ["Nothing stands out beyond what chance could explain."]
    outputs = [findings.section(title, sentences, level=3) if heading else findings.bullets(sentences)]
    outputs += [analysis.charts[name] for name in chart_names if name in analysis.charts]
    outputs += [analysis.tables[name] for name in table_names if name in analysis.tables]
    return outputs


class RootCauseExplorer:
    """The explorer of one notebook: the analysis of a pattern, shown statically or redrawn by widgets.

    ``pattern`` is the pattern taken apart (for one school, perhaps another grade, group
    or measure than asked: :func:`fit_pattern_to_school`); the grade dropdown offers only the
    grades the chosen district or school has students counted in.

    ``last`` is the most recent :class:`Analysis` and ``renders`` counts how often it
    was drawn, so a test (or a coach) can see that a widget change redrew it.
    """

    def __init__(self, inquiry: Inquiry, pattern: Pattern, data_dir: str | Path | None = None):
        self.inquiry = inquiry
        self.data_dir = data_dir or inquiry.data_dir
        self._inquiries = {(inquiry.district, inquiry.school): inquiry}
        self.last = analyse_pattern(inquiry, pattern)
        self.pattern = self.last.pattern  # for one school, possibly another grade (see fit_pattern_to_school)
        self.renders = 0
        self.controls: dict[str, object] = {}
        self._output = None
        self._updating = False

    @classmethod
    def start(cls, district: str, school_year: int, school: str, data_dir: str, *, metric: str, subject: str,
              group_type: str, group: str, grade: str) -> "RootCauseExplorer":
        """Check every parameter (a wrong one stops with the allowed values), load the district, analyse."""
        inquiry = start_inquiry(district, school_year, school, data_dir)
        return cls(inquiry, check_pattern(inquiry, metric, subject, group_type, group, grade))

    def show(self, section: str) -> None:
        """Display one section of the current analysis under the notebook's own heading (no widgets needed)."""
        from IPython.display import display

        for output in section_outputs(self.last, section, heading=False):
            display(output)

    def _inquiry_for(self, district: str, school: str) -> Inquiry:
        key = (district, school)
        if key not in self._inquiries:
            self._inquiries[key] = start_inquiry(district, self.inquiry.school_year, school, self.data_dir)
        return self._inquiries[key]

    def _options(self, inquiry: Inquiry, metric: str) -> dict[str, list]:
        """Each dropdown's choices for a scope: only the grades it has students counted for ``metric`` in.

        Grades are (words, value) pairs: the dropdown shows ``K``, the analysis gets ``"0"``.
        """
        schools = sorted(inquiry.data.enrollment["school_name"].unique())
        groups = sorted(str(g) for g in inquiry.data.enrollment[self.pattern.group_type].unique())
        grades = [grade_choice(ALL_GRADES),
                  *(grade_choice(str(g)) for g in grades_in_scope(inquiry, metric, self.pattern.subject))]
        # the districts whose data is here (a dropdown must not offer one that would only stop with an error)
        here = harmonised_districts(Path(self.data_dir))
        return {"district": here or list(DISTRICTS), "school": [ALL_SCHOOLS, *schools], "grade": grades,
                "group": groups, "metric": list(EXPLORER_METRICS)}

    def widgets(self):
        """Dropdowns (district, school, grade, group, metric) above an output area that redraws on each change."""
        import ipywidgets

        options = self._options(self.inquiry, self.pattern.metric)
        current = {"district": self.inquiry.district, "school": self.inquiry.school, "grade": self.pattern.grade,
                   "group": self.pattern.group, "metric": self.pattern.metric}
        descriptions = {"district": "District", "school": "School", "grade": "Grade",
                        "group": labels.GROUP_TYPE_LABELS[self.pattern.group_type], "metric": "Measure"}
        self.controls = {name: ipywidgets.Dropdown(options=options[name], value=current[name],
                                                   description=descriptions[name])
                         for name in options}
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        # The analysis above is the starting point; the output area fills on the first change
        # (drawing into it now would only repeat it, and costs a batch run widget traffic).
        self._output = ipywidgets.Output()
        return ipywidgets.VBox([ipywidgets.HBox(list(self.controls.values())[:3]),
                                ipywidgets.HBox(list(self.controls.values())[3:]), self._output])

    def _changed(self, _change=None) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            values = {name: control.value for name, control in self.controls.items()}
            if values["district"] != self.inquiry.district and values["school"] != ALL_SCHOOLS:
                values["school"] = ALL_SCHOOLS
            inquiry = self._inquiry_for(values["district"], values["school"])
            metric = values["metric"]
            options = self._options(inquiry, metric)
            grades = [ALL_GRADES, *(str(g) for g in EXPLORER_METRICS[metric].grades)]
            grade = values["grade"] if values["grade"] in grades else ALL_GRADES
            if inquiry.whole_district and grade not in [value for _, value in options["grade"]]:
                grade = ALL_GRADES  # (one school's missing grade is replaced by the analysis, which says why)
            pattern = check_pattern(inquiry, metric, self.pattern.subject, self.pattern.group_type,
                                    values["group"], grade)
            self.last = analyse_pattern(inquiry, pattern)
            self.inquiry, self.pattern = inquiry, self.last.pattern
            # (a school without the pattern gets one it has: another grade, group or measure)
            if self.pattern.metric != metric:
                metric, options = self.pattern.metric, self._options(inquiry, self.pattern.metric)
            for name, control in self.controls.items():
                if [tuple(option) if isinstance(option, (list, tuple)) else option
                        for option in control.options] != options[name]:
                    control.options = options[name]
                control.value = {"district": inquiry.district, "school": inquiry.school, "grade": self.pattern.grade,
                                 "group": self.pattern.group, "metric": metric}[name]
        finally:
            self._updating = False
        self._draw()

    def _draw(self) -> None:
        from IPython.display import display

        self.renders += 1
        if self._output is None:
            return
        self._output.clear_output(wait=True)
        with self._output:
            display(findings_heading(self.last))
            for section in SECTIONS:
                for output in section_outputs(self.last, section):
                    display(output)


def grade_choice(grade: str) -> tuple[str, str]:
    """A grade dropdown's choice: the words a reader sees and the value the analysis takes.

    >>> grade_choice("0"), grade_choice("7"), grade_choice("all")
    (('K', '0'), ('Grade 7', '7'), ('All grades', 'all'))
    """
    return ("All grades" if grade == ALL_GRADES else labels.grade_label(int(grade)), grade)


def findings_heading(analysis: Analysis) -> findings.Prose:
    """The heading naming the pattern and its scope.

    >>> import pandas as pd
    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> print(findings_heading(Analysis(inquiry, check_pattern(inquiry, "dfs", "math", "el_status", "EL", "7"))))
    Math distance from standard of English learners in Grade 7: Fresno Unified, 2023-24

    When the pattern's grade was changed for a school, the sentence saying why follows the heading.

    >>> findings_heading(Analysis(inquiry, check_pattern(inquiry, "dfs", "math", "el_status", "EL", "4"),
    ...                           note="A has no English learners in Grade 7 ...")).text.splitlines()[-1]
    'A has no English learners in Grade 7 ...'
    """
    pattern, inquiry = analysis.pattern, analysis.inquiry
    what = pattern.metric_words
    heading = findings.heading(f"{what[0].upper()}{what[1:]} of {pattern.group_words}: {inquiry.scope_label}, "
                               f"{inquiry.year_label}", 2)
    return heading + findings.paragraph(analysis.note) if analysis.note else heading
