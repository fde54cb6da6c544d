"""A load generator on loopback for the web benchmarks: plain HTTP/1.1 over asyncio.

Two ways to load a server:

- ``open_loop``: a scenario starts at a fixed rate whatever the server does (requests are
  not held back while earlier ones are slow), and each latency counts from the moment the
  request was *due*, so a server or a generator that falls behind shows in the figures
  instead of hiding (no coordinated omission);
- ``closed_loop``: a fixed number of clients send requests back to back, as fast as the
  server answers: the server's throughput at saturation.

Each request goes on a connection of its own, as gunicorn's sync workers close the connection
after every response. Requests carry ``X-Forwarded-Proto: https``: in production a
TLS-terminating proxy sits in front of gunicorn and the portal trusts that header
(SECURE_PROXY_SSL_HEADER); without it the portal would redirect every request to https.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

TIMEOUT = 30.0


@dataclass(frozen=True)
class Request:
    name: str
    path: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    # Any other status is an error.
    expect: int = 200


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower(), [])
        return values[0] if values else ""

    def cookies(self) -> dict[str, str]:
        found = {}
        for value in self.headers.get("set-cookie", []):
            pair = value.split(";", 1)[0]
            name, _, content = pair.partition("=")
            found[name.strip()] = content.strip()
        return found

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Sample:
    name: str
    # Seconds since the run started, when the request was due (open loop) or sent.
    due: float
    latency: float
    status: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    # The generator's own CPU time and how late it started requests (its health).
    cpu_seconds: float = 0.0
    max_lag: float = 0.0

    def errors(self) -> list[Sample]:
        return [sample for sample in self.samples if not sample.ok]

    def throughput(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0


class HttpError(Exception):
    pass


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0–100) of the values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(samples: Iterable[Sample]) -> dict[str, float]:
    """p50, p95, p99 and max of the samples' latencies, in milliseconds."""
    latencies = [sample.latency * 1000 for sample in samples]
    return {
        "count": len(latencies),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies, default=math.nan),
    }


def by_name(samples: Iterable[Sample]) -> dict[str, list[Sample]]:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.name].append(sample)
    return dict(groups)


def describe(run: Run, *, title: str) -> list[str]:
    """Human-readable lines: the whole run, then each request name."""
    lines = []
    total = latency_summary(run.samples)
    lines.append(
        f"{title}: {total['count']} requests in {run.seconds:.1f} s ({run.throughput():.1f}/s), "
        f"{len(run.errors())} errors; p50 {total['p50']:.1f} ms, p95 {total['p95']:.1f} ms, "
        f"p99 {total['p99']:.1f} ms, max {total['max']:.1f} ms; generator CPU "
        f"{run.cpu_seconds:.1f} s, latest start {run.max_lag * 1000:.1f} ms after due"
    )
    for name, samples in sorted(by_name(run.samples).items()):
        summary = latency_summary(samples)
        errors = sum(1 for sample in samples if not sample.ok)
        lines.append(
            f"    {name:<28} {summary['count']:>6} req  p50 {summary['p50']:7.1f}  "
            f"p95 {summary['p95']:7.1f}  p99 {summary['p99']:7.1f}  max {summary['max']:7.1f} ms"
            + (f"  {errors} errors" if errors else "")
        )
    for sample in run.errors()[:5]:
        lines.append(f"    error: {sample.name} status {sample.status} {sample.error}")
    return lines


class Client:
    """Sends requests to one server on loopback, as if through the TLS proxy in front of it."""

    def __init__(self, host: str, port: int, *, language: str = "") -> None:
        self.host = host
        self.port = port
        self.origin = f"https://{host}:{port}"
        self.language = language

    def head(self, request: Request) -> bytes:
        lines = [
            f"{request.method} {request.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Connection: close",
            "X-Forwarded-Proto: https",
            "User-Agent: coop-portal-benchmark",
        ]
        if self.language:
            lines.append(f"Accept-Language: {self.language}")
        if request.body or request.method == "POST":
            lines.append(f"Content-Length: {len(request.body)}")
        lines.extend(f"{name}: {value}" for name, value in request.headers)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def send(self, request: Request, timeout: float = TIMEOUT) -> Response:
        return await asyncio.wait_for(self._send(request), timeout)

    async def _send(self, request: Request) -> Response:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(self.head(request) + request.body)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        return parse_response(raw)


