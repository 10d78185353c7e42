"""Slides from the notebooks: slide metadata (``make strip``) and the projector deck's cells.

Two jobs, one set of rules:

* ``python tools/slides.py notebooks/*.ipynb [--check]`` writes each cell's
  ``slideshow.slide_type`` and the notebook's ``rise`` settings into the notebook, so RISE
  (Alt+R in JupyterLab) presents the notebook as it is. ``make strip`` runs it.
* :func:`deck_notebook` turns a notebook (executed or not) into the **deck copy** that
  ``tools/build_slides.py`` (``make slides``) exports with reveal.js. The source notebook is
  never edited: the deck is a derived file.

Tag vocabulary (cell tags; JupyterLab: property inspector > Common Tools > Cell Tags)

``plumbing``
    Never on a slide: setup, thread limits, timing, "the library agrees with this cell"
    identity checks, source listings. Skipped in RISE and in the deck.
``check``
    An exercise self-check (``checks.check_...``). Skipped.
``notes``
    Speaker notes: shown in the speaker view (press ``S`` in a deck), not on the slide.
``on-slide``
    Show the cell even though an automatic rule below would skip it (for example a check
    whose FAIL message is the lesson).
``raises-exception``
    (Shared with nbval, nbclient and nbmake.) The cell is meant to raise. The deck shows the
    error as one short line, ``ErrorName: message``, never a traceback. An error output in a
    cell *without* this tag stops the deck build.

Automatic rules (no tag needed)

* The title cell and every ``## `` section start a slide; ``### `` headings and other markdown
  cells start a sub-slide; a code cell stays on the slide of the text that explains it,
  unless it would overfill that screen (:func:`reflow`): then it continues on a sub-slide.
* The ``## Setup`` section is skipped.
* A code cell whose every statement is a call ``checks.<name>(...)`` is a check: skipped.
* A timing cell is skipped: one that reads a clock (``time.perf_counter()``, ``time.time()``,
  ``timeit``, ``%time``/``%timeit``) and binds no name that a later cell reads (so skipping it
  can never change the story). A cell that trains a model *and* times it is not skipped.

Long markdown in the deck. Slide boundaries in reveal.js and RISE are per cell, and a cell
must stay whole in the notebook students read. So only the deck copy is split: a markdown
cell with more than :data:`MAX_TEXT_LINES` lines becomes several cells, cut before ``###``
(or deeper) headings first, then between paragraphs, list items or table rows (a table's
header is repeated). Code blocks and ``$$`` display math are never cut. The first piece
keeps the cell's slide type; the others are sub-slides below it. RISE shows the notebook
itself, unsplit, with scrolling slides (``rise.scroll``).

Widgets need a running kernel: in the deck a widget's output is a one-line note (and the
widget state, which would load a script from a CDN, is dropped).

Exercises in the deck appear in their student form (``tools/make_student.py``): the
solution is never projected, and the outputs of those cells are dropped.

Lines are counted as the slide test counts them (:func:`text_lines`): non-blank lines,
a line longer than :data:`WRAP` characters counting as several, table separator rows not
counted.

Usage: python tools/slides.py notebooks/*.ipynb [--check]
"""

from __future__ import annotations

import ast
import copy
import json
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_student import studentize_source  # noqa: E402

RISE = {"scroll": True, "theme": "simple", "transition": "none", "enable_chalkboard": True}

TAGS = {"plumbing", "check", "notes", "on-slide", "raises-exception"}
SKIP_TAGS = {"plumbing", "check"}
MAX_TEXT_LINES = 18  # lines of text on one slide (markdown + printed output)
MAX_CODE_LINES = 20  # lines of code on one slide
WRAP = 100  # characters a projected line holds
ERROR_CHARS = 110  # longest one-line error message shown in a deck

CLOCKS = {"perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "process_time",
          "time", "time_ns"}
TIME_MAGIC = re.compile(r"^\s*%{1,2}(time|timeit)\b(?:\s+(-\S+\s+)*)?(.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = {"output_type": "display_data", "metadata": {},
               "data": {"text/markdown": "*An interactive widget: use it live in JupyterLab "
                                         "(RISE: Alt+R).*"}}


