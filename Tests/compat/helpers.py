"""Small helpers shared by the compatibility suites (real clients against a live ImagePortal)."""
import hashlib
import io
import json
import random
import struct
import uuid

import glanceclient
import requests

PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


def tenant_with_token(portal, role="member"):
    """A brand-new tenant and a token for it: (ddi, token)."""
    ddi = portal.tenant()
    return ddi, portal.token(ddi, role=role)


def glance(portal, token):
    """python-glanceclient's v2 client, exactly as a user builds it."""
    return glanceclient.Client("2", endpoint=portal.image_url, token=token)


class Api:
    """Raw HTTP against /image/v2 for what the clients cannot express (bad input, Range, headers)."""

    def __init__(self, portal, token):
        self.base = portal.image_url + "/v2"
        self.session = requests.Session()
        if token:
            self.session.headers["X-Auth-Token"] = token

    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        return self.session.get(self.url(path), **kw)

    def post(self, path, **kw):
        return self.session.post(self.url(path), **kw)

    def put(self, path, **kw):
        return self.session.put(self.url(path), **kw)

    def patch(self, path, ops, content_type=PATCH_TYPE, **kw):
        return self.session.patch(self.url(path), data=json.dumps(ops), headers={"Content-Type": content_type}, **kw)

    def delete(self, path, **kw):
        return self.session.delete(self.url(path), **kw)

    def create(self, **body):
        r = self.post("/images", json=body)
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()

    def upload(self, image_id, data, content_type="application/octet-stream", headers=None):
        h = {"Content-Type": content_type}
        h.update(headers or {})
        return self.put(f"/images/{image_id}/file", data=data, headers=h)

    def image(self, image_id):
        r = self.get(f"/images/{image_id}")
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def list_ids(self, params=None):
        r = self.get("/images", params=params)
        assert r.status_code == 200, (r.status_code, r.text)
        return [i["id"] for i in r.json()["images"]]


def new_image(gc, **kwargs):
    """Creates an image with glanceclient (raw/bare unless told otherwise)."""
    kwargs.setdefault("name", "img-" + uuid.uuid4().hex[:8])
    kwargs.setdefault("disk_format", "raw")
    kwargs.setdefault("container_format", "bare")
    return gc.images.create(**kwargs)


def active_image(gc, data=b"hello image data\n" * 64, **kwargs):
    """An image with data uploaded (active)."""
    image = new_image(gc, **kwargs)
    gc.images.upload(image.id, io.BytesIO(data))
    return gc.images.get(image.id)


def download(gc, image_id):
    """Downloads with glanceclient (which verifies os_hash_value) and returns the bytes."""
    body = gc.images.data(image_id)
    return b"".join(body)


class DeterministicStream:
    """A file-like object yielding `size` pseudo-random bytes from `seed`, hashing as it goes.

    Nothing is kept: the data is generated block by block, so 64 MiB never sits in memory.
    """

    BLOCK = 1 << 20

    def __init__(self, size, seed=1):
        self.remaining = size
        self.rng = random.Random(seed)
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5()
        self.block = b""
        self.offset = 0

    def read(self, n=-1):
        if n is None or n < 0:
            n = self.remaining + len(self.block) - self.offset
        if self.offset == len(self.block) and self.remaining > 0:
            self.block = self.rng.randbytes(min(self.BLOCK, self.remaining))
            self.offset = 0
            self.remaining -= len(self.block)
            self.sha256.update(self.block)
            self.md5.update(self.block)
        out = self.block[self.offset:self.offset + n]  # short reads are fine for a file object
        self.offset += len(out)
        return out


def deterministic_bytes(size, seed=1):
    return random.Random(seed).randbytes(size)


def qcow2_image(virtual_size=1 << 30, total=64 * 1024):
    """A minimal, well-formed qcow2 v3 header (no backing file, no extensions), zero-padded."""
    cluster_bits = 16
    header = b"QFI\xfb" + struct.pack(
        ">IQIIQIIQQIIQQQQII",
        3,              # version
        0,              # backing_file_offset
        0,              # backing_file_size
        cluster_bits,   # cluster_bits
        virtual_size,   # size
        0,              # crypt_method
        16,             # l1_size
        3 << cluster_bits,  # l1_table_offset
        1 << cluster_bits,  # refcount_table_offset
        1,              # refcount_table_clusters
        0,              # nb_snapshots
        0,              # snapshots_offset
        0,              # incompatible_features
        0,              # compatible_features
        0,              # autoclear_features
        4,              # refcount_order
        104,            # header_length
    )
    assert len(header) == 104
    return header + b"\0" * (total - len(header))
