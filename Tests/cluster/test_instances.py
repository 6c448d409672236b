"""Several `image-portal serve` instances on one PostgreSQL and one Swift, behind nginx.

PRODUCT.md "Scale-out": a session cookie from one instance is valid on every other; data uploaded
through one is downloaded through another; shares answered anywhere; list pages have no gaps
whichever instance serves them; an instance killed with SIGKILL mid-upload leaves no object and no
segment, and its image returns to `queued`; a task it was running is finished by another within
60 s; rate limits hold across instances.

Runs under scripts/engines/with-engines.sh (a real PostgreSQL 15 and a one-machine Swift 2.38 on
loopback). nginx (Debian's) balances round-robin, request by request, streaming both ways; it names
the instance that answered in `X-Upstream`, so the tests see both instances answer.
"""
import glob
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import glanceclient
import pytest
import requests
import swiftclient

from conftest import SEGMENT_SIZE, Portal, free_port, new_namespace

pytestmark = pytest.mark.skipif("PORTAL_TEST_POSTGRES_URL" not in os.environ, reason="needs scripts/engines/with-engines.sh")

MB = 1 << 20


class Cluster:
    """`count` instances of one installation (one schema, one Swift namespace), started at once."""

    def __init__(self, binary, count=2):
        self.namespace = new_namespace()
        self.instances = [Portal(binary, f"node{i}", namespace=self.namespace, cluster=True) for i in range(count)]
        self.nginx = None

    def start(self):
        # All at once: they race to migrate the empty schema (an advisory lock lets one do it) and
        # to create the first staff admin (one does).
        errors = []

        def start(instance):
            try:
                instance.start()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=start, args=(i,)) for i in self.instances]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        return self

    def balance(self):
        """nginx in front of every instance, round-robin, streaming request and response bodies."""
        self.nginx = Nginx([i.port for i in self.instances]).start()
        return self.nginx

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        for instance in self.instances:
            if instance.process:
                instance.stop()

    @property
    def first(self):
        return self.instances[0]

    def service(self):
        """python-swiftclient as the service's reseller admin: its own account holds the image data."""
        env = self.first.env
        return swiftclient.Connection(authurl=env["PORTAL_SWIFT_AUTH_URL"], user=env["PORTAL_SWIFT_USER"], key=env["PORTAL_SWIFT_KEY"], retries=0)

    def sql(self, query):
        """One value from the cluster's schema, through psql."""
        psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
        result = subprocess.run([psql, self.first.env["PORTAL_DATABASE_URL"].split("&schema=")[0], "-At", "-c",
                                 f"SET search_path = {self.namespace}; {query}"], capture_output=True, text=True, check=True)
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


class Nginx:
    def __init__(self, ports):
        self.root = tempfile.mkdtemp(prefix="portal-nginx-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.image_url = self.url + "/image"
        upstreams = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in ports)
        user = "user root;" if os.geteuid() == 0 else ""
        with open(os.path.join(self.root, "nginx.conf"), "w") as conf:
            conf.write(f"""
{user}
worker_processes 1;
daemon off;
pid {self.root}/nginx.pid;
error_log {self.root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {self.root}/access.log;
    client_body_temp_path {self.root}/body;
    proxy_temp_path {self.root}/proxy;
    fastcgi_temp_path {self.root}/fastcgi;
    uwsgi_temp_path {self.root}/uwsgi;
    scgi_temp_path {self.root}/scgi;
    upstream portal {{
{upstreams}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        client_max_body_size 0;
        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 300s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
""")
        self.process = None

    def start(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen([nginx, "-p", self.root, "-c", os.path.join(self.root, "nginx.conf")],
                                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.root, "stderr.log"), "w"))
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start; see {self.root}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(portal_binary):
    c = Cluster(portal_binary).start()
    c.balance()
    yield c
    c.stop()


@pytest.fixture
def own_cluster(portal_binary):
    clusters = []

    def factory(count=2):
        c = Cluster(portal_binary, count).start()
        clusters.append(c)
        return c

    yield factory
    for c in clusters:
        c.stop()


def tenant(portal):
    ddi = portal.tenant()
    return ddi, portal.token(ddi)


def session(token):
    s = requests.Session()
    s.headers["X-Auth-Token"] = token
    return s


