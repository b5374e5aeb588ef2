#!/usr/bin/env python3
"""Take the NHS design system's compiled files from its published npm package, pinned.

`make vendor` runs this. It downloads nhsuk-frontend at VERSION from the npm registry, refuses
the tarball unless its SHA-512 matches the registry's published integrity (pinned below), and
writes what the pages use into static/vendor/nhsuk-frontend/: the minified CSS and JS, the
images, the licence and a VERSION file. Nothing is loaded from a CDN at run time.

Two changes are made to the stylesheet, both so it works from our own static files under our
Content-Security-Policy (font-src and img-src 'self'):
- the @font-face rules that fetch the Frutiger typeface from assets.nhs.uk are dropped. That
  typeface is licensed to NHS England's own sites and is not in the package; the design system
  names Arial as its fallback, which is what every browser then uses;
- image URLs are made relative to the stylesheet (the package writes them from the site root,
  /assets/...), so they resolve under STATIC_URL and collectstatic can hash them.
Source-map comments are removed because the maps are not vendored.

The pages draw the components through NHS England's nhsuk-frontend-jinja macros, which are
released in step with nhsuk-frontend: each macro release matches one nhsuk-frontend release
(the table in the package's README). The two are one pair, JINJA_VERSION beside VERSION, and
`make vendor` refuses to write anything unless the installed macro package is JINJA_VERSION,
pyproject.toml pins JINJA_VERSION, and the package's own table pairs it with VERSION
(tests/pathways/test_vendor.py checks the same on every test run).

To upgrade: change VERSION and INTEGRITY (`npm view nhsuk-frontend@X dist.integrity`) and
JINJA_VERSION, and the pin in pyproject.toml to the same JINJA_VERSION; `make install` then
`make vendor`; read both changelogs for changed markup and macro parameters; run `make test`.
"""
import base64
import hashlib
import io
import re
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "10.6.1"
INTEGRITY = ("sha512-PZorqQZjZx/A26yJoskCL9z0ib6AtkAyF0o4K/RHr8zRrJyXrUOCnMbjy0VNXsGO4tfTNMwqlkwAT"
             "Ks4a0xayw==")
JINJA_VERSION = "0.10.2"
TARBALL = f"https://registry.npmjs.org/nhsuk-frontend/-/nhsuk-frontend-{VERSION}.tgz"
DEST = Path(__file__).resolve().parent.parent / "static" / "vendor" / "nhsuk-frontend"
IMAGES = re.compile(r"^package/dist/nhsuk/assets/images/[\w.-]+\.(svg|png|ico)$")

# The package's licence (MIT). The npm package states it in package.json and its README but does
# not ship the file; this is the text of LICENSE in github.com/nhsuk/nhsuk-frontend.
LICENCE = """MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
PAIR_ROW = re.compile(r"^\|\s*(\d+\.\d+\.\d+)\s*\|\s*(\d+\.\d+\.\d+)\s*\|\s*$", re.M)


def published_pairs() -> dict[str, str]:
    """nhsuk-frontend version -> nhsuk-frontend-jinja version, from the installed macro
    package's own README (its "which version to use" table)."""
    from importlib.metadata import metadata
    return dict(PAIR_ROW.findall(metadata("nhsuk-frontend-jinja").get_payload() or ""))


def pair_problems() -> list[str]:
    """What is wrong with the pinned pair; empty when nhsuk-frontend and its macros match."""
    from importlib.metadata import PackageNotFoundError, version
    problems = []
    try:
        installed = version("nhsuk-frontend-jinja")
    except PackageNotFoundError:
        return ["nhsuk-frontend-jinja is not installed (make install)"]
    if installed != JINJA_VERSION:
        problems.append(f"nhsuk-frontend-jinja {installed} is installed, {JINJA_VERSION} pinned")
    if f'"nhsuk-frontend-jinja=={JINJA_VERSION}"' not in PYPROJECT.read_text():
        problems.append(f"pyproject.toml does not pin nhsuk-frontend-jinja=={JINJA_VERSION}")
    paired = published_pairs().get(VERSION)
    if paired != JINJA_VERSION:
        problems.append(f"nhsuk-frontend {VERSION} pairs with nhsuk-frontend-jinja {paired} in "
                        f"the package's table, not {JINJA_VERSION}")
    return problems


def fetch() -> bytes:
    with urllib.request.urlopen(TARBALL, timeout=60) as response:  # noqa: S310 (fixed https URL)
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        sys.exit(f"nhsuk-frontend {VERSION}: integrity mismatch ({digest}); nothing written")
    return data


def css_for_our_static_files(css: str) -> str:
    css = re.sub(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}", "", css)
    css = css.replace("url(/assets/", "url(assets/")
    return strip_source_map(css)


def strip_source_map(text: str) -> str:
    return re.sub(r"\n?/[*/]# sourceMappingURL=[^\n]*", "", text).rstrip() + "\n"


def main() -> None:
    problems = pair_problems()
    if problems:
        sys.exit("nothing written: " + "; ".join(problems))
    data = fetch()
    if DEST.exists():
        shutil.rmtree(DEST)
    (DEST / "assets" / "images").mkdir(parents=True)
    base = f"package/dist/nhsuk/nhsuk-frontend-{VERSION}.min"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            content = tar.extractfile(member).read()
            if member.name == f"{base}.css":
                text = css_for_our_static_files(content.decode())
                (DEST / "nhsuk-frontend.min.css").write_text(text)
            elif member.name == f"{base}.js":
                (DEST / "nhsuk-frontend.min.js").write_text(strip_source_map(content.decode()))
            elif IMAGES.match(member.name):
                (DEST / "assets" / "images" / Path(member.name).name).write_bytes(content)
    for name in ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js"):
        if not (DEST / name).exists():
            sys.exit(f"nhsuk-frontend {VERSION}: {name} not found in the package")
    if "assets.nhs.uk" in (DEST / "nhsuk-frontend.min.css").read_text():
        sys.exit("the stylesheet still loads from assets.nhs.uk; the rewrite needs updating")
    (DEST / "LICENCE").write_text(LICENCE)
    (DEST / "VERSION").write_text(f"nhsuk-frontend {VERSION}\n{TARBALL}\n{INTEGRITY}\n")
    print(f"nhsuk-frontend {VERSION} written to {DEST} (macros: nhsuk-frontend-jinja "
          f"{JINJA_VERSION})")


if __name__ == "__main__":
    main()
