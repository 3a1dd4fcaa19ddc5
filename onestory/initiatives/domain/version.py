"""The code version kept with every evaluation run. `git describe` is not available where
OneStory runs (it is installed from a wheel), so the version is the package's version plus
a short hash of the estimators' source: two runs with the same version used the same code."""

import hashlib
from collections.abc import Mapping


def code_version(package_version: str, sources: Mapping[str, bytes]) -> str:
    """ "0.1.0+src.1a2b3c4d5e6f": the hash covers each module's name and bytes, in name
    order, so it changes when any estimator changes and not when the order of reading does."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(sources[name])
        digest.update(b"\0")
    return f"{package_version}+src.{digest.hexdigest()[:12]}"