# --------------------------------------------------------------------------- cell rules
def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _parse(source: str) -> tuple[ast.Module | None, bool]:
    """Parse a code cell; magics become Python. Returns (tree or None, uses a time magic)."""
    lines, timed = [], False
    for line in source.splitlines():
        m = TIME_MAGIC.match(line)
        if m:
            timed = True
            lines.append(m.group(3) if line.lstrip().startswith("%time") else "pass")
        elif line.lstrip().startswith(("%", "!")):
            lines.append("pass")
        else:
            lines.append(line)
    try:
        return ast.parse("\n".join(lines)), timed
    except SyntaxError:
        return None, timed


def _is_checks_call(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id == "checks")


def only_calls_checks(source: str) -> bool:
    """True when every statement of a code cell is a call ``checks.<name>(...)``."""
    tree, _ = _parse(source)
    return bool(tree and tree.body) and all(_is_checks_call(s) for s in tree.body)


def _reads_a_clock(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            if (f.value.id == "time" and f.attr in CLOCKS) or f.value.id == "timeit":
                return True
        if isinstance(f, ast.Name) and f.id in CLOCKS - {"time"} | {"timeit"}:
            return True
    return False


def _stored(node: ast.AST) -> set[str]:
    """Every name a statement (or cell) may bind, generously."""
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in n.names}
    return names


def _loads(node: ast.AST | None) -> set[str]:
    """Names an expression or statement reads, minus its own lambda, function and
    comprehension variables."""
    if node is None:
        return set()
    reads, own = set(), set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            reads.add(n.id)
        elif isinstance(n, ast.comprehension):
            own |= _stored(n.target)
        elif isinstance(n, ast.arg):
            own.add(n.arg)
        elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            reads.add(n.target.id)  # x += 1 reads x
    return reads - own


def _free(stmts: list[ast.stmt], bound: set[str]) -> set[str]:
    """Names a block of statements reads before binding them itself."""
    free: set[str] = set()
    bound = set(bound)
    for s in stmts:
        if isinstance(s, (ast.For, ast.AsyncFor)):
            free |= _loads(s.iter) - bound
            inner = bound | _stored(s.target)
            free |= _free(s.body, inner) | _free(s.orelse, inner)
        elif isinstance(s, (ast.If, ast.While)):
            free |= _loads(s.test) - bound
            free |= _free(s.body, bound) | _free(s.orelse, bound)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            inner = set(bound)
            for item in s.items:
                free |= _loads(item.context_expr) - bound
                inner |= _stored(item.optional_vars) if item.optional_vars else set()
            free |= _free(s.body, inner)
        else:
            free |= _loads(s) - bound
        bound |= _stored(s)
    return free


def _needed_later(i: int, tree: ast.Module, parsed: dict) -> bool:
    """Whether a later cell reads a name that cell ``i`` binds (unknown cells: yes)."""
    live = _stored(tree)
    for j in sorted(k for k in parsed if k > i):
        later, _ = parsed[j]
        if later is None or _free(later.body, set()) & live:
            return True
        live -= _stored(later)
        if not live:
            return False
    return False


def timing_cells(nb: dict) -> set[int]:
    """Indices of code cells that only measure time (see the module docstring)."""
    parsed = {i: _parse(_source(c)) for i, c in enumerate(nb["cells"])
              if c["cell_type"] == "code"}
    return {i for i, (tree, timed) in parsed.items()
            if tree is not None and (timed or _reads_a_clock(tree))
            and not _needed_later(i, tree, parsed)}


def slide_types(nb: dict) -> list[str]:
    """One RISE/reveal slide type per cell, from headings, tags and the automatic rules."""
    types = []
    in_setup = False
    timing = timing_cells(nb)
    for i, cell in enumerate(nb["cells"]):
        src = _source(cell).lstrip()
        tags = _tags(cell)
        is_heading2 = cell["cell_type"] == "markdown" and src.startswith("## ")
        if is_heading2:
            in_setup = src.startswith("## Setup")
        auto_skip = cell["cell_type"] == "code" and (i in timing or only_calls_checks(src))
        if in_setup or tags & SKIP_TAGS or (auto_skip and "on-slide" not in tags):
            types.append("skip")
        elif "notes" in tags:
            types.append("notes")
        elif i == 0 or is_heading2:
            types.append("slide")
        elif cell["cell_type"] == "markdown":
            types.append("subslide")
        else:
            types.append("-")
    return reflow(nb["cells"], types)


