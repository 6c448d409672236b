"""Servers and snapshots, import/export tasks, lineage and the export checks (PRODUCT.md "Lineage and
export", "Servers and snapshots", "Files"), with python-glanceclient v2 and raw HTTP for compute,
tasks, lineage and audit."""
import io
import uuid

import pytest
from glanceclient import exc

from ext_helpers import as_role, failed_checks, md5, tenant
from helpers import active_image, download, new_image, qcow2_image

pytestmark = pytest.mark.filterwarnings("ignore:`version` keyword is being deprecated:DeprecationWarning")

BASE_DATA = b"base operating system image\n" * 300


def unique_data(label):
    """Data no other test uploads (content lineage compares SHA-512 across the whole server)."""
    return (f"{label}-{uuid.uuid4()}\n".encode()) * 200


@pytest.fixture
def producer(portal):
    return tenant(portal)


@pytest.fixture
def consumer(portal):
    return tenant(portal)


@pytest.fixture
def stranger(portal):
    return tenant(portal)


def shared_base(producer, consumer, data=None, **kwargs):
    """An active image of `producer` shared with `consumer` (member pending)."""
    image = active_image(producer.gc, data=data or unique_data("base"), **kwargs)
    producer.gc.image_members.create(image.id, consumer.ddi)
    return image


# --- servers -----------------------------------------------------------------------------------

def test_boot_from_own_image_then_list_detail_show_delete(producer):
    image = active_image(producer.gc, data=unique_data("own"))
    r = producer.boot_raw(image.id, name="web-1")
    assert r.status_code == 202, r.text
    server = r.json()["server"]
    sid = server["id"]
    assert r.headers["Location"].endswith(f"/compute/v2.1/servers/{sid}")
    assert any(link["rel"] == "self" for link in server["links"])

    listed = producer.http.get(producer.compute("/servers")).json()["servers"]
    assert [s["id"] for s in listed] == [sid]
    assert listed[0]["name"] == "web-1"

    detail = producer.http.get(producer.compute("/servers/detail")).json()["servers"]
    assert len(detail) == 1
    d = detail[0]
    assert d["id"] == sid and d["name"] == "web-1" and d["status"] == "ACTIVE"
    assert d["tenant_id"] == producer.ddi
    assert d["image"]["id"] == image.id
    assert d["created"] and d["updated"]

    shown = producer.http.get(producer.compute(f"/servers/{sid}"))
    assert shown.status_code == 200
    assert shown.json()["server"]["id"] == sid
    assert shown.json()["server"]["image"]["id"] == image.id

    r = producer.http.delete(producer.compute(f"/servers/{sid}"))
    assert r.status_code == 204, r.text
    assert producer.http.get(producer.compute(f"/servers/{sid}")).status_code == 404
    assert producer.http.get(producer.compute("/servers")).json()["servers"] == []
    assert producer.http.delete(producer.compute(f"/servers/{sid}")).status_code == 404


def test_list_is_newest_first_and_only_the_tenants_own(producer, stranger):
    image = active_image(producer.gc, data=unique_data("many"))
    ids = [producer.boot(image.id, name=f"s{i}") for i in range(3)]
    listed = [s["id"] for s in producer.http.get(producer.compute("/servers")).json()["servers"]]
    assert sorted(listed) == sorted(ids) and len(listed) == 3
    assert stranger.http.get(stranger.compute("/servers")).json()["servers"] == []
    # Someone else's server: 404 for show, delete and actions
    assert stranger.http.get(stranger.compute(f"/servers/{ids[0]}")).status_code == 404
    assert stranger.http.delete(stranger.compute(f"/servers/{ids[0]}")).status_code == 404
    assert stranger.snapshot_raw(ids[0]).status_code == 404
    assert producer.http.get(producer.compute(f"/servers/{ids[0]}")).status_code == 200


def test_boot_from_a_public_image_of_another_tenant(producer, consumer):
    admin = as_role(producer, "admin")
    image = active_image(admin.gc, data=unique_data("public"), visibility="public")
    assert image.visibility == "public"
    sid = consumer.boot(image.id)
    assert consumer.http.get(consumer.compute(f"/servers/{sid}")).json()["server"]["image"]["id"] == image.id


