import os

import pytest

os.environ.setdefault("ONESTORY_ENV", "test")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at full strength costs a noticeable fraction of a second per login; the tests
    check who may log in, not the hash, so they use a fast one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
