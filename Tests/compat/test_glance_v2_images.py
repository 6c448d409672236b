"""Glance v2 images and image data with python-glanceclient 4.13 (raw requests where it cannot go)."""
import hashlib
import io
import socket
import time
import uuid

import pytest
from glanceclient import exc

from helpers import (Api, DeterministicStream, active_image, deterministic_bytes, download, glance,
                     new_image, qcow2_image, tenant_with_token)

pytestmark = pytest.mark.filterwarnings("ignore:`version` keyword is being deprecated:DeprecationWarning")

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def owner(portal):
    """A fresh tenant: (ddi, token, glanceclient, raw api)."""
    ddi, token = tenant_with_token(portal)
    return ddi, token, glance(portal, token), Api(portal, token)


def status_of(error):
    return getattr(error, "code", None) or getattr(error, "status_code", None)


# --- lifecycle ---------------------------------------------------------------------------------

def test_full_image_lifecycle_with_glanceclient(portal, owner):
    ddi, token, gc, api = owner

    # Given: a new image with a custom property
    image = gc.images.create(name="lifecycle", disk_format="raw", container_format="bare", flavor="vanilla")
    assert image.status == "queued"
    assert image.visibility == "shared"
    assert image.owner == ddi
    assert image.flavor == "vanilla"
    assert image.protected is False

    # When: properties are added, replaced and removed
    image = gc.images.update(image.id, colour="red")
    assert image.colour == "red"
    image = gc.images.update(image.id, flavor="chocolate", min_ram=512)
    assert image.flavor == "chocolate" and image.min_ram == 512
    image = gc.images.update(image.id, remove_props=["colour"])
    assert "colour" not in image
    assert gc.images.get(image.id).flavor == "chocolate"

    # And: tags are added and removed
    gc.image_tags.update(image.id, "alpha")
    gc.image_tags.update(image.id, "beta")
    gc.image_tags.update(image.id, "beta")  # idempotent
    assert sorted(gc.images.get(image.id).tags) == ["alpha", "beta"]
    gc.image_tags.delete(image.id, "alpha")
    assert gc.images.get(image.id).tags == ["beta"]

    # And: data is uploaded
    data = deterministic_bytes(4096, seed=7)
    gc.images.upload(image.id, io.BytesIO(data))
    image = gc.images.get(image.id)
    assert image.status == "active"
    assert image.size == len(data)
    assert image.checksum == hashlib.md5(data).hexdigest()
    assert image.os_hash_algo == "sha512"
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.virtual_size == image.size
    assert download(gc, image.id) == data

    # When: deactivated, the member-role owner may not download
    gc.images.deactivate(image.id)
    assert gc.images.get(image.id).status == "deactivated"
    with pytest.raises(exc.HTTPForbidden):
        download(gc, image.id)
    assert api.get(f"/images/{image.id}/file").status_code == 403

    # And: reactivated, it downloads again
    gc.images.reactivate(image.id)
    assert gc.images.get(image.id).status == "active"
    assert download(gc, image.id) == data

    # When: protected, delete is refused
    gc.images.update(image.id, protected=True)
    with pytest.raises(exc.HTTPForbidden):
        gc.images.delete(image.id)
    assert gc.images.get(image.id).status == "active"

    # Then: unprotected, it deletes and is gone
    gc.images.update(image.id, protected=False)
    gc.images.delete(image.id)
    with pytest.raises(exc.HTTPNotFound):
        gc.images.get(image.id)
    assert api.get(f"/images/{image.id}/file").status_code == 404
    assert api.delete(f"/images/{image.id}").status_code == 404
    assert image.id not in [i.id for i in gc.images.list()]


def test_admin_role_may_download_a_deactivated_image(portal):
    ddi = portal.tenant()
    admin = glance(portal, portal.token(ddi, role="admin"))
    member = glance(portal, portal.token(ddi, role="member"))
    image = active_image(admin, data=b"deactivated data")
    admin.images.deactivate(image.id)
    assert download(admin, image.id) == b"deactivated data"
    with pytest.raises(exc.HTTPForbidden):
        download(member, image.id)


def test_create_answers_201_with_location_and_glance_links(portal, owner):
    _, _, _, api = owner
    r = api.post("/images", json={"name": "links", "disk_format": "raw", "container_format": "bare"})
    assert r.status_code == 201
    body = r.json()
    assert r.headers["Location"].endswith(f"/image/v2/images/{body['id']}")
    assert body["self"] == f"/v2/images/{body['id']}"
    assert body["file"] == f"/v2/images/{body['id']}/file"
    assert body["schema"] == "/v2/schemas/image"
    assert body["status"] == "queued"
    assert body["visibility"] == "shared"
    assert body["tags"] == []
    for null_field in ["size", "checksum", "os_hash_algo", "os_hash_value", "virtual_size"]:
        assert body[null_field] is None, null_field


def test_create_with_a_chosen_id_and_409_when_taken(portal, owner):
    _, _, gc, _ = owner
    wanted = str(uuid.uuid4())
    image = new_image(gc, id=wanted)
    assert image.id == wanted
    assert gc.images.get(wanted).id == wanted
    with pytest.raises(exc.HTTPConflict):
        new_image(gc, id=wanted)


def test_an_id_taken_by_another_tenant_also_gives_409(portal, owner):
    _, _, gc, _ = owner
    other = glance(portal, tenant_with_token(portal)[1])
    wanted = str(uuid.uuid4())
    new_image(other, id=wanted, visibility="private")
    with pytest.raises(exc.HTTPConflict):
        new_image(gc, id=wanted)


