"""The image sharing workflow (PRODUCT.md "Sharing rules" 1-10) with the real python-glanceclient."""
import io
from dataclasses import dataclass

import pytest
from glanceclient import exc

from helpers import Api, active_image, download, glance, new_image, tenant_with_token

pytestmark = pytest.mark.filterwarnings("ignore:`version` keyword is being deprecated:DeprecationWarning")

DATA = b"shared image bytes\n" * 100


@dataclass
class Party:
    ddi: str
    token: str
    gc: object  # glanceclient v2 Client
    api: Api


def party(portal, role="member"):
    ddi, token = tenant_with_token(portal, role=role)
    return Party(ddi, token, glance(portal, token), Api(portal, token))


@pytest.fixture
def producer(portal):
    return party(portal)


@pytest.fixture
def consumer(portal):
    return party(portal)


@pytest.fixture
def stranger(portal):
    return party(portal)


def default_list(p):
    return [i.id for i in p.gc.images.list()]


def listed_with(p, **filters):
    return [i.id for i in p.gc.images.list(filters=filters)]


def shared_image(producer, *consumers, **kwargs):
    """An active shared image of `producer` with each consumer added as a (pending) member."""
    image = active_image(producer.gc, data=DATA, **kwargs)
    for c in consumers:
        producer.gc.image_members.create(image.id, c.ddi)
    return image


# --- rule 1: only the owner adds and removes members -----------------------------------------

def test_owner_adds_a_member_and_gets_200_with_a_pending_member(portal, producer, consumer):
    image = active_image(producer.gc, data=DATA)
    # When: the owner adds a member (raw, to see the status code)
    r = producer.api.post(f"/images/{image.id}/members", json={"member": consumer.ddi})
    # Then: 200 (not 201) and a Glance member object
    assert r.status_code == 200, r.text
    member = r.json()
    assert member["image_id"] == image.id
    assert member["member_id"] == consumer.ddi
    assert member["status"] == "pending"
    assert member["created_at"] and member["updated_at"]
    assert member["schema"] == "/v2/schemas/member"


def test_glanceclient_member_create_validates_against_the_member_schema(portal, producer, consumer):
    image = active_image(producer.gc, data=DATA)
    member = producer.gc.image_members.create(image.id, consumer.ddi)
    assert member.member_id == consumer.ddi
    assert member.status == "pending"
    assert member.image_id == image.id


def test_adding_the_same_member_twice_is_409(portal, producer, consumer):
    image = shared_image(producer, consumer)
    with pytest.raises(exc.HTTPConflict):
        producer.gc.image_members.create(image.id, consumer.ddi)


def test_a_member_cannot_add_members_403(portal, producer, consumer, stranger):
    image = shared_image(producer, consumer)
    with pytest.raises(exc.HTTPForbidden):
        consumer.gc.image_members.create(image.id, stranger.ddi)
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    with pytest.raises(exc.HTTPForbidden):
        consumer.gc.image_members.create(image.id, stranger.ddi)
    assert [m.member_id for m in producer.gc.image_members.list(image.id)] == [consumer.ddi]


def test_a_member_cannot_remove_itself_or_another_member_403(portal, producer, consumer):
    other = party(portal)
    image = shared_image(producer, consumer, other)
    with pytest.raises(exc.HTTPForbidden):
        consumer.gc.image_members.delete(image.id, consumer.ddi)
    with pytest.raises(exc.HTTPForbidden):
        consumer.gc.image_members.delete(image.id, other.ddi)
    assert sorted(m.member_id for m in producer.gc.image_members.list(image.id)) == sorted([consumer.ddi, other.ddi])


def test_owner_removes_a_member_with_204(portal, producer, consumer):
    image = shared_image(producer, consumer)
    r = producer.api.delete(f"/images/{image.id}/members/{consumer.ddi}")
    assert r.status_code == 204
    assert list(producer.gc.image_members.list(image.id)) == []
    assert producer.api.delete(f"/images/{image.id}/members/{consumer.ddi}").status_code == 404