def test_boot_from_a_community_image_of_another_tenant(producer, consumer):
    image = active_image(producer.gc, data=unique_data("community"), visibility="community")
    consumer.boot(image.id)


@pytest.mark.parametrize("status", ["pending", "accepted", "rejected"])
def test_boot_from_a_shared_image_in_any_member_status(producer, consumer, status):
    image = shared_base(producer, consumer)
    if status != "pending":
        consumer.gc.image_members.update(image.id, consumer.ddi, status)
    assert consumer.gc.image_members.get(image.id, consumer.ddi).status == status
    sid = consumer.boot(image.id)
    assert consumer.http.get(consumer.compute(f"/servers/{sid}")).json()["server"]["tenant_id"] == consumer.ddi


def test_boot_from_another_tenants_unshared_image_is_400_could_not_be_found(producer, stranger):
    image = active_image(producer.gc, data=unique_data("unshared"))
    r = stranger.boot_raw(image.id)
    assert r.status_code == 400, r.text
    assert "could not be found" in r.text
    # exactly like an image that does not exist at all (no existence oracle)
    r2 = stranger.boot_raw(str(uuid.uuid4()))
    assert r2.status_code == 400 and "could not be found" in r2.text
    r3 = stranger.boot_raw("not-a-uuid")
    assert r3.status_code == 400 and "could not be found" in r3.text
    assert stranger.http.get(stranger.compute("/servers")).json()["servers"] == []


def test_boot_after_the_member_was_removed_is_400(producer, consumer):
    image = shared_base(producer, consumer)
    consumer.boot(image.id)
    producer.gc.image_members.delete(image.id, consumer.ddi)
    r = consumer.boot_raw(image.id)
    assert r.status_code == 400 and "could not be found" in r.text, r.text


def test_boot_from_an_image_without_data_is_refused(producer):
    image = new_image(producer.gc)
    r = producer.boot_raw(image.id)
    assert r.status_code in (400, 409), r.text
    assert producer.http.get(producer.compute("/servers")).json()["servers"] == []


def test_boot_with_a_malformed_body_is_400(producer):
    image = active_image(producer.gc, data=unique_data("body"))
    for body in ({}, {"server": {"imageRef": image.id}}, {"server": {"name": "x"}}, {"server": {"name": "", "imageRef": image.id}}):
        r = producer.http.post(producer.compute("/servers"), json=body)
        assert r.status_code == 400, (body, r.status_code, r.text)


def test_compute_needs_a_token(portal):
    import requests
    assert requests.get(portal.url + "/compute/v2.1/servers").status_code == 401


# --- snapshots (createImage) -------------------------------------------------------------------

def test_create_image_gives_an_active_image_owned_by_the_server_tenant_with_lineage(producer):
    data = unique_data("snap")
    base = active_image(producer.gc, data=data, os_distro="ubuntu")
    sid = producer.boot(base.id)
    r = producer.snapshot_raw(sid, name="my snapshot", metadata={"purpose": "backup"})
    assert r.status_code == 202, r.text
    image_id = r.json()["image_id"]
    assert r.headers["Location"].endswith(f"/image/v2/images/{image_id}")

    snap = producer.gc.images.get(image_id)
    assert snap.status == "active"
    assert snap.owner == producer.ddi
    assert snap.name == "my snapshot"
    assert snap.checksum == base.checksum == md5(data)
    assert snap.size == len(data)
    assert snap.get("purpose") == "backup"
    assert snap.get("image_type") == "snapshot"
    assert snap.get("instance_uuid") == sid
    assert snap.get("base_image_ref") == base.id
    assert download(producer.gc, image_id) == data

    lineage = producer.lineage(image_id)
    assert lineage["image_id"] == image_id
    assert lineage["origin"]["type"] == "snapshot"
    assert lineage["origin"]["server_id"] == sid
    assert lineage["origin"]["boot_image_id"] == base.id
    assert [a["image_id"] for a in lineage["ancestors"]] == [base.id]
    assert lineage["ancestors"][0]["owner"] == producer.ddi


