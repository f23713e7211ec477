"""Faults for tests of outages (issue 16): a TCP proxy the test controls, and a port that nobody
listens on."""

import socket
import threading


def unused_port() -> int:
    """A loopback port nobody listens on (bound and released: connecting is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TcpProxy:
    """A proxy on loopback in front of `target`, in threads of its own.

    `kill()` drops every connection and refuses new ones (a server that is down), `pause()`
    keeps every connection open but forwards nothing (a server that hangs), `restore()` accepts
    and forwards again on the same port.
    """

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = unused_port()
        self._forwarding = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        self._forwarding.set()
        if self._listener is None:
            self._listener = socket.create_server(("127.0.0.1", self.port))
            threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def pause(self) -> None:
        self._forwarding.clear()

    def kill(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)  # a shutdown wakes the thread blocked in accept(); a close would not
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)
        self._forwarding.set()  # let the pumps of closed sockets finish

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return  # the listener was closed (killed)
            with self._lock:
                self._sockets.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._forwarding.wait()  # paused: what arrived waits here, unanswered
                sink.sendall(data)
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
