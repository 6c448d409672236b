"""Support staff in the browser (issue 7): read-only review of shares across tenants, the activity
log (who sees what), and the CSV download's formula safety.

Shares are set up through the API (as the tenants themselves); everything support does is in the
browser, and every "did anything change?" is checked through the API as the owner.
"""
import re
import uuid
from dataclasses import dataclass

from browser_helpers import Api, Tenant, new_tenant, parse_csv, unique, word_in


@dataclass
class Shared:
    owner: Tenant
    accepted: Tenant
    rejected: Tenant
    pending: Tenant
    image_id: str
    name: str


def shared_image(portal):
    """An image of a new owner shared with three new tenants: accepted, rejected, pending."""
    owner = new_tenant(portal, "Owner")
    accepted, rejected, pending = (new_tenant(portal, label) for label in ("Accepts", "Rejects", "Waits"))
    api = Api(portal, owner.token)
    name = unique("reviewed")
    image_id = api.create_image(name=name)["id"]
    for member in (accepted, rejected, pending):
        api.add_member(image_id, member.ddi)
    Api(portal, accepted.token).set_status(image_id, accepted.ddi, "accepted")
    Api(portal, rejected.token).set_status(image_id, rejected.ddi, "rejected")
    return Shared(owner, accepted, rejected, pending, image_id, name)


def sign_in_support(portal, person):
    name = unique("sup").lower()
    token = portal.staff(name, "support")
    person.sign_in(staff=name, token=token, expect_path="/support")
    return name


def review_rows(person):
    """(image ID, owner, member, status) of each share-review row."""
    rows = []
    for tr in person.finds("#share-review tbody tr"):
        cells = person.finds("td", tr)
        rows.append((person.find("code.id", cells[0]).text, cells[1].text, cells[2].text, person.find(".badge", cells[3]).text))
    return rows


def post_forms_in_main(person):
    return [f.get_attribute("action") for f in person.finds("main form") if (f.get_attribute("method") or "get").lower() == "post"]


def test_support_looks_up_image_and_tenant(portal, alice):
    share = shared_image(portal)
    staff = sign_in_support(portal, alice)
    assert alice.h1 == "Support"
    assert [a.text for a in alice.finds("nav[aria-label=Main] a")] == ["Support", "Activity", "Settings"]
    assert alice.text(".active-account") == f"{staff} (support)"
    alice.screenshot("support")

    # Look up the image by ID.
    alice.fill("#lookup-q", share.image_id)
    alice.submit("#support-lookup button[type=submit]")
    alice.wait_path(f"/support/images/{share.image_id}")
    assert alice.h1 == share.name
    assert share.owner.ddi in alice.text("main") and share.owner.name in alice.text("main")
    members = {tr.get_attribute("data-member"): alice.find(".badge", tr).text for tr in alice.finds("#support-members tr[data-member]")}
    assert members == {share.accepted.ddi: "accepted", share.rejected.ddi: "rejected", share.pending.ddi: "pending"}
    history = alice.text("#history")
    assert "image.created" in history
    assert history.count("member.created") == 3
    assert history.count("member.updated") == 2
    for ddi in (share.accepted.ddi, share.rejected.ddi, share.pending.ddi):
        assert f"member {ddi}" in history
    assert "pending → accepted" in history and "pending → rejected" in history
    assert post_forms_in_main(alice) == []
    alice.screenshot("support-image")

    # Look up a tenant by DDI: what it shares out.
    alice.open("/support")
    alice.fill("#lookup-q", share.owner.ddi)
    alice.submit("#support-lookup button[type=submit]")
    alice.wait_path(f"/support/tenants/{share.owner.ddi}")
    assert share.owner.ddi in alice.h1 and share.owner.name in alice.h1
    out = alice.text("#shared-out")
    for ddi in (share.accepted.ddi, share.rejected.ddi, share.pending.ddi):
        assert ddi in out
    assert "Nothing shared in" in alice.text("main")
    # ... and a member: what it was shared.
    alice.open(f"/support/tenants/{share.rejected.ddi}")
    assert share.name in alice.text("#shared-in") and "rejected" in alice.text("#shared-in")
    assert post_forms_in_main(alice) == []
    # A tenant ID with no account: said plainly.
    alice.open(f"/support/tenants/{9000000000000000 + uuid.uuid4().int % 10**15}")
    assert "No account exists" in alice.text("main")