def code_lines(source: str) -> int:
    """Lines of a code cell as projected (leading and trailing blank lines dropped)."""
    source = source.strip("\n")
    return len(source.splitlines()) if source.strip() else 0


def output_lines(cell: dict) -> int:
    """Projected lines of a code cell's printed output (figures and widgets: none)."""
    total = 0
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            total += sum(visual_lines(x) for x in _text(out.get("text", "")).splitlines())
        elif out.get("output_type") == "error":
            total += 1
        else:
            data = out.get("data", {})
            if "text/html" in data:
                html = _text(data["text/html"])
                rows = len(re.findall(r"<tr[\s>]", html))
                total += rows or sum(visual_lines(x) for x in
                                     re.sub(r"<[^>]+>", "", html).splitlines())
            elif not any(k.startswith("image/") or "widget" in k for k in data):
                total += sum(visual_lines(x) for x in
                             _text(data.get("text/plain", "")).splitlines())
    return total


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def reflow(cells: list[dict], types: list[str], max_code: int = MAX_CODE_LINES,
           max_text: int = MAX_TEXT_LINES) -> list[str]:
    """Start a new sub-slide at a code cell that would overfill the current screen.

    A screen holds at most ``max_code`` lines of code and ``max_text`` lines of text
    (markdown and printed output); a code cell that would push it past either, on a screen
    that already shows code continues on a sub-slide of its own; after text alone, only if
    it fits there (a cell too long for any screen stays with the text that explains it, and
    the slide test reports it).
    """
    types = list(types)
    code = text = 0
    for i, (cell, kind) in enumerate(zip(cells, types, strict=True)):
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide"):
            code = text = 0
        if cell["cell_type"] == "markdown":
            text += text_lines(_source(cell))
            continue
        n_code, n_text = code_lines(_source(cell)), output_lines(cell)
        overfills = ((n_code and code + n_code > max_code)
                     or (n_text and text + n_text > max_text))
        fits_alone = n_code <= max_code and n_text <= max_text
        if kind == "-" and overfills and (code or (text and fits_alone)):
            types[i] = "subslide"
            code = text = 0
        code += n_code
        text += n_text
    return types


def apply(nb: dict) -> dict:
    """Write the slide types and the RISE settings into a notebook (in place)."""
    for cell, kind in zip(nb["cells"], slide_types(nb), strict=True):
        cell.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}
    nb["metadata"]["rise"] = RISE
    return nb


# --------------------------------------------------------------------------- line counts
def visual_lines(line: str) -> int:
    """How many projected lines one line of text takes (0 for a blank line)."""
    return math.ceil(len(line.rstrip()) / WRAP) if line.strip() else 0


def text_lines(markdown: str) -> int:
    """Projected lines of a markdown source (table separator rows do not count)."""
    return sum(visual_lines(line) for line in markdown.splitlines()
               if not re.match(r"^\s*\|?\s*:?-{3,}", line))