def test_snapshot_of_a_shared_image_belongs_to_the_consumer(producer, consumer):
    base = shared_base(producer, consumer)
    sid = consumer.boot(base.id)
    snap_id = consumer.snapshot(sid)
    snap = consumer.gc.images.get(snap_id)
    assert snap.owner == consumer.ddi and snap.status == "active"
    lineage = consumer.lineage(snap_id)
    assert lineage["origin"]["boot_image_id"] == base.id
    assert lineage["ancestors"][0]["owner"] == producer.ddi
    # the producer does not see the consumer's snapshot
    with pytest.raises(exc.HTTPNotFound):
        producer.gc.images.get(snap_id)


def test_snapshot_of_a_deleted_server_is_404(producer):
    base = active_image(producer.gc, data=unique_data("del"))
    sid = producer.boot(base.id)
    producer.http.delete(producer.compute(f"/servers/{sid}"))
    assert producer.snapshot_raw(sid).status_code == 404


def test_unsupported_server_action_is_400(producer):
    base = active_image(producer.gc, data=unique_data("action"))
    sid = producer.boot(base.id)
    r = producer.http.post(producer.compute(f"/servers/{sid}/action"), json={"reboot": {"type": "SOFT"}})
    assert r.status_code == 400, r.text


# --- import tasks ------------------------------------------------------------------------------

def test_import_from_an_object_gives_an_active_image_with_identical_data(producer):
    data = unique_data("import")
    producer.put_container("incoming")
    etag = producer.put_object("incoming", "disk.raw", data)
    created = producer.start_task({"type": "import", "input": {
        "import_from": "incoming/disk.raw", "import_from_format": "raw", "image_properties": {"name": "x", "os_distro": "debian"}}})
    assert created["type"] == "import" and created["status"] in ("pending", "processing", "success")
    assert created["owner"] == producer.ddi
    task = producer.wait_task(created["id"])
    assert task["status"] == "success", task
    image_id = task["result"]["image_id"]
    image = producer.gc.images.get(image_id)
    assert image.status == "active"
    assert image.name == "x"
    assert image.owner == producer.ddi
    assert image.disk_format == "raw" and image.container_format == "bare"
    assert image.get("os_distro") == "debian"
    assert image.checksum == etag == md5(data)
    assert image.size == len(data)
    assert download(producer.gc, image_id) == data
    lineage = producer.lineage(image_id)
    assert lineage["origin"]["type"] == "import"
    assert lineage["origin"]["container"] == "incoming"
    assert lineage["origin"]["object"] == "disk.raw"


def test_import_declared_qcow2_with_raw_data_fails_clearly_and_creates_nothing(producer):
    producer.put_container("incoming")
    producer.put_object("incoming", "not-really.qcow2", unique_data("rawdata"))
    before = {i.id for i in producer.gc.images.list()}
    task = producer.import_object("incoming", "not-really.qcow2", fmt="qcow2", name="should-not-exist")
    assert task["status"] == "failure", task
    message = task["message"]
    assert "qcow2" in message.lower(), message
    assert message.lower().startswith("import failed"), message
    assert not task.get("result"), task
    after = producer.gc.images.list()
    assert {i.id for i in after} == before
    assert "should-not-exist" not in [i.name for i in after]


def test_import_of_real_qcow2_data_declared_qcow2_succeeds(producer):
    data = qcow2_image(virtual_size=1 << 30)
    producer.put_container("incoming")
    producer.put_object("incoming", "real.qcow2", data)
    task = producer.import_object("incoming", "real.qcow2", fmt="qcow2", name="real-qcow2")
    assert task["status"] == "success", task
    image = producer.gc.images.get(task["result"]["image_id"])
    assert image.disk_format == "qcow2" and image.status == "active"
    assert image.checksum == md5(data)


def test_import_of_a_missing_object_fails(producer):
    producer.put_container("incoming")
    task = producer.import_object("incoming", "no-such-object", name="nothing")
    assert task["status"] == "failure"
    assert "no-such-object" in task["message"], task["message"]


