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
   ``get_clients(Target(state=...))`` reach the WSGI app through the in-process transport (no socket, no requests).
   "CPU ms" is this thread's CPU time per call (median): the machine may be busy with other work.
   Each operation is called N times (gets) or N/2 times (creates, each of a new resource). The first call is
   reported on its own ("1st ms": it may pay for one-off set-up, e.g. the LRO poller's) and left out of median, p95 and
   calls/s. calls/s is sequential throughput: calls / total seconds of those calls.

3. Over HTTPS. The same operations against ``runbook sandbox serve`` (a subprocess, loopback TLS, its own fresh
   estate), with SDK clients built on its base_url and ca_bundle. The served sandbox (wsgiref) answers HTTP/1.1 and
   keeps the connection open, so only a client's first request pays a TCP connect and a TLS handshake; the bench
   prints the HTTP version seen and the median time of a bare TCP connect + TLS handshake to the server.

4. ARM requests. An azure-core ``raw_request_hook`` counts every HTTP request the pipeline sends (it runs after
   the retry policy, so retries and LRO polls count). "req/call" is requests per SDK call. The "realistic LRO"
   rows run with ``Sandbox.configure(lro="realistic", lro_seconds=0.0, retry_after=0)`` and pass
   ``polling_interval=0`` to the poller (see the note printed below the request breakdown: with
   ``Retry-After: 0`` azure-core falls back to the client's polling_interval, 30 s by default).
   The breakdown lists the requests of one call of each operation, with status and Retry-After.

5. Cost per request as the estate grows. One estate is grown to each of --sizes private endpoints (a storage
   account's blob endpoints in one /20 subnet, each with a Reader assignment on it for a principal of its own, as
   vault identities hold roles). At each size: a private endpoint GET through the in-process SDK clients and over
   loopback HTTPS (``runbook sandbox serve`` on the same estate file), median and p95 of N calls, and the median
   of the last creations that grew the estate to that size; requests per call from the hook. The ratio is the
   median over its target (in-process GET <= 1 ms, HTTPS GET <= 6 ms): at most 1.0 meets it, and the figures
   should not grow with the size. Below the table, the in-process GET before (azure-core's RequestsTransport over a
   requests adapter) and after (the WsgiTransport the clients use), the paths taking turns call by call: median CPU
   and wall ms.
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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline.transport import RequestsTransport
from azure.mgmt.network.models import AddressSpace, VirtualNetwork
from azure.mgmt.privatedns.models import ARecord, PrivateZone, RecordSet

from runbook_lib.azure import Target, get_clients
from runbook_lib.azure.clients import SANDBOX_HOST
from runbook_lib.azure.inprocess import WsgiTransport, wsgi_session
from runbook_lib.sandbox import Sandbox

IMPORTED_MODULES = ("runbook_lib", "runbook_lib.sandbox", "runbook_lib.azure", "runbook_lib.cli")
RESOURCE_GROUP = "bench-rg"
LOCATION = "eastus"
ZONE = "privatelink.bench.example"
FIRST_VNET = "vnet-first"
SERVER_START_TIMEOUT = 60.0
SDK_DEFAULT_POLLING_INTERVAL = 30  # azure-mgmt-* clients' polling_interval default (seconds)
GET_TARGET_MS = {"in-process": 1.0, "https": 6.0}  # issue 17's targets for a private endpoint GET
SCALING_SIZES = (10, 100, 500)
BEFORE = "in-process, requests"  # issue 17's starting point: azure-core's RequestsTransport over a requests adapter
SDK_ALONE = "SDK alone"  # the same GET answered by a WSGI app that replays the sandbox's answer: the SDK's own cost
SCALING_SUBNET = "10.20.0.0/20"  # 4,091 usable addresses: room for every size


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
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], check=True, capture_output=True, text=True
    )
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _, name = line[len("import time:") :].split("|")
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
    cpu: list[float] = field(default_factory=list)  # CPU seconds of this thread per call (the machine may be loaded)
    requests: list[int] = field(default_factory=list)  # HTTP requests per call
    sample: list[Exchange] = field(default_factory=list)  # the requests of the last call
    error: str | None = None  # why the series stopped early

    @property
    def warm(self) -> list[float]:
        return self.seconds[1:] or self.seconds

    def median_ms(self) -> float:
        return statistics.median(self.warm) * 1000

    def cpu_median_ms(self) -> float:
        return statistics.median(self.cpu[1:] or self.cpu) * 1000 if self.cpu else float("nan")

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
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            call(i)
        except Exception as error:
            series.error = f"{type(error).__name__}: {error}"
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        series.sample = log.since(mark)
        refused = [e for e in series.sample if e.status is None or e.status >= 400]
        if refused and series.error is None:
            series.error = "answered " + "; ".join(describe_exchange(e) for e in refused)
        if series.error is not None:
            break
        series.seconds.append(elapsed)
        series.cpu.append(cpu)
        series.requests.append(len(series.sample))
    return series


