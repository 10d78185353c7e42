"""Self-checks of ``04_autoencoders``: ``from course_utils.checks import nb04 as checks``.

The core exercises of notebook 04 (the encoder and decoder) add their checks here and continue
with :func:`use`, which hands the later cells the student's function or the reference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.checks.base import (
    CheckResult,
    Mistake,
    fail_result,
    run_check,
    show_hint,
    todo_result,
    use,
)

__all__ = ["HINTS", "CheckResult", "check_encoder_decoder", "check_quantize_codes",
           "check_threshold_for_false_alarms",
           "hint", "use"]

HINTS = {
    "quantize_codes": "steps = 2**bits - 1; q = np.round((np.clip(codes, low, high) - low) / "
                      "(high - low) * steps); return low + q / steps * (high - low) (the "
                      "decoded floats, not the integers q).",
    "threshold_for_false_alarms": "np.quantile(normal_scores, 1 - rate): only `rate` of the "
                                  "normal scores lie at or above it (np.percentile wants "
                                  "0-100).",
}


def hint(name: str) -> None:
    """Print the formula behind exercise ``name`` (``04_autoencoders``)."""
    show_hint(HINTS, name)


# ---------------------------------------------------------------- quantised codes


def _ref_quantize_codes(codes, low, high, bits=8):
    codes = np.asarray(codes, dtype=float)
    low = np.broadcast_to(np.asarray(low, dtype=float), codes.shape)
    high = np.broadcast_to(np.asarray(high, dtype=float), codes.shape)
    fraction = np.clip((codes - low) / (high - low), 0.0, 1.0)
    grid = np.linspace(0.0, 1.0, 2 ** int(bits))  # every level the bits can store
    nearest = np.abs(fraction[..., None] - grid).argmin(axis=-1)
    return low + grid[nearest] * (high - low)


def _quant_variant(steps_of=lambda b: 2**b - 1, clip=True, rounding=np.round, decode=True,
                   own_range=False):
    def quantize(codes, low, high, bits=8):
        codes = np.asarray(codes, dtype=float)
        if own_range:
            low, high = codes.min(axis=0), codes.max(axis=0)
        steps = steps_of(bits)
        c = np.clip(codes, low, high) if clip else codes
        q = rounding((c - low) / (high - low) * steps)
        return low + q / steps * (high - low) if decode else q

    return quantize


QUANTIZE_MISTAKES = (
    Mistake("no_clip", _quant_variant(clip=False),
            "values outside [low, high] are not clipped: your decoded codes go beyond the "
            "range"),
    Mistake("two_to_the_bits", _quant_variant(steps_of=lambda b: 2**b),
            "your levels are spaced for one step too many: count the gaps between the levels "
            "that `bits` bits can store"),
    Mistake("floor", _quant_variant(rounding=np.floor),
            "you truncated to the level below instead of rounding to the nearest level"),
    Mistake("integers", _quant_variant(decode=False),
            "you returned the integer level numbers, not the decoded code values"),
    Mistake("not_quantised", _quant_variant(rounding=lambda a: a),
            "your codes are not quantised: they take more distinct values than `bits` bits can "
            "store"),
    Mistake("own_range", _quant_variant(own_range=True),
            "you used the codes' own minimum and maximum instead of the low and high you were "
            "given"),
)


def check_quantize_codes(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``04_autoencoders``): store each code number in ``bits`` bits and read it back."""
    rng = np.random.default_rng(4)
    codes = rng.normal(0.0, 2.0, size=(50, 8))
    low, high = codes.min(axis=0), codes.max(axis=0)
    cases = [
        (codes, low, high, 8),
        (codes, low, high, 3),
        (rng.normal(size=(20, 4)), -1.0, 1.0, 4),
        (np.array([[-10.0, 0.3, 10.0]]), np.full(3, -1.0), np.full(3, 1.0), 8),
        (np.array([[0.2, 0.3, 0.8]]), 0.0, 1.0, 1),
    ]
    notes = ["8 bits, one range per dimension", "3 bits", "one range for every dimension",
             "codes beyond the range", "1 bit: only low or high survive"]
    return run_check("quantize_codes", student_fn, _ref_quantize_codes, cases,
                     mistakes=QUANTIZE_MISTAKES, notes=notes, verbose=verbose)


