"""The whole test run is offline: outgoing connections fail at once, loopback works."""

import socket
import subprocess
import sys
import urllib.request

import pytest


def test_outgoing_connection_fails():
    with pytest.raises(OSError, match="run offline"):
        socket.create_connection(("198.51.100.7", 443), timeout=2)


def test_name_lookup_fails():
    with pytest.raises(OSError, match="run offline"):
        urllib.request.urlopen("https://pypi.org/simple/", timeout=2)


def test_loopback_still_works():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        client = socket.create_connection(server.getsockname(), timeout=2)
        conn, _ = server.accept()
        client.sendall(b"ping")
        assert conn.recv(4) == b"ping"
        conn.close()
        client.close()
    finally:
        server.close()


def test_subprocesses_and_kernels_are_blocked_too():
    code = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('198.51.100.7', 80), timeout=2)\n"
        "except OSError as e:\n"
        "    print('blocked' if 'run offline' in str(e) else 'other: %s' % e)\n"
        "else:\n"
        "    print('connected')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "blocked", result.stdout + result.stderr
