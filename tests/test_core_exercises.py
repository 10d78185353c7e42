"""The core exercises of notebooks 04-06, as a student meets them: the notebook's own solution
passes; each typical wrong answer (issue 15's list), written into the notebook's cell the way a
student would, FAILs with a hint that names the mistake and does not give the solution away; an
unfinished exercise continues with the reference; and a finished one is what later cells train."""

import numpy as np
import pytest

import course_utils
from course_utils import autoencoders, gan, vae
from course_utils.checks import nb04, nb05, nb06
from tests import notebook_cells


def _core_source(prefix: str, name: str) -> str:
    for cell in notebook_cells.core_cells(prefix):
        if f"def {name}(" in cell.source or f"class {name}(" in cell.source:
            return cell.source
    raise AssertionError(f"notebook {prefix} has no core cell defining {name}")


def _namespace():
    import keras
    import tensorflow as tf
    from keras import layers, ops

    return {"keras": keras, "tf": tf, "ops": ops, "layers": layers, "np": np, "gan": gan,
            "vae": vae}


def _define(source: str, name: str, old: str | None = None, new: str | None = None):
    if old is not None:
        assert old in source, f"the mutation target {old!r} is not in the notebook cell"
        source = source.replace(old, new)
    ns = _namespace()
    exec(compile(source, "<core cell>", "exec"), ns)  # noqa: S102 - the course's own notebook
    return ns[name]


@pytest.fixture(autouse=True)
def _session():
    course_utils.setup(seed=0, quiet=True)


# ---------------------------------------------------------------- 06: the GAN's train_step

D_LOSS = "d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))"
G_LOSS = "g_loss = ops.mean(ops.softplus(-g_logits))"
G_UPDATE = ("grads = tape.gradient(g_loss, self.generator.trainable_weights)\n"
            "        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))")
GAN_MISTAKES = [
    ("saturating", G_LOSS, "g_loss = ops.mean(ops.log(1.0 - ops.sigmoid(g_logits)))",
     "saturating"),
    ("labels_swapped", D_LOSS,
     "d_loss = ops.mean(ops.softplus(real_logits)) + ops.mean(ops.softplus(-fake_logits))",
     "swapped"),
    ("g_grads_to_d", G_UPDATE, G_UPDATE.replace("self.generator", "self.discriminator"),
     "G's update changed D's weights"),
    ("d_not_training", "real_logits = self.discriminator(real, training=True)\n"
     "            fake_logits = self.discriminator(fake, training=True)",
     "real_logits = self.discriminator(real)\n            fake_logits = self.discriminator(fake)",
     "training=True"),
]


def test_the_notebooks_gan_passes():
    assert nb06.check_gan_train_step(_define(_core_source("06", "GAN"), "GAN"), verbose=False)


@pytest.mark.parametrize("mistake, old, new, words", GAN_MISTAKES, ids=[m[0] for m in GAN_MISTAKES])
def test_each_typical_gan_mistake_is_named_without_the_solution(mistake, old, new, words):
    student = _define(_core_source("06", "GAN"), "GAN", old, new)
    result = nb06.check_gan_train_step(student, verbose=False)
    assert result.status == "fail" and result.mistake == mistake
    assert words in result.message
    for solution in (D_LOSS, G_LOSS, "softplus"):
        assert solution not in result.message
    assert "checks.hint('gan_train_step')" in result.message


def test_an_unfinished_gan_continues_with_the_reference(capsys):
    todo = _define(_core_source("06", "GAN"), "GAN", G_LOSS,
                   "raise NotImplementedError  # TODO: your code here")
    result = nb06.check_gan_train_step(todo)
    assert result.status == "todo"
    assert result.use(todo, gan.GAN) is gan.GAN
    assert "not done yet: using the reference implementation" in capsys.readouterr().out


# ---------------------------------------------------------------- 05: reparameterize and the loss

REPARAM = "return mean + ops.exp(0.5 * log_var) * eps"
KL = "return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)"
RECON_SUM = "return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)"
VAE_MISTAKES = [
    ("reparameterize", nb05.check_reparameterize, REPARAM,
     "return mean + ops.exp(log_var) * eps", "variance", "standard deviation"),
    ("kl_divergence", nb05.check_kl_divergence, KL, KL.replace("-0.5 *", "0.5 *"), "sign",
     "negatives"),
    ("kl_divergence", nb05.check_kl_divergence, KL, KL.replace("-0.5 *", "-1.0 *"), "no_half",
     "twice"),
    ("kl_divergence", nb05.check_kl_divergence, KL,
     KL.replace("ops.exp(log_var)", "ops.exp(0.5 * log_var)"), "std_for_variance",
     "standard deviation"),
    ("reconstruction_loss", nb05.check_reconstruction_loss, RECON_SUM,
     RECON_SUM.replace("ops.sum(", "ops.mean("), "mean_over_pixels", "averaged over the pixels"),
]


