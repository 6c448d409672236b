"""`image-portal migrate-data`: a single-node installation onto PostgreSQL and Swift (PRODUCT.md
"Scale-out"): every row, image, server disk, container and object, checksums verified; run again it
copies only what is missing (also after being killed half way); it refuses a target that holds
another installation, and reports, without copying, data that does not match its checksum.

The suites of Tests/compat also run on a migrated installation (Tests/conftest.py `migrated_portal`).
"""
import os
import pathlib
import subprocess
import time

import pytest
import requests
import swiftclient

import seeding
from conftest import Portal

pytestmark = pytest.mark.skipif("PORTAL_TEST_POSTGRES_URL" not in os.environ, reason="needs scripts/engines/with-engines.sh")


def migrate(binary, single, target, wait=True):
    command = [binary, "migrate-data", "--from", f"sqlite:{single.data}", "--to", target.env["PORTAL_DATABASE_URL"]]
    if not wait:
        return subprocess.Popen(command, env=target.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=target.env, capture_output=True, text=True)


@pytest.fixture
def single_node(portal_binary):
    servers = []

    def factory():
        server = Portal(portal_binary, "single", cluster=False).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def cluster_node(portal_binary):
    servers = []

    def factory(namespace=None):
        server = Portal(portal_binary, "cluster", namespace=namespace, cluster=True)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


def service(target):
    env = target.env
    return swiftclient.Connection(authurl=env["PORTAL_SWIFT_AUTH_URL"], user=env["PORTAL_SWIFT_USER"], key=env["PORTAL_SWIFT_KEY"], retries=0)


def test_a_populated_installation_moves_whole_and_a_second_run_copies_nothing(portal_binary, single_node, cluster_node):
    single = single_node()
    seed = seeding.populate(single)
    assert single.stop() == 0
    target = cluster_node()
    first = migrate(portal_binary, single, target)
    assert first.returncode == 0, first.stderr
    assert "every checksum verified" in first.stdout, first.stdout
    again = migrate(portal_binary, single, target)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Nothing left to copy"), again.stdout
    target._next_ddi = single._next_ddi
    target.start()
    seeding.verify(target, seed)
    # The single node's operator tools work on the cluster too
    assert seed["owner"].ddi in target.cli("tenants", "list").stdout


def test_a_run_killed_half_way_is_finished_by_the_next(portal_binary, single_node, cluster_node):
    # Given a single node with an image large enough to be caught in the middle of its copy
    single = single_node()
    owner = seeding.Client(single, *seeding.new_tenant(single))
    image = owner.create_image("large")["id"]
    data = seeding.pattern(160 * seeding.MB, "large")
    owner.upload(image, data)
    assert single.stop() == 0
    target = cluster_node()
    # When migrate-data is killed while that image's segments are being written
    running = migrate(portal_binary, single, target, wait=False)
    swift = service(target)
    deadline = time.time() + 60
    while True:
        try:
            written = swift.get_container(f"{target.namespace}-segments", prefix=f"image/{image}/")[1]
        except swiftclient.ClientException:
            written = []
        if written:
            break
        assert running.poll() is None, running.communicate()
        assert time.time() < deadline, "the copy of the image never started"
        time.sleep(0.05)
    running.kill()
    running.wait()
    assert swift.head_container(f"{target.namespace}-images")["x-container-object-count"] == "0"
    # Then the next run copies it, and the cluster serves it whole, with no segment left over
    finished = migrate(portal_binary, single, target)
    assert finished.returncode == 0, finished.stderr
    target.start()
    assert seeding.md5(owner.use(target).download(image)) == seeding.md5(data)
    manifest_segments = 160 * seeding.MB // int(target.env["PORTAL_SWIFT_SEGMENT_SIZE"])
    assert len(swift.get_container(f"{target.namespace}-segments", prefix=f"image/{image}/", full_listing=True)[1]) == manifest_segments


def test_a_target_holding_another_installation_is_refused(portal_binary, single_node, cluster_node):
    first, second = single_node(), single_node()
    for node in (first, second):
        seeding.Client(node, *seeding.new_tenant(node)).create_image("x")
        assert node.stop() == 0
    target = cluster_node()
    assert migrate(portal_binary, first, target).returncode == 0
    refused = migrate(portal_binary, second, target)
    assert refused.returncode == 2
    assert "holds another installation" in refused.stderr, refused.stderr
    # A cluster that has already started (its first staff admin made) is another installation too
    started = cluster_node()
    started.start()
    started.stop()
    refused = migrate(portal_binary, second, started)
    assert refused.returncode == 2 and "holds another installation" in refused.stderr, refused.stderr


def test_data_that_does_not_match_its_checksum_is_reported_and_not_copied(portal_binary, single_node, cluster_node):
    single = single_node()
    owner = seeding.Client(single, *seeding.new_tenant(single))
    good, bad = owner.create_image("good")["id"], owner.create_image("bad")["id"]
    owner.upload(good, b"good data")
    owner.upload(bad, b"bad data!")
    assert single.stop() == 0
    damaged = pathlib.Path(single.data, "images", bad[:2], bad)
    damaged.write_bytes(b"bad dat?!")  # same size, other bytes
    target = cluster_node()
    result = migrate(portal_binary, single, target)
    assert result.returncode == 1
    assert f"image {bad}: its data does not match its recorded size and checksum" in result.stderr, result.stderr
    target.start()
    client = owner.use(target)
    assert client.download(good) == b"good data"
    assert requests.get(f"{target.url}/image/v2/images/{bad}/file", headers={"X-Auth-Token": owner.token}).status_code != 200