def test_tags_through_raw_api_answer_204_and_unknown_tag_delete_is_404(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc)
    assert api.put(f"/images/{image.id}/tags/one").status_code == 204
    assert api.delete(f"/images/{image.id}/tags/one").status_code == 204
    assert api.delete(f"/images/{image.id}/tags/never-set").status_code == 404
    assert api.put(f"/images/{MISSING}/tags/one").status_code == 404


def test_visibility_can_be_changed_between_private_shared_and_community(portal, owner):
    _, _, gc, _ = owner
    image = new_image(gc, visibility="private")
    assert image.visibility == "private"
    for visibility in ["shared", "community", "private"]:
        assert gc.images.update(image.id, visibility=visibility).visibility == visibility


def test_only_admins_may_make_an_image_public(portal):
    ddi = portal.tenant()
    member = glance(portal, portal.token(ddi, role="member"))
    admin = glance(portal, portal.token(ddi, role="admin"))
    # A member-role token can neither create nor update to public
    with pytest.raises(exc.HTTPForbidden):
        new_image(member, visibility="public")
    image = new_image(member)
    with pytest.raises(exc.HTTPForbidden):
        member.images.update(image.id, visibility="public")
    # An admin-role token can
    public = new_image(admin, visibility="public")
    try:
        assert public.visibility == "public"
        assert admin.images.update(image.id, visibility="public").visibility == "public"
        # Another tenant sees the public images in its default list
        stranger = glance(portal, tenant_with_token(portal)[1])
        ids = [i.id for i in stranger.images.list(filters={"owner": ddi})]
        assert public.id in ids and image.id in ids
    finally:
        admin.images.delete(public.id)
        admin.images.delete(image.id)


# --- read-only and reserved attributes ---------------------------------------------------------

@pytest.mark.parametrize("attribute,value", [
    ("status", "active"), ("size", 10), ("checksum", "0" * 32), ("virtual_size", 10),
    ("os_hash_value", "0" * 128), ("created_at", "2020-01-01T00:00:00Z"),
])
def test_create_with_a_read_only_attribute_is_403(portal, owner, attribute, value):
    _, _, _, api = owner
    r = api.post("/images", json={"name": "ro", "disk_format": "raw", "container_format": "bare", attribute: value})
    assert r.status_code == 403, r.text


@pytest.mark.parametrize("attribute,value", [("status", "active"), ("size", 10), ("checksum", "0" * 32)])
def test_patching_a_read_only_attribute_is_403(portal, owner, attribute, value):
    _, _, gc, api = owner
    image = new_image(gc)
    r = api.patch(f"/images/{image.id}", [{"op": "replace", "path": f"/{attribute}", "value": value}])
    assert r.status_code == 403, r.text
    assert gc.images.get(image.id).status == "queued"


def test_reserved_os_glance_properties_are_403(portal, owner):
    _, _, gc, api = owner
    r = api.post("/images", json={"name": "x", "os_glance_import_task": "abc"})
    assert r.status_code == 403, r.text
    image = new_image(gc)
    r = api.patch(f"/images/{image.id}", [{"op": "add", "path": "/os_glance_foo", "value": "bar"}])
    assert r.status_code == 403, r.text


def test_patch_with_a_plain_json_content_type_is_415(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc)
    ops = [{"op": "add", "path": "/colour", "value": "red"}]
    assert api.patch(f"/images/{image.id}", ops, content_type="application/json").status_code == 415
    assert api.patch(f"/images/{image.id}", ops, content_type="text/plain").status_code == 415
    r = api.patch(f"/images/{image.id}", ops)
    assert r.status_code == 200, r.text
    assert r.json()["colour"] == "red"


def test_patch_operations_add_replace_remove_over_raw_http(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc, colour="red")
    r = api.patch(f"/images/{image.id}", [
        {"op": "replace", "path": "/colour", "value": "blue"},
        {"op": "add", "path": "/size_hint", "value": "large"},
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/tags", "value": ["a", "b"]},
    ])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["colour"] == "blue" and body["size_hint"] == "large" and body["name"] == "renamed"
    assert sorted(body["tags"]) == ["a", "b"]
    r = api.patch(f"/images/{image.id}", [{"op": "remove", "path": "/colour"}])
    assert r.status_code == 200 and "colour" not in r.json()


def test_another_tenant_cannot_see_modify_or_delete_a_private_image(portal, owner):
    _, _, gc, _ = owner
    image = new_image(gc, visibility="private")
    stranger = Api(portal, tenant_with_token(portal)[1])
    assert stranger.get(f"/images/{image.id}").status_code == 404
    assert stranger.patch(f"/images/{image.id}", [{"op": "add", "path": "/x", "value": "y"}]).status_code == 404
    assert stranger.delete(f"/images/{image.id}").status_code == 404
    assert stranger.get(f"/images/{image.id}/file").status_code == 404
    assert stranger.upload(image.id, b"data").status_code == 404
    assert gc.images.get(image.id).status == "queued"