@pytest.mark.parametrize("name, check", [("reparameterize", nb05.check_reparameterize),
                                         ("kl_divergence", nb05.check_kl_divergence),
                                         ("reconstruction_loss", nb05.check_reconstruction_loss)])
def test_the_notebooks_vae_formulas_pass(name, check):
    assert check(_define(_core_source("05", name), name), verbose=False)


@pytest.mark.parametrize("name, check, old, new, mistake, words", VAE_MISTAKES,
                         ids=[m[4] for m in VAE_MISTAKES])
def test_each_typical_vae_mistake_is_named_without_the_solution(name, check, old, new, mistake,
                                                                words):
    result = check(_define(_core_source("05", name), name, old, new), verbose=False)
    assert result.status == "fail" and result.mistake == mistake
    assert words in result.message
    assert old.removeprefix("return ") not in result.message
    assert f"checks.hint('{name}')" in result.message


# ---------------------------------------------------------------- 04: encoder and decoder

ENCODER_MISTAKES = [
    ('layers.Dense(code_size),', 'layers.Dense(code_size, activation="relu"),',
     "code_activation"),
    ('layers.Dense(28 * 28, activation="sigmoid"),', "layers.Dense(28 * 28),", "no_sigmoid"),
    ("layers.Reshape((28, 28)),", "", "no_reshape"),
    ('layers.Dense(hidden, activation="relu"),\n        layers.Dense(code_size),',
     "layers.Dense(hidden, activation=\"relu\"),", "no_code_layer"),
]


def _encoder_decoder(old=None, new=None):
    source = _core_source("04", "build_encoder") + "\n" + _core_source("04", "build_decoder")
    ns = _namespace()
    if old is not None:
        assert old in source
        source = source.replace(old, new, 1)
    exec(compile(source, "<core cell>", "exec"), ns)  # noqa: S102 - the course's own notebook
    return ns["build_encoder"], ns["build_decoder"]


def test_the_notebooks_encoder_and_decoder_pass():
    assert nb04.check_encoder_decoder(*_encoder_decoder(), verbose=False)


@pytest.mark.parametrize("old, new, mistake", ENCODER_MISTAKES, ids=[m[2] for m in ENCODER_MISTAKES])
def test_typical_encoder_decoder_mistakes_are_named(old, new, mistake):
    result = nb04.check_encoder_decoder(*_encoder_decoder(old, new), verbose=False)
    assert result.status == "fail" and result.mistake == mistake, result.message
    assert "keras.Sequential([" not in result.message


def test_unfinished_encoder_continues_with_the_reference(capsys):
    def todo(code_size, hidden=256):
        raise NotImplementedError

    result = nb04.check_encoder_decoder(todo, todo)
    assert result.status == "todo"
    assert result.use(todo, autoencoders.build_encoder) is autoencoders.build_encoder


# ---------------------------------------------------------------- the student's model is trained


def _run_until(prefix: str, marker: str, patch=None) -> dict:
    """Run a notebook's code cells in order until (and including) the cell containing
    ``marker``; ``patch(namespace)`` runs just before that cell."""
    ns = {}
    for cell in notebook_cells.code_cells(prefix):
        if marker in cell.source and patch is not None:
            patch(ns)
        exec(compile(cell.source, f"{cell.notebook} cell {cell.index}", "exec"), ns)  # noqa: S102
        if marker in cell.source:
            return ns
    raise AssertionError(f"no cell of {prefix} contains {marker!r}")


def test_notebook_05_trains_the_students_vae_with_the_students_formulas():
    calls = {"reparameterize": 0}

    def count_calls(ns):
        mine = ns["reparameterize"]

        def counted(*args):
            calls["reparameterize"] += 1
            return mine(*args)

        ns["reparameterize"] = counted

    ns = _run_until("05", 'pretrained.get_or_train(\n    "vae_2d"', count_calls)
    assert type(ns["model"]) is ns["VAE"] and ns["VAE"] is not vae.VAE
    assert calls["reparameterize"] > 0  # the training step called the notebook's function
    assert len(ns["history"]["loss"]) >= 1


def test_notebook_06_trains_the_students_gan():
    ns = _run_until("06", 'run = pretrained.get_or_train("toy_gan_plain"')
    assert type(ns["run"].model) is ns["GAN"] and ns["GAN"] is not gan.GAN
