"""The lock files cover pyproject.toml: every dependency pinned, hashed and within its range.

`make lock` writes them with uv from pyproject.toml: requirements/base.txt holds the runtime
dependencies (the image installs it), requirements/dev.txt those plus the test and bench extras
(`make install`). A dependency added to pyproject.toml without `make lock` fails here.
"""

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
EXTRAS = {
    name: [Requirement(text) for text in texts]
    for name, texts in PROJECT["optional-dependencies"].items()
}
# What each lock file must cover.
LOCKS = {
    "requirements/base.txt": RUNTIME,
    "requirements/dev.txt": [*RUNTIME, *EXTRAS["test"], *EXTRAS["bench"]],
}
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)\s*(?:;(?P<marker>.*))?$")


class Pin:
    def __init__(self, name: str, version: str, marker: str | None, hashes: list[str]):
        self.name, self.version, self.hashes = name, Version(version), hashes
        self.marker = Marker(marker) if marker and marker.strip() else None


def pins(path: str) -> dict[str, Pin]:
    """The lock file's entries by canonical name; a line ending in a backslash goes on."""
    text = (ROOT / path).read_text()
    entries = re.sub(r"\\\n", " ", text).splitlines()
    found = {}
    for entry in entries:
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        words = entry.split(" --hash=")
        match = PIN.match(words[0].strip())
        assert match, f"{path}: not an exact pin: {entry[:80]}"
        hashes = [word.strip() for word in words[1:]]
        found[canonicalize_name(match["name"])] = Pin(
            match["name"], match["version"], match["marker"], hashes
        )
    return found


@pytest.mark.parametrize("path", sorted(LOCKS))
def test_every_entry_is_an_exact_version_with_its_hashes(path):
    entries = pins(path)
    assert entries, f"{path} pins nothing"
    for name, pin in entries.items():
        assert pin.hashes, f"{path}: {name} has no --hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes), name


@pytest.mark.parametrize("path", sorted(LOCKS))
def test_every_dependency_of_pyproject_is_pinned_within_its_range(path):
    entries = pins(path)
    for requirement in LOCKS[path]:
        pin = entries.get(canonicalize_name(requirement.name))
        assert pin, f"{path} doesn't pin {requirement.name}: run `make lock`"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{path} pins {requirement.name}=={pin.version}, outside {requirement.specifier}: "
            "run `make lock`"
        )


def brought_by_extras(requirement: Requirement, seen: set[str]) -> list[Requirement]:
    """What the extras of requirement add, through the installed packages' metadata, and what
    the extras of those add in turn."""
    if not requirement.extras or str(requirement) in seen:
        return []
    seen.add(str(requirement))
    try:
        requires = importlib.metadata.requires(requirement.name) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    added = []
    for text in requires:
        needed = Requirement(text)
        if needed.marker is None or needed.marker.evaluate({"extra": ""}):
            continue  # not an extra's; pinned as a plain dependency, which uv takes care of
        if any(needed.marker.evaluate({"extra": extra}) for extra in requirement.extras):
            added += [needed, *brought_by_extras(needed, seen)]
    return added


@pytest.mark.parametrize("path", sorted(LOCKS))
def test_what_the_extras_of_a_dependency_bring_is_pinned_too(path):
    """celery[redis] brings kombu[redis] and so redis; psycopg[binary] brings psycopg-binary."""
    entries, seen = pins(path), set()
    brought = [needed for req in LOCKS[path] for needed in brought_by_extras(req, seen)]
    assert brought or not any(req.extras for req in LOCKS[path]), "no extra read"
    for needed in brought:
        assert canonicalize_name(needed.name) in entries, (
            f"{path} doesn't pin {needed.name}, which an extra brings: run `make lock`"
        )


def test_the_runtime_pins_are_the_same_in_both_files():
    base, dev = pins("requirements/base.txt"), pins("requirements/dev.txt")
    assert base.keys() <= dev.keys()
    different = {name: (base[name].version, dev[name].version) for name in base}
    assert {name: v for name, v in different.items() if v[0] != v[1]} == {}


def test_make_install_and_the_image_install_from_the_lock_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "LOCK := requirements/dev.txt" in makefile
    assert re.search(r"^\$\(STAMP\): .*\$\(LOCK\)", makefile, re.MULTILINE)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements/base.txt" in dockerfile
    assert "pip install --no-deps ." in dockerfile
