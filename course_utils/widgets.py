"""ipywidgets apps: they redraw results that already exist and never train.

Each app is built by a function that returns the widget; the drawing logic is a plain
function next to it so tests can call it without a browser (set a widget's ``value`` and
the callback runs synchronously).
"""

from __future__ import annotations

# ---------------------------------------------------------------- 02_generative_modeling

# ---------------------------------------------------------------- 03_latent_variable_models

# ---------------------------------------------------------------- 04_autoencoders

# ---------------------------------------------------------------- 05_variational_autoencoders

# ---------------------------------------------------------------- 06_generative_adversarial_networks
