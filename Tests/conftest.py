"""Shared harness for the Python suites: a live ImagePortal server on a free port.

Each suite gets its own server with a fresh data directory. Tenants, staff and tokens are created
through the real `image-portal` CLI against that directory while the server runs, exactly as an
operator would.

With `PORTAL_TEST_BACKEND=postgres+swift` (under scripts/engines/with-engines.sh, which starts a
real PostgreSQL and Swift and exports `PORTAL_TEST_POSTGRES_URL` and `PORTAL_TEST_SWIFT_*`), every
server runs on the cluster stores instead: a PostgreSQL schema and a Swift namespace of its own
(`cluster_env`), with the CLI pointed at the same ones. The session server then starts from a
single-node installation moved onto the cluster with `image-portal migrate-data`.
"""
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

REPO = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLUSTER = os.environ.get("PORTAL_TEST_BACKEND") == "postgres+swift"
# Small segments, so that the suites' images and objects of a few MiB are Static Large Objects.
SEGMENT_SIZE = 1 << 20


def new_namespace():
    return "p" + uuid.uuid4().hex[:12]


def cluster_env(namespace):
    """The environment that points `image-portal` at the test cluster, in `namespace` (a schema and
    Swift prefixes of its own, so that servers of different suites share nothing)."""
    base = os.environ["PORTAL_TEST_POSTGRES_URL"]
    return {
        "PORTAL_DATABASE_URL": base + ("&" if "?" in base else "?") + "schema=" + namespace,
        "PORTAL_OBJECT_STORE": "swift",
        "PORTAL_SWIFT_AUTH_URL": os.environ["PORTAL_TEST_SWIFT_AUTH_URL"],
        "PORTAL_SWIFT_USER": os.environ["PORTAL_TEST_SWIFT_USER"],
        "PORTAL_SWIFT_KEY": os.environ["PORTAL_TEST_SWIFT_KEY"],
        "PORTAL_SWIFT_RESELLER_PREFIX": os.environ.get("PORTAL_TEST_SWIFT_RESELLER_PREFIX", "AUTH_") + namespace + "_",
        "PORTAL_SWIFT_CONTAINER_PREFIX": namespace,
        "PORTAL_SWIFT_SEGMENT_SIZE": str(SEGMENT_SIZE),
    }


class Portal:
    """One running server and the CLI over its stores (its data directory, or its cluster namespace)."""

    def __init__(self, binary, name, extra_args=(), root=None, namespace=None, cluster=CLUSTER):
        self.binary = str(binary)
        # On the cluster, a server of its own gets a namespace of its own; `namespace` shares one
        # (another instance of the same installation, or a restart).
        self.namespace = (namespace or new_namespace()) if cluster else None
        self.env = dict(os.environ, **cluster_env(self.namespace)) if cluster else dict(os.environ)
        for leaked in () if cluster else ("PORTAL_DATABASE_URL", "PORTAL_OBJECT_STORE"):
            self.env.pop(leaked, None)
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
            stdout=subprocess.PIPE, stderr=log, text=True, cwd=self.root, env=self.env)
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
        result = subprocess.run([self.binary, *args, "--data-dir", str(self.data)], capture_output=True, text=True, env=self.env)
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


def migrated_portal(binary):
    """The session server on the cluster: a single node populated as people use one, moved with
    `image-portal migrate-data`, started on the cluster, and checked to hold all of it."""
    import seeding

    single = Portal(binary, "single-node", cluster=False).start()
    seed = seeding.populate(single)
    assert single.stop() == 0
    server = Portal(binary, "session")
    server._next_ddi = single._next_ddi
    migrate = [binary, "migrate-data", "--from", f"sqlite:{single.data}", "--to", server.env["PORTAL_DATABASE_URL"]]
    result = subprocess.run(migrate, capture_output=True, text=True, env=server.env)
    assert result.returncode == 0, result.stderr
    server.start()
    seeding.verify(server, seed)
    return server


@pytest.fixture(scope="session")
def portal(portal_binary):
    server = migrated_portal(portal_binary) if CLUSTER else Portal(portal_binary, "session").start()
    yield server
    assert server.stop() == 0, f"server did not exit cleanly on SIGTERM; see {server.log_path}"


@pytest.fixture
def make_portal(portal_binary):
    """A fresh server of one's own (settings, lifecycle tests)."""
    servers = []

    def factory(*extra_args, name="own", reuse=None):
        """`reuse=other_portal` starts over the same stores as `other_portal` (stop it first)."""
        server = Portal(portal_binary, name, extra_args, root=reuse.root if reuse else None, namespace=reuse.namespace if reuse else None)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()