@pytest.mark.parametrize("body", [
    {"type": "import", "input": {"import_from_format": "raw"}},
    {"type": "import", "input": {"import_from": "no-slash", "import_from_format": "raw"}},
    {"type": "import", "input": {"import_from": "c/o"}},
    {"type": "import", "input": {"import_from": "c/o", "import_from_format": "floppy"}},
    {"type": "export", "input": {"receiving_swift_container": "c"}},
    {"type": "export", "input": {"image_uuid": "not-an-id", "receiving_swift_container": "c"}},
    {"type": "copy", "input": {}},
    {"type": "import"},
])
def test_malformed_task_input_is_400(producer, body):
    r = producer.task_raw(body)
    assert r.status_code == 400, (r.status_code, r.text)


def test_another_tenants_task_is_404(producer, stranger):
    producer.put_container("incoming")
    task = producer.start_task({"type": "import", "input": {"import_from": "incoming/x", "import_from_format": "raw"}})
    r = stranger.http.get(stranger.portal.image_url + f"/v2/tasks/{task['id']}")
    assert r.status_code == 404
    assert task["id"] not in [t["id"] for t in stranger.tasks()]
    producer.wait_task(task["id"])


# --- export tasks ------------------------------------------------------------------------------

def test_export_own_image_writes_the_object_with_the_checksum_as_etag(producer):
    data = unique_data("export")
    image = active_image(producer.gc, data=data)
    producer.put_container("exports")
    check = producer.export_check(image.id)
    assert check["exportable"] is True, check
    assert [c["check"] for c in check["checks"]] == ["owner", "active", "not_shared_derived", "not_export_restricted", "content_lineage"]
    task = producer.export(image.id, "exports")
    assert task["status"] == "success", task
    name = f"{image.id}.raw"
    assert task["result"]["export_location"] == f"exports/{name}"
    listing = producer.list_objects("exports")
    assert [o["name"] for o in listing] == [name]
    assert listing[0]["hash"] == image.checksum
    assert listing[0]["bytes"] == image.size
    r = producer.http.get(producer.object_url("exports", name))
    assert r.status_code == 200
    assert r.headers["ETag"].strip('"') == image.checksum
    assert r.content == data


def test_export_uses_the_disk_format_in_the_object_name(producer):
    data = qcow2_image()
    image = active_image(producer.gc, data=data, disk_format="qcow2")
    producer.put_container("exports")
    task = producer.export(image.id, "exports")
    assert task["status"] == "success", task
    assert [o["name"] for o in producer.list_objects("exports")] == [f"{image.id}.qcow2"]


def test_exported_object_imported_again_keeps_lineage_and_stays_exportable(producer):
    data = unique_data("roundtrip")
    image = active_image(producer.gc, data=data)
    producer.put_container("exports")
    assert producer.export(image.id)["status"] == "success"
    task = producer.import_object("exports", f"{image.id}.raw", name="re-imported")
    assert task["status"] == "success", task
    new_id = task["result"]["image_id"]
    lineage = producer.lineage(new_id)
    assert lineage["origin"]["exported_from"] == image.id
    assert [a["image_id"] for a in lineage["ancestors"]] == [image.id]
    assert producer.export_check(new_id)["exportable"] is True


def test_export_into_a_missing_container_fails_with_a_clear_message(producer):
    image = active_image(producer.gc, data=unique_data("nocontainer"))
    task = producer.export(image.id, "does-not-exist")
    assert task["status"] == "failure"
    assert "does-not-exist" in task["message"], task["message"]


def test_export_of_a_queued_image_is_blocked_by_the_active_check(producer):
    image = new_image(producer.gc)
    producer.put_container("exports")
    check = producer.export_check(image.id)
    assert failed_checks(check) == ["active"]
    task = producer.export(image.id)
    assert task["status"] == "failure"
    assert "[active]" in task["message"], task["message"]
    assert producer.list_objects("exports") == []


def test_consumer_cannot_export_a_shared_image(producer, consumer):
    base = shared_base(producer, consumer)
    consumer.put_container("exports")
    check = consumer.export_check(base.id)
    assert "owner" in failed_checks(check)
    task = consumer.export(base.id)
    assert task["status"] == "failure"
    assert "[owner]" in task["message"], task["message"]
    assert consumer.list_objects("exports") == []


