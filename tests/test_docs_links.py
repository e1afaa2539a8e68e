"""README.md, CHANGELOG.md and docs/ link only to files that are in the repository (a link
to the project's brief outside it, or to a file since renamed, fails here)."""

import re

import pytest

from tests.conftest import REPO

PAGES = [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_name_files_in_the_repository(page):
    targets = [t for t in LINK.findall(page.read_text("utf-8")) if "://" not in t]
    missing = [t for t in targets if not (page.parent / t).exists()]
    outside = [t for t in targets if not (page.parent / t).resolve().is_relative_to(REPO)]
    assert not missing and not outside, (missing, outside)
