"""Shared harness for the Python suites: a live ImagePortal server on a free port.

Each suite gets its own server with a fresh data directory. Tenants, staff and tokens are created
through the real `image-portal` CLI against that directory while the server runs, exactly as an
operator would.
"""
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

REPO = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """One running server and the CLI over its data directory."""

    def __init__(self, binary, name, extra_args=(), root=None):
        self.binary = str(binary)
        # `root` reuses another server's directory (and so its data dir), e.g. to start it again.
        self.root = pathlib.Path(root) if root else pathlib.Path(tempfile.mkdtemp(prefix=f"portal-{name}-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.image_url = self.url + "/image"
        self.extra_args = list(extra_args)
        self.process = None
        self.stdout = ""
        self.log_path = self.root / "server.log"
        self._next_ddi = 100000 + (os.getpid() % 1000) * 100

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--port", str(self.port), "--data-dir", str(self.data),
             "--resources-dir", str(REPO), *self.extra_args],
            stdout=subprocess.PIPE, stderr=log, text=True, cwd=self.root)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log_path}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not become healthy")
        # The banner is printed once the server listens; read what is there without blocking.
        os.set_blocking(self.process.stdout.fileno(), False)
        time.sleep(0.2)
        self.stdout = self.process.stdout.read() or ""
        return self

    def stop(self):
        """SIGTERM, then the exit status (0 when it drained cleanly)."""
        if self.process is None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code

    def cli(self, *args, check=True):
        result = subprocess.run([self.binary, *args, "--data-dir", str(self.data)], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"image-portal {' '.join(args)} failed: {result.stderr}")
        return result

    def new_ddi(self):
        self._next_ddi += 1
        return str(self._next_ddi)

    def tenant(self, name="", ddi=None):
        ddi = ddi or self.new_ddi()
        self.cli("tenants", "add", ddi, "--name", name or f"Tenant {ddi}")
        return ddi

    def token(self, ddi, role="member", label="test"):
        return self.cli("tokens", "issue", ddi, "--role", role, "--label", label).stdout.strip().splitlines()[-1]

    def staff(self, name, role):
        self.cli("staff", "add", name, "--role", role)
        return self.cli("tokens", "issue", "--staff", name).stdout.strip().splitlines()[-1]

    def token_id(self, token):
        return token.split(".", 1)[0]


@pytest.fixture(scope="session")
def portal_binary():
    # Absolute: servers start with their own working directory.
    binary = str(pathlib.Path(os.environ.get("PORTAL_BIN", str(REPO / ".build/debug/image-portal"))).resolve())
    if not pathlib.Path(binary).exists():
        pytest.exit(f"no server binary at {binary}; run `swift build` first", returncode=2)
    return binary


@pytest.fixture(scope="session")
def portal(portal_binary):
    server = Portal(portal_binary, "session").start()
    yield server
    assert server.stop() == 0, f"server did not exit cleanly on SIGTERM; see {server.log_path}"


@pytest.fixture
def make_portal(portal_binary):
    """A fresh server of one's own (settings, lifecycle tests)."""
    servers = []

    def factory(*extra_args, name="own", reuse=None):
        """`reuse=other_portal` starts over the same data directory as `other_portal` (stop it first)."""
        server = Portal(portal_binary, name, extra_args, root=reuse.root if reuse else None)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()
