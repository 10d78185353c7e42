"""Every slide heading of the lecture has an entry in ``notebooks/LECTURE_MAP.md``.

The lecture text (``../shared/lecture/lecture-slides.txt``, next to the repository; CI has it)
stays out of the project, so the map names each slide by a **key** computed from its heading
(:func:`slide_key`) plus a paraphrase in our own words. A slide added to the lecture brings a key
that the map lacks, and the test names it with its position and heading; a key in the map that
the lecture no longer has is reported too. Where the lecture text is absent the lecture tests
are skipped with that reason; the map's own form is checked either way.

How slides are found in the text (the slides' pictures are lost; only their text remains):

* the **sections** are the items of the agenda list near the top (lines ``- ▶ <section>``);
* a line that is exactly a section name starts a new slide (every content slide repeats its
  section as a banner line); the slide's **heading** is its first non-blank line after the
  banner, with list markers, decorations and emphasis removed. A slide whose banner is followed
  directly by the next banner holds only a lost picture: it has no heading and needs no entry;
* outside the banner slides (before the first banner, and after the last banner slide's
  heading) every short stand-alone line followed by a blank line and not a list item is a
  heading of its own (the agenda, the reference list, the closing slide).

Slides that share a section and a heading (the lecture repeats a heading while it builds up a
picture) share one key and one entry.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT

LECTURE = REPO_ROOT.parent / "shared" / "lecture" / "lecture-slides.txt"
MAP = NOTEBOOK_DIR / "LECTURE_MAP.md"
AGENDA_ITEM = re.compile(r"^\s*-\s*▶\s*(?P<name>\S.*?)\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*•]|▶|\d+[.)])\s")
KEY_ROW = re.compile(r"^\|\s*`(?P<key>[0-9a-f]{10})`\s*\|(?P<rest>.*)\|\s*$")
PLACE = re.compile(r"\]\((?P<file>\d\d_[a-z0-9_]+\.ipynb)\)\s*§\s*(?P<title>[^;|]+)")
STANDALONE_MAX_WORDS = 4


@dataclass(frozen=True)
class Slide:
    number: int  # position among the slides found, from 1
    section: str  # "" before the first banner
    heading: str  # "" for a slide that holds only a lost picture

    @property
    def key(self) -> str:
        return slide_key(self.section, self.heading)


def normalise(text: str) -> str:
    """Lower case, emphasis and decorations removed, dashes unified, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("**", "").replace("*", "").replace("_", " ")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"^[^\w<(\"']+", "", text.strip())  # list markers and symbols in front
    return re.sub(r"\s+", " ", text).strip().casefold()


def slide_key(section: str, heading: str) -> str:
    """The map's name for a slide: 10 hex digits of SHA-256 of 'section / heading', normalised."""
    text = f"{normalise(section)} / {normalise(heading)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _is_standalone(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return (bool(line) and not LIST_ITEM.match(lines[i]) and not line.startswith("$$")
            and len(line.split()) <= STANDALONE_MAX_WORDS and after == ""
            and (i == 0 or lines[i - 1].strip() == ""))


