"""One source of truth: every notebook cell tagged ``core`` holds the same code, token for token,
as the package definition it names on its first line (``# Same code as course_utils.vae``).
Comments (the exercises' solution markers among them) and decorators are ignored."""

import ast
import importlib
import inspect
import io
import tokenize

import pytest

from course_utils.config import NOTEBOOK_DIR
from tests import notebook_cells

NOTEBOOKS = sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
# What each notebook must teach in the open (and the package reuse), by name.
TAUGHT = {
    "03": {"gaussian_logpdf", "e_step", "m_step", "log_likelihood"},
    "04": {"build_encoder", "build_decoder", "build_autoencoder"},
    "05": {"reparameterize", "kl_divergence", "reconstruction_loss", "vae_loss", "VAE"},
    "06": {"GAN", "R1GAN"},
    "07": {"ConditionalGAN", "adversarial_loss_discriminator", "adversarial_loss_generator",
           "cycle_loss", "identity_loss", "adain"},
}
SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}


def tokens(source: str) -> list[tuple[int, str]]:
    """The tokens that make up ``source``'s code, without comments or blank lines."""
    import textwrap

    toks = tokenize.generate_tokens(io.StringIO(textwrap.dedent(source)).readline)
    return [(t.type, t.string) for t in toks if t.type not in SKIP]


def definitions(source: str) -> dict[str, str]:
    """Top-level function and class definitions of ``source`` (decorators left out)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    return {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno])
            for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}


def _local_bases(source: str, module_name: str) -> str:
    """A notebook subclasses ``vae.BaseVAE`` where the package writes ``BaseVAE``: the same
    class. Drop that module prefix from the bases on the ``class`` line (and only there)."""
    short = module_name.rsplit(".", 1)[-1]
    first, _, rest = source.partition("\n")
    if first.startswith("class "):
        first = first.replace(f"({short}.", "(").replace(f", {short}.", ", ")
    return first + "\n" + rest


def package_definition(module_name: str, name: str) -> str:
    module = importlib.import_module(module_name)
    found = definitions(inspect.getsource(module)).get(name)
    assert found is not None, f"{module_name} does not define {name}"
    return found


def _core(stem):
    return [(cell, name, src) for cell in notebook_cells.core_cells(stem)
            for name, src in definitions(cell.source).items()]


CASES = [(stem, cell.index, name) for stem in NOTEBOOKS for cell, name, _ in _core(stem)]


@pytest.mark.parametrize("stem, index, name", CASES)
def test_core_cell_matches_the_package(stem, index, name):
    cell = next(c for c in notebook_cells.core_cells(stem) if c.index == index)
    module = cell.core_module
    assert module, (f"{stem} cell {index} is tagged core but does not start with "
                    "'# Same code as course_utils.<module>'")
    mine = _local_bases(definitions(cell.source)[name], module)
    theirs = package_definition(module, name)
    assert tokens(mine) == tokens(theirs), (
        f"{stem} cell {index}: {name} differs from {module}.{name}; change both or neither")


@pytest.mark.parametrize("prefix, names", sorted(TAUGHT.items()))
def test_each_notebook_teaches_its_core_in_the_open(prefix, names):
    stem = next(s for s in NOTEBOOKS if s.startswith(prefix))
    found = {name for _, name, _ in _core(stem)}
    assert names <= found, f"{stem} must show {sorted(names - found)} in core cells"


def test_token_comparison_ignores_comments_and_catches_code_changes():
    a = "def f(x):\n    ### BEGIN SOLUTION\n    return 0.5 * x  # half\n    ### END SOLUTION\n"
    assert tokens(a) == tokens("def f(x):\n    return 0.5 * x\n")
    assert tokens(a) != tokens("def f(x):\n    return 0.25 * x\n")
    assert "f" in definitions("@decorator\ndef f(x):\n    return x\n")
    assert definitions("@decorator\ndef f(x):\n    return x\n")["f"].startswith("def f")
    assert _local_bases("class A(vae.Base):\n    x = vae.f\n", "course_utils.vae") == (
        "class A(Base):\n    x = vae.f\n")