# ---------------------------------------------------------------- anomaly threshold


def _false_alarm_rate_of(threshold_fn: Callable) -> Callable:
    """Wrap a threshold function so that it returns the false-alarm rate it achieves."""

    def rate_achieved(normal_scores, rate):
        t = threshold_fn(normal_scores, rate)
        if t is None:
            return None
        t = np.asarray(t, dtype=float)
        if t.size != 1:
            raise TypeError(f"return one number (the threshold), not an array of shape {t.shape}")
        return float(np.mean(np.asarray(normal_scores) >= float(t)))

    return rate_achieved


def _ref_rate(normal_scores, rate):
    return float(rate)


THRESHOLD_MISTAKES = (
    Mistake("wrong_tail", _false_alarm_rate_of(lambda s, rate: np.quantile(s, rate)),
            "with your threshold most normal examples raise an alarm: you took the quantile "
            "from the wrong end"),
    Mistake("percent_units", _false_alarm_rate_of(lambda s, rate: np.percentile(s, 1 - rate)),
            "a percentile is given in percent (0 to 100), not as a fraction: your threshold "
            "sits near the bottom of the scores"),
    Mistake("quantile_in_percent",
            _false_alarm_rate_of(lambda s, rate: np.quantile(s, 100 * (1 - rate))),
            "a quantile is given as a fraction from 0 to 1, not in percent (it raised "
            "ValueError)"),
    Mistake("largest_score", _false_alarm_rate_of(lambda s, rate: np.max(s)),
            "your threshold is the largest normal score: almost no normal example raises an "
            "alarm, whatever the rate"),
    Mistake("ignores_rate", _false_alarm_rate_of(lambda s, rate: np.mean(s) + 2 * np.std(s)),
            "your threshold does not depend on the rate asked for"),
)


def check_threshold_for_false_alarms(student_fn: Callable, verbose: bool = True) -> CheckResult:
    """Exercise (``04_autoencoders``): the anomaly-score threshold at which a given fraction of
    normal examples raises an alarm (flag ``score >= threshold``). What is compared is the
    false-alarm rate the threshold achieves, within one example."""
    rng = np.random.default_rng(5)
    n = 400
    cases = [
        (rng.gamma(2.0, 0.01, n), 0.05),
        (rng.gamma(2.0, 0.01, n), 0.01),
        (rng.normal(0.03, 0.01, n), 0.2),
        (rng.random(n), 0.5),
        (rng.exponential(1.0, n), 0.1),
    ]
    notes = [f"the false-alarm rate your threshold achieves for rate {r}"
             for r in (0.05, 0.01, 0.2, 0.5, 0.1)]
    wrapped = _false_alarm_rate_of(student_fn) if callable(student_fn) else student_fn
    return run_check("threshold_for_false_alarms", wrapped, _ref_rate,
                     cases, mistakes=THRESHOLD_MISTAKES, notes=notes, atol=1.0 / n + 1e-9,
                     rtol=0.0, verbose=verbose)


# ---------------------------------------------------------------- core: encoder and decoder

HINTS["encoder_decoder"] = (
    "encoder: keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(hidden, "
    "activation='relu'), layers.Dense(code_size)], name='encoder'); decoder: keras.Sequential("
    "[keras.Input((code_size,)), layers.Dense(hidden, activation='relu'), layers.Dense(28 * 28, "
    "activation='sigmoid'), layers.Reshape((28, 28))], name='decoder').")


def _dense_layers(model) -> list:
    return [layer for layer in model.layers if type(layer).__name__ == "Dense"]


def _activation(layer) -> str:
    return str(layer.get_config().get("activation", "linear"))