def test_a_member_cannot_modify_or_delete_the_image_403(portal, producer, consumer):
    image = shared_image(producer, consumer)
    with pytest.raises(exc.HTTPForbidden):
        consumer.gc.images.update(image.id, name="taken over")
    with pytest.raises(exc.HTTPForbidden):
        consumer.gc.images.delete(image.id)
    assert producer.gc.images.get(image.id).name != "taken over"


# --- rule 2: only a member changes its own status, any number of times -----------------------

def test_owner_cannot_change_a_member_status_403(portal, producer, consumer):
    image = shared_image(producer, consumer)
    with pytest.raises(exc.HTTPForbidden):
        producer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert producer.gc.image_members.get(image.id, consumer.ddi).status == "pending"


def test_member_moves_between_all_three_statuses_any_number_of_times(portal, producer, consumer):
    image = shared_image(producer, consumer)
    for status in ["accepted", "rejected", "pending", "rejected", "accepted", "pending", "accepted"]:
        member = consumer.gc.image_members.update(image.id, consumer.ddi, status)
        assert member.status == status
        assert producer.gc.image_members.get(image.id, consumer.ddi).status == status


def test_member_status_update_answers_the_member_object(portal, producer, consumer):
    image = shared_image(producer, consumer)
    r = consumer.api.put(f"/images/{image.id}/members/{consumer.ddi}", json={"status": "accepted"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "accepted" and body["member_id"] == consumer.ddi and body["image_id"] == image.id


@pytest.mark.parametrize("body", [{"status": "maybe"}, {"status": ""}, {}, {"status": None}],
                         ids=["maybe", "empty", "missing", "null"])
def test_an_invalid_member_status_is_400(portal, producer, consumer, body):
    image = shared_image(producer, consumer)
    r = consumer.api.put(f"/images/{image.id}/members/{consumer.ddi}", json=body)
    assert r.status_code == 400, r.text
    assert producer.gc.image_members.get(image.id, consumer.ddi).status == "pending"


def test_updating_another_members_record_is_404(portal, producer, consumer):
    other = party(portal)
    image = shared_image(producer, consumer, other)
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.image_members.update(image.id, other.ddi, "accepted")
    assert producer.gc.image_members.get(image.id, other.ddi).status == "pending"


def test_a_stranger_updating_a_member_status_gets_404(portal, producer, consumer, stranger):
    image = shared_image(producer, consumer)
    with pytest.raises(exc.HTTPNotFound):
        stranger.gc.image_members.update(image.id, consumer.ddi, "rejected")
    with pytest.raises(exc.HTTPNotFound):
        stranger.gc.image_members.update(image.id, stranger.ddi, "accepted")
    assert producer.gc.image_members.get(image.id, consumer.ddi).status == "pending"


# --- rule 3: listing and reading members ------------------------------------------------------

def test_owner_sees_all_members_and_a_member_sees_only_itself(portal, producer, consumer):
    other = party(portal)
    image = shared_image(producer, consumer, other)
    assert sorted(m.member_id for m in producer.gc.image_members.list(image.id)) == sorted([consumer.ddi, other.ddi])
    assert [m.member_id for m in consumer.gc.image_members.list(image.id)] == [consumer.ddi]
    assert [m.member_id for m in other.gc.image_members.list(image.id)] == [other.ddi]
    r = producer.api.get(f"/images/{image.id}/members")
    assert r.status_code == 200
    assert r.json()["schema"] == "/v2/schemas/members"


def test_anyone_else_listing_members_gets_404(portal, producer, consumer, stranger):
    image = shared_image(producer, consumer)
    with pytest.raises(exc.HTTPNotFound):
        list(stranger.gc.image_members.list(image.id))


def test_reading_one_member_record(portal, producer, consumer, stranger):
    other = party(portal)
    image = shared_image(producer, consumer, other)
    # owner reads any; a member reads itself
    assert producer.gc.image_members.get(image.id, consumer.ddi).member_id == consumer.ddi
    assert consumer.gc.image_members.get(image.id, consumer.ddi).status == "pending"
    # a member reading another member's record, and a stranger reading anything: 404
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.image_members.get(image.id, other.ddi)
    with pytest.raises(exc.HTTPNotFound):
        stranger.gc.image_members.get(image.id, consumer.ddi)
    # the owner asking for a non-member: 404
    with pytest.raises(exc.HTTPNotFound):
        producer.gc.image_members.get(image.id, stranger.ddi)


# --- rule 4: consumer lists -------------------------------------------------------------------

def test_an_image_is_in_the_default_list_only_while_accepted(portal, producer, consumer):
    image = shared_image(producer, consumer)
    # pending: not listed
    assert image.id not in default_list(consumer)
    # accepted: listed
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert image.id in default_list(consumer)
    # rejected: hidden again
    consumer.gc.image_members.update(image.id, consumer.ddi, "rejected")
    assert image.id not in default_list(consumer)
    # pending again ("remind me later"): still hidden
    consumer.gc.image_members.update(image.id, consumer.ddi, "pending")
    assert image.id not in default_list(consumer)
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert image.id in default_list(consumer)


def test_member_status_filters_the_consumer_list(portal, producer, consumer):
    images = {status: shared_image(producer, consumer, name=f"ms-{status}").id
              for status in ["pending", "accepted", "rejected"]}
    consumer.gc.image_members.update(images["accepted"], consumer.ddi, "accepted")
    consumer.gc.image_members.update(images["rejected"], consumer.ddi, "rejected")
    mine = set(images.values())
    for status, image_id in images.items():
        got = set(listed_with(consumer, member_status=status)) & mine
        assert got == {image_id}, status
        got = set(listed_with(consumer, member_status=status, visibility="shared")) & mine
        assert got == {image_id}, f"{status} with visibility=shared"
    assert set(listed_with(consumer, member_status="all")) & mine == mine
    assert set(listed_with(consumer, member_status="all", visibility="shared")) & mine == mine


def test_visibility_shared_lists_accepted_shares_by_default(portal, producer, consumer):
    accepted = shared_image(producer, consumer).id
    pending = shared_image(producer, consumer).id
    consumer.gc.image_members.update(accepted, consumer.ddi, "accepted")
    got = set(listed_with(consumer, visibility="shared"))
    assert accepted in got and pending not in got


def test_a_bad_member_status_filter_is_400(portal, consumer):
    assert consumer.api.get("/images", params={"member_status": "maybe"}).status_code == 400


def test_shares_do_not_leak_into_a_strangers_lists(portal, producer, consumer, stranger):
    image = shared_image(producer, consumer)
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    for filters in [{}, {"member_status": "all"}, {"visibility": "shared"}, {"visibility": "all"},
                    {"member_status": "all", "visibility": "shared"}]:
        assert image.id not in listed_with(stranger, **filters), filters


# --- rule 5: members use the image whatever their status; non-members get 404 -----------------

@pytest.mark.parametrize("status", ["pending", "accepted", "rejected"])
def test_member_can_get_and_download_whatever_its_status(portal, producer, consumer, status):
    image = shared_image(producer, consumer)
    if status != "pending":
        consumer.gc.image_members.update(image.id, consumer.ddi, status)
    assert consumer.gc.images.get(image.id).id == image.id
    assert download(consumer.gc, image.id) == DATA
    r = consumer.api.get(f"/images/{image.id}/file", headers={"Range": "bytes=0-4"})
    assert r.status_code == 206 and r.content == DATA[:5]


def test_a_member_downloading_a_deactivated_image_gets_403(portal, producer, consumer):
    image = shared_image(producer, consumer)
    producer.gc.images.deactivate(image.id)
    assert consumer.gc.images.get(image.id).status == "deactivated"
    assert consumer.api.get(f"/images/{image.id}/file").status_code == 403


def test_a_member_cannot_deactivate_the_image(portal, producer, consumer):
    image = shared_image(producer, consumer)
    assert consumer.api.post(f"/images/{image.id}/actions/deactivate").status_code == 403
    assert producer.gc.images.get(image.id).status == "active"


def test_a_non_member_gets_404_never_403(portal, producer, consumer, stranger):
    image = shared_image(producer, consumer)
    path = f"/images/{image.id}"
    responses = {
        "GET image": stranger.api.get(path),
        "GET file": stranger.api.get(path + "/file"),
        "PATCH image": stranger.api.patch(path, [{"op": "add", "path": "/x", "value": "y"}]),
        "DELETE image": stranger.api.delete(path),
        "PUT file": stranger.api.upload(image.id, b"x"),
        "deactivate": stranger.api.post(path + "/actions/deactivate"),
        "PUT tag": stranger.api.put(path + "/tags/t"),
        "GET members": stranger.api.get(path + "/members"),
        "POST member": stranger.api.post(path + "/members", json={"member": stranger.ddi}),
        "GET member": stranger.api.get(path + f"/members/{consumer.ddi}"),
        "PUT member": stranger.api.put(path + f"/members/{stranger.ddi}", json={"status": "accepted"}),
        "DELETE member": stranger.api.delete(path + f"/members/{consumer.ddi}"),
        "export-check": stranger.api.get(path + "/export-check"),
        "lineage": stranger.api.get(path + "/lineage"),
    }
    wrong = {what: r.status_code for what, r in responses.items() if r.status_code != 404}
    assert not wrong, f"expected 404 for a non-member, got {wrong}"


def test_a_shared_image_and_a_missing_image_look_the_same_to_a_stranger(portal, producer, consumer, stranger):
    image = shared_image(producer, consumer)
    missing = "00000000-0000-4000-8000-00000000abcd"
    for suffix in ["", "/file", "/members"]:
        real = stranger.api.get(f"/images/{image.id}{suffix}")
        fake = stranger.api.get(f"/images/{missing}{suffix}")
        assert real.status_code == fake.status_code == 404
        assert real.json()["error"]["title"] == fake.json()["error"]["title"]
        assert real.json()["error"]["message"].replace(image.id, "X") == fake.json()["error"]["message"].replace(missing, "X")


# --- rule 6: no existence oracle; malformed and own DDIs ---------------------------------------

def test_adding_a_well_formed_ddi_without_an_account_succeeds_like_any_other(portal, producer, consumer):
    image = active_image(producer.gc, data=DATA)
    nobody = "9" * 15  # well-formed, never created
    real = producer.api.post(f"/images/{image.id}/members", json={"member": consumer.ddi})
    ghost = producer.api.post(f"/images/{image.id}/members", json={"member": nobody})
    assert real.status_code == ghost.status_code == 200
    assert set(real.json()) == set(ghost.json())
    assert ghost.json()["status"] == real.json()["status"] == "pending"
    assert sorted(m.member_id for m in producer.gc.image_members.list(image.id)) == sorted([consumer.ddi, nobody])
    # and the duplicate answer is the same too
    assert producer.api.post(f"/images/{image.id}/members", json={"member": nobody}).status_code == 409


@pytest.mark.parametrize("member", ["abc", "", "12345678901234567", "12 34", "-1", "1.5", 1234, None],
                         ids=["letters", "empty", "17-digits", "space", "negative", "decimal", "number", "null"])
def test_a_malformed_ddi_is_400(portal, producer, member):
    image = active_image(producer.gc, data=DATA)
    r = producer.api.post(f"/images/{image.id}/members", json={"member": member})
    assert r.status_code == 400, (member, r.status_code, r.text)


def test_a_missing_or_malformed_member_body_is_400(portal, producer):
    image = active_image(producer.gc, data=DATA)
    assert producer.api.post(f"/images/{image.id}/members", json={}).status_code == 400
    assert producer.api.post(f"/images/{image.id}/members", data=b"not json",
                             headers={"Content-Type": "application/json"}).status_code == 400


def test_the_owners_own_ddi_is_400(portal, producer):
    image = active_image(producer.gc, data=DATA)
    with pytest.raises(exc.HTTPBadRequest):
        producer.gc.image_members.create(image.id, producer.ddi)


def test_adding_members_to_an_image_the_caller_cannot_see_is_404(portal, producer, consumer, stranger):
    image = active_image(producer.gc, data=DATA)
    with pytest.raises(exc.HTTPNotFound):
        stranger.gc.image_members.create(image.id, consumer.ddi)
    with pytest.raises(exc.HTTPNotFound):
        stranger.gc.image_members.create("00000000-0000-4000-8000-00000000beef", consumer.ddi)


# --- rule 7: quota ------------------------------------------------------------------------------

def test_over_the_member_quota_is_413(make_portal):
    server = make_portal("--member-quota", "2", name="quota").start()
    producer = party(server)
    image = active_image(producer.gc, data=DATA)
    producer.gc.image_members.create(image.id, server.new_ddi())
    producer.gc.image_members.create(image.id, server.new_ddi())
    r = producer.api.post(f"/images/{image.id}/members", json={"member": server.new_ddi()})
    assert r.status_code == 413, r.text
    with pytest.raises(exc.HTTPOverLimit):
        producer.gc.image_members.create(image.id, server.new_ddi())
    assert len(list(producer.gc.image_members.list(image.id))) == 2
    # removing one frees a slot
    first = next(iter(producer.gc.image_members.list(image.id))).member_id
    producer.gc.image_members.delete(image.id, first)
    producer.gc.image_members.create(image.id, server.new_ddi())


# --- rule 8: members only on shared images --------------------------------------------------------

@pytest.mark.parametrize("visibility", ["private", "community"])
def test_members_on_a_non_shared_image_are_403(portal, producer, consumer, visibility):
    image = active_image(producer.gc, data=DATA, visibility=visibility)
    r = producer.api.post(f"/images/{image.id}/members", json={"member": consumer.ddi})
    assert r.status_code == 403, r.text
    # listing members of a non-shared image is 403 for the owner too
    assert producer.api.get(f"/images/{image.id}/members").status_code == 403


def test_members_on_a_public_image_are_403(portal):
    ddi = portal.tenant()
    admin = party_from(portal, ddi, portal.token(ddi, role="admin"))
    consumer = party(portal)
    image = active_image(admin.gc, data=DATA, visibility="public")
    try:
        r = admin.api.post(f"/images/{image.id}/members", json={"member": consumer.ddi})
        assert r.status_code == 403, r.text
    finally:
        admin.gc.images.delete(image.id)


def party_from(portal, ddi, token):
    return Party(ddi, token, glance(portal, token), Api(portal, token))


def test_making_a_shared_image_private_hides_it_from_members_and_back_restores(portal, producer, consumer):
    image = shared_image(producer, consumer)
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert image.id in default_list(consumer)
    # When: the owner makes it private
    producer.gc.images.update(image.id, visibility="private")
    # Then: the member gets 404 and does not list it
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.images.get(image.id)
    assert consumer.api.get(f"/images/{image.id}/file").status_code == 404
    assert image.id not in default_list(consumer)
    assert image.id not in listed_with(consumer, member_status="all")
    # (the records are kept, though the owner cannot list them while private: Glance answers 403)
    assert producer.api.get(f"/images/{image.id}/members").status_code == 403
    # When: shared again
    producer.gc.images.update(image.id, visibility="shared")
    # Then: the member is back with its status
    assert [(m.member_id, m.status) for m in producer.gc.image_members.list(image.id)] == [(consumer.ddi, "accepted")]
    assert consumer.gc.images.get(image.id).id == image.id
    assert image.id in default_list(consumer)
    assert download(consumer.gc, image.id) == DATA


# --- rule 9: removing ends access at once; re-adding starts pending --------------------------------

def test_removing_a_member_ends_its_access_at_once(portal, producer, consumer):
    image = shared_image(producer, consumer)
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert download(consumer.gc, image.id) == DATA
    producer.gc.image_members.delete(image.id, consumer.ddi)
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.images.get(image.id)
    assert consumer.api.get(f"/images/{image.id}/file").status_code == 404
    assert image.id not in default_list(consumer)
    assert image.id not in listed_with(consumer, member_status="all")
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.image_members.get(image.id, consumer.ddi)
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")


def test_re_adding_a_removed_member_starts_pending(portal, producer, consumer):
    image = shared_image(producer, consumer)
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    producer.gc.image_members.delete(image.id, consumer.ddi)
    member = producer.gc.image_members.create(image.id, consumer.ddi)
    assert member.status == "pending"
    assert image.id not in default_list(consumer)
    assert image.id in listed_with(consumer, member_status="pending")
    assert download(consumer.gc, image.id) == DATA


# --- rule 10: rejected members stay members --------------------------------------------------------

def test_rejected_members_stay_members(portal, producer, consumer):
    image = shared_image(producer, consumer)
    consumer.gc.image_members.update(image.id, consumer.ddi, "rejected")
    assert [(m.member_id, m.status) for m in producer.gc.image_members.list(image.id)] == [(consumer.ddi, "rejected")]
    assert [m.status for m in consumer.gc.image_members.list(image.id)] == ["rejected"]
    assert image.id in listed_with(consumer, member_status="rejected")


# --- operator setting: rejected-members-lose-access -------------------------------------------------

def test_rejected_members_lose_access_when_the_operator_says_so(make_portal):
    server = make_portal("--rejected-members-lose-access", name="lose-access").start()
    producer, consumer = party(server), party(server)
    image = shared_image(producer, consumer)
    # pending and accepted members use it
    assert download(consumer.gc, image.id) == DATA
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert download(consumer.gc, image.id) == DATA
    # When: the member rejects
    consumer.gc.image_members.update(image.id, consumer.ddi, "rejected")
    # Then: 404 on the image and its data, and not in its lists
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.images.get(image.id)
    assert consumer.api.get(f"/images/{image.id}/file").status_code == 404
    assert image.id not in default_list(consumer)
    # But: it is still a member and can set its own status back
    assert producer.gc.image_members.get(image.id, consumer.ddi).status == "rejected"
    assert consumer.gc.image_members.update(image.id, consumer.ddi, "pending").status == "pending"
    assert consumer.gc.images.get(image.id).id == image.id
    consumer.gc.image_members.update(image.id, consumer.ddi, "rejected")
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert download(consumer.gc, image.id) == DATA
    assert image.id in default_list(consumer)


def test_without_the_setting_rejected_members_keep_access(portal, producer, consumer):
    image = shared_image(producer, consumer)
    consumer.gc.image_members.update(image.id, consumer.ddi, "rejected")
    assert consumer.gc.images.get(image.id).id == image.id
    assert download(consumer.gc, image.id) == DATA


# --- the whole workflow in one story ----------------------------------------------------------------

def test_end_to_end_share_workflow(portal, producer, consumer):
    # Given: the producer has an image, private at first
    image = new_image(producer.gc, name="golden", visibility="private")
    producer.gc.images.upload(image.id, io.BytesIO(DATA))
    with pytest.raises(exc.HTTPForbidden):
        producer.gc.image_members.create(image.id, consumer.ddi)
    # When: it is shared and the consumer added
    producer.gc.images.update(image.id, visibility="shared")
    producer.gc.image_members.create(image.id, consumer.ddi)
    # Then: the consumer finds it among pending shares, accepts, and it is in its list
    assert image.id in listed_with(consumer, member_status="pending", visibility="shared")
    consumer.gc.image_members.update(image.id, consumer.ddi, "accepted")
    assert image.id in default_list(consumer)
    assert consumer.gc.images.get(image.id).name == "golden"
    assert download(consumer.gc, image.id) == DATA
    # When: the producer removes the member, access ends
    producer.gc.image_members.delete(image.id, consumer.ddi)
    with pytest.raises(exc.HTTPNotFound):
        consumer.gc.images.get(image.id)
