"""Shared test fixtures. Unit tests run in the `ci` profile unless they set another."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("COURSE_PROFILE", "ci")
