"""Glance v1 (PRODUCT.md "Glance v1", seed 003) with the real python-glanceclient 4.13 v1 client,
`glanceclient.Client('1', endpoint=<portal>/image, token=T)`, read back through the v2 client."""
import hashlib
import io
import uuid
from dataclasses import dataclass

import glanceclient
import pytest
import requests
from glanceclient import exc

from helpers import active_image, glance, new_image, tenant_with_token

pytestmark = pytest.mark.filterwarnings("ignore:`version` keyword is being deprecated:DeprecationWarning")

DATA = b"glance v1 image data\n" * 200


@dataclass
class V1Party:
    ddi: str
    token: str
    v1: object  # glanceclient v1 Client
    v2: object  # glanceclient v2 Client
    http: requests.Session


def party(portal, role="member", ddi=None):
    if ddi is None:
        ddi, token = tenant_with_token(portal, role=role)
    else:
        token = portal.token(ddi, role=role)
    session = requests.Session()
    session.headers["X-Auth-Token"] = token
    return V1Party(ddi, token, glanceclient.Client("1", endpoint=portal.image_url, token=token), glance(portal, token), session)


@pytest.fixture
def owner(portal):
    return party(portal)


@pytest.fixture
def member(portal):
    return party(portal)


@pytest.fixture
def third(portal):
    return party(portal)


def v1_create(p, data=DATA, **kwargs):
    kwargs.setdefault("name", "v1-" + uuid.uuid4().hex[:8])
    kwargs.setdefault("disk_format", "raw")
    kwargs.setdefault("container_format", "bare")
    if data is not None:
        kwargs["data"] = io.BytesIO(data)
    return p.v1.images.create(**kwargs)


def v1_url(portal, path=""):
    return portal.image_url + "/v1/images" + path


def md5(data):
    return hashlib.md5(data).hexdigest()


# --- create, head, data ------------------------------------------------------------------------

def test_create_with_data_head_and_download(owner):
    image = v1_create(owner, properties={"os_distro": "ubuntu", "build": "42"}, min_ram=512, min_disk=2)
    assert image.status == "active"
    assert image.size == len(DATA)
    assert image.checksum == md5(DATA)
    assert image.owner == owner.ddi
    assert image.is_public is False
    assert image.properties == {"os_distro": "ubuntu", "build": "42"}

    head = owner.v1.images.get(image.id)  # HEAD
    assert head.id == image.id and head.name == image.name
    assert head.status == "active"
    assert head.size == len(DATA)
    assert head.checksum == md5(DATA)
    assert head.disk_format == "raw" and head.container_format == "bare"
    assert head.min_ram == 512 and head.min_disk == 2
    assert head.is_public is False and head.protected is False and head.deleted is False
    assert head.owner == owner.ddi
    assert head.properties == {"os_distro": "ubuntu", "build": "42"}

    body = owner.v1.images.data(image.id)  # verifies the MD5 against x-image-meta-checksum itself
    got = b"".join(body)
    assert got == DATA
    assert md5(got) == head.checksum
    assert len(body) == len(DATA)

    # the very same record through v2: visibility shared (the v2 default), properties kept
    v2 = owner.v2.images.get(image.id)
    assert v2.visibility == "shared"
    assert v2.checksum == md5(DATA) and v2.size == len(DATA)
    assert v2.get("os_distro") == "ubuntu" and v2.get("build") == "42"
    assert v2.min_ram == 512


def test_create_without_data_then_put_data_then_409(owner):
    image = v1_create(owner, data=None)
    assert image.status == "queued"
    assert image.size == 0
    updated = owner.v1.images.update(image.id, data=io.BytesIO(DATA))
    assert updated.status == "active"
    assert updated.checksum == md5(DATA)
    assert b"".join(owner.v1.images.data(image.id)) == DATA
    with pytest.raises(exc.HTTPConflict):
        owner.v1.images.update(image.id, data=io.BytesIO(b"other data"))
    assert owner.v1.images.get(image.id).checksum == md5(DATA), "data is immutable once active"


def test_create_with_a_chosen_id_and_again_409(owner):
    chosen = str(uuid.uuid4())
    image = v1_create(owner, id=chosen)
    assert image.id == chosen
    assert owner.v2.images.get(chosen).id == chosen
    with pytest.raises(exc.HTTPConflict):
        v1_create(owner, id=chosen)
    with pytest.raises(exc.HTTPConflict):
        v1_create(owner, id=chosen, data=None)