# ----------------------------------------------------------------------------------------------- the operations


def vnet_model(index: int) -> VirtualNetwork:
    second, third = divmod(index, 256)
    return VirtualNetwork(
        location=LOCATION, address_space=AddressSpace(address_prefixes=[f"10.{second % 256}.{third}.0/24"])
    )


def a_record_model(index: int) -> RecordSet:
    return RecordSet(ttl=300, a_records=[ARecord(ipv4_address=f"10.1.{index // 250}.{index % 250 + 4}")])


def prepare_estate(clients: Any) -> None:
    """A resource group, a virtual network to read, and a private DNS zone to write record sets into."""
    clients.resources.resource_groups.create_or_update(RESOURCE_GROUP, {"location": LOCATION})
    clients.network.virtual_networks.begin_create_or_update(RESOURCE_GROUP, FIRST_VNET, vnet_model(0)).result()
    clients.privatedns.private_zones.begin_create_or_update(
        RESOURCE_GROUP, ZONE, PrivateZone(location="global")
    ).result()


def run_operations(
    clients: Any, sandbox: Sandbox, transport: str, gets: int, creates: int, log: RequestLog
) -> list[Series]:
    """Every benchmarked operation on one transport; the estate is in immediate mode again afterwards."""
    network, privatedns = clients.network, clients.privatedns

    def get_vnet(i: int) -> None:
        network.virtual_networks.get(RESOURCE_GROUP, FIRST_VNET)

    def create_a_record(i: int) -> None:
        created = privatedns.record_sets.create_or_update(RESOURCE_GROUP, ZONE, "A", f"rec-{i}", a_record_model(i))
        assert created.a_records[0].ipv4_address == a_record_model(i).a_records[0].ipv4_address

    def create_vnet(prefix: str, **options: Any) -> Callable[[int], None]:
        def create(i: int) -> None:
            poller = network.virtual_networks.begin_create_or_update(
                RESOURCE_GROUP, f"{prefix}-{i}", vnet_model(i + 1), **options
            )
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
        series.append(
            time_calls(
                "virtual network create, realistic LRO",
                transport,
                create_vnet("vnet-lro", polling_interval=0),
                creates,
                log,
            )
        )
    finally:
        sandbox.configure(lro="immediate")
    return series


def time_sdk_default_polling(clients: Any, sandbox: Sandbox, log: RequestLog) -> tuple[float, int]:
    """One realistic-mode create with the client's own polling interval: (seconds, requests)."""
    sandbox.configure(lro="realistic", lro_seconds=0.0, retry_after=0)
    try:
        mark, started = log.mark(), time.perf_counter()
        clients.network.virtual_networks.begin_create_or_update(
            RESOURCE_GROUP, "vnet-default-poll", vnet_model(9999)
        ).result()
        return time.perf_counter() - started, len(log.since(mark))
    finally:
        sandbox.configure(lro="immediate")


# ------------------------------------------------------------------------------------------------- transports


def bench_in_process(
    workdir: Path, gets: int, creates: int, sdk_default_polling: bool
) -> tuple[list[Series], tuple[float, int] | None]:
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

    def __enter__(self) -> ServedSandbox:
        command = [
            sys.executable,
            "-m",
            "runbook_lib.cli",
            "sandbox",
            "serve",
            "--state",
            str(self.state),
            "--port",
            "0",
        ]
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
            raise RuntimeError(
                f"runbook sandbox serve exited {self.process.returncode}: {self.stderr_path.read_text().strip()}"
            )
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
        with (
            socket.create_connection((url.hostname, url.port)) as raw,
            context.wrap_socket(raw, server_hostname=url.hostname) as tls,
        ):
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
    facts = HttpsFacts(
        served.start_seconds,
        exit_code,
        {e.http_version for e in log.exchanges if e.http_version},
        statistics.median(tls_connects) * 1000,
    )
    return series, facts


# ------------------------------------------------------------------------------------------ scaling with the estate


