"""The object subset (PRODUCT.md "Files") with the real python-swiftclient 4.11, no keystone:
`swiftclient.Connection(preauthurl=<portal>/object/v1/AUTH_<ddi>, preauthtoken=<token>)`."""
import hashlib
import io
import threading
import uuid

import pytest
from swiftclient import ClientException

from ext_helpers import md5, swift, tenant
from helpers import DeterministicStream

pytestmark = pytest.mark.filterwarnings("ignore:`version` keyword is being deprecated:DeprecationWarning")


@pytest.fixture
def me(portal):
    t = tenant(portal)
    t.conn = swift(portal, t.ddi, t.token)
    return t


def cname(prefix="c"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- account -----------------------------------------------------------------------------------

def test_new_account_is_empty_with_zero_counts(me):
    headers, containers = me.conn.get_account()
    assert containers == []
    assert headers["x-account-container-count"] == "0"
    assert headers["x-account-object-count"] == "0"
    assert headers["x-account-bytes-used"] == "0"
    head = me.conn.head_account()
    assert head["x-account-container-count"] == "0"


def test_account_headers_and_listing_count_containers_objects_and_bytes(me):
    me.conn.put_container("alpha")
    me.conn.put_container("beta")
    me.conn.put_object("alpha", "one", b"12345")
    me.conn.put_object("alpha", "two", b"1234567")
    me.conn.put_object("beta", "three", b"x" * 100)

    head = me.conn.head_account()
    assert head["x-account-container-count"] == "2"
    assert head["x-account-object-count"] == "3"
    assert head["x-account-bytes-used"] == "112"

    headers, containers = me.conn.get_account()
    assert headers["x-account-container-count"] == "2"
    by_name = {c["name"]: c for c in containers}
    assert sorted(by_name) == ["alpha", "beta"]
    assert by_name["alpha"]["count"] == 2 and by_name["alpha"]["bytes"] == 12
    assert by_name["beta"]["count"] == 1 and by_name["beta"]["bytes"] == 100
    assert all(c.get("last_modified") for c in containers)


def test_account_listing_honours_limit_and_marker(me):
    names = sorted(f"c{i:03d}" for i in range(23))
    for name in names:
        me.conn.put_container(name)
    _, first = me.conn.get_account(limit=10)
    assert [c["name"] for c in first] == names[:10], "limit is honoured on the account listing"
    _, page = me.conn.get_account(marker=names[9], limit=5)
    assert [c["name"] for c in page] == names[10:15], "marker is honoured on the account listing"
    _, rest = me.conn.get_account(marker=names[-1])
    assert rest == [], "nothing follows the last container"
    _, window = me.conn.get_account(marker=names[2], end_marker=names[6])
    assert [c["name"] for c in window] == names[3:6]
    _, pref = me.conn.get_account(prefix="c01")
    assert [c["name"] for c in pref] == [n for n in names if n.startswith("c01")]


def test_account_full_listing_terminates_with_every_container_once(portal, me):
    """swiftclient's full_listing (and `swift list`) pages with marker=<last name> until a page is empty:
    a server that ignores `marker` makes it loop forever. Run it with a token of its own that is revoked
    after a deadline, so a loop ends (with a 401) instead of hanging the suite."""
    names = sorted(f"c{i:03d}" for i in range(23))
    for name in names:
        me.conn.put_container(name)
    token = portal.token(me.ddi, label="full-listing")
    conn = swift(portal, me.ddi, token)
    outcome = {}

    def run():
        try:
            outcome["listing"] = conn.get_account(full_listing=True)[1]
        except Exception as error:  # noqa: BLE001 - reported below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    looping = worker.is_alive()
    if looping:
        portal.cli("tokens", "revoke", portal.token_id(token))
        worker.join(10)
    assert not looping, "get_account(full_listing=True) did not finish in 10 s: the account listing ignores `marker`"
    assert "error" not in outcome, outcome.get("error")
    assert [c["name"] for c in outcome["listing"]] == names


def test_another_tenants_account_is_forbidden(portal, me):
    other = tenant(portal)
    swift(portal, other.ddi, other.token).put_container("private")
    # My token against the other tenant's account
    intruder = swift(portal, other.ddi, me.token)
    for call in (intruder.get_account, intruder.head_account, lambda: intruder.get_container("private"),
                 lambda: intruder.put_container("mine-now"), lambda: intruder.get_object("private", "x")):
        with pytest.raises(ClientException) as e:
            call()
        assert e.value.http_status == 403, e.value
    # ... and nothing was created there
    _, containers = swift(portal, other.ddi, other.token).get_account()
    assert [c["name"] for c in containers] == ["private"]


def test_no_token_is_401(portal, me):
    import requests
    r = requests.get(f"{portal.url}/object/v1/AUTH_{me.ddi}")
    assert r.status_code == 401, r.status_code


# --- containers --------------------------------------------------------------------------------

def test_put_container_201_then_202(me):
    name = cname()
    first, second = {}, {}
    me.conn.put_container(name, response_dict=first)
    me.conn.put_container(name, response_dict=second)
    assert first["status"] == 201
    assert second["status"] == 202
    head = me.conn.head_container(name)
    assert head["x-container-object-count"] == "0"
    assert head["x-container-bytes-used"] == "0"


def test_missing_container_is_404(me):
    for call in (lambda: me.conn.get_container("nope"), lambda: me.conn.head_container("nope"),
                 lambda: me.conn.delete_container("nope"), lambda: me.conn.put_object("nope", "o", b"x")):
        with pytest.raises(ClientException) as e:
            call()
        assert e.value.http_status == 404, e.value


def test_delete_non_empty_container_is_409_and_empty_one_204(me):
    name = cname()
    me.conn.put_container(name)
    me.conn.put_object(name, "obj", b"data")
    with pytest.raises(ClientException) as e:
        me.conn.delete_container(name)
    assert e.value.http_status == 409
    assert me.conn.head_container(name)["x-container-object-count"] == "1"
    me.conn.delete_object(name, "obj")
    resp = {}
    me.conn.delete_container(name, response_dict=resp)
    assert resp["status"] == 204
    with pytest.raises(ClientException) as e:
        me.conn.head_container(name)
    assert e.value.http_status == 404


@pytest.fixture
def tree(me):
    """A container holding a small pseudo-directory tree."""
    name = cname("tree")
    me.conn.put_container(name)
    objects = ["a.txt", "b.txt", "dir1/x", "dir1/y", "dir1/sub/z", "dir2/w", "e.txt", "photos/2024/jan.jpg",
               "photos/2024/feb.jpg", "photos/2025/mar.jpg"]
    for obj in objects:
        me.conn.put_object(name, obj, obj.encode())
    return name, sorted(objects)


def names(listing):
    return [e.get("name", e.get("subdir")) for e in listing]


def test_get_container_lists_every_object_with_hash_and_bytes(me, tree):
    name, objects = tree
    headers, listing = me.conn.get_container(name)
    assert names(listing) == objects
    assert headers["x-container-object-count"] == str(len(objects))
    for entry in listing:
        assert entry["hash"] == md5(entry["name"].encode())
        assert entry["bytes"] == len(entry["name"])
        assert entry["content_type"] and entry["last_modified"]


def test_get_container_with_prefix(me, tree):
    name, objects = tree
    _, listing = me.conn.get_container(name, prefix="dir1/")
    assert names(listing) == ["dir1/sub/z", "dir1/x", "dir1/y"]
    _, listing = me.conn.get_container(name, prefix="photos/2024")
    assert names(listing) == ["photos/2024/feb.jpg", "photos/2024/jan.jpg"]
    _, listing = me.conn.get_container(name, prefix="nothing-here")
    assert listing == []


def test_get_container_with_delimiter_gives_subdirs(me, tree):
    name, _ = tree
    _, listing = me.conn.get_container(name, delimiter="/")
    assert names(listing) == ["a.txt", "b.txt", "dir1/", "dir2/", "e.txt", "photos/"]
    subdirs = [e for e in listing if "subdir" in e]
    assert [s["subdir"] for s in subdirs] == ["dir1/", "dir2/", "photos/"]
    assert all("name" not in s for s in subdirs)
    # prefix + delimiter walks one level down
    _, listing = me.conn.get_container(name, prefix="dir1/", delimiter="/")
    assert names(listing) == ["dir1/sub/", "dir1/x", "dir1/y"]
    _, listing = me.conn.get_container(name, prefix="photos/", delimiter="/")
    assert names(listing) == ["photos/2024/", "photos/2025/"]


def test_get_container_with_limit_marker_end_marker(me, tree):
    name, objects = tree
    _, listing = me.conn.get_container(name, limit=3)
    assert names(listing) == objects[:3]
    _, listing = me.conn.get_container(name, marker=objects[2], limit=3)
    assert names(listing) == objects[3:6]
    _, listing = me.conn.get_container(name, end_marker="dir2/w")
    assert names(listing) == [o for o in objects if o < "dir2/w"]
    _, listing = me.conn.get_container(name, marker="b.txt", end_marker="e.txt")
    assert names(listing) == [o for o in objects if "b.txt" < o < "e.txt"]
    _, listing = me.conn.get_container(name, marker=objects[-1])
    assert listing == []


def test_get_container_delimiter_with_marker_pages_without_repeating_subdirs(me, tree):
    name, _ = tree
    _, listing = me.conn.get_container(name, delimiter="/", marker="dir1/")
    assert names(listing) == ["dir2/", "e.txt", "photos/"]
    _, listing = me.conn.get_container(name, delimiter="/", limit=2)
    assert names(listing) == ["a.txt", "b.txt"]
    _, listing = me.conn.get_container(name, delimiter="/", limit=2, marker="b.txt")
    assert names(listing) == ["dir1/", "dir2/"]


def test_get_container_full_listing_pages_past_the_limit(me):
    name = cname("many")
    me.conn.put_container(name)
    # The server's page is up to 10,000 entries: full_listing must page with the marker to the end.
    objects = sorted(f"obj-{i:04d}" for i in range(40))
    for obj in objects:
        me.conn.put_object(name, obj, b"")
    _, listing = me.conn.get_container(name, full_listing=True, limit=7)
    assert names(listing) == objects
    _, listing = me.conn.get_container(name, full_listing=True)
    assert names(listing) == objects


def test_bad_limit_is_refused(me, tree):
    name, _ = tree
    with pytest.raises(ClientException) as e:
        me.conn.get_container(name, limit=10_001)
    assert e.value.http_status in (400, 412), e.value


# --- objects -----------------------------------------------------------------------------------

def test_put_object_from_bytes_returns_md5_etag_and_get_returns_it(me):
    name = cname()
    me.conn.put_container(name)
    data = b"hello object store\n" * 50
    resp = {}
    etag = me.conn.put_object(name, "greeting.txt", data, content_type="text/plain", response_dict=resp)
    assert resp["status"] == 201
    assert etag == md5(data)
    headers, body = me.conn.get_object(name, "greeting.txt")
    assert body == data
    assert headers["etag"].strip('"') == md5(data)
    assert headers["content-length"] == str(len(data))
    assert headers["content-type"].startswith("text/plain")


def test_put_object_from_a_file_chunked(me, tmp_path):
    name = cname()
    me.conn.put_container(name)
    data = bytes(range(256)) * 1000 + b"tail"
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    with open(path, "rb") as f:
        # No content_length: swiftclient sends Transfer-Encoding: chunked, chunk_size at a time.
        etag = me.conn.put_object(name, "chunked.bin", f, chunk_size=4096)
    assert etag == md5(data)
    headers, body = me.conn.get_object(name, "chunked.bin")
    assert body == data and headers["etag"].strip('"') == md5(data)


def test_put_object_from_a_file_with_content_length(me, tmp_path):
    name = cname()
    me.conn.put_container(name)
    data = b"0123456789abcdef" * 4096
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    with open(path, "rb") as f:
        etag = me.conn.put_object(name, "sized.bin", f, content_length=len(data), chunk_size=1000)
    assert etag == md5(data)
    head = me.conn.head_object(name, "sized.bin")
    assert head["content-length"] == str(len(data))
    assert head["etag"].strip('"') == md5(data)


def test_put_object_with_matching_etag_is_stored_and_wrong_etag_refused(me):
    name = cname()
    me.conn.put_container(name)
    data = b"checked data"
    assert me.conn.put_object(name, "ok", data, etag=md5(data)) == md5(data)
    with pytest.raises(ClientException) as e:
        me.conn.put_object(name, "bad", data, etag=md5(b"something else"))
    # As Swift itself answers: 422 Unprocessable Entity, and nothing stored.
    assert e.value.http_status == 422, e.value
    with pytest.raises(ClientException) as e:
        me.conn.head_object(name, "bad")
    assert e.value.http_status == 404


def test_put_object_replaces_and_updates_usage(me):
    name = cname()
    me.conn.put_container(name)
    me.conn.put_object(name, "o", b"first version")
    me.conn.put_object(name, "o", b"v2")
    _, body = me.conn.get_object(name, "o")
    assert body == b"v2"
    head = me.conn.head_container(name)
    assert head["x-container-object-count"] == "1"
    assert head["x-container-bytes-used"] == "2"


def test_get_object_with_range_header(me):
    name = cname()
    me.conn.put_container(name)
    data = bytes(range(100))
    me.conn.put_object(name, "r", data)
    resp = {}
    headers, body = me.conn.get_object(name, "r", headers={"Range": "bytes=10-19"}, response_dict=resp)
    assert resp["status"] == 206
    assert body == data[10:20]
    assert headers["content-range"] == "bytes 10-19/100"
    assert headers["content-length"] == "10"
    headers, body = me.conn.get_object(name, "r", headers={"Range": "bytes=-5"})
    assert body == data[-5:]
    headers, body = me.conn.get_object(name, "r", headers={"Range": "bytes=95-"})
    assert body == data[95:]
    with pytest.raises(ClientException) as e:
        me.conn.get_object(name, "r", headers={"Range": "bytes=200-300"})
    assert e.value.http_status == 416


def test_get_object_with_a_zero_suffix_range_is_416(me):
    # RFC 7233 2.1: a suffix-byte-range-spec of length 0 is unsatisfiable; Swift answers 416, and so does
    # this server's own image download (GET /image/v2/images/ID/file with Range: bytes=-0).
    name = cname()
    me.conn.put_container(name)
    me.conn.put_object(name, "r", b"0123456789")
    with pytest.raises(ClientException) as e:
        me.conn.get_object(name, "r", headers={"Range": "bytes=-0"})
    assert e.value.http_status == 416, e.value


def test_head_object_gives_metadata_without_body(me):
    name = cname()
    me.conn.put_container(name)
    data = b"metadata only"
    me.conn.put_object(name, "h", data, content_type="application/x-test")
    head = me.conn.head_object(name, "h")
    assert head["content-length"] == str(len(data))
    assert head["etag"].strip('"') == md5(data)
    assert head["content-type"].startswith("application/x-test")
    assert head["last-modified"]
    assert float(head["x-timestamp"]) > 0
    assert head.get("accept-ranges") == "bytes"


def test_delete_object(me):
    name = cname()
    me.conn.put_container(name)
    me.conn.put_object(name, "gone", b"bye")
    resp = {}
    me.conn.delete_object(name, "gone", response_dict=resp)
    assert resp["status"] == 204
    for call in (lambda: me.conn.get_object(name, "gone"), lambda: me.conn.head_object(name, "gone"),
                 lambda: me.conn.delete_object(name, "gone")):
        with pytest.raises(ClientException) as e:
            call()
        assert e.value.http_status == 404
    assert me.conn.get_container(name)[1] == []


def test_empty_object_round_trip(make_portal):
    # On a server of its own: a defect here (a crash on GET of a 0-byte object) must not take the
    # session's shared server down with it.
    server = make_portal(name="empty-object").start()
    t = tenant(server)
    conn = swift(server, t.ddi, t.token)
    name = cname()
    conn.put_container(name)
    assert conn.put_object(name, "empty", b"") == md5(b"")
    assert conn.head_object(name, "empty")["content-length"] == "0"
    headers, body = conn.get_object(name, "empty")
    assert body == b"" and headers["content-length"] == "0"
    assert headers["etag"].strip('"') == md5(b"")
    assert server.process.poll() is None, "the server is still running"


@pytest.mark.parametrize("container,obj", [
    ("my files", "report final.txt"),
    ("ünïcødé-контейнер", "日本語/ファイル ✓.txt"),
    ("slashes", "a/b/c/d.txt"),
    ("odd names", "100% done & dusted + more?.txt"),
    ("trailing", "dir/with space/"),
])
def test_names_with_spaces_unicode_and_slashes(me, container, obj):
    me.conn.put_container(container)
    data = f"{container}|{obj}".encode()
    assert me.conn.put_object(container, obj, data) == md5(data)
    _, body = me.conn.get_object(container, obj)
    assert body == data
    assert me.conn.head_object(container, obj)["etag"].strip('"') == md5(data)
    _, listing = me.conn.get_container(container)
    assert names(listing) == [obj], "the name is stored exactly, every '/' kept and decoded once"
    _, containers = me.conn.get_account()
    assert container in [c["name"] for c in containers]
    me.conn.delete_object(container, obj)
    me.conn.delete_container(container)


def test_unicode_prefix_and_delimiter(me):
    name = cname()
    me.conn.put_container(name)
    for obj in ["фото/1.jpg", "фото/2.jpg", "фильм.mp4", "zz"]:
        me.conn.put_object(name, obj, b"x")
    _, listing = me.conn.get_container(name, prefix="фото/")
    assert names(listing) == ["фото/1.jpg", "фото/2.jpg"]
    _, listing = me.conn.get_container(name, delimiter="/")
    assert names(listing) == ["zz", "фильм.mp4", "фото/"]


def test_twenty_megabyte_object_round_trip(me):
    name = cname("big")
    me.conn.put_container(name)
    size = 20 * 1024 * 1024
    stream = DeterministicStream(size, seed=20)
    etag = me.conn.put_object(name, "big.bin", stream, content_length=size, chunk_size=1 << 20)
    assert etag == stream.md5.hexdigest()
    headers, body = me.conn.get_object(name, "big.bin", resp_chunk_size=1 << 20)
    got_md5, got_sha, got_size = hashlib.md5(), hashlib.sha256(), 0
    for chunk in body:
        got_md5.update(chunk)
        got_sha.update(chunk)
        got_size += len(chunk)
    assert got_size == size
    assert got_sha.hexdigest() == stream.sha256.hexdigest()
    assert got_md5.hexdigest() == headers["etag"].strip('"') == etag
    assert me.conn.head_account()["x-account-bytes-used"] == str(size)
    # A slice from the middle, as a resuming downloader asks for it
    _, part = me.conn.get_object(name, "big.bin", headers={"Range": f"bytes={size // 2}-{size // 2 + 99}"})
    assert len(part) == 100


def test_upload_of_a_file_object_via_io_bytesio(me):
    name = cname()
    me.conn.put_container(name)
    data = b"in-memory file\n" * 1000
    assert me.conn.put_object(name, "mem", io.BytesIO(data)) == md5(data)
    assert me.conn.get_object(name, "mem")[1] == data
