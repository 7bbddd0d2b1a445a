"""The app's HTTP transport (app/fhir/transport.py) against real servers on loopback.

SEKMET for ordinary traffic, compared with httpx's own transport; small asyncio servers for what SEKMET
will not do on demand: close idle connections, ask to close, answer slowly, never answer, answer garbage,
and speak TLS with a certificate made here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gzip
import ipaddress
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.fhir.http_client import HTTP_LIMITS, make_http_client, send_direct
from app.fhir.netstream import LoopBackend
from app.fhir.transport import PooledTransport
from app.settings import Settings

pytestmark = pytest.mark.integration
FhirServer = Any  # the session fixture's type lives in conftest.py, which tests must not import
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class CountingBackend(httpcore.AsyncNetworkBackend):
    """A socket backend (the app's own, or httpcore's anyio one), counting the connections it opens."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self.backend = backend
        self.connects = 0

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        self.connects += 1
        return await self.backend.connect_tcp(*args, **kwargs)

    async def sleep(self, seconds: float) -> None:
        await self.backend.sleep(seconds)


BACKENDS = {"loop": LoopBackend, "anyio": httpcore.AnyIOBackend}
backend_in_use: list[Callable[[], httpcore.AsyncNetworkBackend]] = [LoopBackend]


@pytest.fixture(autouse=True, params=sorted(BACKENDS))
def each_backend(request: pytest.FixtureRequest) -> None:
    """Every test with the app's backend (``app.fhir.netstream``, the default) and with httpcore's."""
    backend_in_use[0] = BACKENDS[request.param]


def client_for(limits: httpx.Limits = HTTP_LIMITS, ssl_context: ssl.SSLContext | None = None,
               **options: Any) -> tuple[httpx.AsyncClient, PooledTransport, CountingBackend]:
    backend = CountingBackend(backend_in_use[0]())
    transport = PooledTransport(limits, ssl_context, network_backend=backend)
    return httpx.AsyncClient(transport=transport, **options), transport, backend


Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


class RawServer:
    """An HTTP/1.1 server on 127.0.0.1 whose every request is handled by ``answer``; it counts the
    connections opened and closed by the client and the requests being handled at once."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = self.closed_by_client = self.finished = self.in_flight = self.most_in_flight = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.request_lines: list[bytes] = []
        self.heads: list[bytes] = []

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ssl_context)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while await self._one_exchange(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed_by_client += 1
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self.finished += 1

    async def _one_exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        self.request_lines.append(head.split(b"\r\n", 1)[0])
        self.heads.append(head)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self.answer(reader, writer)
        finally:
            self.in_flight -= 1

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()


async def answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(OK)
    await writer.drain()
    return True


async def answer_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    await answer_ok(reader, writer)
    return False  # closes the socket without saying so in the answer


async def until_the_client_hangs_up(reader: asyncio.StreamReader) -> bool:
    """Never answer; raise as a closed connection once the client closes its end."""
    await reader.readexactly(1)  # the client sends nothing more, so this ends only at its close
    return False


async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    return await until_the_client_hangs_up(reader)


async def answer_part_then_wait(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """The head and 1 kB of a 100 kB body, then nothing until the client hangs up."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
    await writer.drain()
    return await until_the_client_hangs_up(reader)


def after(seconds: float, then: Answer = answer_ok) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(seconds)
        return await then(reader, writer)
    return answer


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[tuple[str, RawServer]]]]:
    servers: list[RawServer] = []

    async def start(answer: Answer, ssl_context: ssl.SSLContext | None = None) -> tuple[str, RawServer]:
        server = RawServer(answer)
        servers.append(server)
        return await server.start(ssl_context), server
    yield start
    for server in servers:
        await server.stop()


async def settle() -> None:
    """Let a request the client just started reach the server."""
    for _ in range(20):
        await asyncio.sleep(0.005)


async def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait until the servers' tasks have seen what the client did to its sockets (later on a busy
    machine), failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not seen within {seconds:g} s"
        await asyncio.sleep(0.005)


# --- ordinary traffic, against SEKMET ---------------------------------------------------------------


def same_each_time(response: httpx.Response) -> dict[str, Any]:
    """The answer without what SEKMET makes anew for each search or error (an id, and lastUpdated)."""
    body: dict[str, Any] = response.json()
    if body.get("resourceType") in ("Bundle", "OperationOutcome"):
        body.pop("id", None)
        body.pop("meta", None)
    return body


