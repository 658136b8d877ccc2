"""The page's JavaScript and CSS, kept on disk so the dashboard works with no internet.

Solara's page loads its front end (the Vuetify app, RequireJS, Font Awesome) from
a CDN, through a proxy in the Solara server that caches each file in a folder. We
point that folder at :data:`ASSETS_DIR` in the repository and fill it once, from
the npm registry, with exactly the package versions this Solara's page template
asks for. After that the server answers every asset request from disk.

Install (needs the npm registry once; ``.ci/run`` and the README do it)::

    python3 -m visualization.offline_assets

``server.py`` calls :func:`use_offline_assets`, which points Solara at the folder
and installs whatever is missing (if it can), so ``solara run server.py`` on a
fresh checkout also works as long as the registry is reachable the first time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: where the assets live: ignored by git, filled by :func:`install`
ASSETS_DIR = Path(__file__).resolve().parent / "assets" / "cdn"


def required_packages() -> list[str]:
    """The npm packages (``name@version``) the installed Solara's page template loads."""
    import ipyvue
    import solara.server.server as solara_server
    import solara.server.settings as settings

    template = Path(solara_server.__file__).parent / "templates" / "solara.html.j2"
    text = template.read_text(encoding="utf-8")
    vue3 = ipyvue.__version__.startswith("3")
    app = "solara-vuetify3-app" if vue3 else "solara-vuetify-app"
    found = set(re.findall(r"\{\{cdn\}\}/(@?[\w.-]+(?:/[\w.-]+)?@[\w.-]+)/", text))
    packages = sorted(p for p in found if app + "@" in p or "@widgetti/" not in p)
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    if fontawesome not in packages:
        packages.append(fontawesome)
    return packages


def missing(folder: Path = ASSETS_DIR) -> list[str]:
    """The required packages that are not in ``folder`` yet."""
    return [p for p in required_packages() if not (folder / p / "package.json").exists()]


def install(folder: Path = ASSETS_DIR, packages: list[str] | None = None) -> list[str]:
    """Fetch each missing package with ``npm pack`` and unpack it under ``folder``."""
    todo = missing(folder) if packages is None else packages
    if not todo:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder.parent / ".gitignore"
    if not ignore.exists():  # vendored downloads, never committed
        ignore.write_text("*\n", encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed once to fetch the dashboard's assets: "
                           "install Node.js (Debian: apt-get install npm)")
    for spec in todo:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                           check=True, stdout=subprocess.DEVNULL, timeout=600)
            (tarball,) = Path(tmp).glob("*.tgz")
            target = folder / spec
            if target.exists():
                shutil.rmtree(target)
            with tarfile.open(tarball) as tar:
                tar.extractall(tmp, filter="data")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / "package"), str(target))
    return todo


def use_offline_assets(folder: Path = ASSETS_DIR) -> None:
    """Serve the page's assets from ``folder`` (installing what is missing, if possible)."""
    import solara.server.settings as settings

    if missing(folder):
        try:
            fetched = install(folder)
            print(f"Installed the dashboard's assets: {', '.join(fetched)}", file=sys.stderr)
        except (RuntimeError, subprocess.SubprocessError, OSError) as err:
            print(f"Could not install the dashboard's assets ({err}); run "
                  "`python3 -m visualization.offline_assets` once with the npm registry "
                  "reachable", file=sys.stderr)
    settings.assets.proxy = True
    settings.assets.proxy_cache_dir = folder


if __name__ == "__main__":
    done = install()
    print("installed: " + (", ".join(done) if done else "nothing (all present)"))
    print(f"assets folder: {ASSETS_DIR}")
