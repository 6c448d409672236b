"""Helpers for the compute, tasks, export, object-store and restart suites (raw HTTP beside the real clients).

Kept apart from `helpers.py` (a colleague's module) so neither file has to change for the other.
"""
import hashlib
import time
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import requests
import swiftclient

from helpers import Api, glance, tenant_with_token

TASK_TIMEOUT = 30


@dataclass
class Tenant:
    """One tenant as a script sees it: its DDI, a token, the glanceclient v2 client and raw HTTP."""

    portal: object
    ddi: str
    token: str
    gc: object  # glanceclient v2 Client
    api: Api  # raw /image/v2
    http: requests.Session  # raw, with X-Auth-Token

    # --- compute ------------------------------------------------------------------------------
    def compute(self, path):
        return self.portal.url + "/compute/v2.1" + path

    def boot_raw(self, image_id, name=None):
        body = {"server": {"name": name or "srv-" + uuid.uuid4().hex[:6], "imageRef": image_id, "flavorRef": "1"}}
        return self.http.post(self.compute("/servers"), json=body)

    def boot(self, image_id, name=None):
        r = self.boot_raw(image_id, name)
        assert r.status_code == 202, (r.status_code, r.text)
        return r.json()["server"]["id"]

    def snapshot_raw(self, server_id, name=None, metadata=None):
        body = {"createImage": {"name": name or "snap-" + uuid.uuid4().hex[:6]}}
        if metadata is not None:
            body["createImage"]["metadata"] = metadata
        return self.http.post(self.compute(f"/servers/{server_id}/action"), json=body)

    def snapshot(self, server_id, name=None, metadata=None):
        r = self.snapshot_raw(server_id, name, metadata)
        assert r.status_code == 202, (r.status_code, r.text)
        return r.json()["image_id"]

    # --- objects ------------------------------------------------------------------------------
    def object_url(self, container, name=None):
        url = f"{self.portal.url}/object/v1/AUTH_{self.ddi}/{quote(container, safe='')}"
        return url if name is None else url + "/" + quote(name, safe="/")

    def put_container(self, container):
        r = self.http.put(self.object_url(container))
        assert r.status_code in (201, 202), (r.status_code, r.text)

    def put_object(self, container, name, data):
        r = self.http.put(self.object_url(container, name), data=data, headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 201, (r.status_code, r.text)
        return r.headers["ETag"]

    def list_objects(self, container):
        r = self.http.get(self.object_url(container), params={"format": "json"})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    # --- tasks --------------------------------------------------------------------------------
    def task_raw(self, body):
        return self.http.post(self.portal.image_url + "/v2/tasks", json=body)

    def start_task(self, body):
        r = self.task_raw(body)
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()

    def task(self, task_id):
        r = self.http.get(self.portal.image_url + f"/v2/tasks/{task_id}")
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def wait_task(self, task_id, timeout=TASK_TIMEOUT):
        """Polls until the task is `success` or `failure`; fails the test if it takes longer than `timeout`."""
        deadline = time.time() + timeout
        while True:
            task = self.task(task_id)
            if task["status"] in ("success", "failure"):
                return task
            assert time.time() < deadline, f"task {task_id} still {task['status']} after {timeout}s: {task}"
            time.sleep(0.1)

    def run_task(self, body, timeout=TASK_TIMEOUT):
        return self.wait_task(self.start_task(body)["id"], timeout)

    def import_object(self, container, obj, fmt="raw", **properties):
        """Imports `container/obj` and waits; `properties` become `image_properties` (e.g. name=...)."""
        properties.setdefault("name", "imported-" + uuid.uuid4().hex[:6])
        return self.run_task({"type": "import", "input": {
            "import_from": f"{container}/{obj}", "import_from_format": fmt, "image_properties": properties}})

    def export(self, image_id, container="exports"):
        return self.run_task({"type": "export", "input": {"image_uuid": image_id, "receiving_swift_container": container}})

    def tasks(self, **params):
        r = self.http.get(self.portal.image_url + "/v2/tasks", params=params)
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()["tasks"]

    # --- lineage, export check, audit ---------------------------------------------------------
    def export_check(self, image_id):
        r = self.api.get(f"/images/{image_id}/export-check")
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def lineage(self, image_id):
        r = self.api.get(f"/images/{image_id}/lineage")
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def audit(self, type, **params):
        r = self.http.get(self.portal.url + "/audit/v1/events", params={"type": type, "limit": 1000, **params})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()["events"]


def tenant(portal, role="member"):
    ddi, token = tenant_with_token(portal, role=role)
    session = requests.Session()
    session.headers["X-Auth-Token"] = token
    return Tenant(portal, ddi, token, glance(portal, token), Api(portal, token), session)


def as_role(t, role):
    """Another token for the same tenant, with `role` (e.g. admin)."""
    token = t.portal.token(t.ddi, role=role)
    session = requests.Session()
    session.headers["X-Auth-Token"] = token
    return Tenant(t.portal, t.ddi, token, glance(t.portal, token), Api(t.portal, token), session)


def swift(portal, ddi, token):
    """python-swiftclient exactly as a user without keystone builds it."""
    return swiftclient.Connection(preauthurl=f"{portal.url}/object/v1/AUTH_{ddi}", preauthtoken=token, retries=0)


def failed_checks(check):
    """The names of the failed checks of an export-check answer."""
    return sorted(c["check"] for c in check["checks"] if not c["passed"])


def md5(data):
    return hashlib.md5(data).hexdigest()