@dataclass
class ScalingRow:
    endpoints: int
    gets: dict[str, Series]  # transport -> private endpoint GETs
    creates: Series  # the endpoint creations that grew the estate to this size (the last ten of them)


class GrowingEstate:
    """An estate grown one private endpoint (and one role assignment on it) at a time, through the SDK."""

    def __init__(self, state: Path, log: RequestLog):
        self.sandbox = Sandbox(state).ensure_initialised()
        self.log = log
        self.clients = get_clients(Target(state=str(state)), **log.hooks())
        self.count = 0
        self.clients.resources.resource_groups.create_or_update(RESOURCE_GROUP, {"location": LOCATION})
        subnet = {"name": "pe", "properties": {"addressPrefix": SCALING_SUBNET}}
        vnet = self.clients.network.virtual_networks.begin_create_or_update(
            RESOURCE_GROUP,
            "vnet-scale",
            {
                "location": LOCATION,
                "properties": {"addressSpace": {"addressPrefixes": [SCALING_SUBNET]}, "subnets": [subnet]},
            },
        ).result()
        self.subnet_id = vnet.subnets[0].id
        self.account_id = (
            self.clients.storage.storage_accounts.begin_create(
                RESOURCE_GROUP, "stscale", {"location": LOCATION, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
            )
            .result()
            .id
        )
        self.reader = (
            f"/subscriptions/{self.clients.subscription_id}/providers/Microsoft.Authorization/"
            "roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
        )

    def grow_to(self, size: int) -> Series:
        """Add endpoints up to ``size``; the endpoint creations of the last ten (at most) are timed (the role
        assignment that follows each is not)."""
        series = Series("private endpoint create", "in-process")
        while self.count < size and series.error is None:
            timed = self.count >= size - 10
            mark, started = self.log.mark(), time.perf_counter()
            try:
                endpoint_id = self._create_endpoint(f"pe-scale-{self.count}")
            except Exception as error:  # reported with the figures
                series.error = f"{type(error).__name__}: {error}"
                break
            if timed:
                series.seconds.append(time.perf_counter() - started)
                series.requests.append(len(self.log.since(mark)))
            self._assign_reader(endpoint_id, self.count)
            self.count += 1
        if series.seconds:  # none of these is a cold call: keep every one in the figures
            series.seconds.insert(0, series.seconds[0])
            series.requests.insert(0, series.requests[0])
        return series

    def _create_endpoint(self, name: str) -> str:
        return (
            self.clients.network.private_endpoints.begin_create_or_update(
                RESOURCE_GROUP,
                name,
                {
                    "location": LOCATION,
                    "properties": {
                        "subnet": {"id": self.subnet_id},
                        "privateLinkServiceConnections": [
                            {
                                "name": name,
                                "properties": {"privateLinkServiceId": self.account_id, "groupIds": ["blob"]},
                            }
                        ],
                    },
                },
            )
            .result()
            .id
        )

    def _assign_reader(self, scope: str, index: int) -> None:
        holder = self.sandbox.add_principal(f"holder-{index}", kind="ServicePrincipal")
        self.clients.authorization.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            {
                "properties": {
                    "roleDefinitionId": self.reader,
                    "principalId": holder.object_id,
                    "principalType": "ServicePrincipal",
                }
            },
        )


def bench_scaling(workdir: Path, sizes: tuple[int, ...], gets: int) -> list[ScalingRow]:
    log = RequestLog()
    estate = GrowingEstate(workdir / "scaling.db", log)
    rows = []
    with ServedSandbox(estate.sandbox.path, workdir) as served:
        over_https = https_clients(served.base_url, served.ca_bundle, log)
        over_requests = get_clients(
            Target(state=str(estate.sandbox.path)),
            transport=RequestsTransport(session=wsgi_session(estate.sandbox.app, SANDBOX_HOST), session_owner=False),
            **log.hooks(),
        )
        for size in sizes:
            creates = estate.grow_to(size)
            replayed = get_clients(
                Target(state=str(estate.sandbox.path)),
                transport=WsgiTransport(Replay(estate.sandbox.app), SANDBOX_HOST),
                **log.hooks(),
            )
            paths = {"in-process": estate.clients, BEFORE: over_requests, "https": over_https, SDK_ALONE: replayed}
            by_transport = time_side_by_side(
                {
                    transport: lambda i, c=clients: c.network.private_endpoints.get(RESOURCE_GROUP, "pe-scale-0")
                    for transport, clients in paths.items()
                },
                gets,
                log,
            )
            rows.append(ScalingRow(size, by_transport, creates))
    return rows


