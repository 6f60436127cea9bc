"""Serving the app: Solara's ASGI server on a loopback socket, with nothing going out to the network.

Solara's own command (``solara run``) asks PyPI for a newer version and its
server reports usage to Mixpanel and fetches missing browser assets from a
CDN. The app must work on a closed network and send nothing anywhere, so it
is served here instead: Solara's Starlette application under uvicorn on a
socket bound to ``127.0.0.1``, with telemetry off and the asset proxy pointed
at a closed loopback port (an asset missing from the local copy fails at
once instead of being downloaded). The browser assets come from the
``solara-assets`` package (the ``app`` extra), which installs them where
Solara's proxy looks first; ``check_assets`` refuses to start without them.
"""
from __future__ import annotations

import os
import re
import socket
import sys
import threading
import warnings
from pathlib import Path

from ..errors import UserError

APP = "alliance_sim.app.page"
HOST = "127.0.0.1"
DEFAULT_PORT = 8765
# Where a missing asset would be fetched from: the discard port on loopback, which refuses at once.
NO_CDN = "http://127.0.0.1:9/"
INSTALL = "pip install 'alliance-sim[app]'"


def server_environment(port: int) -> dict[str, str]:
    """Solara's settings for a local, offline server (set before Solara's server modules are imported)."""
    return {
        "SOLARA_APP": APP,
        "SERVER_NAME": HOST,
        "SERVER_PORT": str(port),
        "SOLARA_MODE": "production",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports
        "SOLARA_ASSETS_CDN": NO_CDN,  # a missing asset is never downloaded
        "SOLARA_ASSETS_PROXY": "True",  # serve the local copy (solara-assets) from our own address
        "SOLARA_THEME_LOADER": "plain",
    }


def bind(port: int) -> socket.socket:
    """A listening socket on ``127.0.0.1:port`` (0: a free port, read back from the socket)."""
    if not 0 <= int(port) <= 65535:
        raise UserError(f"port {port} not allowed; allowed: 0 (any free port) to 65535", key="--port")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, int(port)))
    except OSError as e:
        sock.close()
        raise UserError(f"cannot listen on {HOST}:{port} ({e.strerror}); choose another port, or --port 0 for "
                        f"any free one", key="--port") from None
    sock.listen(128)
    return sock


def required_assets() -> list[str]:
    """The CDN paths Solara's page template loads (its Vuetify app and RequireJS), for this Solara version."""
    import solara.server

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = re.findall(r"\{\{cdn\}\}/((?:@widgetti/solara-vuetify-app|requirejs)@[0-9][^/]*)/", template.read_text())
    return sorted(set(found))


def check_assets() -> Path:
    """The folder holding Solara's browser assets; ``UserError`` if the local copy is missing."""
    from solara.server import settings

    folder = Path(settings.assets.proxy_cache_dir)
    missing = [p for p in required_assets() if not (folder / p).is_dir()]
    if missing:
        raise UserError(f"the app's browser assets are not installed ({', '.join(missing)} missing from {folder}); "
                        f"install them with {INSTALL} (the solara-assets package)", key="app")
    return folder


def serve(port: int = DEFAULT_PORT, *, open_browser: bool = False, quiet: bool = False) -> None:
    """Serve the app on ``127.0.0.1:port`` until Ctrl-C (or SIGTERM); prints its address first."""
    sock = bind(port)
    port = sock.getsockname()[1]
    # Solara reads its settings from the environment when first imported: set them before any import.
    os.environ.update(server_environment(port))
    try:
        import solara  # noqa: F401
        import uvicorn
    except ImportError:
        sock.close()
        raise UserError(f"the app needs Solara: {INSTALL}", key="app") from None
    import matplotlib

    matplotlib.use("Agg")  # figures are drawn in worker threads, never shown in a window
    try:
        check_assets()
        config = uvicorn.Config("solara.server.starlette:app", log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=5)  # open pages must not keep Ctrl-C waiting
        server = uvicorn.Server(config)
        preload()
        threading.Thread(target=warm_up, daemon=True, name="alliance-sim-app-warm-up").start()
        url = f"http://{HOST}:{port}/"
        print(f"alliance-sim app: serving at {url} (Ctrl-C stops it)", flush=True)
        if open_browser:
            import webbrowser

            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        with warnings.catch_warnings():
            # Solara warns on every page load over plain http that it falls back to SameSite=lax cookies:
            # right for a loopback app that is never embedded elsewhere.
            warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
            try:
                server.run(sockets=[sock])
            except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled once it has shut down
                pass
    finally:
        sock.close()
    if not quiet:
        print("alliance-sim app: stopped", file=sys.stderr, flush=True)



def preload() -> None:
    """Import what pages and runs use before serving: never while a page renders.

    Reacton looks modules such as pandas up in ``sys.modules``; imported by
    the warm-up thread while a first page renders, it could find one half
    initialised.
    """
    import importlib

    for name in ("numpy", "pandas", "PIL.Image", "matplotlib.pyplot", "scipy.stats", "alliance_sim.app.page",
                 "alliance_sim.ensemble", "alliance_sim.abm.model", "alliance_sim.output.figures",
                 "alliance_sim.output.comparison", "alliance_sim.output.explain", "alliance_sim.abm.recorder"):
        importlib.import_module(name)


def warm_up() -> None:
    """Import the model and draw one small figure in the background, so the first Run answers as fast as later ones."""
    try:
        from ..output import figures
        from . import state

        spec, _ = state.build_spec("baseline", "2", "0", {}, {})
        res, _ = state.run(spec)
        state.png(figures.metrics_grid(res.trajectories, info=res.info()))
        state.headline_html(res)
    except Exception:  # noqa: BLE001 - only a speed-up: the first run will do the same work and report any error
        pass