def parse_response(raw: bytes) -> Response:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise HttpError(f"incomplete response ({len(raw)} bytes)")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise HttpError(f"bad status line {lines[0]!r}")
    headers: dict[str, list[str]] = defaultdict(list)
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()].append(value.strip())
    if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
        body = _dechunk(body)
    elif headers.get("content-length"):
        expected = int(headers["content-length"][0])
        if len(body) < expected:
            raise HttpError(f"body cut short: {len(body)} of {expected} bytes")
    return Response(int(parts[1]), dict(headers), body)


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    while True:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += rest[:size]
        body = rest[size + 2 :]


def multipart(fields: Sequence[tuple[str, str]]) -> tuple[str, bytes]:
    """A multipart/form-data body of text fields, as a browser sends a form with a file input."""
    boundary = "----coopbench" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{quote(name)}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_inputs(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


async def timed(
    client: Client,
    request: Request,
    due: float,
    clock: Callable[[], float],
    check: Callable[[Response], str] | None = None,
) -> tuple[Sample, Response | None]:
    """Send a request; its latency counts from ``due`` (seconds on ``clock``)."""
    try:
        response = await client.send(request)
    except (OSError, TimeoutError, HttpError) as error:
        return Sample(request.name, due, clock() - due, 0, type(error).__name__ + str(error)), None
    latency = clock() - due
    problem = ""
    if response.status != request.expect:
        problem = f"HTTP {response.status}, expected {request.expect}"
    elif check is not None:
        problem = check(response)
    return Sample(request.name, due, latency, response.status, problem), response


Scenario = Callable[[int, float, Callable[[], float]], Awaitable[list[Sample]]]


def one_request(
    client: Client,
    requests: Sequence[Request],
    check: Callable[[Response], str] | None = None,
) -> Scenario:
    """A scenario of one request, the requests taken in turn."""

    async def scenario(number: int, due: float, clock: Callable[[], float]) -> list[Sample]:
        sample, _response = await timed(client, requests[number % len(requests)], due, clock, check)
        return [sample]

    return scenario


async def open_loop(scenario: Scenario, rate: float, seconds: float) -> Run:
    """Start ``scenario`` ``rate`` times a second for ``seconds``; wait for every one to end."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    cpu = time.process_time()

    def clock() -> float:
        return loop.time() - start

    count = int(rate * seconds)
    tasks = []
    max_lag = 0.0
    for number in range(count):
        due = number / rate
        wait = due - clock()
        if wait > 0:
            await asyncio.sleep(wait)
        max_lag = max(max_lag, clock() - due)
        tasks.append(asyncio.create_task(scenario(number, due, clock)))
    results = await asyncio.gather(*tasks)
    run = Run(
        samples=[sample for samples in results for sample in samples],
        seconds=count / rate,
        cpu_seconds=time.process_time() - cpu,
        max_lag=max_lag,
    )
    return run


async def closed_loop(
    client: Client, requests: Sequence[Request], clients: int, seconds: float, warmup: float = 2.0
) -> Run:
    """``clients`` clients sending the requests in turn, each as soon as its last one ended.

    Requests that end in the first ``warmup`` seconds are not counted; the run counts those
    that end in the ``seconds`` after.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    cpu = time.process_time()
    counted: list[Sample] = []

    def clock() -> float:
        return loop.time() - start

    async def one_client(offset: int) -> None:
        number = offset
        while clock() < warmup + seconds:
            request = requests[number % len(requests)]
            number += clients
            sent = clock()
            sample, _response = await timed(client, request, sent, clock)
            ended = clock()
            if warmup <= ended <= warmup + seconds:
                counted.append(sample)

    await asyncio.gather(*(one_client(offset) for offset in range(clients)))
    return Run(samples=counted, seconds=seconds, cpu_seconds=time.process_time() - cpu)