def test_share_review_filters(portal, alice):
    share = shared_image(portal)
    sign_in_support(portal, alice)

    def apply(status="", older_than="", member=""):
        alice.open("/support")
        alice.fill("#r-owner", share.owner.ddi)
        alice.fill("#r-member", member)
        alice.select("#r-status", status)
        alice.fill("#r-age", older_than)
        alice.submit("form[action='/support/shares'] button[type=submit]")
        assert alice.path.startswith("/support/shares?")
        return review_rows(alice)

    assert sorted(r[2] for r in apply()) == sorted([share.accepted.ddi, share.rejected.ddi, share.pending.ddi])

    # Rejected members never removed: still listed, marked as still a member.
    rows = apply(status="rejected")
    assert rows == [(share.image_id, share.owner.ddi, share.rejected.ddi, "rejected")]
    assert "still a member" in alice.text("#share-review")

    # Pending "for more than N days": with 0 days today's pending share qualifies, with 30 it does not.
    assert apply(status="pending", older_than="0") == [(share.image_id, share.owner.ddi, share.pending.ddi, "pending")]
    assert apply(status="pending", older_than="30") == []
    assert "No shares match" in alice.text("main")
    assert apply(status="accepted", member=share.accepted.ddi) == [(share.image_id, share.owner.ddi, share.accepted.ddi, "accepted")]
    # The filter values stay in the form.
    assert alice.find("#r-member").get_attribute("value") == share.accepted.ddi
    assert post_forms_in_main(alice) == []


def test_support_pages_offer_no_changes(portal, alice):
    share = shared_image(portal)
    sign_in_support(portal, alice)
    pages = ["/support", f"/support/images/{share.image_id}", f"/support/tenants/{share.owner.ddi}",
             f"/support/shares?owner={share.owner.ddi}", "/activity"]
    # Support may also open the ordinary image page (it reads across tenants): no owner or member forms there either.
    pages.append(f"/images/{share.image_id}")
    for page in pages:
        alice.open(page)
        assert not alice.h1.startswith(("403", "404", "500")), (page, alice.h1)
        assert post_forms_in_main(alice) == [], page
        for css in ("#share-form", "#member-list button", "#boot-name", "#start-export", "#export-container",
                    "#snapshot-form", "#membership", "button.danger", "#upload-form", "#import-object-form"):
            assert not alice.has(css), (page, css)
    alice.screenshot("support-tenant-image-page")
    # No tenant pages in its navigation either.
    for page in ("/import", "/servers", "/files"):
        alice.open(page)
        assert alice.h1.split()[0] in ("403", "404"), (page, alice.h1)


