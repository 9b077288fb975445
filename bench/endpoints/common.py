"""What serve.py and delay_proxy.py share: writing a manifest, and serving until told to stop.

Both run as scripts from this folder and import it as `common` (they put this folder on sys.path
first). Standard library only.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path


def write_json(path: Path, value) -> None:
    """Writes `value` as indented JSON to a temporary file next to `path`, then renames it over `path`:
    a reader never sees half a manifest."""
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(value, indent=1) + "\n")
    tmp.replace(path)


async def serve_until_stopped(servers: list[asyncio.AbstractServer]) -> float:
    """Prints READY on stdout, then runs until SIGTERM or SIGINT; closes the servers and returns how long
    it served, in seconds."""
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    await stop.wait()
    for server in servers:
        server.close()
    return time.monotonic() - started
