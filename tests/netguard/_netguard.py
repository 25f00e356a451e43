"""Block network access for the test run, except loopback and Unix sockets.

Installed in the pytest process by the root ``conftest.py`` and, through the
``sitecustomize.py`` beside this file (put on ``PYTHONPATH`` by that conftest), in
every Python subprocess of the run, notebook kernels included.  A blocked call
raises :class:`NetworkBlockedError` at once instead of waiting for a time-out.
"""

from __future__ import annotations

import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


class NetworkBlockedError(OSError):
    """Raised for any attempt to reach a host other than this machine during the tests."""


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _check(address, what: str) -> None:
    if isinstance(address, tuple) and address and not _is_local(address[0]):
        raise NetworkBlockedError(
            f"The course's tests run offline: {what} to {address[0]!r} was blocked. "
            "Nothing may download at run time; ship the file or build it from local data."
        )


def install() -> None:
    if getattr(socket, "_fercourse_netguard", False):
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check(address, "a connection")
        return original_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check(address, "a connection")
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and args:
            _check(args[-1], "a datagram")
        return original_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_local(host):
            raise NetworkBlockedError(
                f"The course's tests run offline: looking up the host {host!r} was blocked."
            )
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo
    socket._fercourse_netguard = True
