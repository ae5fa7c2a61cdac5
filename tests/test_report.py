"""The report page, rendered by a real browser (Debian's headless Chromium): its numbers
are the ledger's, it fetches nothing, it prints on A4 and it fits a phone."""

from __future__ import annotations

import dataclasses
import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pdfplumber
import pytest
from chromium import dump_dom, print_pdf, screenshot
from test_summary import (  # noqa: F401  (session fixtures shared with the workbook tests)
    FORMULA_TEXT,
    ROUND_65,
    ROUND_66,
    expected,
    masters,
    two_years,
)

from kpixl.ledger import Ledger
from kpixl.master import Master
from kpixl.summary import build_summary, write_report


@dataclasses.dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    text: list[str] = dataclasses.field(default_factory=list)
    children: list[Node] = dataclasses.field(default_factory=list)

    def all_text(self) -> str:
        return "".join(self.text) + "".join(c.all_text() for c in self.children)

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            wanted = tag is None or child.tag == tag
            classes = child.attrs.get("class", "").split()
            if wanted and all(
                (v in classes) if k == "class_" else child.attrs.get(k.replace("_", "-")) == v
                for k, v in attrs.items()
            ):
                found.append(child)
            found += child.find(tag, **attrs)
        return found


_VOID = {"meta", "br", "hr", "img", "input", "link", "source", "col", "wbr", "area", "base"}


