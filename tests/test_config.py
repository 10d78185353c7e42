import pytest

from course_utils import config


@pytest.fixture(autouse=True)
def _restore_profile():
    saved = config._ACTIVE
    yield
    config._ACTIVE = saved


def test_default_profile_is_class(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert config.get_profile(refresh=True).name == "class"


@pytest.mark.parametrize("name", ["ci", "class", "full", "live", " CI "])
def test_every_profile_can_be_picked(monkeypatch, name):
    monkeypatch.setenv("COURSE_PROFILE", name)
    assert config.get_profile(refresh=True).name == name.strip().lower()


def test_unknown_profile_lists_valid_ones(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "bogus")
    with pytest.raises(ValueError) as err:
        config.get_profile(refresh=True)
    msg = str(err.value)
    assert "bogus" in msg
    for name in ("ci", "class", "full", "live"):
        assert name in msg


def test_profiles_document_budgets_and_scale_sensibly():
    p = config.PROFILES
    for prof in p.values():
        assert prof.budget and prof.description
    assert p["ci"].epochs(10) == 1
    assert p["class"].epochs(10) == 10
    assert p["full"].epochs(10) > p["class"].epochs(10)
    assert p["ci"].train_size < p["class"].train_size
    assert p["live"].use_pretrained and not p["class"].use_pretrained
    assert "budget" in config.describe_profiles()


def test_profile_is_read_once(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    first = config.get_profile(refresh=True)
    monkeypatch.setenv("COURSE_PROFILE", "ci")
    assert config.get_profile() is first
