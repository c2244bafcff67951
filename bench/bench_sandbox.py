"""Benchmark of the ARM sandbox: import time, SDK call latency and ARM request counts.

Run from the project root:

    .venv/bin/python bench/bench_sandbox.py [--repeat N] [--import-runs K] [--sdk-default-polling]

What is measured, and how to read it:

1. Import time. Each module is imported in a fresh ``python -c "import MODULE"`` subprocess; the figure is the
   median wall time of K such processes minus the median of K ``python -c pass`` processes (interpreter
   start-up, site and the venv's .pth files). ``runbook_lib.azure`` pulls in the Azure SDK; ``runbook_lib.cli``
   is what ``runbook sandbox serve`` loads before it can answer. Where ``import runbook_lib.azure`` spends its
   time comes from one ``python -X importtime`` run: self times summed per top-level package.

2. In-process latency. A fresh estate in a temp directory; the real SDK clients from
   ``get_clients(Target(state=...))`` reach the WSGI app through the in-process requests adapter (no socket).
   Each operation is called N times (gets) or N/2 times (creates, each of a new resource). The first call is
   reported on its own ("1st ms": it may pay for one-off set-up, e.g. the LRO poller's) and left out of median, p95 and
   calls/s. calls/s is sequential throughput: calls / total seconds of those calls.

3. Over HTTPS. The same operations against ``runbook sandbox serve`` (a subprocess, loopback TLS, its own fresh
   estate), with SDK clients built on its base_url and ca_bundle. The served sandbox (wsgiref) answers HTTP/1.0 and
   closes the connection after every answer, so each request pays a TCP connect and a TLS handshake; the bench
   prints the HTTP version seen and the median time of a bare TCP connect + TLS handshake to the server.

4. ARM requests. An azure-core ``raw_request_hook`` counts every HTTP request the pipeline sends (it runs after
   the retry policy, so retries and LRO polls count). "req/call" is requests per SDK call. The "realistic LRO"
   rows run with ``Sandbox.configure(lro="realistic", lro_seconds=0.0, retry_after=0)`` and pass
   ``polling_interval=0`` to the poller (see the note printed below the request breakdown: with
   ``Retry-After: 0`` azure-core falls back to the client's polling_interval, 30 s by default).
   The breakdown lists the requests of one call of each operation, with status and Retry-After.
"""

from __future__ import annotations

import argparse
import json
import selectors
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from azure.mgmt.network.models import AddressSpace, VirtualNetwork
from azure.mgmt.privatedns.models import ARecord, PrivateZone, RecordSet

from runbook_lib.azure import Target, get_clients
from runbook_lib.sandbox import Sandbox

IMPORTED_MODULES = ("runbook_lib", "runbook_lib.sandbox", "runbook_lib.azure", "runbook_lib.cli")
RESOURCE_GROUP = "bench-rg"
LOCATION = "eastus"
ZONE = "privatelink.bench.example"
SEED_VNET = "vnet-seed"
SERVER_START_TIMEOUT = 60.0
SDK_DEFAULT_POLLING_INTERVAL = 30  # azure-mgmt-* clients' polling_interval default (seconds)


# --------------------------------------------------------------------------------------------------- import time


