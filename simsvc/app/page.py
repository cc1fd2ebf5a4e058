"""The what-if page (a Streamlit script): ``simsvc app`` serves it.

Only drawing lives here; what each control and button does is in
:mod:`simsvc.app.workbench`, :mod:`simsvc.app.controls`, :mod:`simsvc.app.compare` and
:mod:`simsvc.app.files`, which the tests call without a browser. Everything a session
holds is in ``st.session_state``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import streamlit as st

from simsvc.app.compare import commitments_table, cost_table, utilisation_table
from simsvc.app.controls import Control, controls, stock_rule
from simsvc.app.files import read_upload, report_html, results_json, results_workbook, scenario_toml
from simsvc.app.launch import page_options
from simsvc.app.words import LANGUAGES, Words
from simsvc.app.workbench import BASELINE, Workbench, bundled_scenarios
from simsvc.extras import MissingExtra
from simsvc.scenario.errors import ScenarioError

DEFAULT_SCENARIO = "metro_line2"
"""The bundled scenario the page opens when the command names none."""

POLL_SECONDS = 0.5
"""How often the progress bar of a running task is redrawn."""


def _state() -> Any:
    return st.session_state


def _bench() -> Workbench:
    state = _state()
    if "bench" not in state:
        options = page_options(sys.argv[1:])
        state["bench"] = Workbench(workers=options.workers)
        offered: dict[str, Path | Any] = {p.name: p for p in options.scenarios}
        offered.update({f"{name}.toml": path for name, path in bundled_scenarios().items()})
        state["offered"] = offered
        first = f"{DEFAULT_SCENARIO}.toml"
        state["source"] = (
            next(iter(offered)) if options.scenarios or first not in offered else first
        )
    bench: Workbench = state["bench"]
    return bench


def _shown(name: str, words: Words) -> str:
    return words("baseline") if name == BASELINE else name


def _on_upload() -> None:
    """Read an uploaded file (a Streamlit callback, before the page is drawn again)."""
    state = _state()
    upload = state.get("upload")
    state["upload_error"] = None
    if upload is None:
        return
    try:
        scenario = read_upload(upload.name, upload.getvalue())
    except ScenarioError as error:
        state["upload_error"] = str(error)
        return
    label = f"{upload.name} (uploaded)"
    state["offered"][label] = scenario
    state["source"] = label


def _open_source(bench: Workbench, words: Words) -> None:
    state = _state()
    labels = list(state["offered"])
    st.sidebar.selectbox(words("scenario"), labels, key="source")
    st.sidebar.file_uploader(words("upload"), type=["toml"], key="upload", on_change=_on_upload)
    if state.get("upload_error"):  # in the page's width: the key paths must be readable
        st.error(f"{words('upload_error')}:\n\n```\n{state['upload_error']}\n```")
    chosen = state["source"]
    item = state["offered"][chosen]
    if isinstance(item, Path):
        from simsvc.scenario.loading import load_scenario

        try:
            item = load_scenario(item)
        except ScenarioError as error:
            st.error(f"```\n{error}\n```")
            st.stop()
        state["offered"][chosen] = item
    bench.open(item, chosen)


def _control(control: Control, key: str, words: Words) -> None:
    label = words(control.label, **control.subject)
    state = _state()
    if key not in state:
        state[key] = control.value
    if control.kind == "count":
        st.number_input(label, min_value=0, max_value=10_000, step=1, key=key)
    elif control.kind == "speed":
        st.number_input(label, min_value=1.0, max_value=2000.0, step=5.0, key=key)
    elif control.path.startswith("depot."):
        st.text_input(label, key=key, help=words("stock_help"))
    elif control.path.endswith(".swap_after"):
        st.text_input(label, key=key, help=words("swap_help"))
    else:
        st.text_input(label, key=key)


def _set_stock_rule(keys: dict[str, str]) -> None:
    state = _state()
    for key, value in keys.items():
        state[key] = value


def _submit(bench: Workbench, keys: dict[str, str]) -> None:
    """Build the variant of the form and start its run (a callback, before the page is
    drawn again, so that the next variant's name can be filled in)."""
    state = _state()
    entries = {path: state[key] for path, key in keys.items()}
    state["variant_error"] = None
    try:
        bench.add_variant(state["variant_name"], entries)
    except (ScenarioError, ValueError) as error:
        state["variant_error"] = str(error)
        return
    bench.start_runs(int(state["replications"]))
    state["variant_name"] = bench.next_name()


def _variant_form(bench: Workbench, words: Words) -> None:
    scenario = bench.baseline
    assert scenario is not None
    found = controls(scenario)
    keys = {c.path: f"{bench.token}:{c.path}" for c in found}
    st.subheader(words("resources"))
    rule = {keys[path]: value for path, value in stock_rule(scenario).items()}
    if rule:
        st.button(words("stock_rule"), on_click=_set_stock_rule, args=(rule,))
    with st.form("variant"):
        if "variant_name" not in _state():
            _state()["variant_name"] = bench.next_name()
        st.text_input(words("variant_name"), key="variant_name")
        columns = st.columns(4)
        for column, group in zip(columns, ("engineers", "stock", "swap", "travel"), strict=True):
            with column:
                st.markdown(f"**{words(group)}**")
                for control in found:
                    if control.group == group:
                        _control(control, keys[control.path], words)
        st.number_input(
            words("replications"),
            min_value=1,
            max_value=1000,
            value=scenario.scenario.replications,
            key="replications",
        )
        st.form_submit_button(
            words("run"), type="primary", disabled=bench.busy, on_click=_submit, args=(bench, keys)
        )
    if _state().get("variant_error"):
        st.error(f"{words('variant_error')}:\n\n```\n{_state()['variant_error']}\n```")


def _progress(bench: Workbench, words: Words) -> None:
    """The progress of the running task, redrawn every :data:`POLL_SECONDS` while it runs."""

    def draw() -> None:
        task = bench.task
        if task is None:
            return
        if not task.running:
            if _state().get("seen_task") is not task:
                _state()["seen_task"] = task
                st.rerun()
            if task.error is not None:
                st.error(f"{words('run_error')}:\n\n```\n{task.error}\n```")
            return
        if task.name == "plan":
            st.progress(0.0, text=words("planning", done=task.done))
        else:
            st.progress(task.share, text=words("running", done=task.done, total=task.total))

    running = bench.busy
    st.fragment(draw, run_every=POLL_SECONDS if running else None)()


def _remove(bench: Workbench) -> None:
    """Forget the variants picked for removal (a callback, before the page is redrawn)."""
    state = _state()
    bench.remove_variants(list(state.get("drop_variants", [])))
    state["drop_variants"] = []


def _results(bench: Workbench, words: Words, replications: int) -> None:
    results = bench.results(replications)
    if not results:
        st.info(words("no_results"))
        return
    shown = {_shown(name, words): result for name, result in results.items()}
    baseline = _shown(BASELINE, words)
    st.header(words("commitments"))
    confidence = words.percent(bench.scenario_of(BASELINE).plan.confidence, 0)
    st.caption(words("commitments_note", confidence=confidence))
    st.table(commitments_table(shown, baseline, words))
    for name in results:
        if name != BASELINE:
            st.caption(f"{name}: {bench.describe(name) or words('no_changes')}")
    if bench.variants:
        st.multiselect(words("remove"), list(bench.variants), key="drop_variants")
        st.button(words("remove"), disabled=bench.busy, on_click=_remove, args=(bench,))
    left, right = st.columns(2)
    with left:
        st.subheader(words("costs"))
        st.table(cost_table(shown, words))
    with right:
        st.subheader(words("utilisation"))
        st.table(utilisation_table(shown, words))
    _charts(bench, words, results)
    _downloads(bench, words, results)


def _charts(bench: Workbench, words: Words, results: dict[str, Any]) -> None:
    st.subheader(words("charts"))
    if not st.checkbox(words("show_charts"), key="show_charts"):
        return
    from simsvc import charts

    names = list(results)
    pick = st.selectbox(
        words("chart_variant"), names, format_func=lambda n: _shown(n, words), key="chart_variant"
    )
    result = results[pick]
    scenario = result.scenario
    ids = list(scenario.commitment_ids())
    labels = {k: c.label for k, c in zip(ids, scenario.commitment, strict=True)}
    commitment = st.selectbox(
        words("chart_commitment"), ids, format_func=labels.__getitem__, key="chart_commitment"
    )
    severity = st.selectbox(
        words("chart_severity"), [s.id for s in scenario.severity], key="chart_severity"
    )
    left, right = st.columns(2)
    with left:
        st.pyplot(charts.site_map(scenario, result, commitment, lang=words.lang))
    with right:
        st.pyplot(charts.promise_frontier(result, severity, lang=words.lang))


def _downloads(bench: Workbench, words: Words, results: dict[str, Any]) -> None:
    st.subheader(words("downloads"))
    pick = st.selectbox(
        words("download_variant"),
        list(results),
        format_func=lambda n: _shown(n, words),
        key="download_variant",
    )
    result = results[pick]
    slug = (bench.source.split(" ")[0].removesuffix(".toml") + "-" + pick).replace(" ", "_")
    header = f"{pick} of {bench.source}" + (f": {bench.describe(pick)}" if pick != BASELINE else "")
    header += "\nWritten by simsvc app; durations in hours."
    columns = st.columns(4)
    columns[0].download_button(
        words("download_toml"), scenario_toml(result.scenario, header), f"{slug}.toml"
    )
    columns[1].download_button(words("download_json"), results_json(result), f"{slug}.json")
    try:
        book = results_workbook(result, words.lang)
    except MissingExtra as error:
        columns[2].caption(str(error))
    else:
        columns[2].download_button(words("download_xlsx"), book, f"{slug}.xlsx")
    state = _state()
    reports: dict[tuple[str, str], str] = state.setdefault("reports", {})
    key = (pick, words.lang)
    if key not in reports:
        if columns[3].button(words("prepare_html")):
            reports[key] = report_html(result, words.lang)
            st.rerun()
    else:
        columns[3].download_button(words("download_html"), reports[key], f"{slug}.html")


def _planner(bench: Workbench, words: Words, replications: int) -> None:
    st.header(words("tools"))
    names = [BASELINE, *bench.variants]
    pick = st.selectbox(
        words("chart_variant"), names, format_func=lambda n: _shown(n, words), key="tool_variant"
    )
    left, right = st.columns(2)
    if left.button(words("find_plan"), disabled=bench.busy):
        bench.start_plan(pick, replications)
        st.rerun()
    if right.button(words("what_promise"), disabled=bench.busy):
        bench.start_promise(pick, replications)
        st.rerun()
    if pick in bench.plan_text:
        left.markdown(f"**{words('plan_result')}**")
        left.code(bench.plan_text[pick], language=None)
    if pick in bench.promise_tables:
        right.markdown(f"**{words('promise_result')}**")
        right.markdown(bench.promise_tables[pick].render("markdown", words.lang))


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="simsvc what-if", layout="wide")
    bench = _bench()
    lang = st.sidebar.radio(
        "Language / 语言",
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key="lang",
        horizontal=True,
    )
    words = Words(lang)
    st.title(words("title"))
    _open_source(bench, words)
    baseline = bench.baseline
    assert baseline is not None
    st.caption(f"{words('loaded')}: {bench.source} · {baseline.scenario.name}")
    _variant_form(bench, words)
    _progress(bench, words)
    replications = int(_state().get("replications", baseline.scenario.replications))
    _results(bench, words, replications)
    _planner(bench, words, replications)


main()