class Replay:
    """A WSGI app that asks the sandbox once, then gives the same answer (status, headers, body) at no cost: a GET
    through it costs what the SDK's pipeline and model deserialisation cost, the floor under any transport."""

    def __init__(self, app: Callable):
        self.app = app
        self.answer: tuple[str, list[tuple[str, str]], bytes] | None = None

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        if self.answer is None:
            got: dict[str, Any] = {}
            body = b"".join(self.app(environ, lambda status, headers, exc_info=None: got.update(s=status, h=headers)))
            self.answer = (got["s"], got["h"], body)
        status, headers, body = self.answer
        start_response(status, headers)
        return [body]


def time_side_by_side(calls: dict[str, Callable[[int], Any]], count: int, log: RequestLog) -> dict[str, Series]:
    """A private endpoint GET on each path, the paths taking turns call by call, so a load that comes and goes on
    the machine weighs on each alike."""
    series = {path: Series("private endpoint get", path) for path in calls}
    for i in range(count):
        for path, call in calls.items():
            if series[path].error is not None:
                continue
            one = time_calls("private endpoint get", path, lambda _, c=call, n=i: c(n), 1, log)
            mine = series[path]
            mine.seconds += one.seconds
            mine.cpu += one.cpu
            mine.requests += one.requests
            mine.sample, mine.error = one.sample, one.error
    return series


def report_before_after(rows: list[ScalingRow]) -> None:
    """Issue 17: the in-process GET through requests (before) and through the WSGI transport (after)."""
    cells = []
    for row in rows:
        before, after = row.gets[BEFORE], row.gets["in-process"]
        if before.error is None and after.error is None:
            cells.append(
                f"{row.endpoints}: CPU {before.cpu_median_ms():.2f} -> {after.cpu_median_ms():.2f} ms, "
                f"wall {before.median_ms():.2f} -> {after.median_ms():.2f} ms"
            )
    print(
        "   in-process GET, median per call, before (requests adapter under RequestsTransport) -> after "
        "(WsgiTransport), the two taking turns:"
    )
    for line in cells:
        print(f"      {line}")


def report_scaling(rows: list[ScalingRow]) -> None:
    table = []
    for row in rows:
        cells = [str(row.endpoints)]
        for transport in ("in-process", "https"):
            got = row.gets[transport]
            if got.error is not None:
                cells += ["FAILED", "-", "-"]
                continue
            cells += [
                f"{got.median_ms():.2f}",
                f"{got.p95_ms():.2f}",
                f"{got.median_ms() / GET_TARGET_MS[transport]:.2f}",
            ]
        alone, local = row.gets[SDK_ALONE], row.gets["in-process"]
        share = local.median_ms() - alone.median_ms() if alone.error is None and local.error is None else None
        cells += (
            ["-", "-", "-"]
            if share is None
            else [f"{alone.median_ms():.2f}", f"{share:.2f}", f"{share / GET_TARGET_MS['in-process']:.2f}"]
        )
        made = row.creates
        cells += [
            "FAILED" if made.error else f"{made.median_ms():.1f}",
            row.gets["in-process"].requests_per_call() if row.gets["in-process"].requests else "-",
            made.requests_per_call() if made.requests else "-",
            f"{row.gets['in-process'].cpu_median_ms():.2f}" if row.gets["in-process"].cpu else "-",
        ]
        table.append(cells)
    print_table(
        [
            "endpoints",
            "GET ms",
            "p95",
            "/1 ms",
            "HTTPS GET ms",
            "p95",
            "/6 ms",
            "SDK alone ms",
            "sandbox ms",
            "/1 ms",
            "create ms",
            "GET req",
            "create req",
            "GET CPU ms",
        ],
        table,
    )
    report_before_after(rows)
    for row in rows:
        for series in (*row.gets.values(), row.creates):
            if series.error is not None:
                print(f"   FAILED {series.operation} ({series.transport}) at {row.endpoints}: {series.error}")


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
    print(
        f'1. Import time: median of {runs} fresh `python -c "import M"` processes minus '
        f"the median `python -c pass` ({baseline * 1000:.0f} ms)"
    )
    print_table(["module", "import ms"], [[m, f"{s * 1000:.0f}"] for m, s in net.items()])
    print(
        "\n   where `import runbook_lib.azure` spends its time (python -X importtime, self time summed per "
        "top-level package, one run):"
    )
    print_table(["package", "ms"], [[name, f"{s * 1000:.0f}"] for name, s in heavy])