async def test_answers_are_those_of_httpx_own_transport(fhir_server: FhirServer) -> None:
    patient = fhir_server.patients[0].id
    urls = [f"{fhir_server.base}/{query}" for query in (
        f"Patient/{patient}", f"Condition?patient={patient}", f"Observation?patient={patient}",
        f"MedicationRequest?patient={patient}", "Patient/no-such-patient")]
    headers = {"Accept": "application/fhir+json"}
    ours, _, _ = client_for()
    async with ours, httpx.AsyncClient() as reference:
        for url in urls:
            mine, theirs = await ours.get(url, headers=headers), await reference.get(url, headers=headers)
            assert mine.status_code == theirs.status_code, url
            assert same_each_time(mine) == same_each_time(theirs), url
            assert mine.headers["content-type"] == theirs.headers["content-type"]


async def test_one_connection_carries_requests_one_after_another(fhir_server: FhirServer) -> None:
    client, transport, backend = client_for()
    async with client:
        for _ in range(10):
            assert (await client.get(f"{fhir_server.base}/metadata")).status_code == 200
        assert backend.connects == 1
        assert transport.idle_connections == 1


async def test_requests_at_once_open_a_connection_each_and_reuse_them_next_time(
        fhir_server: FhirServer) -> None:
    client, transport, backend = client_for()
    url = f"{fhir_server.base}/Patient/{fhir_server.patients[0].id}"
    async with client:
        for _ in range(3):
            answers = await asyncio.gather(*(client.get(url) for _ in range(7)))
            assert [a.status_code for a in answers] == [200] * 7
        assert backend.connects == 7
        assert transport.idle_connections == 7
    assert transport.idle_connections == 0  # closing the client closes the transport


# --- keep-alive rules ------------------------------------------------------------------------------


async def test_a_connection_the_server_closed_while_idle_is_not_reused(serve: Any) -> None:
    base, server = await serve(answer_then_hang_up)
    client, _, backend = client_for()
    async with client:
        for done in range(1, 4):
            assert (await client.get(base)).status_code == 200
            await eventually(lambda done=done: server.finished == done)  # its close is on our socket
    assert backend.connects == server.connections == 3


async def test_many_requests_at_once_after_the_server_closed_every_idle_connection(serve: Any) -> None:
    """The first hook call after a quiet spell: every idle connection is stale, seven requests discard
    them at once."""
    base, server = await serve(answer_then_hang_up)
    client, transport, _ = client_for()
    async with client:
        for done in (7, 14, 21):
            answers = await asyncio.gather(*(client.get(base) for _ in range(7)), return_exceptions=True)
            assert [getattr(a, "status_code", a) for a in answers] == [200] * 7
            await eventually(lambda done=done: server.finished == done)
        assert transport.idle_connections == 7


async def test_connection_close_in_an_answer_is_honoured(serve: Any) -> None:
    async def answer_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(OK.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        await writer.drain()
        return True  # the server would carry on: the client must not
    base, server = await serve(answer_close)
    client, transport, backend = client_for()
    async with client:
        assert (await client.get(base)).status_code == 200
        assert (await client.get(base)).status_code == 200
        assert transport.idle_connections == 0
        await eventually(lambda: server.closed_by_client == 2)
    assert backend.connects == 2


async def test_idle_connections_are_closed_after_the_keepalive_expiry(serve: Any) -> None:
    first_base, first = await serve(answer_ok)
    second_base, second = await serve(answer_ok)
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=0.05)
    client, transport, backend = client_for(limits)
    async with client:
        await client.get(first_base)
        await asyncio.sleep(0.1)
        await client.get(second_base)  # the first server's idle connection expired meanwhile: closed
        await eventually(lambda: first.closed_by_client == 1)
        assert transport.idle_connections == 1
        await asyncio.sleep(0.1)
        await client.get(second_base)  # expired too: not reused
        await eventually(lambda: second.closed_by_client == 1)
        assert (backend.connects, second.connections) == (3, 2)


async def test_at_most_max_keepalive_connections_stay_idle(serve: Any) -> None:
    base, server = await serve(after(0.05))
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=2, keepalive_expiry=30)
    client, transport, _ = client_for(limits)
    async with client:
        await asyncio.gather(*(client.get(base) for _ in range(5)))
        await eventually(lambda: server.closed_by_client == 3)
        assert server.connections == 5
        assert transport.idle_connections == 2


async def test_a_body_not_read_to_its_end_closes_its_connection(serve: Any) -> None:
    base, server = await serve(answer_part_then_wait)
    client, transport, _ = client_for()
    async with client:
        async with client.stream("GET", base) as response:
            async for _ in response.aiter_raw():
                break
        assert transport.idle_connections == 0
        await eventually(lambda: server.closed_by_client == 1)


