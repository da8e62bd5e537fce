"""What docs/deploy.md installs keeps the properties the decisions rely on."""

from __future__ import annotations

import re
from pathlib import Path

LOCATIONS = (
    Path(__file__).resolve().parents[3] / "deploy/nginx/manchette-locations.conf"
)


def _page_location() -> str:
    text = LOCATIONS.read_text()
    start = text.index("location / {")
    return text[start : text.index("\n}", start)]


def test_nginx_checks_a_kept_file_s_path_on_every_hit_so_a_purged_page_is_never_served():
    """With a longer `open_file_cache_valid`, a worker can go on serving a purged
    page from the file it holds open (docs/decisions.md)."""
    page = _page_location()
    directives = dict(re.findall(r"^\s*(open_file_cache\w*)\s+([^;]+);", page, re.M))

    assert directives["open_file_cache"].startswith("max=")  # hits skip open()/close()
    assert directives["open_file_cache_valid"] == "0s"


def test_the_page_cache_is_purged_and_bypassed_for_signed_in_readers():
    page = _page_location()

    assert "proxy_cache manchette;" in page
    assert "proxy_cache_bypass $cookie_sessionid" in page
    assert "proxy_no_cache $cookie_sessionid" in page
    assert "proxy_cache_purge manchette" in LOCATIONS.read_text()