def parse_slides(text: str) -> list[Slide]:
    """The slides of the lecture text, in order (see the module docstring for the rules)."""
    lines = text.splitlines()
    agenda_at = next((i for i, ln in enumerate(lines) if ln.strip().casefold() == "agenda"), None)
    if agenda_at is None:
        raise ValueError("the lecture text has no 'Agenda' line: its format changed")
    sections = []
    for ln in lines[agenda_at + 1:]:
        m = AGENDA_ITEM.match(ln)
        if m:
            sections.append(m.group("name"))
        elif ln.strip() and sections:
            break
    if not sections:
        raise ValueError("no agenda items ('- ▶ <section>') after 'Agenda'")
    banners = [i for i, ln in enumerate(lines) if ln.strip() in sections and i > agenda_at + len(sections)]
    if not banners:
        raise ValueError("no slide repeats a section name as its banner: the format changed")

    slides: list[Slide] = []

    def standalone(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            if _is_standalone(lines, i):
                slides.append(Slide(len(slides) + 1, "", lines[i].strip()))

    standalone(0, banners[0])
    last_heading_at = banners[-1]
    for b, nxt in zip(banners, [*banners[1:], len(lines)], strict=True):
        heading_at = next((i for i in range(b + 1, nxt) if lines[i].strip()), None)
        heading = lines[heading_at].strip() if heading_at is not None else ""
        slides.append(Slide(len(slides) + 1, lines[b].strip(), heading))
        if b == banners[-1] and heading_at is not None:
            last_heading_at = heading_at
    standalone(last_heading_at + 1, len(lines))
    return slides


@dataclass(frozen=True)
class Entry:
    key: str
    places: tuple[tuple[str, str], ...]  # (notebook file, section heading) pairs


def read_map(text: str) -> dict[str, Entry]:
    """The map's entries: table rows that start with a key in backticks."""
    entries: dict[str, Entry] = {}
    for line in text.splitlines():
        m = KEY_ROW.match(line.strip())
        if not m:
            continue
        key, taught_in = m.group("key"), m.group("rest").rsplit("|", 1)[-1]
        if key in entries:
            raise ValueError(f"LECTURE_MAP.md lists the key {key} twice")
        entries[key] = Entry(key, tuple((p.group("file"), p.group("title").strip())
                                        for p in PLACE.finditer(taught_in)))
    return entries


def notebook_headings(path: Path) -> set[str]:
    """The normalised ``##`` and ``###`` headings of a notebook's markdown cells."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {normalise(line.lstrip("#")) for cell in nb["cells"] if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines() if re.match(r"#{2,3} ", line)}


@pytest.fixture(scope="module")
def lecture_slides() -> list[Slide]:
    if not LECTURE.is_file():
        pytest.skip(f"the lecture text is not here ({LECTURE}); it lives outside the project "
                    "and CI provides it")
    return parse_slides(LECTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lecture_map() -> dict[str, Entry]:
    assert MAP.is_file(), f"{MAP} is missing"
    return read_map(MAP.read_text(encoding="utf-8"))


def test_every_slide_heading_has_an_entry(lecture_slides, lecture_map):
    titled = [s for s in lecture_slides if s.heading]
    assert len(titled) >= 20, f"only {len(titled)} slide headings found: has the format changed?"
    missing = {}
    for s in titled:
        if s.key not in lecture_map:
            missing.setdefault(s.key, []).append(s)
    assert not missing, "slides without an entry in notebooks/LECTURE_MAP.md:\n" + "\n".join(
        f"  key `{k}`: slide(s) {', '.join(str(s.number) for s in group)} of section "
        f"{group[0].section or '(none)'!r}, heading {group[0].heading!r}"
        for k, group in missing.items())


def test_the_map_lists_no_slide_the_lecture_lacks(lecture_slides, lecture_map):
    keys = {s.key for s in lecture_slides if s.heading}
    stale = sorted(set(lecture_map) - keys)
    assert not stale, f"LECTURE_MAP.md lists keys no slide heading has: {stale}"


def test_every_entry_names_an_existing_notebook_section(lecture_map):
    """Each entry names at least one '[notebook](file) § section'; where the notebook exists
    (07 may still be in preparation), the section is one of its headings."""
    assert lecture_map, "LECTURE_MAP.md has no entries (rows that start with a `key`)"
    problems = []
    for entry in lecture_map.values():
        if not entry.places:
            problems.append(f"{entry.key}: names no '[notebook](NN_x.ipynb) § section'")
        for nb_file, title in entry.places:
            path = NOTEBOOK_DIR / nb_file
            if path.is_file() and normalise(title) not in notebook_headings(path):
                problems.append(f"{entry.key}: {nb_file} has no section {title!r}")
    assert not problems, "\n".join(problems)


def test_the_map_does_not_quote_the_lecture(lecture_slides):
    """The map paraphrases: no slide heading of three words or more appears in it verbatim."""
    text = normalise(MAP.read_text(encoding="utf-8"))
    quoted = sorted({s.heading for s in lecture_slides
                     if len(s.heading.split()) >= 3 and normalise(s.heading) in text})
    assert not quoted, f"LECTURE_MAP.md quotes these slide headings: {quoted}"


def test_the_parser_on_a_small_sample():
    sample = "\n".join([
        "", "Agenda", "", "- ▶ Part One", "- ▶ Part Two", "",
        "Part One", "", "First **slide**", "", "- ▶ a point", "",
        "Part One", "", "", "Part One", "", "- ▶ A slide without a title", "",
        "Part Two", "", "Third slide", "", "Caption", "",
        "Part Two", "", "Third slide", "", "Closing words here", "",
        "Further reading", "", "- ▶ <http://example.org>", "", "Bye!", "",
    ])
    slides = parse_slides(sample)
    assert [(s.section, s.heading) for s in slides] == [
        ("", "Agenda"), ("Part One", "First **slide**"), ("Part One", ""),
        ("Part One", "- ▶ A slide without a title"), ("Part Two", "Third slide"),
        ("Part Two", "Third slide"), ("", "Closing words here"), ("", "Further reading"),
        ("", "Bye!")]
    assert slides[4].key == slides[5].key != slides[1].key
    assert slide_key("Part One", "First slide") == slides[1].key  # emphasis is ignored
    assert normalise("- ▶ A slide – with a dash") == "a slide - with a dash"
    row = ("| `0123456789` | 3 | a paraphrase | [01 · X](01_x.ipynb) § Find groups; "
           "[02 · Y](02_y.ipynb) § Detect outliers |")
    entry = read_map(row)["0123456789"]
    assert entry.places == (("01_x.ipynb", "Find groups"), ("02_y.ipynb", "Detect outliers"))