def report_latency(series: list[Series]) -> None:
    rows = []
    for s in series:
        if s.error is not None:
            rows.append([s.operation, s.transport, f"FAILED at call {len(s.seconds) + 1}", *["-"] * 6])
        else:
            rows.append(
                [
                    s.operation,
                    s.transport,
                    str(len(s.warm)),
                    f"{s.seconds[0] * 1000:.1f}",
                    f"{s.median_ms():.2f}",
                    f"{s.p95_ms():.2f}",
                    f"{s.calls_per_second():.0f}",
                    s.requests_per_call(),
                    f"{s.cpu_median_ms():.2f}",
                ]
            )
    print_table(["operation", "transport", "n", "1st ms", "median ms", "p95 ms", "calls/s", "req/call", "CPU ms"], rows)
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
    parser.add_argument(
        "--repeat",
        type=int,
        default=200,
        metavar="N",
        help="GET calls per series; create series make N/2 resources (default 200)",
    )
    parser.add_argument(
        "--import-runs", type=int, default=5, metavar="K", help="fresh processes per import-time figure (default 5)"
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SCALING_SIZES)),
        metavar="N,N,...",
        help="estate sizes (private endpoints) of the scaling section (default 10,100,500)",
    )
    parser.add_argument("--scaling-only", action="store_true", help="run only section 5 (cost as the estate grows)")
    parser.add_argument(
        "--sdk-default-polling",
        action="store_true",
        help=f"also time one realistic-mode create with the SDK's own polling interval "
        f"(takes about {SDK_DEFAULT_POLLING_INTERVAL} s)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 2 or args.import_runs < 1:
        parser.error("--repeat must be at least 2 and --import-runs at least 1")
    gets, creates = args.repeat, max(2, args.repeat // 2)
    try:
        sizes = tuple(sorted({int(n) for n in args.sizes.split(",")}))
    except ValueError:
        parser.error(f"--sizes: '{args.sizes}' is not a comma-separated list of whole numbers, e.g. 10,100,500")
    if args.scaling_only:
        return print_scaling(sizes, gets)

    baseline, net = measure_import_times(args.import_runs)
    report_imports(baseline, net, heaviest_imports("runbook_lib.azure"), args.import_runs)

    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        workdir = Path(tmp)
        local, default_polling = bench_in_process(workdir, gets, creates, args.sdk_default_polling)
        served, facts = bench_https(workdir, gets, creates)

    print(
        f"\n2-3. Latency per SDK call ({gets} gets, {creates} creates; '1st' is the cold first call, "
        f"left out of the other figures)"
    )
    report_latency(local + served)
    print(
        f"\n   runbook sandbox serve: JSON line {facts.start_seconds * 1000:.0f} ms after spawn; answers "
        f"{', '.join(sorted(facts.http_versions)) or '?'}; bare TCP connect + TLS handshake "
        f"{facts.tls_connect_ms:.1f} ms (median of 50); exited {facts.exit_code} on SIGTERM"
    )

    print("\n4. ARM requests of one call (in-process; the same over HTTPS, see req/call above)")
    report_requests(local)
    print(
        f"   note: Retry-After: 0 makes azure-core wait the client's polling_interval "
        f"({SDK_DEFAULT_POLLING_INTERVAL} s by default) between polls; the realistic rows pass polling_interval=0."
    )
    if default_polling is not None:
        seconds, requests = default_polling
        print(
            f"   with the SDK default polling interval, one realistic create took {seconds:.1f} s "
            f"({requests} requests)."
        )
    else:
        print("   (--sdk-default-polling times one such create with the default interval.)")
    return print_scaling(sizes, gets)


def print_scaling(sizes: tuple[int, ...], gets: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        rows = bench_scaling(Path(tmp), sizes, gets)
    print(
        f"\n5. A private endpoint GET and create as the estate grows ({gets} GETs per size; each endpoint has a role "
        "assignment on it; '/1 ms' and '/6 ms': median over the target, at most 1.00 meets it; 'SDK alone': the "
        "same GET answered by a replay of the sandbox's answer, what the Azure SDK's pipeline and models cost with "
        "no server at all; 'sandbox ms': the in-process GET less that, what the sandbox itself costs)"
    )
    report_scaling(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
