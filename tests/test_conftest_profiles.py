import os

from hypothesis import settings


def test_profiles_registered_and_selected_by_env():
    ci = settings.get_profile("ci")
    assert ci.deadline is None and ci.max_examples == 100 and ci.print_blob
    assert settings.get_profile("dev").deadline is None
    assert settings.default.deadline is None  # whichever profile HYPOTHESIS_PROFILE chose
    if os.environ.get("HYPOTHESIS_PROFILE") == "ci":
        assert settings.default.max_examples == 100