def test_support_crafted_posts_are_refused(portal, alice):
    share = shared_image(portal)
    owner_api = Api(portal, share.owner.token)
    before_image = owner_api.image(share.image_id).json()
    before_members = owner_api.members(share.image_id)
    stranger = new_tenant(portal, "Stranger")

    sign_in_support(portal, alice)
    alice.open("/support")
    csrf = alice.csrf() if alice.has("input[name=_csrf]") else None
    if csrf is None:  # no form on the support page carries it: take it from the sign-out page
        alice.open("/logout")
        csrf = alice.csrf()
    http = alice.http()
    base = f"{portal.url}/images/{share.image_id}"
    attempts = [
        (f"{base}/share", {"members": stranger.ddi, "make_shared": "on"}),
        (f"{base}/members/remove", {"member": share.rejected.ddi}),
        (f"{base}/status", {"status": "accepted"}),
        (f"{base}/edit", {"name": "renamed-by-support", "visibility": "private"}),
        (f"{base}/deactivate", {}),
        (f"{base}/delete", {}),
        (f"{base}/boot", {"name": "support-server"}),
        (f"{base}/export", {"container": "anything"}),
        (f"{portal.url}/servers", {"image": share.image_id, "name": "support-server"}),
        (f"{portal.url}/files", {"name": "support-container"}),
        (f"{portal.url}/admin/tenants", {"ddi": "4242", "name": "by support"}),
        (f"{portal.url}/session/inbox", {"account": share.pending.key, "image": share.image_id, "status": "accepted"}),
    ]
    answers = {}
    for url, data in attempts:
        r = http.post(url, data={"_csrf": csrf, **data}, allow_redirects=False)
        answer = (r.status_code, r.headers.get("Location"))
        if r.status_code == 303:  # what the next page says
            page = http.get(portal.url + r.headers["Location"]).text
            answer += tuple(re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page))
        answers[url.replace(portal.url, "")] = answer

    # Whatever the answers, nothing changed (the owner's view through the API).
    after_image = owner_api.image(share.image_id).json()
    for key in ("name", "status", "visibility", "updated_at", "checksum"):
        assert after_image[key] == before_image[key], key
    assert owner_api.members(share.image_id) == before_members
    assert Api(portal, share.pending.token).member(share.image_id, share.pending.ddi).json()["status"] == "pending"
    # Each crafted POST is refused outright (403 or 404), not answered with a redirect.
    wrong = {url: answer for url, answer in answers.items() if answer[0] not in (403, 404)}
    assert not wrong, f"support's crafted POSTs not refused with 403/404: {wrong}"

    # The CSRF token was valid: the same session's own, harmless POST (sign out) is accepted.
    r = http.post(f"{portal.url}/logout", data={"_csrf": csrf, "scope": "all"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/login"


def test_support_activity_spans_tenants(portal, alice):
    share = shared_image(portal)
    other = new_tenant(portal, "Unrelated")
    other_image = Api(portal, other.token).create_image(name=unique("unrelated"))["id"]
    sign_in_support(portal, alice)
    alice.open("/activity")
    assert "across tenants" in alice.text("main")
    assert alice.has("#a-tenant")  # staff may filter by tenant
    listed = alice.text("#activity-list")
    assert share.image_id in listed and other_image in listed
    assert f"tenant {share.owner.ddi}" in listed and f"tenant {other.ddi}" in listed
    # The tenant filter narrows to one tenant.
    alice.open(f"/activity?tenant={other.ddi}")
    listed = alice.text("#activity-list")
    assert other_image in listed and share.image_id not in listed


def test_tenant_activity_shows_only_its_own(portal, alice, bob):
    share = shared_image(portal)
    other = new_tenant(portal, "Loner")
    own_image = Api(portal, other.token).create_image(name=unique("mine"))["id"]

    # A stranger to the share sees its own events and nothing of the share.
    bob.sign_in(other, expect_path="/")
    for page in ("/activity", "/"):
        bob.open(page)
        text = bob.text("main")
        assert share.image_id not in text and share.name not in text
        for tenant in (share.owner, share.accepted, share.rejected, share.pending):
            assert not word_in(tenant.ddi, text), (page, tenant.ddi)
    assert own_image in bob.open("/activity").text("#activity-list")
    assert not bob.has("#a-tenant")  # tenants cannot ask for other tenants
    # Asking for another tenant's events in the URL changes nothing.
    bob.open(f"/activity?tenant={share.owner.ddi}")
    assert share.image_id not in bob.text("main")
    csv_text = bob.http().get(portal.url + "/activity.csv").text
    assert share.image_id not in csv_text and share.owner.ddi not in csv_text
    assert own_image in csv_text

    # A member sees its own membership events, but not the other members' ones.
    alice.sign_in(share.pending, expect_path="/")
    alice.open("/activity")
    text = alice.text("#activity-list")
    assert share.image_id in text and f"member {share.pending.ddi}" in text
    for tenant in (share.accepted, share.rejected, other):
        assert not word_in(tenant.ddi, text), tenant.ddi


FORMULAS = ['=HYPERLINK("x")', "+1", "-1", "@x"]


def test_activity_csv_is_formula_safe(portal, alice):
    tenant = new_tenant(portal, "Csv")
    api = Api(portal, tenant.token)
    ids = {name: api.create_image(name=name, data=None)["id"] for name in FORMULAS}
    alice.sign_in(tenant, expect_path="/")
    alice.open("/activity")
    href = alice.find("#download-csv").get_attribute("href")
    assert href.startswith(portal.url + "/activity.csv")
    r = alice.http().get(href)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers.get("Content-Disposition", "")
    rows = parse_csv(r.text)
    header = rows[0]
    assert header[:3] == ["id", "at", "type"]
    created = {row[header.index("image_id")]: row for row in rows[1:] if row[header.index("type")] == "image.created"}
    assert set(ids.values()) <= set(created)

    # No cell may start with a character a spreadsheet takes for a formula, unless defused by a quote.
    for row in rows:
        for cell in row:
            assert not cell[:1] in ("=", "+", "-", "@", "\t", "\r"), f"formula-like CSV cell: {cell!r}"

    # Each name is in the CSV, and wherever a cell starts with it, it carries the single-quote prefix.
    for name, image_id in ids.items():
        cells = [cell for cell in created[image_id] if name in cell or name.replace('"', '\\"') in cell]
        assert cells, f"{name!r} missing from its image.created row"
        for cell in cells:
            assert not cell.startswith(name) or cell.startswith("'" + name), cell
    # The literal bytes: the HYPERLINK name never begins a field.
    assert not re.search(r'(^|,)"?=HYPERLINK', r.text, re.M)
