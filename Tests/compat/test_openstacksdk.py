"""openstacksdk 4.22 without keystone, as a user configures it against a Glance endpoint.

The SDK returns a requests.Response from download_image (its `.content` holds the bytes, already
checked against os_hash_value).
"""
import hashlib

import openstack
import pytest
from openstack import exceptions

from helpers import deterministic_bytes, tenant_with_token

# The SDK's own deprecation notices (influxdb, find_* ignore_missing, ...) are not about the server.
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")


def connect(portal, token):
    """The documented keystone-less setup: a fixed v2 endpoint and a token."""
    return openstack.connection.Connection(
        auth_type="admin_token", auth={"endpoint": portal.image_url + "/v2", "token": token},
        image_api_version="2")


def connect_with_discovery(portal, token):
    """Version discovery: the SDK reads GET /image (300 versions) and picks v2 itself."""
    return openstack.connection.Connection(
        auth_type="admin_token", auth={"endpoint": portal.image_url, "token": token},
        image_endpoint_override=portal.image_url)


@pytest.fixture
def conn(portal):
    ddi, token = tenant_with_token(portal)
    connection = connect(portal, token)
    yield ddi, connection
    connection.close()


@pytest.fixture
def raw_file(tmp_path):
    data = deterministic_bytes(3 * 1024 * 1024 + 17, seed=21)
    path = tmp_path / "disk.raw"
    path.write_bytes(data)
    return path, data


def test_create_image_from_a_local_file_then_get_find_list_and_download(conn, raw_file, tmp_path):
    ddi, c = conn
    path, data = raw_file
    # When: the cloud layer creates an image from a file and waits for it
    image = c.create_image("sdk-file", filename=str(path), disk_format="raw", container_format="bare", wait=True)
    # Then: it is active with Glance's data attributes
    assert image.status == "active"
    assert image.size == len(data)
    assert image.checksum == hashlib.md5(data).hexdigest()
    assert image.hash_algo == "sha512"
    assert image.hash_value == hashlib.sha512(data).hexdigest()
    assert image.owner == ddi
    assert image.visibility == "shared"

    # And: get, find by name and list all see it
    assert c.image.get_image(image.id).name == "sdk-file"
    assert c.image.find_image("sdk-file").id == image.id
    assert c.get_image("sdk-file").id == image.id
    assert image.id in [i.id for i in c.image.images()]
    assert [i.id for i in c.image.images(name="sdk-file")] == [image.id]

    # And: the data downloads identically, in memory, streamed, and to a file
    assert c.image.download_image(image).content == data
    response = c.image.download_image(image, stream=True)
    sha = hashlib.sha256()
    for chunk in response.iter_content(chunk_size=65536):
        sha.update(chunk)
    assert sha.hexdigest() == hashlib.sha256(data).hexdigest()
    out = tmp_path / "out.raw"
    c.download_image("sdk-file", output_path=str(out))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_update_tags_deactivate_and_delete(conn, raw_file):
    _, c = conn
    path, _ = raw_file
    image = c.create_image("sdk-update", filename=str(path), disk_format="raw", container_format="bare", wait=True)

    # update: rename, a core attribute, a free-form property
    updated = c.image.update_image(image, name="sdk-renamed", min_disk=2, flavour="lemon")
    assert updated.name == "sdk-renamed"
    assert updated.min_disk == 2
    assert c.image.get_image(image.id).properties.get("flavour") == "lemon"
    c.update_image_properties(image=c.image.get_image(image.id), meta={"os_distro": "debian"})
    assert c.image.get_image(image.id).os_distro == "debian"

    # tags
    c.image.add_tag(image, "blue")
    c.image.add_tag(image, "green")
    assert sorted(c.image.get_image(image.id).tags) == ["blue", "green"]
    c.image.remove_tag(image, "blue")
    assert c.image.get_image(image.id).tags == ["green"]

    # deactivate / reactivate
    c.image.deactivate_image(image)
    assert c.image.get_image(image.id).status == "deactivated"
    # openstacksdk 4.22 does not raise on the 403 itself: it hashes the error body and reports a
    # checksum mismatch (InvalidResponse). Either way the user gets an SDKException, never data.
    with pytest.raises(exceptions.SDKException):
        c.image.download_image(image)
    assert c.image.get("images/" + image.id + "/file").status_code == 403
    c.image.reactivate_image(image)
    assert c.image.get_image(image.id).status == "active"

    # protected images refuse deletion
    c.image.update_image(image, is_protected=True)
    with pytest.raises(exceptions.ForbiddenException):
        c.image.delete_image(image)
    c.image.update_image(image, is_protected=False)

    # delete
    c.image.delete_image(image)
    with pytest.raises(exceptions.NotFoundException):
        c.image.get_image(image.id)
    assert c.image.find_image("sdk-renamed") is None