def test_a_stranger_cannot_export_or_check_an_invisible_image_and_learns_nothing(producer, stranger):
    image = active_image(producer.gc, data=unique_data("invisible"))
    stranger.put_container("exports")
    fake = str(uuid.uuid4())
    real, missing = stranger.export(image.id), stranger.export(fake)
    assert real["status"] == missing["status"] == "failure"
    assert real["message"].replace(image.id, "ID") == missing["message"].replace(fake, "ID"), (real["message"], missing["message"])
    for path in ("export-check", "lineage"):
        assert stranger.api.get(f"/images/{image.id}/{path}").status_code == 404
    assert stranger.list_objects("exports") == []


def test_task_list_filters_by_type_and_status(producer):
    data = unique_data("list")
    producer.put_container("incoming")
    producer.put_container("exports")
    producer.put_object("incoming", "ok.raw", data)
    ok = producer.import_object("incoming", "ok.raw", name="ok")
    bad = producer.import_object("incoming", "missing.raw", name="bad")
    exp = producer.export(ok["result"]["image_id"])
    assert (ok["status"], bad["status"], exp["status"]) == ("success", "failure", "success")

    everything = producer.tasks()
    assert {t["id"] for t in everything} == {ok["id"], bad["id"], exp["id"]}
    assert [t["id"] for t in everything] == [exp["id"], bad["id"], ok["id"]], "newest first"
    assert {t["id"] for t in producer.tasks(type="import")} == {ok["id"], bad["id"]}
    assert {t["id"] for t in producer.tasks(type="export")} == {exp["id"]}
    assert {t["id"] for t in producer.tasks(status="failure")} == {bad["id"]}
    assert {t["id"] for t in producer.tasks(status="success")} == {ok["id"], exp["id"]}
    assert {t["id"] for t in producer.tasks(type="import", status="success")} == {ok["id"]}
    assert producer.tasks(status="processing") == []
    # paging: follow the `next` links (relative to the image endpoint, as Glance writes them)
    r = producer.http.get(producer.portal.image_url + "/v2/tasks", params={"limit": 1})
    paged = []
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        paged += [t["id"] for t in body["tasks"]]
        if "next" not in body:
            break
        assert body["next"].startswith("/v2/tasks?"), body["next"]
        r = producer.http.get(producer.portal.image_url + body["next"])
    assert paged == [exp["id"], bad["id"], ok["id"]]
    brief = producer.tasks()[0]
    assert "input" not in brief and "result" not in brief, "the list omits input and result, as Glance does"
    for bad_param in ({"type": "copy"}, {"status": "done"}, {"limit": "-1"}):
        r = producer.http.get(producer.portal.image_url + "/v2/tasks", params=bad_param)
        assert r.status_code == 400, (bad_param, r.status_code)


# --- export checks end to end ------------------------------------------------------------------

def test_snapshot_of_a_shared_image_cannot_be_exported_not_shared_derived(producer, consumer):
    base = shared_base(producer, consumer)
    sid = consumer.boot(base.id)
    snap_id = consumer.snapshot(sid)
    consumer.put_container("exports")

    check = consumer.export_check(snap_id)
    assert check["exportable"] is False
    assert failed_checks(check) == ["not_shared_derived"]
    reason = next(c["reason"] for c in check["checks"] if c["check"] == "not_shared_derived")
    assert base.id in reason and producer.ddi in reason
    assert "not intended to be distributed beyond the producer and consumer" in reason

    task = consumer.export(snap_id)
    assert task["status"] == "failure"
    assert "not_shared_derived" in task["message"], task["message"]
    assert consumer.list_objects("exports") == []

    # still blocked once the producer has deleted the base image (lineage keeps deleted ancestors)
    producer.gc.images.delete(base.id)
    lineage = consumer.lineage(snap_id)
    assert lineage["origin"]["boot_image_id"] == base.id
    assert len(lineage["ancestors"]) == 1, "the deleted ancestor stays in the chain"
    ancestor = lineage["ancestors"][0]
    # the consumer may no longer see the deleted image: it is either shown as deleted or hidden
    assert ancestor.get("hidden") is True or (ancestor["image_id"] == base.id and ancestor["status"] == "deleted"), ancestor
    check = consumer.export_check(snap_id)
    assert failed_checks(check) == ["not_shared_derived"]
    reason = next(c["reason"] for c in check["checks"] if c["check"] == "not_shared_derived")
    assert "deleted" in reason, reason
    task = consumer.export(snap_id)
    assert task["status"] == "failure"
    assert "not_shared_derived" in task["message"], task["message"]
    assert consumer.list_objects("exports") == []