def test_update_properties_with_and_without_purge(owner):
    image = v1_create(owner, properties={"a": "1", "b": "2", "c": "3"})
    # without purge: named properties are set, the others stay
    updated = owner.v1.images.update(image.id, properties={"b": "20", "d": "4"}, name="renamed")
    assert updated.name == "renamed"
    assert updated.properties == {"a": "1", "b": "20", "c": "3", "d": "4"}
    assert owner.v1.images.get(image.id).properties == {"a": "1", "b": "20", "c": "3", "d": "4"}
    # with purge: only the named properties remain
    purged = owner.v1.images.update(image.id, properties={"a": "1", "e": "5"}, purge_props=True)
    assert purged.properties == {"a": "1", "e": "5"}
    assert owner.v1.images.get(image.id).properties == {"a": "1", "e": "5"}
    assert owner.v2.images.get(image.id).get("c") is None
    # a metadata-only update without purge keeps them all
    owner.v1.images.update(image.id, min_ram=128)
    head = owner.v1.images.get(image.id)
    assert head.properties == {"a": "1", "e": "5"} and head.min_ram == 128


def test_declared_size_or_checksum_mismatch_is_400_and_keeps_nothing(owner):
    name = "mismatch-" + uuid.uuid4().hex[:8]
    with pytest.raises(exc.HTTPBadRequest):
        v1_create(owner, name=name, size=len(DATA) + 1)
    with pytest.raises(exc.HTTPBadRequest):
        v1_create(owner, name=name, checksum=md5(b"not the data"))
    assert name not in [i.name for i in owner.v2.images.list()]
    assert list(owner.v1.images.list(filters={"name": name})) == []
    # a matching declaration is accepted
    ok = v1_create(owner, name=name, checksum=md5(DATA), size=len(DATA))
    assert ok.status == "active"


def test_declared_mismatch_on_put_data_is_400_and_image_stays_queued(owner):
    image = v1_create(owner, data=None)
    with pytest.raises(exc.HTTPBadRequest):
        owner.v1.images.update(image.id, data=io.BytesIO(DATA), checksum=md5(b"other"))
    head = owner.v1.images.get(image.id)
    assert head.status == "queued" and head.checksum in (None, "None")


def test_delete_and_protected_delete_is_403(owner):
    image = v1_create(owner)
    owner.v1.images.delete(image.id)
    with pytest.raises(exc.HTTPNotFound):
        owner.v1.images.get(image.id)
    with pytest.raises(exc.HTTPNotFound):
        owner.v2.images.get(image.id)
    protected = v1_create(owner, protected=True)
    assert protected.protected is True
    with pytest.raises(exc.HTTPForbidden):
        owner.v1.images.delete(protected.id)
    assert owner.v1.images.get(protected.id).status == "active"
    owner.v1.images.update(protected.id, protected=False)
    owner.v1.images.delete(protected.id)


# --- lists -------------------------------------------------------------------------------------

@pytest.fixture
def batch(owner):
    """15 images of one owner tagged with a batch property: sizes 100..1500, two queued."""
    tag = uuid.uuid4().hex
    images = []
    for i in range(15):
        data = None if i in (3, 9) else bytes([65 + i]) * (100 * (i + 1))
        fmt = "qcow2" if i % 4 == 0 else "raw"
        cfmt = "ovf" if i % 5 == 0 else "bare"
        if fmt == "qcow2" and data is not None:
            from helpers import qcow2_image
            data = qcow2_image(total=65536 + 100 * (i + 1))
        images.append(v1_create(owner, data=data, name=f"batch-{i:02d}-{tag[:6]}", disk_format=fmt, container_format=cfmt,
                                properties={"batch": tag, "parity": "even" if i % 2 == 0 else "odd"}))
    return tag, images


def test_list_pages_without_gaps_or_duplicates(owner, batch):
    tag, images = batch
    ids = [i.id for i in images]
    for page_size in (1, 4, 5, 13, 100):
        listed = [i.id for i in owner.v1.images.list(page_size=page_size)]
        assert len(listed) == len(set(listed)), f"duplicates with page_size={page_size}"
        mine = [i for i in listed if i in ids]
        assert sorted(mine) == sorted(ids), f"gaps with page_size={page_size}"
    # the default order is created_at desc
    listed = [i.id for i in owner.v1.images.list(page_size=4, filters={"properties": {"batch": tag}})]
    assert listed == list(reversed(ids))