class Tree(HTMLParser):
    """The DOM as a tree of :class:`Node` (html.parser from the standard library)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        for name, value in node.attrs.items():
            if name in ("src", "href", "xlink:href", "action", "poster", "data", "srcset"):
                self.urls.append((tag, name, value))
            for found in re.findall(r"url\(([^)]*)\)", value):
                self.urls.append((tag, f"{name}:url()", found))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1].text.append(data)
        if self.stack[-1].tag == "style":
            self.urls += [("style", "url()", u) for u in re.findall(r"url\(([^)]*)\)", data)]
            self.urls += [("style", "@import", u) for u in re.findall(r"@import\s+([^;]+)", data)]


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    return tree


@dataclasses.dataclass
class Rendered:
    page: Path
    dom: Tree
    ledger: Path


@pytest.fixture(scope="module")
def rendered(
    two_years: Path,  # noqa: F811
    masters: list[Master],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Rendered:
    with Ledger(two_years) as ledger:
        summary = build_summary(ledger, masters, fiscal_year_be=2565)
    page = write_report(summary, tmp_path_factory.mktemp("report") / "report.html")
    return Rendered(page, parse(dump_dom(page)), two_years)


def test_the_ranking_is_the_ledgers(rendered: Rendered) -> None:
    exp = expected(rendered.ledger, ROUND_65, 2565)
    (ranking,) = rendered.dom.root.find("table", id="ranking")
    rows = [r for r in ranking.find("tr") if "data-division" in r.attrs]
    with Ledger(rendered.ledger) as ledger:
        wanted = ledger.divisions(ROUND_65)
    assert sorted(r.attrs["data-division"] for r in rows) == sorted(wanted["division_code"])
    by_code = exp.counted.set_index("division_code")
    order = sorted(by_code.index, key=lambda c: (-by_code.at[c, "score_100"], c))
    assert [r.attrs["data-division"] for r in rows] == order
    for row in rows:
        code = row.attrs["data-division"]
        cell = {c.attrs.get("class", ""): c.all_text().strip() for c in row.find("td")}
        assert cell["score"] == f"{by_code.at[code, 'score_100']:.2f}", code
        assert cell["total"] == f"{by_code.at[code, 'total']:.2f}", code
        better = (exp.counted["score_100"] > by_code.at[code, "score_100"]).sum()
        assert cell["rank"] == str(better + 1)
        (state,) = row.find("td", class_="state-cell")
        errors = int(by_code.at[code, "division_errors"] or 0)
        signed = bool(by_code.at[code, "signed_off"])
        assert state.attrs["data-state"] == (
            "signed_off" if signed and not errors else "errors" if errors else "scored"
        )


def test_the_level_matrix_is_the_ledgers(rendered: Rendered) -> None:
    exp = expected(rendered.ledger, ROUND_65, 2565)
    cells = {
        (g.attrs["data-kpi"], g.attrs["data-division"]): g.all_text().strip()
        for g in rendered.dom.root.find("g", class_="cell")
    }
    assert len(cells) == len(exp.kpis)
    for kpi in exp.kpis.to_dict("records"):
        shown = cells[(kpi["kpi_id"], kpi["division_code"])]
        assert shown == ("—" if pd.isna(kpi["level"]) else str(int(kpi["level"]))), kpi


def test_each_division_form_shows_its_levels_and_total(rendered: Rendered) -> None:
    exp = expected(rendered.ledger, ROUND_65, 2565)
    for rec in exp.counted.to_dict("records"):
        (section,) = rendered.dom.root.find("section", id=f"div-{rec['division_code']}")
        rows = {r.attrs["data-kpi"]: r for r in section.find("tr") if "data-kpi" in r.attrs}
        mine = exp.kpis[exp.kpis["division_code"] == rec["division_code"]]
        for kpi in mine.to_dict("records"):
            (level,) = rows[kpi["kpi_id"]].find("td", class_="level")
            assert level.all_text() == ("" if pd.isna(kpi["level"]) else str(int(kpi["level"])))
        (total,) = section.find("td", class_="total")
        (score,) = section.find("td", class_="score")
        assert total.all_text() == f"{rec['total']:.2f}"
        assert score.all_text() == f"{rec['score_100']:.2f}"


def test_the_page_fetches_nothing_and_user_text_stays_text(rendered: Rendered) -> None:
    external = [u for u in rendered.dom.urls if not u[2].strip().strip("'\"").startswith("#")]
    assert external == []
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert rendered.dom.root.find(tag) == [], tag
    html = rendered.page.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html)
    assert FORMULA_TEXT.replace('"', "&#34;") in html or "=HYPERLINK(&#34;" in html
    assert FORMULA_TEXT in rendered.dom.root.all_text()  # shown as text, escaped


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots_on_a_desktop_and_a_phone(rendered: Rendered, tmp_path: Path) -> None:
    desktop = screenshot(rendered.page, tmp_path / "report.png", width=1280, height=1800)
    phone = screenshot(rendered.page, tmp_path / "phone.png", width=390, height=1600)
    assert _png_size(desktop) == (1280, 1800)
    assert _png_size(phone) == (390, 1600)


def test_the_page_prints_on_a4_at_a_readable_size(rendered: Rendered, tmp_path: Path) -> None:
    printed = print_pdf(rendered.page, tmp_path / "report.pdf")
    with pdfplumber.open(printed) as pdf:
        assert len(pdf.pages) > 5
        for number, page in enumerate(pdf.pages, 1):
            assert sorted((round(page.width), round(page.height))) == [595, 842], number
            sizes = [c["size"] for c in page.chars if c["text"].strip()]
            assert not sizes or min(sizes) >= 9.0, (number, min(sizes))


def test_the_phone_layout_scrolls_tables_instead_of_shrinking_text(rendered: Rendered) -> None:
    html = rendered.page.read_text(encoding="utf-8")
    assert re.search(r"html\s*\{[^}]*font-size:\s*18px", html)
    assert 'name="viewport" content="width=device-width' in html
    scrolls = rendered.dom.root.find("div", class_="scroll")
    inside = {t.attrs.get("id") or t.attrs.get("class") for s in scrolls for t in s.find("table")}
    assert inside >= {"ranking", "form", "sources"}


def test_the_year_over_year_section_appears_with_two_years(
    two_years: Path,  # noqa: F811
    masters: list[Master],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import inspect

    import kpixl.round_outputs as R
    import kpixl.summary.data as D

    if "masters" in inspect.signature(R.status_frame).parameters:
        monkeypatch.setattr(
            D, "status_frame", lambda ledger, label: R.status_frame(ledger, masters, label)
        )
    with Ledger(two_years) as ledger:
        summary = build_summary(ledger, masters)
    assert (summary.fiscal_year_be, summary.round_label) == (2566, ROUND_66)
    dom = parse(write_report(summary, tmp_path / "report.html").read_text(encoding="utf-8"))
    (scores,) = dom.root.find("table", id="years-scores")
    rows: dict[str, Any] = {
        r.attrs["data-division"]: r for r in scores.find("tr") if "data-division" in r.attrs
    }
    now = expected(two_years, ROUND_66, 2566).counted.set_index("division_code")
    cells = [c.all_text() for c in rows["FIN"].find("td")]
    assert cells[3] == f"{now.at['FIN', 'score_100']:.2f}"
    assert "โปรดตรวจ" in dom.root.find("table", id="years-kpis")[0].all_text()
