#!/usr/bin/python3
"""A delaying TCP proxy on 127.0.0.1, standing in for a WAN (the kernel here has no netem).

For every backend port (from serve.py's manifest, or --ports) it listens on one new port of
127.0.0.1 and forwards each connection to its backend, holding every chunk for --delay-ms (20)
in each direction: a round trip costs 2 x delay. Delays do not accumulate: a chunk that arrives
at t is delivered at t + delay (in arrival order, by one timer per direction), whatever the
chunks before it were doing, as on a link with a fixed latency and ample bandwidth. A FIN or a
close travels the same way, behind the data that preceded it.

The TCP handshake itself is not delayed (the proxy accepts at once and connects to the backend
at once), so a connection costs one round trip less than over a real link: tools that open many
connections per endpoint are favoured, not penalised.

Writes a second manifest (--out FILE): serve.py's, with each endpoint's `port` replaced by its
proxy port, the backend's kept as `backendPort`, and `delayMs` set. Prints READY once every port
listens. SIGTERM/SIGINT stop it. Standard library only; only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py, wherever this is run from
from common import serve_until_stopped, write_json  # noqa: E402

HOST = "127.0.0.1"
EOF_MARK = object()
HIGH_WATER = 1 << 20


def log(message: str) -> None:
    print(f"delay_proxy.py: {message}", file=sys.stderr, flush=True)


class Stats:
    connections = 0
    failed_backend = 0
    bytes_up = 0
    bytes_down = 0
    max_in_flight = 0
    in_flight = 0


class Side:
    """One TCP connection of a proxied pair, and the delayed pipe that writes into it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float):
        self.loop, self.delay = loop, delay
        self.transport: asyncio.Transport | None = None
        self.queue: collections.deque = collections.deque()  # (due, bytes | EOF_MARK)
        self.timer: asyncio.TimerHandle | None = None
        self.read_closed = False   # its peer sent FIN
        self.write_closed = False  # we sent FIN (or closed)
        self.closed = False
        self.peer: Side | None = None

    # --- the delayed pipe into this side -------------------------------------------------------
    def push(self, item) -> None:
        if self.closed:
            return
        self.queue.append((self.loop.time() + self.delay, item))
        if self.timer is None and self.transport is not None:
            self.timer = self.loop.call_at(self.queue[0][0], self.flush)

    def attach(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        if self.queue and self.timer is None:
            self.timer = self.loop.call_at(self.queue[0][0], self.flush)

    def flush(self) -> None:
        self.timer = None
        now = self.loop.time()
        while self.queue and self.queue[0][0] <= now:
            _, item = self.queue.popleft()
            if self.closed:
                continue
            if item is EOF_MARK:
                self.send_eof()
            else:
                self.transport.write(item)
        if self.queue and not self.closed:
            self.timer = self.loop.call_at(self.queue[0][0], self.flush)

    def send_eof(self) -> None:
        self.write_closed = True
        if self.read_closed or not self.transport.can_write_eof():
            self.close()
            return
        try:
            self.transport.write_eof()
        except OSError:  # the connection is already gone
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()  # flushes what is buffered, then FIN

    # --- events on this side's connection ------------------------------------------------------
    def received(self, data: bytes) -> None:
        self.peer.push(data)

    def received_eof(self) -> bool:
        self.read_closed = True
        self.peer.push(EOF_MARK)
        if self.write_closed:
            self.close()
        return True  # keep the write side open until the peer's FIN arrives (delayed)

    def lost(self) -> None:
        was_closed = self.closed
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.queue.clear()
        if not was_closed or not self.read_closed:
            self.peer.push(EOF_MARK)  # the peer learns of it 'delay' later, as over a link


class SideProtocol(asyncio.Protocol):
    def __init__(self, side: Side):
        self.side = side

    def connection_made(self, transport):
        self.side.attach(transport)

    def data_received(self, data):
        self.side.received(data)

    def eof_received(self):
        return self.side.received_eof()

    def connection_lost(self, exc):
        self.side.lost()

    # backpressure: stop reading from the peer while this side's buffer is full
    def pause_writing(self):
        peer = self.side.peer
        if peer.transport is not None and not peer.closed:
            peer.transport.pause_reading()

    def resume_writing(self):
        peer = self.side.peer
        if peer.transport is not None and not peer.closed:
            peer.transport.resume_reading()


class ClientProtocol(SideProtocol):
    """An accepted connection: connects to the backend at once, pipes both ways with delay."""

    def __init__(self, loop, delay: float, backend_port: int):
        client, backend = Side(loop, delay), Side(loop, delay)
        client.peer, backend.peer = backend, client
        super().__init__(client)
        self.loop, self.backend, self.backend_port = loop, backend, backend_port

    def connection_made(self, transport):
        Stats.connections += 1
        Stats.in_flight += 1
        Stats.max_in_flight = max(Stats.max_in_flight, Stats.in_flight)
        super().connection_made(transport)
        self.loop.create_task(self.connect())

    async def connect(self):
        try:
            await self.loop.create_connection(lambda: SideProtocol(self.backend), HOST, self.backend_port)
        except OSError:
            Stats.failed_backend += 1
            self.side.close()

    def connection_lost(self, exc):
        Stats.in_flight -= 1
        super().connection_lost(exc)


async def run(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    delay = args.delay_ms / 1000.0
    manifest = json.loads(args.manifest.read_text()) if args.manifest else None
    if manifest is not None:
        backends = [e["port"] for e in manifest["endpoints"]]
    else:
        backends = [int(p) for p in args.ports.split(",") if p.strip()]
    servers, ports = [], []
    for i, backend in enumerate(backends):
        port = 0 if args.base_port == 0 else args.base_port + i
        server = await loop.create_server(
            lambda backend=backend: ClientProtocol(loop, delay, backend),
            HOST, port, backlog=args.backlog, reuse_address=True)
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
    if manifest is not None:
        out = dict(manifest)
        out["delayMs"] = args.delay_ms
        out["endpoints"] = [dict(e, port=p, backendPort=e["port"]) for e, p in zip(manifest["endpoints"], ports)]
    else:
        out = {"host": HOST, "delayMs": args.delay_ms,
               "endpoints": [{"port": p, "backendPort": b} for p, b in zip(ports, backends)]}
    if args.out:
        write_json(args.out, out)
    log(f"{len(ports)} ports on {HOST} -> backends, {args.delay_ms} ms each way")
    served = await serve_until_stopped(servers)
    log(f"stopping after {served:.1f} s: {Stats.connections} connections proxied "
        f"(at most {Stats.max_in_flight} at once), {Stats.failed_backend} backend connects failed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--manifest", type=Path, help="serve.py's manifest: proxy each endpoint")
    source.add_argument("--ports", help="comma-separated backend ports on 127.0.0.1")
    parser.add_argument("--out", type=Path, help="write the proxied manifest (JSON) here")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="one-way delay in ms (default 20)")
    parser.add_argument("--base-port", type=int, default=0,
                        help="listen on BASE.. (default 0: ports picked by the OS)")
    parser.add_argument("--backlog", type=int, default=128)
    args = parser.parse_args()
    if args.delay_ms < 0:
        parser.error("--delay-ms must be >= 0")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