def test_list_with_sort_key_and_sort_dir(owner, batch):
    tag, images = batch
    by_name = sorted(images, key=lambda i: i.name)
    asc = [i.id for i in owner.v1.images.list(page_size=4, sort_key="name", sort_dir="asc", filters={"properties": {"batch": tag}})]
    assert asc == [i.id for i in by_name]
    desc = [i.id for i in owner.v1.images.list(page_size=6, sort_key="name", sort_dir="desc", filters={"properties": {"batch": tag}})]
    assert desc == [i.id for i in reversed(by_name)]
    sized = list(owner.v1.images.list(page_size=3, sort_key="size", sort_dir="asc", filters={"properties": {"batch": tag}}))
    sizes = [i.size for i in sized]
    assert sizes == sorted(sizes) and len(sized) == 15


def test_list_filters(owner, batch):
    tag, images = batch

    def listed(**filters):
        props = filters.pop("properties", {})
        return sorted(i.id for i in owner.v1.images.list(page_size=5, filters={**filters, "properties": {"batch": tag, **props}}))

    def expect(pred):
        return sorted(i.id for i in images if pred(i))

    assert listed() == expect(lambda i: True)
    assert listed(name=images[7].name) == [images[7].id]
    assert listed(disk_format="qcow2") == expect(lambda i: i.disk_format == "qcow2")
    assert listed(container_format="ovf") == expect(lambda i: i.container_format == "ovf")
    assert listed(status="queued") == sorted([images[3].id, images[9].id])
    assert listed(status="active") == expect(lambda i: i.status == "active")
    # queued images have no size yet (NULL in the record, 0 in v1's headers); size filters skip them, as Glance's SQL does
    sizes = {i.id: (i.size if i.status == "active" else None) for i in images}
    assert listed(size_min=500) == expect(lambda i: sizes[i.id] is not None and sizes[i.id] >= 500)
    assert listed(size_max=500) == expect(lambda i: sizes[i.id] is not None and sizes[i.id] <= 500)
    assert listed(size_min=300, size_max=800) == expect(lambda i: sizes[i.id] is not None and 300 <= sizes[i.id] <= 800)
    assert listed(properties={"parity": "odd"}) == expect(lambda i: i.properties["parity"] == "odd")
    assert listed(properties={"parity": "odd"}, disk_format="raw") == expect(
        lambda i: i.properties["parity"] == "odd" and i.disk_format == "raw")


def test_brief_list_raw(portal, owner):
    image = v1_create(owner)
    r = owner.http.get(v1_url(portal))
    assert r.status_code == 200
    entry = next(i for i in r.json()["images"] if i["id"] == image.id)
    assert set(entry) == {"id", "name", "disk_format", "container_format", "size", "checksum"}
    r = owner.http.get(v1_url(portal, "/detail"))
    entry = next(i for i in r.json()["images"] if i["id"] == image.id)
    assert entry["is_public"] is False and entry["properties"] == {} and entry["status"] == "active"


def test_list_holds_own_public_and_accepted_shares_only(owner, member):
    image = v1_create(owner)
    member_ids = lambda: [i.id for i in member.v1.images.list(page_size=100)]  # noqa: E731
    owner.v1.image_members.create(image.id, member.ddi)
    assert image.id not in member_ids(), "pending shares are not listed"
    member.v2.image_members.update(image.id, member.ddi, "accepted")
    assert image.id in member_ids()
    member.v2.image_members.update(image.id, member.ddi, "rejected")
    assert image.id not in member_ids()


# --- members -----------------------------------------------------------------------------------

def test_members_create_list_get_replace_delete(owner, member, third):
    image = v1_create(owner)
    owner.v1.image_members.create(image.id, member.ddi, can_share=True)
    owner.v1.image_members.create(image.id, third.ddi, can_share=False)

    members = {m.member_id: m.can_share for m in owner.v1.image_members.list(image=image.id)}
    assert members == {member.ddi: True, third.ddi: False}
    got = owner.v1.image_members.get(image.id, member.ddi)
    assert got.member_id == member.ddi and got.can_share is True
    with pytest.raises(exc.HTTPNotFound):
        owner.v1.image_members.get(image.id, "9999999")

    # PUT again updates can_share (idempotent add)
    owner.v1.image_members.create(image.id, third.ddi, can_share=True)
    assert owner.v1.image_members.get(image.id, third.ddi).can_share is True

    # replace the whole list
    owner.v1.image_members.replace(image.id, [{"member_id": third.ddi, "can_share": False}])
    assert {m.member_id: m.can_share for m in owner.v1.image_members.list(image=image.id)} == {third.ddi: False}
    with pytest.raises(exc.HTTPNotFound):
        member.v1.images.get(image.id)

    owner.v1.image_members.delete(image.id, third.ddi)
    assert owner.v1.image_members.list(image=image.id) == []
    with pytest.raises(exc.HTTPNotFound):
        third.v1.images.get(image.id)