def test_raw_status_codes_of_actions_tags_and_delete(portal, owner):
    _, _, gc, api = owner
    image = active_image(gc)
    assert api.post(f"/images/{image.id}/actions/deactivate").status_code == 204
    assert api.image(image.id)["status"] == "deactivated"
    assert api.post(f"/images/{image.id}/actions/reactivate").status_code == 204
    assert api.image(image.id)["status"] == "active"
    assert api.put(f"/images/{image.id}/tags/t").status_code == 204
    assert api.delete(f"/images/{image.id}/tags/t").status_code == 204
    r = api.delete(f"/images/{image.id}")
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"/images/{image.id}").status_code == 404


def test_unknown_image_is_404(portal, owner):
    _, _, _, api = owner
    assert api.get(f"/images/{MISSING}").status_code == 404
    assert api.delete(f"/images/{MISSING}").status_code == 404
    assert api.post(f"/images/{MISSING}/actions/deactivate").status_code == 404


# --- listing: paging -----------------------------------------------------------------------------

def test_list_pages_through_31_images_with_page_size_7_without_gaps_or_duplicates(portal, owner):
    ddi, _, gc, api = owner
    created = {new_image(gc, name=f"page-{n:02d}").id for n in range(31)}

    # When: glanceclient follows `next` links with page size 7
    listed = list(gc.images.list(page_size=7))
    ids = [i.id for i in listed]

    # Then: every image exactly once, newest first
    assert len(ids) == len(set(ids)), "duplicates across pages"
    assert created <= set(ids), f"missing: {created - set(ids)}"
    stamps = [i.created_at for i in listed]
    assert stamps == sorted(stamps, reverse=True), "not in created_at desc order"

    # And: the raw pages are at most 7 long, each `next` is relative to the endpoint, the last has none
    url, pages = "/images?limit=7&owner=" + ddi, []
    while url:
        r = api.get(url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["images"]) <= 7
        pages.append([i["id"] for i in body["images"]])
        url = None
        if "next" in body:
            assert body["next"].startswith("/v2/images?"), body["next"]
            assert "marker=" in body["next"]
            url = body["next"][len("/v2"):]
    assert [len(p) for p in pages] == [7, 7, 7, 7, 3]
    flat = [i for p in pages for i in p]
    assert sorted(flat) == sorted(created)


def test_next_link_appears_only_when_more_remain(portal, owner):
    ddi, _, gc, api = owner
    for n in range(4):
        new_image(gc, name=f"nl-{n}")
    body = api.get("/images", params={"owner": ddi, "limit": 4}).json()
    assert len(body["images"]) == 4
    assert "next" not in body, "an exactly-full last page must not have a next link"
    body = api.get("/images", params={"owner": ddi, "limit": 3}).json()
    assert "next" in body
    assert body["first"].startswith("/v2/images")
    assert body["schema"] == "/v2/schemas/images"


def test_default_page_size_is_25_and_limit_is_capped_at_1000(portal, owner):
    ddi, _, gc, api = owner
    for n in range(27):
        new_image(gc, name=f"dp-{n}")
    body = api.get("/images", params={"owner": ddi}).json()
    assert len(body["images"]) == 25
    assert "next" in body
    r = api.get("/images", params={"owner": ddi, "limit": 5000})
    assert r.status_code == 200
    assert len(r.json()["images"]) == 27


def test_marker_continues_after_the_given_image(portal, owner):
    ddi, _, gc, api = owner
    for n in range(5):
        new_image(gc, name=f"mk-{n}")
    all_ids = api.list_ids({"owner": ddi, "sort_key": "name", "sort_dir": "asc"})
    after = api.list_ids({"owner": ddi, "sort_key": "name", "sort_dir": "asc", "marker": all_ids[1]})
    assert after == all_ids[2:]


# --- listing: filters ----------------------------------------------------------------------------

@pytest.fixture
def catalogue(portal):
    """One tenant's images with varied attributes, for the filter tests."""
    ddi, token = tenant_with_token(portal)
    gc, api = glance(portal, token), Api(portal, token)
    images = {
        "small": active_image(gc, data=b"s" * 10, name="cat-small", tags=["red"], flavor="mint"),
        "medium": active_image(gc, data=b"m" * 100, name="cat-medium", tags=["red", "blue"], flavor="mint",
                               disk_format="ploop", container_format="bare"),
        "large": active_image(gc, data=b"l" * 1000, name="cat-large", tags=["blue"], container_format="ova"),
        "queued": new_image(gc, name="cat-queued", visibility="private", disk_format="qcow2", protected=True),
        "community": new_image(gc, name="cat-community", visibility="community"),
        "hidden": new_image(gc, name="cat-hidden", os_hidden=True),
    }
    ids = {key: image.id for key, image in images.items()}
    yield ddi, gc, api, ids
    gc.images.update(ids["queued"], protected=False)


def listed(gc, **filters):
    return {i.id for i in gc.images.list(filters=filters)}


def names(gc, ids, **filters):
    back = {i: k for k, i in ids.items()}
    return {back[i] for i in listed(gc, **filters) if i in back}


def test_default_list_shows_own_non_hidden_images_but_not_community_ones_of_others(portal, catalogue):
    ddi, gc, _, ids = catalogue
    assert names(gc, ids) == {"small", "medium", "large", "queued", "community"}
    # community images of another tenant are not in the default list, but are with visibility=community
    other_gc = glance(portal, tenant_with_token(portal)[1])
    assert names(other_gc, ids) == set()
    assert names(other_gc, ids, visibility="community") == {"community"}
    assert other_gc.images.get(ids["community"]).id == ids["community"]


