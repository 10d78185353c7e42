"""Exercise self-checks, one module per notebook (introduced in ``00_start_here``).

A notebook imports the module of its own number and calls its checks, for example::

    from course_utils.checks import nb03 as checks
    checks.check_posterior(posterior)
    checks.hint("posterior")  # the formula, only when asked

- :mod:`~course_utils.checks.base`: :class:`~course_utils.checks.base.CheckResult`,
  :func:`~course_utils.checks.base.run_check` (PASS / FAIL with a diagnosis / not done yet),
  :class:`~course_utils.checks.base.Mistake` (a typical wrong answer and its name),
  :func:`~course_utils.checks.base.compare_outputs`, the hint helpers and
  :func:`~course_utils.checks.base.use` (a core exercise's function, or the reference when
  it is unfinished or wrong, so the notebook runs on);
- :mod:`~course_utils.checks.nb00` … :mod:`~course_utils.checks.nb06`: the checks of each
  notebook, each with an independent reference, its typical mistakes, ``HINTS`` and
  ``hint(name)``.

This file imports none of them, so ``import course_utils.checks`` stays light.
"""
