"""The app in a real browser: headless Chromium (the system's) against ``alliance-sim app --port 0``.

One server for the module, started as the user starts it; each test opens a
fresh page (a new session) that may talk only to loopback: every other
request is blocked and recorded, and none may be attempted. Screenshots go to
each test's temporary folder.
"""
import functools
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import pytest

import alliance_sim
from alliance_sim.app import state as st

pytestmark = pytest.mark.slow
pytest.importorskip("solara")
TIMEOUT = 90_000  # ms: a loaded CI machine


def _start(tmp_path_factory):
    """``alliance-sim app --port 0`` in a subprocess: ``(process, url)`` once it answers."""
    log = tmp_path_factory.mktemp("app") / "server.log"
    err = open(log, "w")
    proc = subprocess.Popen([sys.executable, "-m", "alliance_sim", "app", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=err, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    line = proc.stdout.readline()  # the first line names the address
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        pytest.fail(f"the app did not start: {line!r} {log.read_text()[-2000:]}")
    url = m.group(0)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"the app does not answer at {url}: {log.read_text()[-2000:]}")
            time.sleep(0.3)
    return proc, url, log


@pytest.fixture(scope="module")
def app(browser, tmp_path_factory):  # browser first: no server started where the tests skip
    proc, url, log = _start(tmp_path_factory)
    yield url
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def offline(page):
    """The page, with every request that is not to loopback blocked and recorded in ``page.outside``."""
    page.outside = []

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.set_default_timeout(TIMEOUT)
    yield page
    assert page.outside == [], f"the app tried to reach the network: {page.outside[:5]}"


def _open(page, url):
    page.goto(url)
    page.wait_for_selector("text=Run an ensemble")
    page.wait_for_selector(".as-param-offer_relief .as-value input")


def _type(page, selector, text):
    box = page.locator(selector)
    box.fill(text)
    box.press("Tab")


def _mean(page, metric: str) -> str:
    return page.inner_text(f"[data-testid=mean-{metric}]").strip()


@functools.lru_cache(maxsize=8)
def _library(name, replicates, seed, overrides):
    res = alliance_sim.run(name, replicates=replicates, seed=seed, overrides=dict(overrides))
    final = res.trajectories[res.trajectories["step"] == res.scenario.horizon]
    return {m: st.fmt(final[m].mean()) for m in ("war_intensity", "alliance_strength", "prk_troops_in_russia",
                                                 "us_prk_deal")}


def test_a_changed_parameter_runs_1000_replicates_and_shows_the_librarys_numbers(app, offline, tmp_path):
    page = offline
    _open(page, app)
    _type(page, ".as-param-offer_relief .as-value input", "0.8")
    page.wait_for_selector(".as-param-offer_relief.as-changed")
    t0 = time.perf_counter()
    page.click(".as-run")
    page.wait_for_selector("[data-testid=headline]")
    t_table = time.perf_counter() - t0
    page.wait_for_selector(".as-chart-main")
    t_chart = time.perf_counter() - t0
    print(f"\n1,000 replicates: table {t_table:.1f} s, fan charts {t_chart:.1f} s after the click")
    expect = _library("baseline", 1000, 0, (("offer_relief", 0.8),))
    for metric, value in expect.items():
        assert _mean(page, metric) == value, metric
    assert "offer_relief" in page.inner_text(".as-right code")
    page.shot("run_1000")
    page.screenshot(path=str(tmp_path / "app_viewport.png"))  # what a user sees first (docs/app_screenshot.png)
    page.click(".v-tab:has-text('Action shares')")
    page.wait_for_selector(".as-chart-actions")
    page.shot("action_shares")


def test_an_out_of_range_value_shows_the_librarys_message_and_the_app_still_runs(app, offline):
    page = offline
    _open(page, app)
    _type(page, ".as-param-offer_relief .as-value input", "2")
    message = "offer_relief: value 2 out of range; allowed: [0, 1] (share of full relief)"
    page.wait_for_selector(f".as-param-offer_relief >> text={message}")
    _type(page, ".as-replicates input", "200")
    page.click(".as-run")
    page.wait_for_selector("text=not run: fix the fields marked in red (offer_relief)")
    page.shot("out_of_range")
    assert page.locator("[data-testid=headline]").count() == 0
    _type(page, ".as-param-offer_relief .as-value input", "0.5")
    page.wait_for_function("() => !document.body.innerText.includes('out of range')")
    page.click(".as-run")
    page.wait_for_selector("[data-testid=headline]")
    page.wait_for_selector(".as-chart-main")
    for metric, value in _library("baseline", 200, 0, (("offer_relief", 0.5),)).items():
        assert _mean(page, metric) == value, metric
    page.shot("fixed_and_run")
    # a long run can be stopped: the bar moves, Cancel stops it, the last results stay
    _type(page, ".as-replicates input", "10000")
    page.click(".as-run")
    page.wait_for_selector(".as-run-card .v-progress-linear")
    page.click(".as-cancel")
    page.wait_for_selector("text=cancelled: nothing was kept")
    # the message is set inside the run's thread just before it ends; the button follows once it has ended
    from playwright.sync_api import expect

    expect(page.locator(".as-run")).to_be_enabled(timeout=10_000)
    for metric, value in _library("baseline", 200, 0, (("offer_relief", 0.5),)).items():
        assert _mean(page, metric) == value, metric


def _choose(page, field_class: str, option: str):
    page.click(f".{field_class} .v-select__slot")
    page.click(f".v-menu__content.menuable__content__active .v-list-item:has-text('{option}')")


def test_moved_event_reference_explain_and_download(app, offline, tmp_path):
    page = offline
    _open(page, app)
    _choose(page, "as-scenario", "ukraine_ceasefire")
    page.wait_for_selector("text=ceasefire")
    sc = st.scenario("ukraine_ceasefire")
    _type(page, ".as-event-ceasefire input", "40")
    page.wait_for_selector(f".as-event-ceasefire >> text=retimed.ceasefire: month 40; allowed: a whole number from 1 "
                           f"to {sc.horizon}")
    _type(page, ".as-event-ceasefire input", "10")
    _type(page, ".as-replicates input", "300")
    _choose(page, "as-reference", "baseline")
    page.click(".as-run")
    page.wait_for_selector(".as-chart-main")
    page.click(".v-tab:has-text('Difference from reference')")
    page.wait_for_selector("[data-testid=differences]")
    spec, _ = st.build_spec("ukraine_ceasefire", "300", "0", {}, {"ceasefire": "10"}, "baseline")
    res, ref = st.run(spec)
    _, diffs = st.differences(res, ref, "yours")
    war = diffs.set_index("metric").loc["war_intensity", "diff"]
    assert page.inner_text("[data-testid=diff-war_intensity]").strip() == f"{war:+.3f}"
    page.wait_for_selector(".as-chart-diff")
    page.shot("differences")

    page.click(".v-tab:has-text('Explain')")
    page.click(".as-explain")
    page.wait_for_selector("[data-testid=explain]")
    by_action, _, _ = st.explain_table(spec, "PRK", 6)
    col = by_action.columns[0]
    assert page.inner_text(f"[data-testid='total-{col}']").strip() == f"{by_action[col].sum():+.3f}"
    page.locator("[data-testid=explain] summary").first.click()
    page.shot("explain")

    page.click(".v-tab:has-text('Download')")
    with page.expect_download() as dl:
        page.click("text=Download the run")
    path = tmp_path / "run.zip"
    dl.value.save_as(path)
    import zipfile

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        toml = z.read("ukraine_ceasefire/scenario.toml").decode()
    assert "ukraine_ceasefire/manifest.json" in names
    assert re.search(r'kind = "ceasefire"\nmonth = 10\n', toml)
    # the report is the library's (tests/test_app.py); here only that it is offered, as the zip is
    assert page.locator("text=Download the HTML report").count() == 1
    page.click(".v-tab:has-text('Scenario')")
    page.wait_for_selector(".as-timeline")
    page.shot("scenario")


def test_ctrl_c_stops_the_server_with_a_page_open(tmp_path_factory, page):
    proc, url, log = _start(tmp_path_factory)
    try:
        page.goto(url)
        page.wait_for_selector("text=Run an ensemble", timeout=TIMEOUT)
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = [ln for ln in log.read_text().splitlines() if ln.strip()]
    assert proc.returncode == 0 and lines == ["alliance-sim app: stopped"], lines
