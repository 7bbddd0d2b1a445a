"""``make demo`` right after Ctrl-C: a port whose last connections sit in TIME_WAIT is free for servers
that bind with SO_REUSEADDR (uvicorn, SEKMET), so the launcher's own check must not call it "in use"."""

from __future__ import annotations

import socket

import pytest

from demo.stack import HOST, StackError, free_port, require_free


def _leave_time_wait(port: int) -> None:
    """A server on ``port`` accepts one connection and closes first: its side enters TIME_WAIT."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((HOST, port))
        server.listen()
        with socket.create_connection((HOST, port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server closes first
            client.recv(1)


def test_a_port_in_time_wait_counts_as_free() -> None:
    port = free_port()
    _leave_time_wait(port)
    with socket.socket() as plain:  # what the check did before: refused for up to a minute
        try:
            plain.bind((HOST, port))
            plain_bind_failed = False
        except OSError:
            plain_bind_failed = True
    assert plain_bind_failed, "the test did not produce TIME_WAIT on this system"
    require_free(port, "service")  # does not raise


def test_a_port_with_a_listener_is_still_refused() -> None:
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        with pytest.raises(StackError, match="in use"):
            require_free(busy.getsockname()[1], "service")