def test_filter_by_name_owner_and_formats(portal, catalogue):
    ddi, gc, _, ids = catalogue
    assert names(gc, ids, name="cat-medium") == {"medium"}
    assert names(gc, ids, name="cat-nothing") == set()
    assert names(gc, ids, owner=ddi) == {"small", "medium", "large", "queued", "community"}
    assert names(gc, ids, disk_format="ploop") == {"medium"}
    assert names(gc, ids, disk_format="qcow2") == {"queued"}
    assert names(gc, ids, container_format="ova") == {"large"}


def test_filter_by_visibility(portal, catalogue):
    _, gc, _, ids = catalogue
    assert names(gc, ids, visibility="private") == {"queued"}
    # as in Glance, the owner's own (non-hidden) shared images match visibility=shared
    assert names(gc, ids, visibility="shared") == {"small", "medium", "large"}
    assert names(gc, ids, visibility="community") == {"community"}
    assert names(gc, ids, visibility="all") == {"small", "medium", "large", "queued", "community"}


def test_filter_by_status_and_unknown_status_gives_an_empty_list(portal, catalogue):
    _, gc, api, ids = catalogue
    assert names(gc, ids, status="active") == {"small", "medium", "large"}
    assert names(gc, ids, status="queued") == {"queued", "community"}
    r = api.get("/images", params={"status": "no-such-status"})
    assert r.status_code == 200
    assert r.json()["images"] == []


def test_filter_by_size_range(portal, catalogue):
    _, gc, _, ids = catalogue
    assert names(gc, ids, size_min=50) == {"medium", "large"}
    assert names(gc, ids, size_max=100) == {"small", "medium"}
    assert names(gc, ids, size_min=100, size_max=100) == {"medium"}


def test_filter_by_tags_requires_every_tag(portal, catalogue):
    _, gc, api, ids = catalogue
    assert names(gc, ids, tag=["red"]) == {"small", "medium"}
    assert names(gc, ids, tag=["blue"]) == {"medium", "large"}
    assert names(gc, ids, tag=["red", "blue"]) == {"medium"}
    # the raw repeated query parameter, too
    back = {i: k for k, i in ids.items()}
    got = {back.get(i) for i in api.list_ids([("tag", "red"), ("tag", "blue")])}
    assert got == {"medium"}


def test_filter_by_protected(portal, catalogue):
    _, gc, _, ids = catalogue
    assert names(gc, ids, protected="true") == {"queued"}
    assert names(gc, ids, protected="false") == {"small", "medium", "large", "community"}


def test_hidden_images_are_listed_only_with_os_hidden_true(portal, catalogue):
    _, gc, _, ids = catalogue
    assert names(gc, ids, os_hidden="true") == {"hidden"}
    assert names(gc, ids, os_hidden="false") == {"small", "medium", "large", "queued", "community"}
    assert gc.images.get(ids["hidden"]).os_hidden is True


def test_filter_by_arbitrary_property(portal, catalogue):
    _, gc, _, ids = catalogue
    assert names(gc, ids, flavor="mint") == {"small", "medium"}
    assert names(gc, ids, flavor="none-such") == set()


TIME_CASES = [("eq", True), ("gte", True), ("lte", True), ("gt", False), ("lt", False), ("neq", False)]


@pytest.mark.parametrize("op,matches", TIME_CASES, ids=[op for op, _ in TIME_CASES])
@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_filter_by_the_image_own_timestamp_with_each_operator(portal, owner, field, op, matches):
    # Given: an image and the timestamp the API shows for it
    ddi, _, gc, _ = owner
    image = new_image(gc, name="timed")
    stamp = getattr(gc.images.get(image.id), field)
    # When: listing with <field>=<op>:<that timestamp>
    hit = image.id in listed(gc, owner=ddi, **{field: f"{op}:{stamp}"})
    # Then: eq/gte/lte match it, gt/lt/neq do not
    assert hit is matches, f"{field}={op}:{stamp} should {'' if matches else 'not '}match the image"


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_filter_by_time_against_far_past_and_future(portal, owner, field):
    ddi, _, gc, _ = owner
    image = new_image(gc, name="timed")
    assert image.id in listed(gc, owner=ddi, **{field: "lt:2999-01-01T00:00:00Z"})
    assert image.id in listed(gc, owner=ddi, **{field: "gt:2000-01-01T00:00:00Z"})
    assert image.id in listed(gc, owner=ddi, **{field: "neq:2000-01-01T00:00:00Z"})
    assert image.id not in listed(gc, owner=ddi, **{field: "gt:2999-01-01T00:00:00Z"})
    assert image.id not in listed(gc, owner=ddi, **{field: "lte:2000-01-01T00:00:00Z"})


# --- listing: sorting ----------------------------------------------------------------------------

@pytest.fixture
def sortable(portal):
    ddi, token = tenant_with_token(portal)
    gc, api = glance(portal, token), Api(portal, token)
    specs = [("b", 30), ("a", 10), ("c", 20), ("a", 40)]
    images = [active_image(gc, data=b"x" * size, name=f"sort-{name}") for name, size in specs]
    return ddi, gc, api, images


def test_sort_by_name_ascending_and_descending(portal, sortable):
    ddi, gc, _, _ = sortable
    asc = [i.name for i in gc.images.list(filters={"owner": ddi}, sort_key="name", sort_dir="asc")]
    assert asc == sorted(asc)
    desc = [i.name for i in gc.images.list(filters={"owner": ddi}, sort_key="name", sort_dir="desc")]
    assert desc == sorted(desc, reverse=True)