# --- limits and failures ---------------------------------------------------------------------------


async def test_max_connections_bounds_the_requests_in_flight(serve: Any) -> None:
    base, server = await serve(after(0.03))
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2, keepalive_expiry=30)
    client, _, _ = client_for(limits, timeout=5)
    async with client:
        answers = await asyncio.gather(*(client.get(base) for _ in range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert server.most_in_flight == 2
    assert server.connections == 2


async def test_no_free_slot_within_the_pool_timeout_is_a_pool_timeout(serve: Any) -> None:
    base, _ = await serve(never)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
    client, _, _ = client_for(limits)
    async with client:
        stuck = asyncio.create_task(client.get(base, timeout=5))
        await settle()
        with pytest.raises(httpx.PoolTimeout):
            await client.get(base, timeout=httpx.Timeout(5, pool=0.05))
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck


async def test_a_cancelled_request_closes_its_connection_and_frees_its_slot(serve: Any) -> None:
    answers: list[Answer] = [never, answer_ok]

    async def first_never_then_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        return await answers.pop(0)(reader, writer)
    base, server = await serve(first_never_then_ok)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
    client, transport, _ = client_for(limits, timeout=5)
    async with client:
        stuck = asyncio.create_task(client.get(base))
        await settle()
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
        await eventually(lambda: server.closed_by_client == 1)  # never reused in an unknown state
        assert transport.idle_connections == 0
        assert (await client.get(base, timeout=httpx.Timeout(5, pool=0.5))).status_code == 200


@pytest.mark.parametrize("steps_before_cancel", range(8))
async def test_closing_the_client_leaves_no_socket_open_whenever_a_request_was_cancelled(
        serve: Any, steps_before_cancel: int) -> None:
    """Two idle connections, the server having hung up the second; a request cancelled after 0..7 event
    loop steps (its timeout or the hook's budget can strike at any await); then every socket the client
    opened must be closed once it is closed."""
    numbers: dict[int, int] = {}  # connection (its writer) -> the order it was first answered in

    async def hang_up_the_second_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                                            ) -> bool:
        await asyncio.sleep(0.02)  # both first requests in flight at once: two connections
        await answer_ok(reader, writer)
        return numbers.setdefault(id(writer), len(numbers)) != 1
    base, server = await serve(hang_up_the_second_connection)
    client, _, _ = client_for(timeout=5)
    async with client:
        await asyncio.gather(client.get(base), client.get(base))
        await eventually(lambda: server.finished == 1)
        request = asyncio.create_task(client.get(base))
        for _ in range(steps_before_cancel):
            await asyncio.sleep(0)
        request.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await request
    await eventually(lambda: server.finished == server.connections)


async def test_errors_are_httpx_errors_and_free_their_slot(serve: Any) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()
        return False
    silent_base, _ = await serve(never)
    garbage_base, _ = await serve(garbage)
    ok_base, _ = await serve(answer_ok)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
    client, transport, _ = client_for(limits, timeout=httpx.Timeout(0.2, pool=0.5))
    async with client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://127.0.0.1:1/")  # nothing listens on port 1
        with pytest.raises(httpx.ReadTimeout):
            await client.get(silent_base)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(garbage_base)
        assert transport.idle_connections == 0
        assert (await client.get(ok_base)).status_code == 200  # the one slot is free again


# --- flow control (what a large FHIR answer or batch does to memory) -----------------------------------

BIG = 16 * 1024 * 1024  # past the kernel's socket buffers on loopback, so only flow control can hold it


def answer_big(sent: dict[str, bool]) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % BIG)
        for _ in range(BIG // 65536):
            writer.write(b"x" * 65536)
            await writer.drain()
        sent["all"] = True
        return True
    return answer


async def test_an_answer_not_yet_read_holds_the_server_back_and_arrives_whole(serve: Any) -> None:
    sent = {"all": False}
    base, _ = await serve(answer_big(sent))
    client, _, _ = client_for()
    async with client, client.stream("GET", base) as response:
        await asyncio.sleep(0.3)  # the client reads nothing: the server must be waiting on it
        assert not sent["all"]
        assert len(await response.aread()) == BIG
    assert sent["all"]


async def test_a_large_request_body_is_sent_whole_to_a_slow_reader(serve: Any) -> None:
    received: list[int] = []

    async def slow_reader(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        total = 0
        while total < BIG:
            await asyncio.sleep(0.001)
            total += len(await reader.read(1024 * 1024))
        received.append(total)
        return await answer_ok(reader, writer)
    base, _ = await serve(slow_reader)
    client, _, _ = client_for(timeout=10.0)
    async with client:
        response = await client.post(base, content=b"y" * BIG)
    assert (response.status_code, received) == (200, [BIG])


async def test_a_write_the_server_never_reads_is_a_write_timeout(serve: Any) -> None:
    async def reads_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False
    base, _ = await serve(reads_nothing)
    client, transport, _ = client_for(timeout=httpx.Timeout(5.0, write=0.2))
    async with client:
        with pytest.raises(httpx.WriteTimeout):
            await client.post(base, content=b"y" * BIG)
        assert transport.idle_connections == 0


# --- TLS ---------------------------------------------------------------------------------------------


def certificate_for_loopback(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "spine-cds test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


async def test_https_works_and_its_connections_are_reused(serve: Any, tmp_path: Path) -> None:
    cert, key = certificate_for_loopback(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    base, server = await serve(answer_ok, server_context)
    client, _, backend = client_for(ssl_context=ssl.create_default_context(cafile=str(cert)))
    async with client:
        for _ in range(3):
            response = await client.get(base)
            assert (response.status_code, response.json()) == (200, {})
    assert backend.connects == server.connections == 1


async def test_https_with_an_untrusted_certificate_is_refused(serve: Any, tmp_path: Path) -> None:
    cert, key = certificate_for_loopback(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    base, _ = await serve(answer_ok, server_context)
    client, transport, _ = client_for()  # the default trust store does not hold the test certificate
    async with client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(base)
        assert transport.idle_connections == 0


# --- on uvloop, the loop uvicorn runs the service on ----------------------------------------------------


def test_on_uvloop_plain_and_tls_connections_are_reused_and_large_answers_whole(tmp_path: Path) -> None:
    cert, key = certificate_for_loopback(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    async def scenario() -> None:
        sent = {"all": False}
        servers = [RawServer(answer_ok), RawServer(answer_ok), RawServer(answer_big(sent))]
        plain, tls, big = [await servers[0].start(), await servers[1].start(server_context),
                           await servers[2].start()]
        client, _, backend = client_for(ssl_context=ssl.create_default_context(cafile=str(cert)))
        async with client:
            for base in (plain, tls, plain, tls):
                assert (await client.get(base)).json() == {}
            assert len((await client.get(big)).content) == BIG
        assert (backend.connects, [server.connections for server in servers]) == (3, [1, 1, 1])
        for server in servers:
            await server.stop()
    uvloop.run(scenario())


# --- proxies ------------------------------------------------------------------------------------------

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def clear_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.parametrize("variables", [
    {},
    {"HTTP_PROXY": "http://proxy.local:3128"},
    {"HTTPS_PROXY": "proxy.local:3128", "NO_PROXY": "localhost,127.0.0.1,::1,.hospital.org,ehr.example.org"},
    {"ALL_PROXY": "socks5://proxy.local:1080", "NO_PROXY": "10.0.0.0/8, fhir://odd"},
    {"HTTPS_PROXY": "http://proxy.local:3128", "NO_PROXY": "ehr.example.org,*"},
])
def test_proxy_variables_are_read_as_httpx_reads_them(
        variables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``transport=`` turns httpx's own reading off, so the client reads them again: compared with
    httpx's (private) reader as the oracle."""
    from httpx._utils import get_environment_proxies

    from app.fhir.proxies import environment_proxies

    clear_proxy_variables(monkeypatch)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert environment_proxies() == get_environment_proxies()


def spy_on_our_pool(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs that go through our pool (``PooledTransport``), in order."""
    pooled: list[str] = []
    original = PooledTransport.handle_async_request

    async def spying(transport: PooledTransport, request: httpx.Request) -> httpx.Response:
        pooled.append(str(request.url))
        return await original(transport, request)

    monkeypatch.setattr(PooledTransport, "handle_async_request", spying)
    return pooled


async def get_through(http: httpx.AsyncClient, url: str, way: str) -> int:
    """A GET as the app sends it: through the client, or as the FHIR session does (``send_direct``)."""
    if way == "client":
        return (await http.get(url)).status_code
    response = await send_direct(http, "GET", url, {"Accept": "application/fhir+json"}, None, 2.0)
    await response.aclose()
    return response.status_code


@pytest.mark.parametrize("way", ["client", "send_direct"])
async def test_proxied_hosts_go_through_the_proxy_and_no_proxy_hosts_through_the_pool(
        serve: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch, way: str) -> None:
    proxy_base, proxy = await serve(answer_ok)
    direct_base, direct = await serve(answer_ok)
    clear_proxy_variables(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy_base)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    pooled = spy_on_our_pool(monkeypatch)
    async with make_http_client(settings) as http:
        assert await get_through(http, "http://fhir.example.org/fhir/Patient/p1", way) == 200
        assert await get_through(http, f"{direct_base}/fhir/Patient/p1", way) == 200
    assert proxy.request_lines == [b"GET http://fhir.example.org/fhir/Patient/p1 HTTP/1.1"]
    assert direct.request_lines == [b"GET /fhir/Patient/p1 HTTP/1.1"]
    assert pooled == [f"{direct_base}/fhir/Patient/p1"]


async def test_without_proxy_variables_every_request_uses_the_pool(
        serve: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    base, server = await serve(answer_ok)
    clear_proxy_variables(monkeypatch)
    async with make_http_client(settings) as http:
        for _ in range(3):
            assert (await http.get(base)).status_code == 200
    assert server.connections == 1  # kept alive by the pool


# --- the FHIR session's direct path (send_direct) -------------------------------------------------------


def header_lines(head: bytes) -> dict[bytes, bytes]:
    fields = (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
    return {name.lower(): value.strip() for name, _, value in fields}


async def test_send_direct_sends_the_client_headers_under_its_own_and_keeps_no_cookie(
        serve: Any, settings: Settings) -> None:
    async def sets_a_cookie(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nSet-Cookie: session=patient-a; Path=/\r\n"
                     b"Content-Length: 2\r\n\r\n{}")
        await writer.drain()
        return True
    base, server = await serve(sets_a_cookie)
    sent: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        sent.append(request.method)
    async with make_http_client(settings) as http:
        http.event_hooks["request"] = [on_request]
        for _ in range(2):
            response = await send_direct(http, "POST", base, {"Accept": "application/fhir+json",
                                                              "Authorization": "Bearer t"}, b"{}", 2.0)
            assert (response.status_code, await response.aread()) == (200, b"{}")
    first, second = (header_lines(head) for head in server.heads)
    assert first == second and b"cookie" not in second
    assert first[b"accept"] == b"application/fhir+json" and first[b"authorization"] == b"Bearer t"
    assert first[b"user-agent"].startswith(b"python-httpx/") and b"gzip" in first[b"accept-encoding"]
    assert (first[b"content-length"], sent, server.connections) == (b"2", ["POST", "POST"], 1)


async def test_send_direct_decodes_a_compressed_answer_and_keeps_the_read_timeout(
        serve: Any, settings: Settings) -> None:
    body = gzip.compress(b'{"resourceType": "Bundle"}')

    async def compressed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
                     + body)
        await writer.drain()
        return True
    base, _ = await serve(compressed)
    silent_base, _ = await serve(never)
    async with make_http_client(settings) as http:
        response = await send_direct(http, "GET", base, {}, None, 2.0)
        assert await response.aread() == b'{"resourceType": "Bundle"}'
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await send_direct(http, "GET", silent_base, {}, None, 0.2)
        assert time.monotonic() - started < 2.0


# --- the transport's own edges -------------------------------------------------------------------------


async def test_an_unsupported_scheme_is_an_httpx_error() -> None:
    client, _, backend = client_for()
    async with client:
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("ftp://127.0.0.1/file")
    assert backend.connects == 0


async def test_closing_the_transport_closes_connections_behind_open_responses(serve: Any) -> None:
    base, server = await serve(answer_part_then_wait)
    client, transport, _ = client_for()
    response = await client.send(client.build_request("GET", base), stream=True)
    await transport.aclose()
    await eventually(lambda: server.closed_by_client == 1)
    await response.aclose()  # a late close hands back a closed connection: nothing is kept
    assert transport.idle_connections == 0
    await client.aclose()


async def test_fhir_pool_httpx_falls_back_to_httpx_own_transport(
        serve: Any, settings_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPINE_CDS_FHIR_POOL=httpx: the same answers through httpx's own pool, and ours is never used."""
    base, server = await serve(answer_ok)
    clear_proxy_variables(monkeypatch)
    pooled = spy_on_our_pool(monkeypatch)
    async with make_http_client(settings_factory(fhir_pool="httpx")) as http:
        for _ in range(3):
            assert (await http.get(base)).status_code == 200
    assert pooled == []
    assert server.connections == 1  # httpx's pool keeps the connection alive too
    async with make_http_client(settings_factory()) as http:
        assert (await http.get(base)).status_code == 200
    assert pooled == [base]