def _diagnose_pair(encoder, decoder, code_size: int, hidden: int) -> tuple[str, str] | None:
    """``(mistake, message)`` for the first thing wrong with one encoder/decoder pair."""
    import keras

    for part, what in ((encoder, "build_encoder"), (decoder, "build_decoder")):
        if not isinstance(part, keras.Model):
            return "not_a_model", (f"{what} returned {type(part).__name__}, not a Keras model: "
                                   "return keras.Sequential([...])")
    for part, want in ((encoder, "encoder"), (decoder, "decoder")):
        if part.name != want:
            return "names", (f"your {want} is named {part.name!r}: pass name={want!r}, so that "
                             "autoencoders.parts() can find it inside the autoencoder")
    if tuple(encoder.input_shape) != (None, 28, 28):
        return "encoder_input", (f"your encoder takes input shaped {encoder.input_shape}: the "
                                 "images are 28x28 with no channel axis")
    if tuple(encoder.output_shape) != (None, code_size):
        if encoder.output_shape[-1] == hidden:
            return "no_code_layer", ("your encoder ends at the hidden layer: the code needs a "
                                     "layer of its own with code_size units")
        return "code_size", (f"with code_size={code_size} your encoder outputs shape "
                             f"{encoder.output_shape}: the code must have code_size numbers")
    if tuple(decoder.input_shape) != (None, code_size):
        return "decoder_input", (f"with code_size={code_size} your decoder takes input shaped "
                                 f"{decoder.input_shape}: it reads one code of code_size numbers")
    if tuple(decoder.output_shape) != (None, 28, 28):
        if tuple(decoder.output_shape) == (None, 784):
            return "no_reshape", ("your decoder outputs 784 numbers per image: reshape them "
                                  "back to 28x28, like the input")
        return "decoder_output", (f"your decoder outputs shape {decoder.output_shape}; the "
                                  "reconstruction must look like the input, (n, 28, 28)")
    enc_dense, dec_dense = _dense_layers(encoder), _dense_layers(decoder)
    if len(enc_dense) != 2 or len(dec_dense) != 2 or enc_dense[0].units != hidden \
            or dec_dense[0].units != hidden:
        return "architecture", (f"your encoder has {len(enc_dense)} and your decoder "
                                f"{len(dec_dense)} dense layers: each needs one hidden layer "
                                f"of `hidden` ({hidden}) units and one output layer")
    if _activation(enc_dense[0]) != "relu" or _activation(dec_dense[0]) != "relu":
        return "linear_hidden", ("a hidden layer has no ReLU: without a nonlinearity the "
                                 "encoder and decoder are linear maps, no better than PCA")
    last = encoder.layers[-1]
    if _activation(enc_dense[1]) != "linear" or last is not enc_dense[1]:
        return "code_activation", ("your code layer has an activation: leave it linear, so a "
                                   "code can be any real number (a ReLU would forbid negative "
                                   "codes, a sigmoid would squeeze them into (0, 1))")
    z = np.concatenate([np.full((1, code_size), -50.0), np.full((1, code_size), 50.0)])
    out = np.asarray(decoder(z.astype("float32"), training=False))
    if out.min() < 0.0 or out.max() > 1.0:
        return "no_sigmoid", ("your decoder can output pixels outside [0, 1] (values from "
                              f"{out.min():.3g} to {out.max():.3g}): end with a sigmoid, like "
                              "the pixels of the input")
    return None


def check_encoder_decoder(build_encoder: Callable, build_decoder: Callable,
                          verbose: bool = True) -> CheckResult:
    """Core exercise (``04_autoencoders``): the dense encoder (28x28 image -> hidden ReLU ->
    linear code) and decoder (code -> hidden ReLU -> sigmoid pixels -> 28x28), tried at two code
    sizes. Continue with ``result.use(build_encoder, autoencoders.build_encoder)`` (and the
    same for the decoder)."""
    name = "encoder_decoder"
    result = None
    for code_size, hidden in ((3, 256), (16, 64)):
        try:
            encoder, decoder = build_encoder(code_size, hidden), build_decoder(code_size, hidden)
        except NotImplementedError:
            result = todo_result(name)
            break
        except Exception as exc:  # noqa: BLE001 - report the student's error, don't crash
            result = fail_result(name, f"building with code_size={code_size}, hidden={hidden} "
                                 f"raised {type(exc).__name__}: {exc}")
            break
        found = _diagnose_pair(encoder, decoder, code_size, hidden)
        if found:
            result = fail_result(name, found[1], mistake=found[0])
            break
    if result is None:
        result = CheckResult(name, "pass", f"{name}: PASS - well done (two code sizes, shapes, "
                             "activations and output range).")
    if verbose:
        print(result.message)
    return result