def test_v1_members_read_back_through_v2_as_pending(owner, member):
    image = v1_create(owner)
    owner.v1.image_members.create(image.id, member.ddi)
    v2_members = list(owner.v2.image_members.list(image.id))
    assert [(m.member_id, m.status) for m in v2_members] == [(member.ddi, "pending")]
    # the member sees the image (any status) through both APIs
    assert member.v1.images.get(image.id).id == image.id
    assert member.v2.images.get(image.id).id == image.id
    assert b"".join(member.v1.images.data(image.id)) == DATA
    # v2-created members have can_share false in v1
    third = party_for(owner)
    owner.v2.image_members.create(image.id, third)
    assert owner.v1.image_members.get(image.id, third).can_share is False


def party_for(p):
    """A well-formed DDI with no account (adding it must work like any other: no existence oracle)."""
    return str(900000000 + uuid.uuid4().int % 99999999)


def test_v1_member_on_a_private_image_makes_it_shared(portal, owner, member):
    image = new_image(owner.v2, visibility="private")
    owner.v2.images.upload(image.id, io.BytesIO(DATA))
    assert owner.v2.images.get(image.id).visibility == "private"
    owner.v1.image_members.create(image.id, member.ddi)
    assert owner.v2.images.get(image.id).visibility == "shared"
    assert [m.member_id for m in owner.v2.image_members.list(image.id)] == [member.ddi]
    assert member.v2.images.get(image.id).id == image.id
    # ... and the audit trail says so
    events = owner.http.get(portal.url + "/audit/v1/events", params={"image": image.id, "type": "image.updated"}).json()["events"]
    switch = [e for e in events if (e["after"] or {}).get("visibility") == "shared"]
    assert len(switch) == 1, events
    assert switch[0]["before"] == {"visibility": "private"}
    assert "v1" in (switch[0]["detail"] or "").lower(), switch[0]


@pytest.mark.parametrize("params", [{"sort_key": "bogus"}, {"sort_dir": "sideways"}, {"limit": "abc"},
                                    {"marker": "00000000-0000-0000-0000-000000000000"}, {"size_min": "x"}])
def test_bad_list_parameters_are_400(portal, owner, params):
    r = owner.http.get(v1_url(portal, "/detail"), params=params)
    assert r.status_code == 400, (params, r.status_code, r.text)


def test_shared_images_for_the_tenant_itself_and_403_for_another(portal, owner, member, third):
    a = v1_create(owner)
    b = v1_create(owner)
    owner.v1.image_members.create(a.id, member.ddi, can_share=True)
    owner.v1.image_members.create(b.id, member.ddi)
    shared = {m.image_id: m.can_share for m in member.v1.image_members.list(member=member.ddi)}
    assert shared == {a.id: True, b.id: False}
    # the owner asking about its member, or a third tenant: 403
    with pytest.raises(exc.HTTPForbidden):
        owner.v1.image_members.list(member=member.ddi)
    with pytest.raises(exc.HTTPForbidden):
        third.v1.image_members.list(member=member.ddi)
    # support staff may read it
    staff_token = portal.staff("v1-support-" + uuid.uuid4().hex[:6], "support")
    staff = glanceclient.Client("1", endpoint=portal.image_url, token=staff_token)
    assert {m.image_id for m in staff.image_members.list(member=member.ddi)} == {a.id, b.id}


