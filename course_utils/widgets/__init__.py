"""ipywidgets apps of the course, one module per notebook (introduced in ``02_generative_modeling``).

Every app only redraws results that already exist; none of them trains (the toy GAN lab of
notebook 06 trains only when its button is pressed). A notebook imports the module of its own
number, for example ``from course_utils.widgets import nb04 as widgets``.

- :mod:`~course_utils.widgets.base`: off-screen PNG rendering (:func:`render_png`,
  :func:`png_bytes`, :func:`image_rows_png`, :func:`grid_image`) and :class:`FramePlayer`, the
  one base class of every frame player (a slider over fixed keys, an optional play button, a
  picture and a caption; frames rendered once and cached);
- :mod:`~course_utils.widgets.nb02`: the next-word temperature app (``next_word_app``);
- :mod:`~course_utils.widgets.nb03`: the EM player (``em_player``, ``em_figure``);
- :mod:`~course_utils.widgets.nb04`: the code-size switcher and the denoising explorer;
- :mod:`~course_utils.widgets.nb05`: the latent explorer of a 2-D VAE;
- :mod:`~course_utils.widgets.nb06`: the toy GAN player and lab, the image GAN player;
- :mod:`~course_utils.widgets.nb07`: the conditional GAN's class picker (and the image GAN
  player, for the conditional run).

This file imports none of them, so ``import course_utils.widgets`` stays light.
"""
