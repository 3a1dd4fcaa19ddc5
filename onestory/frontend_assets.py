"""Copy the front-end assets npm installed (NHS.UK frontend, htmx) into static/vendor.

Run by `make install` after `npm ci`; nothing is fetched at run time."""

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "onestory" / "static" / "vendor"


def localise_css(css: str) -> str:
    """Point the stylesheet's images at the copied assets and drop the web fonts it would
    fetch from a CDN: OneStory serves everything itself (the font falls back to Arial)."""
    css = css.replace("url(/assets/", "url(assets/")
    return re.sub(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}", "", css)


def main() -> int:
    nhsuk = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
    htmx = ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"
    if not nhsuk.is_dir() or not htmx.is_file():
        print("node_modules is missing: run `npm ci` first (make install does).", file=sys.stderr)
        return 1
    target = VENDOR / "nhsuk"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    css = (nhsuk / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    (target / "nhsuk-frontend.min.css").write_text(localise_css(css), encoding="utf-8")
    shutil.copy(nhsuk / "nhsuk-frontend.min.js", target / "nhsuk-frontend.min.js")
    shutil.copytree(nhsuk / "assets", target / "assets")
    shutil.copy(htmx, VENDOR / "htmx.min.js")
    return 0


if __name__ == "__main__":
    sys.exit(main())
