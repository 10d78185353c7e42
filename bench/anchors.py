"""Re-implementations of two well-known tutorials' published configurations, used only as
speed/quality anchors by ``bench/run.py`` (never imported by the course).

- TF "Convolutional Variational Autoencoder" tutorial configuration: latent 2, batch 32,
  Adam 1e-4, statically binarized images, encoder conv 32 -> conv 64 (3x3, stride 2) -> dense,
  decoder dense 7x7x32 -> three transposed convs, single-sample Monte-Carlo ELBO.
- TF "Deep Convolutional GAN" tutorial configuration: noise 100, batch 256, Adam 1e-4 for both,
  generator dense 7x7x256 -> transposed convs 128 -> 64 -> 1 with batch norm, discriminator
  conv 64 -> 128 with dropout 0.3.
The code is written for this course from those descriptions.
"""

from __future__ import annotations

import math

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)


def binarize(x_unit: np.ndarray) -> np.ndarray:
    """Static binarization: a pixel is 1 where its [0, 1] value exceeds 0.5."""
    return (np.asarray(x_unit) > 0.5).astype("float32")


class TutorialCVAE:
    """The CVAE tutorial's model and its single-sample Monte-Carlo ELBO training step."""

    def __init__(self, latent_dim: int = 2, seed: int = 0):
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        self.latent_dim = latent_dim
        self.encoder = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
            keras.layers.Conv2D(64, 3, strides=2, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(2 * latent_dim),
        ])
        self.decoder = keras.Sequential([
            keras.Input((latent_dim,)),
            keras.layers.Dense(7 * 7 * 32, activation="relu"),
            keras.layers.Reshape((7, 7, 32)),
            keras.layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2DTranspose(1, 3, strides=1, padding="same"),
        ])
        self.optimizer = keras.optimizers.Adam(1e-4)
        self.rng = tf.random.Generator.from_seed(seed)
        self._step = tf.function(self._train_step)

    def encode(self, x):
        import tensorflow as tf

        mean, log_var = tf.split(self.encoder(x), 2, axis=1)
        return mean, log_var

    @staticmethod
    def _log_normal(z, mean, log_var):
        import tensorflow as tf

        return tf.reduce_sum(-0.5 * ((z - mean) ** 2 * tf.exp(-log_var) + log_var + LOG_2PI), 1)

    def mc_elbo(self, x):
        """Single-sample Monte-Carlo ELBO per example (nats)."""
        import tensorflow as tf

        mean, log_var = self.encode(x)
        z = mean + tf.exp(0.5 * log_var) * self.rng.normal(tf.shape(mean))
        logits = self.decoder(z)
        log_px_z = -tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=[1, 2, 3])
        return log_px_z + self._log_normal(z, 0.0, 0.0) - self._log_normal(z, mean, log_var)

    def _train_step(self, x):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(self.mc_elbo(x))
        weights = self.encoder.trainable_weights + self.decoder.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights, strict=True))
        return loss

    def train_epoch(self, x_train: np.ndarray, batch_size: int = 32, seed: int = 0) -> None:
        order = np.random.default_rng(seed).permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            self._step(x_train[order[start:start + batch_size]])

    def test_elbo(self, x_test: np.ndarray, batch_size: int = 1000) -> float:
        vals = [self.mc_elbo(x_test[i:i + batch_size]).numpy()
                for i in range(0, len(x_test), batch_size)]
        return float(np.concatenate(vals).mean())


class TutorialDCGAN:
    """The DCGAN tutorial's generator, discriminator and training step."""

    def __init__(self, noise_dim: int = 100, seed: int = 0):
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        L = keras.layers
        self.noise_dim = noise_dim
        self.generator = keras.Sequential([
            keras.Input((noise_dim,)),
            L.Dense(7 * 7 * 256, use_bias=False), L.BatchNormalization(), L.LeakyReLU(),
            L.Reshape((7, 7, 256)),
            L.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            L.BatchNormalization(), L.LeakyReLU(),
            L.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            L.BatchNormalization(), L.LeakyReLU(),
            L.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False,
                              activation="tanh"),
        ])
        self.discriminator = keras.Sequential([
            keras.Input((28, 28, 1)),
            L.Conv2D(64, 5, strides=2, padding="same"), L.LeakyReLU(), L.Dropout(0.3),
            L.Conv2D(128, 5, strides=2, padding="same"), L.LeakyReLU(), L.Dropout(0.3),
            L.Flatten(), L.Dense(1),
        ])
        self.g_opt = keras.optimizers.Adam(1e-4)
        self.d_opt = keras.optimizers.Adam(1e-4)
        self.rng = tf.random.Generator.from_seed(seed)
        self._step = tf.function(self._train_step)

    def _train_step(self, real):
        import tensorflow as tf

        noise = self.rng.normal((tf.shape(real)[0], self.noise_dim))
        bce = tf.nn.sigmoid_cross_entropy_with_logits
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(noise, training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            g_loss = tf.reduce_mean(bce(labels=tf.ones_like(fake_logits), logits=fake_logits))
            d_loss = tf.reduce_mean(bce(labels=tf.ones_like(real_logits), logits=real_logits)) \
                + tf.reduce_mean(bce(labels=tf.zeros_like(fake_logits), logits=fake_logits))
        gw, dw = self.generator.trainable_weights, self.discriminator.trainable_weights
        self.g_opt.apply_gradients(zip(g_tape.gradient(g_loss, gw), gw, strict=True))
        self.d_opt.apply_gradients(zip(d_tape.gradient(d_loss, dw), dw, strict=True))
        return g_loss, d_loss

    def train_epoch(self, x_train_sym: np.ndarray, batch_size: int = 256, seed: int = 0) -> None:
        order = np.random.default_rng(seed).permutation(len(x_train_sym))
        for start in range(0, len(order), batch_size):
            self._step(x_train_sym[order[start:start + batch_size]])

    def sample_unit(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` generated images mapped to [0, 1]."""
        z = np.random.default_rng(seed).normal(size=(n, self.noise_dim)).astype("float32")
        return np.clip((self.generator(z, training=False).numpy() + 1.0) / 2.0, 0.0, 1.0)