def test_snapshot_of_a_snapshot_of_a_shared_image_is_still_blocked(producer, consumer):
    base = shared_base(producer, consumer)
    first = consumer.snapshot(consumer.boot(base.id))
    second = consumer.snapshot(consumer.boot(first))
    lineage = consumer.lineage(second)
    assert [a["image_id"] for a in lineage["ancestors"]] == [first, base.id]
    assert failed_checks(consumer.export_check(second)) == ["not_shared_derived"]
    consumer.put_container("exports")
    task = consumer.export(second)
    assert task["status"] == "failure" and "not_shared_derived" in task["message"]


def test_downloaded_and_reuploaded_shared_data_is_blocked_by_content_lineage(producer, consumer):
    base = shared_base(producer, consumer)
    data = download(consumer.gc, base.id)
    copy = active_image(consumer.gc, data=data, name="my own, honest")
    assert copy.owner == consumer.ddi
    assert consumer.lineage(copy.id)["origin"]["type"] == "upload"
    check = consumer.export_check(copy.id)
    assert failed_checks(check) == ["content_lineage"]
    reason = next(c["reason"] for c in check["checks"] if c["check"] == "content_lineage")
    assert base.id in reason
    consumer.put_container("exports")
    task = consumer.export(copy.id)
    assert task["status"] == "failure"
    assert "content_lineage" in task["message"], task["message"]
    assert consumer.list_objects("exports") == []
    # a snapshot of a server booted from the re-upload is blocked through its ancestor
    snap = consumer.snapshot(consumer.boot(copy.id))
    assert failed_checks(consumer.export_check(snap)) == ["content_lineage"]
    # and removing the member afterwards does not launder it: the data was shared with the uploader
    producer.gc.image_members.delete(base.id, consumer.ddi)
    assert failed_checks(consumer.export_check(copy.id)) == ["content_lineage"]
    later = active_image(consumer.gc, data=data, name="uploaded after the share ended")
    assert failed_checks(consumer.export_check(later.id)) == ["content_lineage"]


def test_reimported_shared_data_is_blocked_by_content_lineage(producer, consumer):
    base = shared_base(producer, consumer)
    data = download(consumer.gc, base.id)
    consumer.put_container("incoming")
    consumer.put_object("incoming", "mine.raw", data)
    task = consumer.import_object("incoming", "mine.raw", name="imported copy")
    assert task["status"] == "success", task
    imported = task["result"]["image_id"]
    assert "content_lineage" in failed_checks(consumer.export_check(imported))
    consumer.put_container("exports")
    task = consumer.export(imported)
    assert task["status"] == "failure" and "content_lineage" in task["message"], task


def test_same_data_uploaded_independently_without_a_share_is_exportable(producer, stranger):
    data = unique_data("independent")
    active_image(producer.gc, data=data)
    mine = active_image(stranger.gc, data=data)
    assert stranger.export_check(mine.id)["exportable"] is True


def test_windows_base_image_blocks_its_snapshots_and_itself(producer):
    base = active_image(producer.gc, data=unique_data("win"))
    producer.gc.images.update(base.id, os_type="windows")
    producer.put_container("exports")
    assert failed_checks(producer.export_check(base.id)) == ["not_export_restricted"]
    task = producer.export(base.id)
    assert task["status"] == "failure" and "not_export_restricted" in task["message"], task
    snap = producer.snapshot(producer.boot(base.id))
    assert failed_checks(producer.export_check(snap)) == ["not_export_restricted"]
    task = producer.export(snap)
    assert task["status"] == "failure"
    assert "not_export_restricted" in task["message"] and "windows" in task["message"], task["message"]
    assert producer.list_objects("exports") == []