def test_sort_by_size_and_multiple_keys(portal, sortable):
    ddi, gc, _, _ = sortable
    sizes = [i.size for i in gc.images.list(filters={"owner": ddi}, sort_key="size", sort_dir="asc")]
    assert sizes == [10, 20, 30, 40]
    pairs = [(i.name, i.size) for i in gc.images.list(filters={"owner": ddi}, sort="name:asc,size:desc")]
    assert pairs == [("sort-a", 40), ("sort-a", 10), ("sort-b", 30), ("sort-c", 20)]
    pairs = [(i.name, i.size) for i in
             gc.images.list(filters={"owner": ddi}, sort_key=["name", "size"], sort_dir=["desc", "asc"])]
    assert pairs == [("sort-c", 20), ("sort-b", 30), ("sort-a", 10), ("sort-a", 40)]


def test_sort_and_paging_combine_without_gaps(portal, sortable):
    ddi, gc, _, images = sortable
    by_size = [i.id for i in gc.images.list(filters={"owner": ddi}, sort_key="size", sort_dir="desc", page_size=1)]
    assert by_size == [images[3].id, images[0].id, images[2].id, images[1].id]


# --- listing: bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"limit": "-1"}, {"limit": "abc"}, {"sort_key": "no_such_key"}, {"sort_dir": "sideways"},
    {"sort": "name:sideways"}, {"visibility": "everyone"}, {"member_status": "maybe"}, {"size_min": "big"},
    {"size_max": "small"}, {"marker": MISSING}, {"protected": "perhaps"}, {"os_hidden": "maybe"},
    {"created_at": "gt:not-a-date"}, {"sort": "name:asc", "sort_key": "size"},
], ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_bad_list_parameters_are_400(portal, owner, params):
    _, _, _, api = owner
    r = api.get("/images", params=params)
    assert r.status_code == 400, (params, r.status_code, r.text)
    assert r.json()["error"]["code"] == 400


def test_a_marker_the_caller_cannot_see_is_400(portal, owner):
    _, _, _, api = owner
    other_gc = glance(portal, tenant_with_token(portal)[1])
    hidden = new_image(other_gc, visibility="private")
    assert api.get("/images", params={"marker": hidden.id}).status_code == 400


# --- image data ----------------------------------------------------------------------------------

def test_64_mib_upload_and_download_round_trip_by_sha256(portal, owner):
    _, _, gc, api = owner
    size = 64 * 1024 * 1024
    image = new_image(gc, name="big")
    # When: glanceclient streams 64 MiB (chunked) from a generator-backed file object
    stream = DeterministicStream(size, seed=64)
    gc.images.upload(image.id, stream)
    expected_sha256 = stream.sha256.hexdigest()
    meta = gc.images.get(image.id)
    assert meta.status == "active"
    assert meta.size == size
    assert meta.checksum == stream.md5.hexdigest()
    assert meta.virtual_size == size
    # Then: the download streams back identical bytes (glanceclient also checks os_hash_value)
    sha, length = hashlib.sha256(), 0
    for chunk in gc.images.data(image.id):
        sha.update(chunk)
        length += len(chunk)
    assert length == size
    assert sha.hexdigest() == expected_sha256


def test_upload_with_content_length_and_download_headers(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc)
    data = deterministic_bytes(10_000, seed=3)
    r = api.upload(image.id, data)  # requests sends Content-Length for bytes
    assert r.status_code == 204, r.text
    r = api.get(f"/images/{image.id}/file")
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert int(r.headers["Content-Length"]) == len(data)
    assert r.headers["Content-MD5"] == hashlib.md5(data).hexdigest()


