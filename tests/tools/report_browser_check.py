"""Renders the fleet_report HTML in headless chromium and checks it shows the JSON's numbers.

    python tests/tools/report_browser_check.py REPORT.html REPORT.json [--screenshot OUT.png]

What it proves, in a real browser (Debian's ``chromium``), with every network request refused
so that a missing asset could not be fetched: the page renders; the DOM chromium builds holds,
per host and IOV switch, the in-use / free / total VFs of the JSON, the adapters on the synthetic
path, the drain matrix and each move's outcome; and a screenshot shows the bars (pixels of the
"in use" and "free" colours are present). Exit status 1 with every difference listed.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

# The bar colours of the template (roles/fleet_report/templates/fleet_report.html.j2).
USED_RGB = (0x25, 0x63, 0xEB)
FREE_RGB = (0x16, 0xA3, 0x4A)
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"))


def browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("report_browser_check: no chromium found; install Debian's package: apt-get install chromium")


def run_browser(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + profile,
            # Offline: any attempt to resolve a host fails, so the page must carry everything.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--hide-scrollbars", "--force-device-scale-factor=1",
            *args,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise SystemExit("report_browser_check: chromium failed (%d): %s" % (done.returncode, done.stderr[-2000:]))
    return done.stdout


class Dom(html.parser.HTMLParser):
    """The facts the page shows: text of the elements the checks read, keyed by their data-* path."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str]] = []
        self.values: dict[tuple[str, ...], str] = {}
        self.synthetic: list[tuple[str, str]] = []
        self.outcomes: dict[tuple[str, str], str] = {}
        self.external: list[str] = []
        self.ids: dict[str, str] = {}
        self._capture: list[tuple[tuple[str, ...], list[str]]] = []

    def context(self, key: str) -> str | None:
        for attrs in reversed(self.stack):
            if key in attrs:
                return attrs[key]
        return None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        for name in ("src", "href"):
            if attrs.get(name) and not attrs[name].startswith(("#", "data:")):
                self.external.append("%s %s=%s" % (tag, name, attrs[name]))
        if tag == "link":
            self.external.append("link %s" % attrs)
        if tag in VOID:
            return
        self.stack.append(attrs)
        if "data-outcome" in attrs:
            self.outcomes[(self.context("data-adapter") or "", attrs.get("data-target", ""))] = attrs["data-outcome"]
        if tag == "tr" and "data-adapter" in attrs and self.context("id") == "synthetic":
            self.synthetic.append((attrs.get("data-host", ""), attrs["data-adapter"]))
        classes = attrs.get("class", "").split()
        number = [c for c in classes if c.startswith("n-")]
        if number:
            key = (self.context("data-host") or self.context("data-drain") or "", self.context("data-switch") or "",
                   "drain" if self.context("data-drain") else "switch", number[0])
            self._capture.append((key, []))
        elif attrs.get("id"):
            self._capture.append((("id", attrs["id"]), []))
        else:
            self._capture.append(((), []))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.stack:
            self.stack.pop()
        if self._capture:
            key, parts = self._capture.pop()
            text = " ".join("".join(parts).split())
            if key and key[0] == "id":
                self.ids[key[1]] = text
            elif key:
                self.values[key] = text
            if self._capture:
                self._capture[-1][1].append(text + " ")

    def handle_data(self, data):
        if self._capture:
            self._capture[-1][1].append(data)


def compare(dom: Dom, facts: dict) -> list[str]:
    problems = []

    def same(what: str, shown: str | None, expected: object) -> None:
        if shown != str(expected):
            problems.append("%s: the page shows %r, the JSON says %r" % (what, shown, expected))

    for host in facts["hosts"]:
        for switch in host["switches"]:
            for field in ("in_use", "free", "total"):
                key = (host["name"], switch["name"], "switch", "n-" + field.replace("_", "-"))
                same("%s/%s %s" % (host["name"], switch["name"], field), dom.values.get(key), switch[field])
    for field, key in (("total", "sum-total"), ("in_use", "sum-in-use"), ("free", "sum-free")):
        same("group " + field, dom.ids.get(key), sum(h["vfs"][field] for h in facts["hosts"]))
    same("hosts", dom.ids.get("sum-hosts"), len(facts["hosts"]))
    same("N+1", dom.ids.get("n-plus-one"), "N+1" if facts["n_plus_one"] else "not N+1")
    expected_synthetic = [(h["name"], a["adapter"]) for h in facts["hosts"] for a in h["synthetic"]]
    if dom.synthetic != expected_synthetic:
        problems.append("synthetic adapters: the page lists %r, the JSON %r" % (dom.synthetic, expected_synthetic))
    for drain in facts["drains"]:
        for field, cls in (("vms", "n-vms"), ("keep_vf", "n-keep"), ("synthetic", "n-synthetic"), ("fails", "n-fails")):
            same("drain %s %s" % (drain["host"], field), dom.values.get((drain["host"], "", "drain", cls)), drain[field])
        same("drain %s displaced" % drain["host"], dom.values.get((drain["host"], "", "drain", "n-displaced")),
             len(drain["displaced"]))
        same("drain %s N+1" % drain["host"], dom.values.get((drain["host"], "", "drain", "n-plus-one")),
             "yes" if drain["n_plus_one"] else "no")
    expected_outcomes = {(m["adapter"], target): o["outcome"] for m in facts["migrations"] for target, o in m["targets"].items()}
    if dom.outcomes != expected_outcomes:
        problems.append("moves: the page shows %r, the JSON %r" % (dom.outcomes, expected_outcomes))
    if dom.external:
        problems.append("the page refers to other files: %s" % dom.external)
    return problems


def check_pixels(png: pathlib.Path) -> list[str]:
    from PIL import Image  # pillow: a test dependency (pyproject.toml)

    with Image.open(png) as image:
        colours = {colour[1] for colour in image.convert("RGB").getcolors(maxcolors=1 << 24)}
    problems = []
    for name, rgb in (("in use", USED_RGB), ("free", FREE_RGB)):
        if rgb not in colours:
            problems.append("the screenshot has no pixel of the %s colour #%02x%02x%02x" % ((name,) + rgb))
    if len(colours) < 50:
        problems.append("the screenshot looks blank (%d colours)" % len(colours))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=pathlib.Path)
    parser.add_argument("json", type=pathlib.Path)
    parser.add_argument("--screenshot", type=pathlib.Path, help="also take a screenshot here and check its bars")
    parser.add_argument("--window-size", default="1200,1500")
    args = parser.parse_args(argv)
    facts = json.loads(args.json.read_text(encoding="utf-8"))
    url = args.html.resolve().as_uri()
    dom = Dom()
    dom.feed(run_browser("--dump-dom", url))
    problems = compare(dom, facts)
    if args.screenshot:
        run_browser("--screenshot=%s" % args.screenshot.resolve(), "--window-size=%s" % args.window_size, url)
        problems += check_pixels(args.screenshot)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("report_browser_check: %d switch bars, %d drains and %d moves match the JSON" % (
            sum(len(h["switches"]) for h in facts["hosts"]), len(facts["drains"]), len(dom.outcomes)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