def test_windows_set_on_the_ancestor_after_the_snapshot_still_blocks(producer):
    base = active_image(producer.gc, data=unique_data("win-later"))
    snap = producer.snapshot(producer.boot(base.id))
    assert producer.export_check(snap)["exportable"] is True
    producer.gc.images.update(base.id, os_type="windows")
    assert producer.gc.images.get(snap).get("os_type") is None
    check = producer.export_check(snap)
    assert failed_checks(check) == ["not_export_restricted"]
    reason = next(c["reason"] for c in check["checks"] if c["check"] == "not_export_restricted")
    assert base.id in reason and "windows" in reason
    producer.put_container("exports")
    task = producer.export(snap)
    assert task["status"] == "failure" and "not_export_restricted" in task["message"]


def test_export_restricted_set_by_an_admin_blocks_and_a_member_role_gets_403(producer):
    base = active_image(producer.gc, data=unique_data("licensed"))
    with pytest.raises(exc.HTTPForbidden):
        producer.gc.images.update(base.id, export_restricted="true")
    assert producer.gc.images.get(base.id).get("export_restricted") is None

    admin = as_role(producer, "admin")
    admin.gc.images.update(base.id, export_restricted="true")
    assert producer.gc.images.get(base.id).get("export_restricted") == "true"

    snap = producer.snapshot(producer.boot(base.id))
    assert producer.gc.images.get(snap).get("export_restricted") is None, "snapshots do not copy the flag"
    check = producer.export_check(snap)
    assert failed_checks(check) == ["not_export_restricted"]
    producer.put_container("exports")
    for image_id in (base.id, snap):
        task = producer.export(image_id)
        assert task["status"] == "failure"
        assert "not_export_restricted" in task["message"], task["message"]
    assert producer.list_objects("exports") == []

    # a member-role token may not remove it either
    with pytest.raises(exc.HTTPForbidden):
        producer.gc.images.update(base.id, remove_props=["export_restricted"])
    admin.gc.images.update(base.id, remove_props=["export_restricted"])
    assert producer.export_check(snap)["exportable"] is True


def test_a_snapshot_cannot_smuggle_export_restricted_through_metadata(producer):
    base = active_image(producer.gc, data=unique_data("smuggle"))
    r = producer.snapshot_raw(producer.boot(base.id), metadata={"export_restricted": "false"})
    assert r.status_code in (202, 400, 403), r.text
    if r.status_code == 202:
        assert producer.gc.images.get(r.json()["image_id"]).get("export_restricted") is None


# --- audit -------------------------------------------------------------------------------------

