"""The root-cause explorer in a notebook: the analysis of a pattern, and in JupyterLab the widgets that redraw it.

:class:`RootCauseExplorer` shows :func:`flp_inquiry.inquiry.analysis.analyse_pattern`'s sections, and in
JupyterLab adds ipywidgets (district, school, grade, group, metric) that redraw them.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from flp_inquiry.codes import DISTRICTS
from flp_inquiry.ingest.catalog import harmonised_districts
from flp_inquiry.inquiry import findings, labels
from flp_inquiry.inquiry.analysis import Analysis, analyse_pattern
from flp_inquiry.inquiry.patterns import (
    ALL_GRADES,
    EXPLORER_METRICS,
    GROUP_TYPES,
    Pattern,
    check_pattern,
    grades_in_scope,
)
from flp_inquiry.inquiry.session import ALL_SCHOOLS, Inquiry, start_inquiry
from flp_inquiry.measures import students

#: What the explorer's measures (test scores, chronic absence) are worked out from: the other tables are not read.
EXPLORER_TABLES = ("enrollment", "assessments")
#: The subject dropdown's words.
SUBJECT_WORDS = {"math": "Math", "ela": "ELA"}

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
        self._outputs: dict[str, object] = {}  # each section's live output area, in the notebook's order
        self._status = None
        self._updating = False

    @classmethod
    def start(cls, district: str, school_year: int, school: str, data_dir: str, *, metric: str, subject: str,
              group_type: str, group: str, grade: str) -> "RootCauseExplorer":
        """Check every parameter (a wrong one stops with the allowed values), load the district, analyse."""
        inquiry = start_inquiry(district, school_year, school, data_dir, tables=EXPLORER_TABLES)
        return cls(inquiry, check_pattern(inquiry, metric, subject, group_type, group, grade))

    def show(self, section: str) -> None:
        """Display one section of the analysis under the notebook's own heading (``questions`` too).

        With the controls live (:meth:`widgets`), the section is an output area that every change
        redraws in place; in a report it is the section itself.
        """
        from IPython.display import display

        if not self.controls:
            for output in self._section(section):
                display(output)
            return
        import ipywidgets

        self._outputs[section] = ipywidgets.Output()
        self._draw_section(section)
        display(self._outputs[section])

    def _section(self, section: str) -> list:
        if section == "intro":
            from flp_inquiry.inquiry.findings import scope_note, the_question

            return [findings_heading(self.last), the_question(self.inquiry, "root_cause_explorer", self.pattern),
                    scope_note(self.inquiry)]
        if section == "questions":
            return [findings.bullets(self.last.sentences.get("questions", []))]
        return section_outputs(self.last, section, heading=False)

    def _draw_section(self, section: str) -> None:
        import altair
        from IPython.display import display

        from flp_inquiry.inquiry.chart_renderer import unchecked_bundle

        output = self._outputs[section]
        output.clear_output(wait=True)  # replaced, never added below what was there
        with output:
            for shown in self._section(section):
                if isinstance(shown, altair.TopLevelMixin):
                    display(unchecked_bundle(shown), raw=True)
                else:
                    display(shown)

    def _inquiry_for(self, district: str, school: str) -> Inquiry:
        key = (district, school)
        loaded = next((known for (known_district, _), known in self._inquiries.items() if known_district == district),
                      None)
        if key not in self._inquiries and loaded is not None:
            # another school of a district already loaded: its tables, so what was worked out of them is kept too
            self._inquiries[key] = dataclasses.replace(loaded, school=school)
        if key not in self._inquiries:
            self._inquiries[key] = start_inquiry(district, self.inquiry.school_year, school, self.data_dir,
                                                 tables=EXPLORER_TABLES)
        return self._inquiries[key]

    def _options(self, inquiry: Inquiry, metric: str, group_type: str) -> dict[str, list]:
        """Each dropdown's choices for a scope, as (words a coach reads, value the analysis takes) pairs.

        Only the grades the scope has students counted for ``metric`` in: the dropdown shows ``K``,
        the analysis gets ``"0"``; districts, schools, groups and measures by their names.
        """
        schools = sorted(inquiry.data.enrollment["school_name"].unique())
        groups = sorted(str(g) for g in inquiry.data.enrollment[group_type].unique())
        grades = [grade_choice(ALL_GRADES),
                  *(grade_choice(str(g)) for g in grades_in_scope(inquiry, metric, self.pattern.subject))]
        # the districts whose data is here (a dropdown must not offer one that would only stop with an error)
        here = harmonised_districts(Path(self.data_dir)) or list(DISTRICTS)
        return {"district": [(labels.district_label(d), d) for d in here],
                "school": [("All schools", ALL_SCHOOLS), *((name, name) for name in schools)],
                "grade": grades,
                "metric": [(m.title[0].upper() + m.title[1:], name) for name, m in EXPLORER_METRICS.items()],
                "subject": [(SUBJECT_WORDS[code], code) for code in students.SUBJECTS],
                "group_type": [(labels.GROUP_TYPE_LABELS[t], t) for t in GROUP_TYPES],
                "group": [(group_choice_words(group_type, code), code) for code in groups]}

    def widgets(self):
        """The coach's controls above the analysis: each change redraws all of it (sentences, charts, tables).

        The first drawing is of the notebook's own parameters; a label says when a redraw is
        working, and then which pattern is shown and the parameters that make it again.
        """
        import ipywidgets

        options = self._options(self.inquiry, self.pattern.metric, self.pattern.group_type)
        descriptions = {"district": "District", "school": "School", "grade": "Grade", "metric": "Measure",
                        "subject": "Subject", "group_type": "Group type", "group": "Group"}
        wide = ipywidgets.Layout(width="auto")
        self.controls = {name: ipywidgets.Dropdown(options=options[name], value=self._current()[name],
                                                   description=descriptions[name], layout=wide,
                                                   style={"description_width": "initial"})
                         for name in descriptions}
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self._status = ipywidgets.HTML()
        self._outputs = {"intro": ipywidgets.Output()}
        self._draw_section("intro")
        self._set_status(self._showing())
        rows = [["district", "school", "grade"], ["metric", "subject"], ["group_type", "group"]]
        return ipywidgets.VBox([*(ipywidgets.HBox([self.controls[name] for name in row]) for row in rows),
                                self._status, self._outputs["intro"]])

    def intro(self, live: bool):
        """The top of the notebook: the controls (``live``) above the pattern's heading, question and scope.

        In a report (not ``live``) the heading, question and scope alone.
        """
        from IPython.display import display

        if live:
            return self.widgets()
        for output in self._section("intro"):
            display(output)
        return None

    def _current(self) -> dict[str, str]:
        return {"district": self.inquiry.district, "school": self.inquiry.school, "grade": self.pattern.grade,
                "metric": self.pattern.metric, "subject": self.pattern.subject or "math",  # (unused by chronic absence)
                "group_type": self.pattern.group_type, "group": str(self.pattern.group)}

    def _changed(self, _change=None) -> None:
        if self._updating:
            return
        self._updating = True
        self._set_status("Working: redrawing the analysis…")
        try:
            values = {name: control.value for name, control in self.controls.items()}
            if values["district"] != self.inquiry.district and values["school"] != ALL_SCHOOLS:
                values["school"] = ALL_SCHOOLS
            inquiry = self._inquiry_for(values["district"], values["school"])
            metric, group_type = values["metric"], values["group_type"]
            group = values["group"]
            if group_type != self.pattern.group_type:  # a new grouping starts at its first group the data has
                group = self._options(inquiry, metric, group_type)["group"][0][1]
            grades = [ALL_GRADES, *(str(g) for g in EXPLORER_METRICS[metric].grades)]
            grade = values["grade"] if values["grade"] in grades else ALL_GRADES
            options = self._options(inquiry, metric, group_type)
            if inquiry.whole_district and grade not in [value for _, value in options["grade"]]:
                grade = ALL_GRADES  # (one school's missing grade is replaced by the analysis, which says why)
            pattern = check_pattern(inquiry, metric, values["subject"], group_type, group, grade)
            self.last = analyse_pattern(inquiry, pattern)
            self.inquiry, self.pattern = inquiry, self.last.pattern
            # (a school without the pattern gets one it has: another grade, group or measure)
            options = self._options(inquiry, self.pattern.metric, self.pattern.group_type)
            current = self._current()
            for name, control in self.controls.items():
                if [tuple(option) for option in control.options] != options[name]:
                    control.options = options[name]
                control.value = current[name]
        finally:
            self._updating = False
        self._draw()

    def _set_status(self, text: str) -> None:
        import html

        if self._status is not None:
            self._status.value = f"<em>{html.escape(text)}</em>"

    def _draw(self) -> None:
        self.renders += 1
        for section in self._outputs:  # the whole analysis, each part where it stands
            self._draw_section(section)
        self._set_status(self._showing())

    def _showing(self) -> str:
        return (f"Showing {self.pattern.metric_words} of {self.pattern.group_words}, {self.inquiry.scope_label}. "
                f"To share it, paste into the parameters cell: {self.parameters_line()}")

    def parameters_line(self) -> str:
        """The notebook parameters that draw the pattern shown: a coach pastes them into the parameters cell.

        >>> import pandas as pd
        >>> from flp_inquiry.measures.metrics import _example
        >>> from flp_inquiry.ingest.store import DistrictData
        >>> assessments, enrollment = _example()
        >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
        >>> explorer = RootCauseExplorer(inquiry, check_pattern(inquiry, "dfs", "math", "el_status", "EL", "7"))
        >>> explorer.parameters_line()
        "district = 'fresno'; school = 'all'; metric = 'dfs'; subject = 'math'; group_type = 'el_status'; group = 'EL'; grade = '7'"
        """
        current = self._current()
        return "; ".join(f"{name} = {current[name]!r}" for name in
                         ("district", "school", "metric", "subject", "group_type", "group", "grade"))


def grade_choice(grade: str) -> tuple[str, str]:
    """A grade dropdown's choice: the words a reader sees and the value the analysis takes.

    >>> grade_choice("0"), grade_choice("7"), grade_choice("all")
    (('K', '0'), ('Grade 7', '7'), ('All grades', 'all'))
    """
    return ("All grades" if grade == ALL_GRADES else labels.grade_label(int(grade)), grade)


def group_choice_words(group_type: str, code: str) -> str:
    """A group dropdown's words for a group's code as the data holds it (``"True"`` for a yes/no grouping).

    >>> group_choice_words("el_status", "EO"), group_choice_words("sed", "True"), group_choice_words("ethnicity", "ZZ")
    ('English only', 'Socioeconomically disadvantaged', 'ZZ')
    """
    for key, words in labels.GROUP_LABELS.get(group_type, {}).items():
        if str(key) == str(code):
            return str(words)
    return str(code)


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