# --------------------------------------------------------------------------- splitting
def _blocks(markdown: str) -> list[list[str]]:
    """Markdown as atomic blocks of lines: paragraphs, headings, fences, $$ math, items, rows.

    List items and table rows are blocks of their own, so a long list or table can be cut
    between them; a continuation line stays with its item.
    """
    blocks: list[list[str]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = line.lstrip().startswith(("```", "~~~"))
        if fence or line.strip().startswith("$$"):
            closer = line.lstrip()[:3] if fence else "$$"
            j = i + 1
            single_math = not fence and line.strip().count("$$") >= 2
            while not single_math and j < len(lines) and closer not in lines[j]:
                j += 1
            end = i + 1 if single_math else min(j + 1, len(lines))
            blocks.append(lines[i:end])
            i = end
            continue
        if re.match(r"^#{1,6} ", line):
            blocks.append([line])
            i += 1
            continue
        block = [line]
        i += 1
        while i < len(lines) and lines[i].strip() and not _starts_block(lines[i], block[0]):
            block.append(lines[i])
            i += 1
        blocks.append(block)
    return blocks


def _starts_block(line: str, first: str) -> bool:
    item = re.compile(r"^\s{0,3}([-*+]|\d+[.)])\s")
    if re.match(r"^#{1,6} ", line) or line.lstrip().startswith(("```", "~~~", "$$")):
        return True
    if item.match(line) and not line.startswith("    "):
        return True
    return line.lstrip().startswith("|") and first.lstrip().startswith("|")


def _is_heading(block: list[str]) -> bool:
    """A heading, or a block that introduces the next one (a bold label, a line ending in
    a colon): a piece never ends with one."""
    last = block[-1].rstrip()
    label = len(block) == 1 and last.startswith("**") and last.endswith("**")
    return bool(re.match(r"^#{1,6} ", block[0])) or label or last.endswith(":")


def _lines(blocks: list[list[str]]) -> int:
    return sum(text_lines("\n".join(b)) for b in blocks)


def _table_header(blocks: list[list[str]], upto: int) -> list[list[str]]:
    """The header and separator rows of the table that block ``upto`` belongs to, if any."""
    j = upto
    while j > 0 and blocks[j - 1][0].lstrip().startswith("|"):
        j -= 1
    if j + 1 < upto and re.match(r"^\s*\|?\s*:?-{3,}", blocks[j + 1][0]):
        return [blocks[j], blocks[j + 1]]
    return []


def _join(blocks: list[list[str]]) -> str:
    out: list[str] = []
    for prev, block in zip([None, *blocks[:-1]], blocks, strict=True):
        tight = (prev is not None and prev[0].lstrip().startswith(("|", "-", "*", "+"))
                 and block[0].lstrip()[:1] == prev[0].lstrip()[:1]) or (
            prev is not None and re.match(r"^\s*\d+[.)]\s", prev[0])
            and re.match(r"^\s*\d+[.)]\s", block[0]))
        if prev is not None and not tight:
            out.append("")
        out.extend(block)
    return "\n".join(out)


def split_markdown(markdown: str, max_lines: int = MAX_TEXT_LINES) -> list[str]:
    """Cut a markdown cell into pieces of at most ``max_lines`` projected lines.

    Cuts before ``###`` (or deeper) headings first, otherwise between blocks (see the module
    docstring), into as few pieces as possible, as even in length as possible. A piece never
    ends with a heading. A single block longer than ``max_lines`` stays whole.
    """
    total = text_lines(markdown)
    if total <= max_lines:
        return [markdown]
    blocks = _blocks(markdown)
    sections: list[list[list[str]]] = []
    for block in blocks:
        if not sections or re.match(r"^#{3,6} ", block[0]):
            sections.append([block])
        else:
            sections[-1].append(block)
    fewest = len(_pack_sections(sections, max_lines))
    for limit in range(math.ceil(total / fewest), max_lines + 1):
        pieces = _pack_sections(sections, limit)
        if len(pieces) == fewest:
            break
    return [_join(p) for p in pieces if p]


def _pack_sections(sections: list[list[list[str]]], limit: int) -> list[list[list[str]]]:
    """Whole sections while they fit in ``limit`` lines; a longer one is cut between blocks."""
    pieces: list[list[list[str]]] = []
    for section in sections:
        if pieces and _lines(pieces[-1]) + _lines(section) <= limit:
            pieces[-1].extend(section)
        elif _lines(section) <= limit:
            pieces.append(list(section))
        else:
            pieces.extend(_pack(section, limit))
    return pieces


def _pack(blocks: list[list[str]], max_lines: int) -> list[list[list[str]]]:
    """Greedy packing of blocks into pieces, keeping headings with what follows them."""
    pieces: list[list[list[str]]] = [[]]
    for k, block in enumerate(blocks):
        current = pieces[-1]
        if current and _lines(current) + _lines([block]) > max_lines:
            carry = [current.pop()] if _is_heading(current[-1]) else []
            if current:
                header = _table_header(blocks, k) if block[0].lstrip().startswith("|") else []
                pieces.append(carry + header)
            else:
                current.extend(carry)
        pieces[-1].append(block)
    return pieces


# --------------------------------------------------------------------------- the deck
class DeckError(RuntimeError):
    """A notebook cannot become a deck (an unintended error output, or nothing to show)."""


def short_error(output: dict) -> dict:
    """An error output as one line of stderr: ``ErrorName: first line of the message``."""
    message = ANSI.sub("", str(output.get("evalue", ""))).strip().splitlines()
    text = f"{output.get('ename', 'Error')}: {message[0] if message else ''}".rstrip(": ")
    if len(text) > ERROR_CHARS:
        text = text[: ERROR_CHARS - 1] + "…"
    return {"output_type": "stream", "name": "stderr", "text": text + "\n"}


def _deck_code_cell(cell: dict, index: int, name: str) -> dict:
    new = copy.deepcopy(cell)
    src = _source(cell)
    student = studentize_source(src, "code")
    new["source"] = student
    if student != src:
        new["outputs"], new["execution_count"] = [], None
    outputs = []
    for out in new.get("outputs", []):
        if WIDGET in out.get("data", {}):
            out = WIDGET_NOTE
        elif out.get("output_type") == "error":
            if "raises-exception" not in _tags(cell):
                raise DeckError(
                    f"{name}: cell {index} raised {out.get('ename')}: {out.get('evalue')} "
                    "but is not tagged raises-exception (tag it if the error is the lesson, "
                    "otherwise fix the cell)")
            out = short_error(out)
        outputs.append(out)
    new["outputs"] = outputs
    return new


def deck_notebook(nb: dict, name: str = "notebook", max_lines: int = MAX_TEXT_LINES) -> dict:
    """The deck copy of a notebook: skipped cells gone, long markdown split, errors shortened.

    Every deck cell gets the id ``c<index>`` (``c<index>-<part>`` for split markdown), so a
    slide can always be traced back to the notebook cell it came from. ``nb`` is not changed.
    """
    deck = copy.deepcopy({k: v for k, v in nb.items() if k != "cells"})
    deck.get("metadata", {}).pop("widgets", None)  # widget state needs a CDN script: not shown
    deck["nbformat"], deck["nbformat_minor"] = 4, max(5, int(nb.get("nbformat_minor", 5)))
    cells = []
    for i, (cell, kind) in enumerate(zip(nb["cells"], slide_types(nb), strict=True)):
        if kind == "skip":
            continue
        if cell["cell_type"] == "markdown" and kind != "notes":
            source = studentize_source(_source(cell), "markdown")
            for k, piece in enumerate(split_markdown(source, max_lines)):
                piece_kind = kind if k == 0 else "subslide"
                cells.append({"cell_type": "markdown", "id": f"c{i}" if k == 0 else f"c{i}-{k}",
                              "metadata": {"slideshow": {"slide_type": piece_kind},
                                           "tags": sorted(_tags(cell))},
                              "source": piece})
            continue
        new = _deck_code_cell(cell, i, name) if cell["cell_type"] == "code" else copy.deepcopy(cell)
        new["id"] = f"c{i}"
        new.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}
        cells.append(new)
    if not cells:
        raise DeckError(f"{name}: every cell is skipped; nothing to present")
    kinds = reflow(cells, [c["metadata"]["slideshow"]["slide_type"] for c in cells],
                   max_text=max_lines)
    for cell, kind in zip(cells, kinds, strict=True):
        cell["metadata"]["slideshow"] = {"slide_type": kind}
    deck["cells"] = cells
    deck.setdefault("metadata", {})["rise"] = RISE
    return deck


# --------------------------------------------------------------------------- command line
def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path in (Path(a) for a in argv if a != "--check"):
        text = path.read_text(encoding="utf-8")
        new = json.dumps(apply(json.loads(text)), indent=1, ensure_ascii=False) + "\n"
        if new != text:
            stale.append(str(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print("slide metadata out of date in: " + ", ".join(stale) + " (run `make strip`)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