def test_can_share_member_adds_members_but_cannot_remove_or_change_the_image(owner, member, third):
    image = v1_create(owner)
    owner.v1.image_members.create(image.id, member.ddi, can_share=True)
    # the can_share member adds a member: works
    member.v1.image_members.create(image.id, third.ddi)
    assert third.ddi in [m.member_id for m in owner.v1.image_members.list(image=image.id)]
    assert third.v1.images.get(image.id).id == image.id
    # ... but cannot remove one (not even the one it added)
    with pytest.raises(exc.HTTPForbidden):
        member.v1.image_members.delete(image.id, third.ddi)
    assert third.ddi in [m.member_id for m in owner.v1.image_members.list(image=image.id)]
    # ... cannot change the image
    with pytest.raises((exc.HTTPForbidden, exc.HTTPNotFound)):
        member.v1.images.update(image.id, name="hijacked")
    assert owner.v1.images.get(image.id).name == image.name
    # ... and does not set can_share: the owner alone does
    fourth = party_for(owner)
    try:
        member.v1.image_members.create(image.id, fourth, can_share=True)
    except exc.HTTPForbidden:
        pass
    flags = {m.member_id: m.can_share for m in owner.v1.image_members.list(image=image.id)}
    assert flags.get(fourth) in (None, False), flags
    # ... nor on an existing member
    with pytest.raises(exc.HTTPForbidden):
        member.v1.image_members.create(image.id, third.ddi, can_share=True)
    assert owner.v1.image_members.get(image.id, third.ddi).can_share is False
    # ... and may not replace the list (that would remove members) nor remove itself
    before = sorted((m.member_id, m.can_share) for m in owner.v1.image_members.list(image=image.id))
    with pytest.raises(exc.HTTPForbidden):
        member.v1.image_members.replace(image.id, [{"member_id": member.ddi, "can_share": True}])
    with pytest.raises(exc.HTTPForbidden):
        member.v1.image_members.delete(image.id, member.ddi)
    assert sorted((m.member_id, m.can_share) for m in owner.v1.image_members.list(image=image.id)) == before


def test_member_without_can_share_cannot_add_members(owner, member, third):
    image = v1_create(owner)
    owner.v1.image_members.create(image.id, member.ddi, can_share=False)
    with pytest.raises(exc.HTTPForbidden):
        member.v1.image_members.create(image.id, third.ddi)
    assert [m.member_id for m in owner.v1.image_members.list(image=image.id)] == [member.ddi]


# --- authorisation -----------------------------------------------------------------------------

def test_is_public_needs_an_admin_token(portal, owner):
    with pytest.raises(exc.HTTPForbidden):
        v1_create(owner, is_public=True)
    admin = party(portal, role="admin", ddi=owner.ddi)
    image = v1_create(admin, is_public=True)
    assert image.is_public is True
    assert owner.v2.images.get(image.id).visibility == "public"
    assert owner.v1.images.get(image.id).is_public is True
    # and is_public=False gives the v2 default, shared
    plain = v1_create(owner, is_public=False)
    assert owner.v2.images.get(plain.id).visibility == "shared"
    # a member-role token may not publish an existing image either
    with pytest.raises(exc.HTTPForbidden):
        owner.v1.images.update(plain.id, is_public=True)
    assert owner.v2.images.get(plain.id).visibility == "shared"


def test_owner_header_by_a_non_admin_is_403(owner, third):
    name = "owned-by-other-" + uuid.uuid4().hex[:6]
    with pytest.raises(exc.HTTPForbidden):
        v1_create(owner, name=name, owner=third.ddi)
    assert name not in [i.name for i in third.v2.images.list()]
    assert name not in [i.name for i in owner.v2.images.list()]
    image = v1_create(owner)
    with pytest.raises(exc.HTTPForbidden):
        owner.v1.images.update(image.id, owner=third.ddi)
    assert owner.v1.images.get(image.id).owner == owner.ddi


def test_no_token_is_401(portal, owner):
    image = v1_create(owner)
    for method, path in [("GET", ""), ("GET", "/detail"), ("POST", ""), ("HEAD", f"/{image.id}"), ("GET", f"/{image.id}"),
                         ("PUT", f"/{image.id}"), ("DELETE", f"/{image.id}"), ("GET", f"/{image.id}/members")]:
        r = requests.request(method, v1_url(portal, path))
        assert r.status_code == 401, (method, path, r.status_code)
    r = requests.get(portal.image_url + f"/v1/shared-images/{owner.ddi}")
    assert r.status_code == 401
    bad = glanceclient.Client("1", endpoint=portal.image_url, token="tok_0000000000000000.nope")
    with pytest.raises(exc.HTTPUnauthorized):
        bad.images.get(image.id)


