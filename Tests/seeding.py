"""A populated single-node installation, and the checks that a cluster holds exactly the same.

`populate(portal)` drives a running single-node server through its API and CLI the way people use
it (tenants, tokens, images of several sizes, a share answered, a deleted image, file containers
with small and large objects, an empty container, a server and its snapshot, an export task, a
browser session) and returns what was made. `verify(portal, seed)` checks that another server (the
cluster after `image-portal migrate-data`) answers the same for all of it.
"""
import hashlib
import re
import time
import uuid

import requests

MB = 1 << 20


def md5(data):
    return hashlib.md5(data).hexdigest()


def pattern(size, tag):
    """`size` bytes that differ per tag (cheap to make, different per image)."""
    block = hashlib.sha256(tag.encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


class Client:
    """Raw HTTP as one tenant."""

    def __init__(self, portal, ddi, token):
        self.portal = portal
        self.ddi = ddi
        self.token = token
        self.http = requests.Session()
        self.http.headers["X-Auth-Token"] = token

    def use(self, portal):
        """The same tenant and token against another server."""
        return Client(portal, self.ddi, self.token)

    def image_api(self, path):
        return self.portal.url + "/image/v2" + path

    def object_url(self, container, name=None):
        url = f"{self.portal.url}/object/v1/AUTH_{self.ddi}/{container}"
        return url if name is None else f"{url}/{name}"

    def expect(self, response, *statuses):
        assert response.status_code in statuses, (response.request.method, response.url, response.status_code, response.text[:500])
        return response

    def create_image(self, name, **fields):
        body = {"name": name, "disk_format": "raw", "container_format": "bare", **fields}
        return self.expect(self.http.post(self.image_api("/images"), json=body), 201).json()

    def upload(self, image_id, data):
        self.expect(self.http.put(self.image_api(f"/images/{image_id}/file"), data=data, headers={"Content-Type": "application/octet-stream"}), 204)

    def image(self, image_id):
        return self.expect(self.http.get(self.image_api(f"/images/{image_id}")), 200).json()

    def download(self, image_id):
        return self.expect(self.http.get(self.image_api(f"/images/{image_id}/file")), 200).content

    def image_ids(self, **params):
        ids, url = [], self.image_api("/images")
        while url:
            page = self.expect(self.http.get(url, params=params), 200).json()
            ids += [i["id"] for i in page["images"]]
            url = self.portal.url + "/image" + page["next"] if page.get("next") else None
            params = None
        return ids

    def wait_task(self, task_id, timeout=60):
        deadline = time.time() + timeout
        while True:
            task = self.expect(self.http.get(self.image_api(f"/tasks/{task_id}")), 200).json()
            if task["status"] in ("success", "failure"):
                return task
            assert time.time() < deadline, f"task {task_id} still {task['status']}"
            time.sleep(0.1)


def sign_in(portal, ddi, token):
    """A browser session (the portal's sign-in form, CSRF and all); returns the requests session."""
    browser = requests.Session()
    form = browser.get(portal.url + "/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', form.text).group(1)
    response = browser.post(portal.url + "/login", data={"_csrf": csrf, "next": "/", "kind": "tenant", "ddi": ddi, "token": token})
    assert response.status_code == 200 and "Sign in to ImagePortal" not in response.text, response.text[:500]
    return browser


def populate(portal):
    """Fills a running single-node server; returns what it holds."""
    tag = uuid.uuid4().hex[:6]
    owner = Client(portal, *new_tenant(portal))
    consumer = Client(portal, *new_tenant(portal))
    images = {}
    for name, size in (("seed-small", 10_000), ("seed-large", 3 * MB + 7), ("seed-empty", 0)):
        image = owner.create_image(f"{name}-{tag}", visibility="shared", tags=["seed"], os_distro="debian")
        data = pattern(size, name + tag)
        owner.upload(image["id"], data)
        images[image["id"]] = {"md5": md5(data), "size": size}
    queued = owner.create_image(f"seed-queued-{tag}")["id"]
    deleted = owner.create_image(f"seed-deleted-{tag}")["id"]
    owner.upload(deleted, b"going away")
    owner.expect(owner.http.delete(owner.image_api(f"/images/{deleted}")), 204)
    shared = next(i for i, facts in images.items() if facts["size"] == 10_000)
    owner.expect(owner.http.post(owner.image_api(f"/images/{shared}/members"), json={"member": consumer.ddi}), 200)
    consumer.expect(consumer.http.put(consumer.image_api(f"/images/{shared}/members/{consumer.ddi}"), json={"status": "accepted"}), 200)

    owner.expect(owner.http.put(owner.object_url("seed-box")), 201, 202)
    owner.expect(owner.http.put(owner.object_url("seed-empty")), 201, 202)
    objects = {}
    for name, size in (("notes/a.txt", 1_000), ("big.bin", 2 * MB + 513)):
        data = pattern(size, name + tag)
        owner.expect(owner.http.put(owner.object_url("seed-box", name), data=data, headers={"Content-Type": "application/x-seed"}), 201)
        objects[name] = {"md5": md5(data), "size": size}

    server = owner.expect(
        owner.http.post(portal.url + "/compute/v2.1/servers", json={"server": {"name": f"seed-{tag}", "imageRef": shared, "flavorRef": "1"}}), 202
    ).json()["server"]["id"]
    snapshot = owner.expect(
        owner.http.post(portal.url + f"/compute/v2.1/servers/{server}/action", json={"createImage": {"name": f"seed-snap-{tag}"}}), 202
    ).json()["image_id"]
    deadline = time.time() + 30
    while owner.image(snapshot)["status"] != "active":
        assert time.time() < deadline, "the snapshot did not become active"
        time.sleep(0.1)
    images[snapshot] = {"md5": owner.image(snapshot)["checksum"], "size": owner.image(snapshot)["size"]}
    task = owner.expect(
        owner.http.post(owner.image_api("/tasks"), json={"type": "export", "input": {"image_uuid": shared, "receiving_swift_container": "seed-box"}}),
        201).json()
    assert owner.wait_task(task["id"])["status"] == "success"
    objects[f"{shared}.raw"] = {"md5": images[shared]["md5"], "size": images[shared]["size"]}
    browser = sign_in(portal, owner.ddi, owner.token)
    return {
        "owner": owner, "consumer": consumer, "images": images, "queued": queued, "deleted": deleted, "shared": shared,
        "objects": objects, "server": server, "snapshot": snapshot, "task": task["id"], "cookies": browser.cookies,
        "audit": len(owner.expect(owner.http.get(portal.url + "/audit/v1/events", params={"limit": 1000}), 200).json()["events"]),
    }


def new_tenant(portal):
    ddi = portal.tenant()
    return ddi, portal.token(ddi)


def verify(portal, seed):
    """Checks that `portal` holds everything `populate` made, byte for byte."""
    owner = seed["owner"].use(portal)
    consumer = seed["consumer"].use(portal)
    listed = set(owner.image_ids())
    assert set(seed["images"]) | {seed["queued"]} <= listed, listed
    assert seed["deleted"] not in listed
    owner.expect(owner.http.get(owner.image_api(f"/images/{seed['deleted']}")), 404)
    for image_id, facts in seed["images"].items():
        image = owner.image(image_id)
        assert image["status"] == "active" and image["size"] == facts["size"] and image["checksum"] == facts["md5"], image
        assert md5(owner.download(image_id)) == facts["md5"]
    assert owner.image(seed["queued"])["status"] == "queued"
    # The share and its answer, and the consumer's view of it
    member = consumer.expect(consumer.http.get(consumer.image_api(f"/images/{seed['shared']}/members/{consumer.ddi}")), 200).json()
    assert member["status"] == "accepted"
    assert seed["shared"] in consumer.image_ids()
    # File containers, objects (names, sizes, ETags, bytes), the empty container
    listing = owner.expect(owner.http.get(owner.object_url("seed-box"), params={"format": "json"}), 200).json()
    assert {o["name"]: (o["bytes"], o["hash"]) for o in listing} == {n: (f["size"], f["md5"]) for n, f in seed["objects"].items()}
    for name, facts in seed["objects"].items():
        response = owner.expect(owner.http.get(owner.object_url("seed-box", name)), 200)
        assert md5(response.content) == facts["md5"] and response.headers["ETag"].strip('"') == facts["md5"]
    assert owner.expect(owner.http.get(owner.object_url("seed-empty"), params={"format": "json"}), 200).json() == []
    # The server, the snapshot's lineage, the export task, the audit trail
    servers = owner.expect(owner.http.get(portal.url + "/compute/v2.1/servers"), 200).json()["servers"]
    assert seed["server"] in [s["id"] for s in servers]
    lineage = owner.expect(owner.http.get(owner.image_api(f"/images/{seed['snapshot']}/lineage")), 200).json()
    assert seed["shared"] in str(lineage), lineage
    assert owner.expect(owner.http.get(owner.image_api(f"/tasks/{seed['task']}")), 200).json()["status"] == "success"
    events = owner.expect(owner.http.get(portal.url + "/audit/v1/events", params={"limit": 1000}), 200).json()["events"]
    assert len(events) >= seed["audit"]
    # The browser session signed by the single node is valid on the cluster
    browser = requests.Session()
    browser.cookies.update(seed["cookies"])
    page = browser.get(portal.url + "/", allow_redirects=False)
    assert page.status_code == 200 and seed["owner"].ddi in page.text, (page.status_code, page.text[:300])