def sign_in(url, ddi, token):
    browser = requests.Session()
    form = browser.get(url + "/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', form.text).group(1)
    return browser, browser.post(url + "/login", data={"_csrf": csrf, "next": "/", "kind": "tenant", "ddi": ddi, "token": token})


def create_image(http, url, name="img"):
    r = http.post(url + "/image/v2/images", json={"name": name, "disk_format": "raw", "container_format": "bare"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def status(http, url, image_id):
    return http.get(f"{url}/image/v2/images/{image_id}").json()["status"]


def segments_of(cluster, container, prefix):
    _, objects = cluster.service().get_container(container, prefix=prefix, full_listing=True)
    return [o["name"] for o in objects]


# --- one installation, two instances, one load balancer -------------------------------------------


def test_instances_starting_at_once_make_one_staff_admin(cluster):
    banners = [i.stdout for i in cluster.instances]
    assert sum("First start" in b for b in banners) == 1, banners
    token = next(re.search(r"^\s+(tok_\S+)$", b, re.M).group(1) for b in banners if "First start" in b)
    for url in [i.url for i in cluster.instances] + [cluster.nginx.url]:
        r = session(token).get(url + "/audit/v1/events", params={"limit": 1})
        assert r.status_code == 200, (url, r.status_code, r.text)


def test_a_session_cookie_from_one_instance_works_on_the_other(cluster):
    a, b = cluster.instances
    ddi, token = tenant(a)
    browser, signed_in = sign_in(a.url, ddi, token)
    assert signed_in.status_code == 200 and ddi in signed_in.text
    page = browser.get(b.url + "/", allow_redirects=False)
    assert page.status_code == 200 and ddi in page.text, page.text[:300]
    # And through the balancer, whichever instance answers
    upstreams = set()
    for _ in range(4):
        page = browser.get(cluster.nginx.url + "/", allow_redirects=False)
        assert page.status_code == 200 and ddi in page.text
        upstreams.add(page.headers["X-Upstream"])
    assert len(upstreams) == 2, upstreams


def test_upload_through_one_instance_download_through_the_other(cluster):
    a, b = cluster.instances
    _, token = tenant(a)
    data = os.urandom(5 * SEGMENT_SIZE + 1234)  # a Static Large Object of six segments
    glance_a = glanceclient.Client("2", endpoint=a.image_url, token=token)
    glance_b = glanceclient.Client("2", endpoint=b.image_url, token=token)
    image = glance_a.images.create(name="across", disk_format="raw", container_format="bare")
    glance_a.images.upload(image.id, io.BytesIO(data))
    # glanceclient checks os_hash_value (SHA-512) as it downloads
    assert b"".join(glance_b.images.data(image.id)) == data
    assert glance_b.images.get(image.id).checksum == hashlib.md5(data).hexdigest()
    ranged = session(token).get(f"{b.url}/image/v2/images/{image.id}/file", headers={"Range": f"bytes={SEGMENT_SIZE - 5}-{SEGMENT_SIZE + 4}"})
    assert ranged.status_code == 206 and ranged.content == data[SEGMENT_SIZE - 5:SEGMENT_SIZE + 5]
    # Through the balancer: upload and download each land on some instance, and still agree
    glance_lb = glanceclient.Client("2", endpoint=cluster.nginx.image_url, token=token)
    other = glance_lb.images.create(name="balanced", disk_format="raw", container_format="bare")
    glance_lb.images.upload(other.id, io.BytesIO(data))
    for _ in range(2):
        assert b"".join(glance_lb.images.data(other.id)) == data


def test_share_on_one_instance_accept_on_the_other(cluster):
    a, b = cluster.instances
    _, owner = tenant(a)
    consumer_ddi, consumer = tenant(a)  # the CLI of any instance reaches the same installation
    image = create_image(session(owner), a.url)
    session(owner).put(f"{a.url}/image/v2/images/{image}/file", data=b"shared bytes", headers={"Content-Type": "application/octet-stream"})
    r = session(owner).post(f"{a.url}/image/v2/images/{image}/members", json={"member": consumer_ddi})
    assert r.status_code == 200, r.text
    r = session(consumer).put(f"{b.url}/image/v2/images/{image}/members/{consumer_ddi}", json={"status": "accepted"})
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    listed = session(consumer).get(f"{a.url}/image/v2/images").json()["images"]
    assert image in [i["id"] for i in listed]
    assert session(consumer).get(f"{a.url}/image/v2/images/{image}/file").content == b"shared bytes"


def test_list_pages_served_by_alternating_instances_have_no_gaps(cluster):
    ddi, token = tenant(cluster.first)
    http = session(token)
    created = {create_image(http, cluster.first.url, name=f"page-{n % 5}") for n in range(23)}
    seen, upstreams = [], []
    url, params = cluster.nginx.url + "/image/v2/images", {"limit": 4, "sort": "name:asc,id:asc"}
    while url:
        r = http.get(url, params=params)
        assert r.status_code == 200, r.text
        upstreams.append(r.headers["X-Upstream"])
        page = r.json()
        seen += [i["id"] for i in page["images"]]
        url, params = (cluster.nginx.url + "/image" + page["next"], None) if page.get("next") else (None, None)
    assert len(seen) == len(set(seen)) == 23 and set(seen) == created
    assert len(set(upstreams)) == 2, upstreams


def test_rate_limits_hold_across_instances(cluster):
    a, b = cluster.instances
    ddi, token = tenant(a)
    for attempt in range(5):
        _, refused = sign_in((a if attempt % 2 == 0 else b).url, ddi, "tok_0000000000000000.wrong")
        assert refused.status_code == 401, refused.status_code
    for instance in (a, b):
        _, limited = sign_in(instance.url, ddi, token)
        assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text, (limited.status_code, limited.text[:300])


# --- an instance that dies ----------------------------------------------------------------------


def test_sigkill_mid_upload_rolls_the_upload_back_and_leaves_nothing_in_swift(own_cluster):
    c = own_cluster()
    victim, survivor = c.instances
    _, token = tenant(victim)
    http = session(token)
    image = create_image(http, victim.url)
    # Given an upload streaming slowly into the victim, some segments already in Swift
    def slow_body():
        for _ in range(64):
            yield os.urandom(MB)
            time.sleep(0.05)

    def upload():
        try:
            session(token).put(f"{victim.url}/image/v2/images/{image}/file", data=slow_body(), headers={"Content-Type": "application/octet-stream"})
        except requests.RequestException:
            pass  # the server died under it

    uploader = threading.Thread(target=upload, daemon=True)
    uploader.start()
    segments = f"{c.namespace}-segments"
    deadline = time.time() + 30
    while len(segments_of(c, segments, f"image/{image}/")) < 2:
        assert time.time() < deadline, "the upload never reached Swift"
        time.sleep(0.1)
    assert status(http, survivor.url, image) == "saving"
    # When the instance receiving it is killed
    victim.process.kill()
    victim.process.wait(timeout=10)
    killed_at = time.time()
    # Then the other instance keeps serving, and within 60 s the image is queued again ...
    assert requests.get(survivor.url + "/healthz").status_code == 200
    while status(http, survivor.url, image) != "queued":
        assert time.time() - killed_at < 60, "the abandoned upload was not rolled back within 60 s"
        time.sleep(0.5)
    # ... with no object and no segment left in Swift (removed just after the image is queued again)
    while segments_of(c, segments, f"image/{image}/"):
        assert time.time() - killed_at < 60, "segments of the abandoned upload were left in Swift"
        time.sleep(0.2)
    assert image not in segments_of(c, f"{c.namespace}-images", "")
    # And it takes data again, through the survivor
    r = http.put(f"{survivor.url}/image/v2/images/{image}/file", data=b"whole", headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    assert http.get(f"{survivor.url}/image/v2/images/{image}/file").content == b"whole"


def test_sigkill_during_an_export_lets_another_instance_finish_it(own_cluster):
    c = own_cluster()
    ddi, token = tenant(c.first)
    http = session(token)
    image = create_image(http, c.first.url)
    size = 96 * MB
    data = os.urandom(MB) * 96
    r = http.put(f"{c.first.url}/image/v2/images/{image}/file", data=data, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    assert http.put(f"{c.first.url}/object/v1/AUTH_{ddi}/exports").status_code in (201, 202)
    # Given an export task some instance is running
    task = http.post(c.first.url + "/image/v2/tasks", json={"type": "export", "input": {"image_uuid": image, "receiving_swift_container": "exports"}}).json()
    deadline = time.time() + 30
    while (owner := c.sql(f"SELECT coalesce(lease_owner, '') FROM tasks WHERE id = '{task['id']}' AND status = 'processing'")) == "":
        assert time.time() < deadline, "no instance took the task"
        time.sleep(0.02)
    # When that instance is killed (its lease owner names its process)
    pid = int(owner.split("-")[-2])
    victim = next(i for i in c.instances if i.process.pid == pid)
    survivor = next(i for i in c.instances if i is not victim)
    victim.process.kill()
    victim.process.wait(timeout=10)
    killed_at = time.time()
    # Then the survivor takes it over once the lease runs out, and finishes it within 60 s
    while (done := http.get(f"{survivor.url}/image/v2/tasks/{task['id']}").json())["status"] not in ("success", "failure"):
        assert time.time() - killed_at < 60, f"the task was not finished within 60 s: {done}"
        time.sleep(0.5)
    assert done["status"] == "success", done
    exported = http.head(f"{survivor.url}/object/v1/AUTH_{ddi}/exports/{image}.raw")
    assert exported.status_code == 200 and exported.headers["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    assert int(exported.headers["Content-Length"]) == size
    # And nothing of the interrupted run stays behind: the object's segments are exactly its own
    account = f"{c.first.env['PORTAL_SWIFT_RESELLER_PREFIX']}{ddi}"
    service = c.service()
    url = service.get_auth()[0].rsplit("/", 1)[0] + "/" + account
    _, listing = swiftclient.get_container(url, service.get_auth()[1], "\x01segments", prefix=f"exports/{image}.raw/", full_listing=True)
    assert len(listing) == size // SEGMENT_SIZE, [o["name"] for o in listing][:5]