def test_audit_events_for_servers_snapshots_imports_and_exports(producer, consumer):
    def events(t, type, **params):
        return t.audit(type, **params)

    # server create / delete
    base = active_image(producer.gc, data=unique_data("audit"))
    sid = producer.boot(base.id)
    # before/after are JSON objects with typed values
    created = [e for e in events(producer, "server.created") if (e.get("after") or {}).get("server_id") == sid]
    assert len(created) == 1, events(producer, "server.created")
    assert created[0]["image_id"] == base.id
    assert created[0]["actor_tenant"] == producer.ddi
    assert created[0]["token_id"] == producer.portal.token_id(producer.token)
    assert created[0]["request_id"]
    snap = producer.snapshot(sid)
    snaps = events(producer, "snapshot.created", image_id=snap)
    assert len(snaps) == 1 and snaps[0]["after"]["server_id"] == sid and snaps[0]["after"]["boot_image_id"] == base.id
    producer.http.delete(producer.compute(f"/servers/{sid}"))
    deleted = [e for e in events(producer, "server.deleted") if (e.get("before") or {}).get("server_id") == sid]
    assert len(deleted) == 1

    # import requested / succeeded / failed
    producer.put_container("incoming")
    producer.put_object("incoming", "a.raw", unique_data("audit-import"))
    ok = producer.import_object("incoming", "a.raw", name="audited")
    bad = producer.import_object("incoming", "missing.raw", name="audited-bad")
    requested = " ".join(e["detail"] or "" for e in events(producer, "import.requested"))
    assert ok["id"] in requested and bad["id"] in requested
    succeeded = events(producer, "import.succeeded", image_id=ok["result"]["image_id"])
    assert len(succeeded) == 1 and ok["id"] in succeeded[0]["detail"]
    failed = [e for e in events(producer, "import.failed") if "missing.raw" in (e.get("detail") or "")]
    assert len(failed) == 1

    # export requested / succeeded / failed / blocked
    producer.put_container("exports")
    good = producer.export(base.id)
    assert good["status"] == "success"
    req = events(producer, "export.requested", image_id=base.id)
    assert any(good["id"] in (e["detail"] or "") for e in req)
    succ = events(producer, "export.succeeded", image_id=base.id)
    assert len(succ) == 1 and succ[0]["after"]["etag"] == base.checksum
    lost = producer.export(base.id, "nowhere")
    assert lost["status"] == "failure"
    assert len(events(producer, "export.failed", image_id=base.id)) == 1

    shared = shared_base(producer, consumer)
    csnap = consumer.snapshot(consumer.boot(shared.id))
    consumer.put_container("exports")
    blocked_task = consumer.export(csnap)
    assert blocked_task["status"] == "failure"
    blocked = events(consumer, "export.blocked", image_id=csnap)
    assert len(blocked) == 1
    assert "not_shared_derived" in blocked[0]["detail"]
    assert blocked[0]["actor_tenant"] == consumer.ddi
    assert len(events(consumer, "export.requested", image_id=csnap)) == 1
    # the producer does not read the consumer's export attempts of its own snapshot
    assert events(producer, "export.blocked", image_id=csnap) == []


def test_rejected_members_lose_boot_access_when_the_operator_says_so(make_portal):
    server = make_portal("--rejected-members-lose-access", name="rejected-lose").start()
    producer, consumer = tenant(server), tenant(server)
    image = shared_base(producer, consumer)
    consumer.boot(image.id)  # pending: still works
    consumer.gc.image_members.update(image.id, consumer.ddi, "rejected")
    r = consumer.boot_raw(image.id)
    assert r.status_code == 400 and "could not be found" in r.text, r.text
    consumer.gc.image_members.update(image.id, consumer.ddi, "pending")
    consumer.boot(image.id)


def test_lineage_does_not_reveal_ancestors_the_caller_cannot_see(portal):
    """X shares base A with P; P snapshots it and shares the snapshot B with C. C may see B (a member), but
    A is invisible to C (404: rule 5, "existence must not leak"), and C must not learn that P is X's
    consumer (rule 6). So neither B's nor C's own snapshot's lineage may show A's name or X's DDI to C.
    (The export check itself only needs the nearest foreign ancestor, B of P, which C knows.)"""
    x, p, c = tenant(portal), tenant(portal), tenant(portal)
    secret_name = "X private base " + uuid.uuid4().hex[:6]
    a = active_image(x.gc, data=unique_data("x-base"), name=secret_name)
    x.gc.image_members.create(a.id, p.ddi)
    b_id = p.snapshot(p.boot(a.id), name="P snapshot")
    p.gc.images.update(b_id, visibility="shared")
    p.gc.image_members.create(b_id, c.ddi)
    with pytest.raises(exc.HTTPNotFound):
        c.gc.images.get(a.id)
    s_id = c.snapshot(c.boot(b_id))
    for image_id in (b_id, s_id):
        r = c.api.get(f"/images/{image_id}/lineage")
        assert r.status_code == 200, r.text
        assert secret_name not in r.text, f"lineage of {image_id} shows the name of an image C cannot see: {r.json()}"
        assert x.ddi not in r.text, f"lineage of {image_id} shows tenant {x.ddi}, unrelated to C: {r.json()}"
    check = c.export_check(s_id)
    assert failed_checks(check) == ["not_shared_derived"]
    assert secret_name not in str(check) and x.ddi not in str(check)