def test_range_requests(portal, owner):
    _, _, gc, api = owner
    data = deterministic_bytes(1000, seed=5)
    image = active_image(gc, data=data)
    path = f"/images/{image.id}/file"

    r = api.get(path, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206
    assert r.content == data[:100]
    assert r.headers["Content-Range"] == "bytes 0-99/1000"
    assert int(r.headers["Content-Length"]) == 100

    r = api.get(path, headers={"Range": "bytes=900-"})
    assert r.status_code == 206
    assert r.content == data[900:]
    assert r.headers["Content-Range"] == "bytes 900-999/1000"

    r = api.get(path, headers={"Range": "bytes=-10"})
    assert r.status_code == 206, "suffix range"
    assert r.content == data[-10:]
    assert r.headers["Content-Range"] == "bytes 990-999/1000"

    r = api.get(path, headers={"Range": "bytes=990-5000"})
    assert r.status_code == 206
    assert r.content == data[990:]
    assert r.headers["Content-Range"] == "bytes 990-999/1000"

    for unsatisfiable in ["bytes=1000-", "bytes=5000-6000"]:
        r = api.get(path, headers={"Range": unsatisfiable})
        assert r.status_code == 416, (unsatisfiable, r.status_code)


def test_downloading_a_queued_image_gives_204_and_no_body(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc)
    r = api.get(f"/images/{image.id}/file")
    assert r.status_code == 204
    assert r.content == b""
    # glanceclient turns the 204 into "no data"
    assert gc.images.data(image.id).wrapped is None


def test_upload_with_wrong_content_type_is_415_and_image_stays_queued(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc)
    for content_type in ["text/plain", "application/json"]:
        assert api.upload(image.id, b"data", content_type=content_type).status_code == 415
    assert gc.images.get(image.id).status == "queued"


def test_upload_to_an_active_image_is_409(portal, owner):
    _, _, gc, api = owner
    image = active_image(gc, data=b"first")
    assert api.upload(image.id, b"second").status_code == 409
    with pytest.raises(exc.HTTPConflict):
        gc.images.upload(image.id, io.BytesIO(b"third"))
    assert download(gc, image.id) == b"first"


def test_upload_to_a_deactivated_image_is_409(portal, owner):
    _, _, gc, api = owner
    image = active_image(gc, data=b"first")
    gc.images.deactivate(image.id)
    assert api.upload(image.id, b"second").status_code == 409


@pytest.mark.parametrize("missing", ["disk_format", "container_format"])
def test_upload_needs_disk_and_container_format_first(portal, owner, missing):
    _, _, _, api = owner
    body = {"name": "no-formats", "disk_format": "raw", "container_format": "bare"}
    del body[missing]
    image = api.create(**body)
    r = api.upload(image["id"], b"data")
    assert r.status_code == 400, r.text
    assert api.image(image["id"])["status"] == "queued"


def assert_left_queued_with_nothing_kept(gc, api, image_id):
    image = gc.images.get(image_id)
    assert image.status == "queued"
    assert image.size is None and image.checksum is None and image.os_hash_value is None
    assert api.get(f"/images/{image_id}/file").status_code == 204


def test_declared_size_mismatch_is_400_keeps_nothing_and_a_later_good_upload_succeeds(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc)
    data = deterministic_bytes(2048, seed=9)
    # When: the declared size is wrong (glanceclient sends x-openstack-image-size)
    with pytest.raises(exc.HTTPBadRequest):
        gc.images.upload(image.id, io.BytesIO(data), image_size=len(data) + 1)
    assert_left_queued_with_nothing_kept(gc, api, image.id)
    r = api.upload(image.id, data, headers={"x-openstack-image-size": str(len(data) - 1)})
    assert r.status_code == 400
    assert_left_queued_with_nothing_kept(gc, api, image.id)
    # Then: a correct upload still works
    gc.images.upload(image.id, io.BytesIO(data), image_size=len(data))
    assert gc.images.get(image.id).status == "active"
    assert download(gc, image.id) == data


def test_qcow2_declared_but_random_bytes_is_400_and_stays_queued(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc, disk_format="qcow2")
    with pytest.raises(exc.HTTPBadRequest):
        gc.images.upload(image.id, io.BytesIO(deterministic_bytes(128 * 1024, seed=11)))
    assert_left_queued_with_nothing_kept(gc, api, image.id)
    # Then: a real qcow2 header uploads fine
    data = qcow2_image()
    gc.images.upload(image.id, io.BytesIO(data))
    meta = gc.images.get(image.id)
    assert meta.status == "active" and meta.size == len(data)


def test_raw_declared_but_qcow2_data_is_400_and_stays_queued(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc, disk_format="raw")
    r = api.upload(image.id, qcow2_image())
    assert r.status_code == 400, r.text
    assert_left_queued_with_nothing_kept(gc, api, image.id)
    # Then: genuinely raw data uploads fine
    gc.images.upload(image.id, io.BytesIO(b"\0" * 4096))
    assert gc.images.get(image.id).status == "active"


def test_an_aborted_chunked_upload_leaves_the_image_queued(portal, owner):
    _, token, gc, api = owner
    image = new_image(gc)
    # Given: a chunked upload that stops half way and the connection closes
    with socket.create_connection(("127.0.0.1", portal.port)) as s:
        s.sendall((f"PUT /image/v2/images/{image.id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\n"
                   "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "400\r\n").encode() + b"z" * 512)
    # Then: eventually the image is queued again with nothing kept, and a new upload works. The
    # server may not have started on the request when the first poll answers, so `queued` must hold
    # for a second (the upload fails within milliseconds of the close once it has started).
    deadline = time.time() + 10
    queued_since = None
    while time.time() < deadline:
        if gc.images.get(image.id).status != "queued":
            queued_since = None
        elif time.time() - (queued_since := queued_since or time.time()) >= 1.0:
            break
        time.sleep(0.05)
    assert_left_queued_with_nothing_kept(gc, api, image.id)
    gc.images.upload(image.id, io.BytesIO(b"complete"))
    assert download(gc, image.id) == b"complete"


# --- extensions ----------------------------------------------------------------------------------

def test_export_check_on_an_own_active_image(portal, owner):
    _, _, gc, api = owner
    image = active_image(gc)
    r = api.get(f"/images/{image.id}/export-check")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["image_id"] == image.id
    assert body["exportable"] is True
    assert body["checks"]
    for check in body["checks"]:
        assert set(check) >= {"check", "title", "passed", "reason"}
        assert check["passed"] is True


def test_export_check_blocks_a_queued_image_and_says_why(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc)
    body = api.get(f"/images/{image.id}/export-check").json()
    assert body["exportable"] is False
    failed = [c for c in body["checks"] if not c["passed"]]
    assert failed and all(c["reason"] for c in failed)


def test_export_check_and_lineage_are_404_for_strangers(portal, owner):
    _, _, gc, api = owner
    image = active_image(gc, visibility="private")
    assert api.get(f"/images/{image.id}/lineage").status_code == 200
    stranger = Api(portal, tenant_with_token(portal)[1])
    assert stranger.get(f"/images/{image.id}/export-check").status_code == 404
    assert stranger.get(f"/images/{image.id}/lineage").status_code == 404


# --- more Glance behaviours clients rely on ------------------------------------------------------

@pytest.mark.parametrize("key", ["name", "status", "container_format", "disk_format", "size", "id",
                                 "created_at", "updated_at"])
def test_every_glance_sort_key_is_accepted(portal, owner, key):
    ddi, _, gc, api = owner
    for n in range(3):
        new_image(gc, name=f"sk-{n}")
    for direction in ["asc", "desc"]:
        r = api.get("/images", params={"owner": ddi, "sort_key": key, "sort_dir": direction})
        assert r.status_code == 200, (key, direction, r.text)
        assert len(r.json()["images"]) == 3


def test_paging_sorted_by_size_over_nulls_and_ties_has_no_gaps(portal, owner):
    ddi, _, gc, _ = owner
    # Given: queued images (size null) and active images sharing sizes
    ids = {new_image(gc, name=f"null-{n}").id for n in range(4)}
    ids |= {active_image(gc, data=b"t" * size, name=f"tie-{n}").id for n, size in enumerate([5, 5, 5, 9, 9, 1])}
    for direction in ["asc", "desc"]:
        got = [i.id for i in gc.images.list(filters={"owner": ddi}, sort_key="size", sort_dir=direction, page_size=2)]
        assert len(got) == len(set(got)) == len(ids), direction
        assert set(got) == ids


def test_paging_sorted_by_name_with_duplicate_names_has_no_gaps(portal, owner):
    ddi, _, gc, _ = owner
    ids = {new_image(gc, name=["dup", "dup", "dup", "other", "other"][n]).id for n in range(5)}
    for direction in ["asc", "desc"]:
        got = [i.id for i in gc.images.list(filters={"owner": ddi}, sort_key="name", sort_dir=direction, page_size=2)]
        assert sorted(got) == sorted(ids), direction


def test_next_links_keep_filters_with_awkward_characters(portal, owner):
    ddi, _, gc, api = owner
    awkward = "a b&c=d/é+%"
    ids = {new_image(gc, name=awkward).id for _ in range(5)}
    new_image(gc, name="something else")
    got = [i.id for i in gc.images.list(filters={"owner": ddi, "name": awkward}, page_size=2)]
    assert sorted(got) == sorted(ids)
    body = api.get("/images", params={"owner": ddi, "name": awkward, "limit": 2}).json()
    assert body["next"].startswith("/v2/images?")


def test_tags_with_spaces_and_unicode(portal, owner):
    _, _, gc, _ = owner
    image = new_image(gc)
    for tag in ["with space", "ünïcødé", "dots.and-dashes"]:
        gc.image_tags.update(image.id, tag)
    assert sorted(gc.images.get(image.id).tags) == sorted(["with space", "ünïcødé", "dots.and-dashes"])
    assert image.id in [i.id for i in gc.images.list(filters={"tag": ["with space"]})]
    gc.image_tags.delete(image.id, "with space")
    assert "with space" not in gc.images.get(image.id).tags


@pytest.mark.parametrize("body", [
    {"disk_format": "floppy"}, {"container_format": "zip"}, {"name": "n" * 256}, {"min_ram": -1},
    {"tags": "not-a-list"}, {"visibility": "everyone"}, {"protected": "yes"},
], ids=["disk_format", "container_format", "long-name", "min_ram", "tags", "visibility", "protected"])
def test_create_with_a_schema_invalid_value_is_400(portal, owner, body):
    _, _, _, api = owner
    r = api.post("/images", json=body)
    assert r.status_code == 400, (body, r.status_code, r.text)


def test_create_with_a_body_that_is_not_json_is_400(portal, owner):
    _, _, _, api = owner
    r = api.post("/images", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


@pytest.mark.parametrize("attribute", ["location", "deleted", "deleted_at"])
def test_create_with_a_reserved_attribute_is_403(portal, owner, attribute):
    _, _, _, api = owner
    r = api.post("/images", json={"name": "r", attribute: "x"})
    assert r.status_code == 403, r.text


def test_patch_conflicts_and_forbidden_removals(portal, owner):
    _, _, gc, api = owner
    image = new_image(gc, colour="red")
    path = f"/images/{image.id}"
    # replacing or removing a property that does not exist: 409
    assert api.patch(path, [{"op": "replace", "path": "/nothing", "value": "x"}]).status_code == 409
    assert api.patch(path, [{"op": "remove", "path": "/nothing"}]).status_code == 409
    # removing a core attribute: 403
    assert api.patch(path, [{"op": "remove", "path": "/name"}]).status_code == 403
    # the id cannot be changed: 403
    assert api.patch(path, [{"op": "replace", "path": "/id", "value": str(uuid.uuid4())}]).status_code == 403
    # an unknown operation or a malformed document: 400
    assert api.patch(path, [{"op": "move", "path": "/colour", "from": "/x"}]).status_code == 400
    assert api.patch(path, {"op": "add"}).status_code == 400
    # add on an existing property replaces it (v2.1 JSON patch)
    r = api.patch(path, [{"op": "add", "path": "/colour", "value": "green"}])
    assert r.status_code == 200 and r.json()["colour"] == "green"
    # a failed PATCH changed nothing
    r = api.patch(path, [{"op": "replace", "path": "/colour", "value": "blue"},
                         {"op": "remove", "path": "/nothing"}])
    assert r.status_code == 409
    assert gc.images.get(image.id).colour == "green"


def test_the_id_of_a_deleted_image_cannot_be_reused(portal, owner):
    _, _, gc, _ = owner
    wanted = str(uuid.uuid4())
    new_image(gc, id=wanted)
    gc.images.delete(wanted)
    with pytest.raises(exc.HTTPConflict):
        new_image(gc, id=wanted)


def test_a_deleted_image_is_gone_for_members_too(portal, owner):
    _, _, gc, _ = owner
    consumer_ddi, consumer_token = tenant_with_token(portal)
    consumer = glance(portal, consumer_token)
    image = active_image(gc)
    gc.image_members.create(image.id, consumer_ddi)
    consumer.image_members.update(image.id, consumer_ddi, "accepted")
    gc.images.delete(image.id)
    with pytest.raises(exc.HTTPNotFound):
        consumer.images.get(image.id)
    with pytest.raises(exc.HTTPNotFound):
        list(gc.image_members.list(image.id))
    assert image.id not in [i.id for i in consumer.images.list()]


def test_a_second_upload_while_the_first_is_saving_is_409(portal, owner):
    _, token, gc, api = owner
    image = new_image(gc)
    # Given: an upload in progress (chunked, not yet finished)
    s = socket.create_connection(("127.0.0.1", portal.port))
    try:
        s.sendall((f"PUT /image/v2/images/{image.id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\n"
                   "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "10\r\n0123456789abcdef\r\n").encode())
        deadline = time.time() + 10
        while time.time() < deadline and gc.images.get(image.id).status != "saving":
            time.sleep(0.05)
        assert gc.images.get(image.id).status == "saving"
        # When: another upload starts
        r = api.upload(image.id, b"intruder")
        # Then: 409
        assert r.status_code == 409, r.text
        # And: the first upload completes normally
        s.sendall(b"0\r\n\r\n")
        reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 204"), reply[:100]
    finally:
        s.close()
    assert download(gc, image.id) == b"0123456789abcdef"


def test_upload_over_the_size_cap_is_413_and_keeps_nothing(make_portal):
    server = make_portal("--upload-size-cap", "1000", name="cap").start()
    ddi, token = tenant_with_token(server)
    gc, api = glance(server, token), Api(server, token)
    image = new_image(gc)
    # streamed past the cap
    with pytest.raises(exc.HTTPException) as error:
        gc.images.upload(image.id, io.BytesIO(b"c" * 5000))
    assert status_of(error.value) == 413
    assert_left_queued_with_nothing_kept(gc, api, image.id)
    # declared past the cap
    r = api.upload(image.id, b"c" * 1001, headers={"x-openstack-image-size": "1001"})
    assert r.status_code == 413
    assert_left_queued_with_nothing_kept(gc, api, image.id)
    # exactly the cap is fine
    gc.images.upload(image.id, io.BytesIO(b"c" * 1000))
    assert gc.images.get(image.id).size == 1000


# --- export checks (PRODUCT.md "Lineage and export") -------------------------------------------------

def failed_checks(body):
    return [c for c in body["checks"] if not c["passed"]]


def test_export_check_blocks_a_consumer_of_a_shared_image(portal, owner):
    _, _, gc, _ = owner
    consumer_ddi, consumer_token = tenant_with_token(portal)
    image = active_image(gc)
    gc.image_members.create(image.id, consumer_ddi)
    r = Api(portal, consumer_token).get(f"/images/{image.id}/export-check")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["exportable"] is False
    assert failed_checks(body) and all(c["reason"] for c in failed_checks(body))


def test_export_check_blocks_windows_images(portal, owner):
    _, _, gc, api = owner
    image = active_image(gc, os_type="windows")
    body = api.get(f"/images/{image.id}/export-check").json()
    assert body["exportable"] is False
    assert failed_checks(body) and all(c["reason"] for c in failed_checks(body))


def test_export_check_blocks_a_reupload_of_data_shared_with_the_uploader(portal, owner):
    # Given: a producer shares an image with the consumer
    _, _, gc, _ = owner
    consumer_ddi, consumer_token = tenant_with_token(portal)
    consumer, consumer_api = glance(portal, consumer_token), Api(portal, consumer_token)
    data = deterministic_bytes(3000, seed=99)
    shared = active_image(gc, data=data)
    gc.image_members.create(shared.id, consumer_ddi)
    # When: the consumer downloads it and uploads the same bytes as its own image
    copy = active_image(consumer, data=download(consumer, shared.id))
    assert copy.os_hash_value == shared.os_hash_value
    # Then: the copy counts as derived from the shared image and cannot be exported
    body = consumer_api.get(f"/images/{copy.id}/export-check").json()
    assert body["exportable"] is False
    assert failed_checks(body) and all(c["reason"] for c in failed_checks(body))


def test_export_check_allows_identical_data_from_an_unrelated_tenant(portal, owner):
    _, _, gc, _ = owner
    other_ddi, other_token = tenant_with_token(portal)
    other, other_api = glance(portal, other_token), Api(portal, other_token)
    data = deterministic_bytes(3000, seed=123)
    active_image(gc, data=data)  # never shared with `other`
    mine = active_image(other, data=data)
    assert other_api.get(f"/images/{mine.id}/export-check").json()["exportable"] is True
