"""`dayshift app`: check the scenarios, run the baseline, and serve the explorer's page on this machine.

The page is Solara's, served by uvicorn in this process. Everything it needs is local (the scripts and fonts
come from the solara-assets package), so it works without the internet; nothing is sent anywhere.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import warnings
import webbrowser

from model.app import explore, page

APP = "model.app.page"


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def serve(policy: str = "scenarios/essex_live.yaml", baseline: str = "scenarios/baseline.yaml",
          host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> int:
    """Serve the explorer until stopped (Ctrl-C); returns the exit code. A scenario that cannot be read, or
    two that cannot be compared, raises ScenarioError before anything is served."""
    if not _port_free(host, port):
        print(f"dayshift: port {port} on {host} is in use (another dayshift app?); give another with --port",
              file=sys.stderr)
        return 1
    print(f"dayshift app: reading {policy} and {baseline} and running the baseline...", file=sys.stderr, flush=True)
    setup = explore.load(policy, baseline)  # ScenarioError in words, before the server starts
    page.start_with(policy, baseline, setup)

    # Solara reads which app to serve when its server module is first imported.
    os.environ["SOLARA_APP"] = APP
    import solara.server.settings as settings  # the server's parts: only for `dayshift app`
    import uvicorn

    settings.main.mode = "production"  # no reloading of the package's modules, minified scripts
    settings.telemetry.mixpanel_enable = False  # nothing leaves this machine
    settings.theme.show_banner = False
    settings.theme.title = "dayshift: policy explorer"
    import solara.server.starlette as starlette

    url = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}/"
    config = uvicorn.Config(starlette.app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.1)
        if server.started:
            print(f"dayshift app: the explorer is at {url} (Ctrl-C stops it)", file=sys.stderr, flush=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    # Solara warns on every page load that a local http page cannot have samesite=none cookies; on this local
    # server that is expected and says nothing to a user, so it is silenced for the server's run only.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
        try:
            server.run()
        except KeyboardInterrupt:  # uvicorn stops cleanly on Ctrl-C, then raises it again for the caller
            pass
    print("dayshift app: stopped", file=sys.stderr)
    return 0