def _wall_time(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_import_times(runs: int) -> tuple[float, dict[str, float]]:
    """Interpreter start-up, and per module the median import time (seconds) net of start-up."""
    python = sys.executable
    _wall_time([python, "-c", "import " + ",".join(IMPORTED_MODULES)])  # warm the OS cache and __pycache__
    baseline = statistics.median(_wall_time([python, "-c", "pass"]) for _ in range(runs))
    net = {}
    for module in IMPORTED_MODULES:
        median = statistics.median(_wall_time([python, "-c", f"import {module}"]) for _ in range(runs))
        net[module] = median - baseline
    return baseline, net


def heaviest_imports(module: str, top: int = 8) -> list[tuple[str, float]]:
    """Where importing ``module`` spends its time: ``-X importtime`` self times summed per top-level package."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                          check=True, capture_output=True, text=True)
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _, name = line[len("import time:"):].split("|")
        package = _distribution_key(name.strip())
        totals[package] = totals.get(package, 0.0) + int(self_us) / 1e6
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)[:top]


def _distribution_key(module: str) -> str:
    """The package a module belongs to, splitting the azure namespace: azure.core, azure.mgmt.network, ..."""
    parts = module.split(".")
    depth = 3 if parts[:2] == ["azure", "mgmt"] else 2 if parts[0] == "azure" else 1
    return ".".join(parts[:depth])


# ---------------------------------------------------------------------------------------------- request counting


@dataclass
class Exchange:
    method: str
    url: str
    status: int | None = None
    retry_after: str | None = None
    http_version: str | None = None
    operation_status: str | None = None  # the body's "status" when this is an LRO status poll
    async_operation: str | None = None  # the Azure-AsyncOperation header of an LRO's first answer


class RequestLog:
    """Every HTTP request the SDK pipelines send (an azure-core raw_request_hook / raw_response_hook pair)."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def on_request(self, pipeline_request) -> None:
        request = pipeline_request.http_request
        self.exchanges.append(Exchange(request.method, request.url))

    def on_response(self, pipeline_response) -> None:
        response = pipeline_response.http_response
        if self.exchanges:
            self.exchanges[-1].status = response.status_code
            self.exchanges[-1].retry_after = response.headers.get("Retry-After")
            self.exchanges[-1].async_operation = response.headers.get("Azure-AsyncOperation")
            raw = getattr(getattr(response, "internal_response", None), "raw", None)  # requests -> urllib3
            version = getattr(raw, "version", 0)
            self.exchanges[-1].http_version = f"HTTP/{version // 10}.{version % 10}" if version else None
            if _is_status_poll(self.exchanges[-1].url) and response.status_code == 200:
                self.exchanges[-1].operation_status = json.loads(response.text()).get("status")

    def hooks(self) -> dict[str, Callable]:
        return {"raw_request_hook": self.on_request, "raw_response_hook": self.on_response}

    def mark(self) -> int:
        return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        return self.exchanges[mark:]


def _is_status_poll(url: str) -> bool:
    """An Azure-AsyncOperation URL: .../locations/{location}/operations/{id}."""
    segments = [s.lower() for s in urlsplit(url).path.split("/") if s]
    return len(segments) >= 4 and segments[-2] == "operations" and segments[-4] == "locations"


def describe_exchange(exchange: Exchange) -> str:
    segments = [s for s in urlsplit(exchange.url).path.split("/") if s]
    if len(segments) >= 2 and segments[-2].lower() in ("operations", "operationresults"):
        where = f".../{segments[-2]}/{{id}}"
    else:
        where = ".../" + "/".join(segments[-2:])
    status = f" {exchange.operation_status}" if exchange.operation_status else ""
    retry = f", Retry-After: {exchange.retry_after}" if exchange.retry_after is not None else ""
    poll = ""
    if exchange.async_operation:
        announced = urlsplit(exchange.async_operation)
        poll = f", Azure-AsyncOperation: {announced.scheme}://{announced.netloc}/..."
    return f"{exchange.method} {where} -> {exchange.status}{status}{retry}{poll}"


# ----------------------------------------------------------------------------------------------------- timing


@dataclass
class Series:
    """N timed calls of one operation on one transport."""

    operation: str
    transport: str
    seconds: list[float] = field(default_factory=list)  # per call, the first (cold) one included
    requests: list[int] = field(default_factory=list)  # HTTP requests per call
    sample: list[Exchange] = field(default_factory=list)  # the requests of the last call
    error: str | None = None  # why the series stopped early

    @property
    def warm(self) -> list[float]:
        return self.seconds[1:] or self.seconds

    def median_ms(self) -> float:
        return statistics.median(self.warm) * 1000

    def p95_ms(self) -> float:
        if len(self.warm) < 2:
            return self.warm[0] * 1000
        return statistics.quantiles(self.warm, n=20, method="inclusive")[18] * 1000

    def calls_per_second(self) -> float:
        return len(self.warm) / sum(self.warm)

    def requests_per_call(self) -> str:
        low, high = min(self.requests), max(self.requests)
        return str(low) if low == high else f"{low}-{high}"


def time_calls(operation: str, transport: str, call: Callable[[int], Any], count: int, log: RequestLog) -> Series:
    """Call ``call(i)`` for i in range(count), timing each call and counting its requests.

    A call that raises ends the series: the error is kept on it (and reported) instead of stopping the bench.
    """
    series = Series(operation, transport)
    for i in range(count):
        mark = log.mark()
        started = time.perf_counter()
        try:
            call(i)
        except Exception as error:  # noqa: BLE001 - reported with the figures
            series.error = f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - started
        series.sample = log.since(mark)
        refused = [e for e in series.sample if e.status is None or e.status >= 400]
        if refused and series.error is None:
            series.error = "answered " + "; ".join(describe_exchange(e) for e in refused)
        if series.error is not None:
            break
        series.seconds.append(elapsed)
        series.requests.append(len(series.sample))
    return series


# ----------------------------------------------------------------------------------------------- the operations


def vnet_model(index: int) -> VirtualNetwork:
    second, third = divmod(index, 256)
    return VirtualNetwork(location=LOCATION,
                          address_space=AddressSpace(address_prefixes=[f"10.{second % 256}.{third}.0/24"]))


def a_record_model(index: int) -> RecordSet:
    return RecordSet(ttl=300, a_records=[ARecord(ipv4_address=f"10.1.{index // 250}.{index % 250 + 4}")])


def prepare_estate(clients: Any) -> None:
    """A resource group, a virtual network to read, and a private DNS zone to write record sets into."""
    clients.resources.resource_groups.create_or_update(RESOURCE_GROUP, {"location": LOCATION})
    clients.network.virtual_networks.begin_create_or_update(RESOURCE_GROUP, SEED_VNET, vnet_model(0)).result()
    clients.privatedns.private_zones.begin_create_or_update(RESOURCE_GROUP, ZONE, PrivateZone(location="global")).result()


def run_operations(clients: Any, sandbox: Sandbox, transport: str, gets: int, creates: int,
                   log: RequestLog) -> list[Series]:
    """Every benchmarked operation on one transport; the estate is in immediate mode again afterwards."""
    network, privatedns = clients.network, clients.privatedns

    def get_vnet(i: int) -> None:
        network.virtual_networks.get(RESOURCE_GROUP, SEED_VNET)

    def create_a_record(i: int) -> None:
        created = privatedns.record_sets.create_or_update(RESOURCE_GROUP, ZONE, "A", f"rec-{i}", a_record_model(i))
        assert created.a_records[0].ipv4_address == a_record_model(i).a_records[0].ipv4_address

    def create_vnet(prefix: str, **options: Any) -> Callable[[int], None]:
        def create(i: int) -> None:
            poller = network.virtual_networks.begin_create_or_update(
                RESOURCE_GROUP, f"{prefix}-{i}", vnet_model(i + 1), **options)
            assert poller.result().provisioning_state == "Succeeded"
        return create

    sandbox.configure(lro="immediate")
    series = [
        time_calls("virtual network get", transport, get_vnet, gets, log),
        time_calls("A record set create", transport, create_a_record, creates, log),
        time_calls("virtual network create", transport, create_vnet("vnet"), creates, log),
    ]
    sandbox.configure(lro="realistic", lro_seconds=0.0, retry_after=0)
    try:
        series.append(time_calls("virtual network create, realistic LRO", transport,
                                 create_vnet("vnet-lro", polling_interval=0), creates, log))
    finally:
        sandbox.configure(lro="immediate")
    return series


def time_sdk_default_polling(clients: Any, sandbox: Sandbox, log: RequestLog) -> tuple[float, int]:
    """One realistic-mode create with the client's own polling interval: (seconds, requests)."""
    sandbox.configure(lro="realistic", lro_seconds=0.0, retry_after=0)
    try:
        mark, started = log.mark(), time.perf_counter()
        clients.network.virtual_networks.begin_create_or_update(RESOURCE_GROUP, "vnet-default-poll",
                                                                vnet_model(9999)).result()
        return time.perf_counter() - started, len(log.since(mark))
    finally:
        sandbox.configure(lro="immediate")


# ------------------------------------------------------------------------------------------------- transports


def bench_in_process(workdir: Path, gets: int, creates: int,
                     sdk_default_polling: bool) -> tuple[list[Series], tuple[float, int] | None]:
    state = workdir / "in-process.db"
    sandbox = Sandbox(state).ensure_initialised()
    log = RequestLog()
    clients = get_clients(Target(state=str(state)), **log.hooks())
    prepare_estate(clients)
    series = run_operations(clients, sandbox, "in-process", gets, creates, log)
    default_polling = time_sdk_default_polling(clients, sandbox, log) if sdk_default_polling else None
    return series, default_polling


def https_clients(base_url: str, ca_bundle: str, log: RequestLog) -> Any:
    """SDK clients on the served sandbox, through the same factory the toolkit uses."""
    return get_clients(Target(endpoint=base_url, ca_bundle=ca_bundle), **log.hooks())


class ServedSandbox:
    """``runbook sandbox serve`` as a subprocess: started, announced (base_url, ca_bundle), stopped with SIGTERM."""

    def __init__(self, state: Path, workdir: Path):
        self.state = state
        self.stderr_path = workdir / "serve.stderr"
        self.process: subprocess.Popen | None = None
        self.base_url = self.ca_bundle = ""
        self.start_seconds = 0.0
        self.exit_code: int | None = None

    def __enter__(self) -> "ServedSandbox":
        command = [sys.executable, "-m", "runbook_lib.cli", "sandbox", "serve", "--state", str(self.state),
                   "--port", "0"]
        started = time.perf_counter()
        self._stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        announcement = json.loads(self._first_line())
        self.start_seconds = time.perf_counter() - started
        self.base_url, self.ca_bundle = announcement["base_url"], announcement["ca_bundle"]
        return self

    def _first_line(self) -> str:
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(SERVER_START_TIMEOUT):
                self.process.kill()
                raise RuntimeError(f"runbook sandbox serve said nothing in {SERVER_START_TIMEOUT:.0f} s")
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise RuntimeError(f"runbook sandbox serve exited {self.process.returncode}: "
                               f"{self.stderr_path.read_text().strip()}")
        return line

    def stop(self) -> int:
        if self.process is not None and self.exit_code is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.exit_code = self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.exit_code = self.process.wait()
            self.process.stdout.close()
            self._stderr.close()
        return self.exit_code

    def __exit__(self, *exc) -> None:
        self.stop()


def time_tls_connects(base_url: str, ca_bundle: str, count: int) -> list[float]:
    """Seconds of a bare TCP connect + TLS handshake to the served sandbox (then one tiny request, not timed)."""
    url = urlsplit(base_url)
    context = ssl.create_default_context(cafile=ca_bundle)
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        with socket.create_connection((url.hostname, url.port)) as raw, \
                context.wrap_socket(raw, server_hostname=url.hostname) as tls:
            seconds.append(time.perf_counter() - started)
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")  # let the server's handler thread finish cleanly
            tls.recv(65536)
    return seconds


@dataclass
class HttpsFacts:
    start_seconds: float  # spawn to JSON line
    exit_code: int  # on SIGTERM
    http_versions: set[str]  # as the SDK's responses report them
    tls_connect_ms: float  # median TCP connect + TLS handshake


def bench_https(workdir: Path, gets: int, creates: int) -> tuple[list[Series], HttpsFacts]:
    state = workdir / "served.db"
    sandbox = Sandbox(state).ensure_initialised()  # the bench changes LRO settings through the shared file
    log = RequestLog()
    with ServedSandbox(state, workdir) as served:
        clients = https_clients(served.base_url, served.ca_bundle, log)
        prepare_estate(clients)
        series = run_operations(clients, sandbox, "https", gets, creates, log)
        tls_connects = time_tls_connects(served.base_url, served.ca_bundle, 50)
        exit_code = served.stop()
    if exit_code != 0:
        raise RuntimeError(f"runbook sandbox serve exited {exit_code} on SIGTERM: {served.stderr_path.read_text()}")
    facts = HttpsFacts(served.start_seconds, exit_code, {e.http_version for e in log.exchanges if e.http_version},
                       statistics.median(tls_connects) * 1000)
    return series, facts


# -------------------------------------------------------------------------------------------------- reporting


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def aligned(cells: list[str]) -> str:  # first column left, figures right
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(aligned(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(aligned(row))


def report_imports(baseline: float, net: dict[str, float], heavy: list[tuple[str, float]], runs: int) -> None:
    print(f"1. Import time: median of {runs} fresh `python -c \"import M\"` processes minus "
          f"the median `python -c pass` ({baseline * 1000:.0f} ms)")
    print_table(["module", "import ms"], [[m, f"{s * 1000:.0f}"] for m, s in net.items()])
    print("\n   where `import runbook_lib.azure` spends its time (python -X importtime, self time summed per "
          "top-level package, one run):")
    print_table(["package", "ms"], [[name, f"{s * 1000:.0f}"] for name, s in heavy])


def report_latency(series: list[Series]) -> None:
    rows = []
    for s in series:
        if s.error is not None:
            rows.append([s.operation, s.transport, f"FAILED at call {len(s.seconds) + 1}", *["-"] * 5])
        else:
            rows.append([s.operation, s.transport, str(len(s.warm)), f"{s.seconds[0] * 1000:.1f}",
                         f"{s.median_ms():.2f}", f"{s.p95_ms():.2f}", f"{s.calls_per_second():.0f}",
                         s.requests_per_call()])
    print_table(["operation", "transport", "n", "1st ms", "median ms", "p95 ms", "calls/s", "req/call"], rows)
    for s in series:
        if s.error is not None:
            print(f"\n   FAILED {s.operation} ({s.transport}): {s.error}")
            for exchange in s.sample:
                print(f"      {describe_exchange(exchange)}")


def report_requests(series: list[Series]) -> None:
    for s in series:
        if s.transport != "in-process":
            continue
        count = len(s.sample)
        print(f"   {s.operation}: {count} request{'s' if count != 1 else ''}")
        for exchange in s.sample:
            print(f"      {describe_exchange(exchange)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, metavar="N",
                        help="GET calls per series; create series make N/2 resources (default 200)")
    parser.add_argument("--import-runs", type=int, default=5, metavar="K",
                        help="fresh processes per import-time figure (default 5)")
    parser.add_argument("--sdk-default-polling", action="store_true",
                        help=f"also time one realistic-mode create with the SDK's own polling interval "
                             f"(takes about {SDK_DEFAULT_POLLING_INTERVAL} s)")
    args = parser.parse_args(argv)
    if args.repeat < 2 or args.import_runs < 1:
        parser.error("--repeat must be at least 2 and --import-runs at least 1")
    gets, creates = args.repeat, max(2, args.repeat // 2)

    baseline, net = measure_import_times(args.import_runs)
    report_imports(baseline, net, heaviest_imports("runbook_lib.azure"), args.import_runs)

    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        workdir = Path(tmp)
        local, default_polling = bench_in_process(workdir, gets, creates, args.sdk_default_polling)
        served, facts = bench_https(workdir, gets, creates)

    print(f"\n2-3. Latency per SDK call ({gets} gets, {creates} creates; '1st' is the cold first call, "
          f"left out of the other figures)")
    report_latency(local + served)
    print(f"\n   runbook sandbox serve: JSON line {facts.start_seconds * 1000:.0f} ms after spawn; answers "
          f"{', '.join(sorted(facts.http_versions)) or '?'}; bare TCP connect + TLS handshake "
          f"{facts.tls_connect_ms:.1f} ms (median of 50); exited {facts.exit_code} on SIGTERM")

    print("\n4. ARM requests of one call (in-process; the same over HTTPS, see req/call above)")
    report_requests(local)
    print(f"   note: Retry-After: 0 makes azure-core wait the client's polling_interval "
          f"({SDK_DEFAULT_POLLING_INTERVAL} s by default) between polls; the realistic rows pass polling_interval=0.")
    if default_polling is not None:
        seconds, requests = default_polling
        print(f"   with the SDK default polling interval, one realistic create took {seconds:.1f} s "
              f"({requests} requests).")
    else:
        print("   (--sdk-default-polling times one such create with the default interval.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