def test_cloud_layer_delete_by_name_waits_until_gone(conn, raw_file):
    _, c = conn
    path, _ = raw_file
    c.create_image("sdk-cloud-delete", filename=str(path), disk_format="raw", container_format="bare", wait=True)
    assert c.delete_image("sdk-cloud-delete", wait=True, timeout=30) is True
    assert c.get_image("sdk-cloud-delete") is None


def test_proxy_layer_create_and_upload_separately(conn):
    _, c = conn
    data = deterministic_bytes(50_000, seed=4)
    image = c.image.create_image(name="sdk-proxy", disk_format="raw", container_format="bare", data=data)
    image = c.image.wait_for_status(c.image.get_image(image.id), status="active", wait=30)
    assert image.size == len(data)
    assert c.image.download_image(image.id).content == data


def test_listing_paginates_with_next_links(conn):
    ddi, c = conn
    ids = {c.image.create_image(name=f"sdk-page-{n}", disk_format="raw", container_format="bare").id for n in range(9)}
    listed = [i.id for i in c.image.images(owner=ddi, limit=4)]
    assert len(listed) == len(set(listed))
    assert set(listed) == ids
    by_name = [i.name for i in c.image.images(owner=ddi, sort_key="name", sort_dir="asc")]
    assert by_name == sorted(by_name)


def test_list_filters_through_the_sdk(conn):
    ddi, c = conn
    private = c.image.create_image(name="sdk-private", disk_format="raw", container_format="bare", visibility="private")
    tagged = c.image.create_image(name="sdk-tagged", disk_format="qcow2", container_format="bare", tags=["x1"])
    assert [i.id for i in c.image.images(owner=ddi, visibility="private")] == [private.id]
    assert [i.id for i in c.image.images(owner=ddi, tag="x1")] == [tagged.id]
    assert [i.id for i in c.image.images(owner=ddi, disk_format="qcow2")] == [tagged.id]
    assert {i.id for i in c.image.images(owner=ddi, status="queued")} == {private.id, tagged.id}


def test_missing_image_raises_not_found(conn):
    _, c = conn
    with pytest.raises(exceptions.NotFoundException):
        c.image.get_image("00000000-0000-4000-8000-000000000000")
    assert c.image.find_image("no-such-image-name") is None


def test_sharing_through_the_sdk(portal):
    producer_ddi, producer_token = tenant_with_token(portal)
    consumer_ddi, consumer_token = tenant_with_token(portal)
    producer, consumer = connect(portal, producer_token), connect(portal, consumer_token)
    image = producer.image.create_image(name="sdk-shared", disk_format="raw", container_format="bare",
                                        data=b"shared bytes")
    # producer adds the consumer
    member = producer.image.add_member(image, member_id=consumer_ddi)
    assert member.status == "pending"
    assert [m.member_id for m in producer.image.members(image)] == [consumer_ddi]
    # not yet in the consumer's default list, but visible by ID and downloadable
    assert image.id not in [i.id for i in consumer.image.images()]
    assert consumer.image.get_image(image.id).id == image.id
    assert consumer.image.download_image(image.id).content == b"shared bytes"
    # consumer accepts: listed
    consumer.image.update_member(consumer_ddi, image.id, status="accepted")
    assert consumer.image.get_member(consumer_ddi, image.id).status == "accepted"
    assert image.id in [i.id for i in consumer.image.images()]
    # producer removes: gone
    producer.image.remove_member(consumer_ddi, image.id)
    with pytest.raises(exceptions.NotFoundException):
        consumer.image.get_image(image.id)


# --- version discovery -----------------------------------------------------------------------------

def test_version_discovery_with_image_endpoint_override(portal, raw_file):
    _, token = tenant_with_token(portal)
    c = connect_with_discovery(portal, token)
    path, data = raw_file
    image = c.create_image("sdk-discovered", filename=str(path), disk_format="raw", container_format="bare", wait=True)
    assert image.status == "active"
    assert c.image.find_image("sdk-discovered").id == image.id
    assert c.image.download_image(image).content == data
    assert image.id in [i.id for i in c.image.images()]


def test_discovery_picks_the_current_v2_version(portal):
    _, token = tenant_with_token(portal)
    c = connect_with_discovery(portal, token)
    endpoint = c.image.get_endpoint()
    assert endpoint.rstrip("/").endswith("/image/v2"), endpoint
    version = c.image.get_api_major_version()
    assert version[0] == 2, version