def test_invisible_images_are_404(owner, third):
    image = v1_create(owner)
    with pytest.raises(exc.HTTPNotFound):
        third.v1.images.get(image.id)
    with pytest.raises(exc.HTTPNotFound):
        b"".join(third.v1.images.data(image.id))
    with pytest.raises(exc.HTTPNotFound):
        third.v1.images.update(image.id, name="x")
    with pytest.raises(exc.HTTPNotFound):
        third.v1.images.delete(image.id)
    with pytest.raises(exc.HTTPNotFound):
        third.v1.image_members.list(image=image.id)
    with pytest.raises(exc.HTTPNotFound):
        third.v1.image_members.create(image.id, third.ddi)
    with pytest.raises(exc.HTTPNotFound):
        owner.v1.images.get(str(uuid.uuid4()))
    assert image.id not in [i.id for i in third.v1.images.list()]


# --- raw headers -------------------------------------------------------------------------------

def test_head_header_names_etag_and_get_content_length(portal, owner):
    image = v1_create(owner, properties={"os_version": "22.04"})
    r = owner.http.head(v1_url(portal, f"/{image.id}"))
    assert r.status_code == 200
    names = {k.lower() for k in r.headers}
    for field in ["id", "name", "disk_format", "container_format", "size", "checksum", "status", "is_public", "protected",
                  "min_ram", "min_disk", "owner", "created_at", "updated_at", "deleted"]:
        assert f"x-image-meta-{field}" in names, f"x-image-meta-{field} missing from {sorted(names)}"
    assert "x-image-meta-disk-format" not in names, "v1 header names keep the underscore"
    assert r.headers["x-image-meta-disk_format"] == "raw"
    assert r.headers["x-image-meta-size"] == str(len(DATA))
    assert r.headers["x-image-meta-is_public"] == "False"
    assert r.headers["x-image-meta-property-os_version"] == "22.04"
    assert r.headers["ETag"].strip('"') == md5(DATA) == r.headers["x-image-meta-checksum"]
    assert r.content == b""

    g = owner.http.get(v1_url(portal, f"/{image.id}"))
    assert g.status_code == 200
    assert g.headers["Content-Length"] == str(len(DATA))
    assert g.headers["Content-Type"] == "application/octet-stream"
    assert g.headers["ETag"].strip('"') == md5(DATA)
    assert g.headers["x-image-meta-checksum"] == md5(DATA)
    assert g.content == DATA


def test_property_header_normalisation(portal, owner):
    headers = {
        "Content-Type": "application/octet-stream",
        "X-Image-Meta-Name": "normalised",
        "X-Image-Meta-Disk_Format": "raw",
        "X-Image-Meta-Container_Format": "bare",
        "X-Image-Meta-Property-OS-Distro": "ubuntu",
        "X-Image-Meta-Property-Hw.Vif.Model": "virtio",
    }
    r = owner.http.post(v1_url(portal), data=DATA, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()["image"]
    assert body["properties"] == {"os_distro": "ubuntu", "hw_vif_model": "virtio"}
    assert body["status"] == "active" and body["checksum"] == md5(DATA)
    assert r.headers["Location"].endswith(f"/image/v1/images/{body['id']}")
    assert owner.v2.images.get(body["id"]).get("os_distro") == "ubuntu"
    assert owner.v1.images.get(body["id"]).properties == {"os_distro": "ubuntu", "hw_vif_model": "virtio"}


def test_get_of_a_queued_image_has_no_data(portal, owner):
    image = v1_create(owner, data=None)
    r = owner.http.get(v1_url(portal, f"/{image.id}"))
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["x-image-meta-status"] == "queued"


def test_wrong_content_type_on_data_is_415(portal, owner):
    r = owner.http.post(v1_url(portal), data=DATA, headers={
        "Content-Type": "text/plain", "x-image-meta-name": "bad-type", "x-image-meta-disk_format": "raw",
        "x-image-meta-container_format": "bare"})
    assert r.status_code == 415, r.status_code


def test_versions_document_lists_v1_as_deprecated(portal):
    versions = {v["id"]: v for v in requests.get(portal.image_url).json()["versions"]}
    assert versions["v1.1"]["status"] == "DEPRECATED"
    assert versions["v1.0"]["status"] == "DEPRECATED"


def test_v2_created_image_reads_through_v1(owner):
    image = active_image(owner.v2, data=DATA, os_distro="fedora")
    head = owner.v1.images.get(image.id)
    assert head.checksum == md5(DATA) and head.properties.get("os_distro") == "fedora"
    assert head.is_public is False
    assert b"".join(owner.v1.images.data(image.id)) == DATA
