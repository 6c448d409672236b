"""End-to-end portal workflow in real browsers (issue 6 item 5): two tenants, two browser sessions.

Sign-in and sign-out, import by upload, sharing and answering, member removal, booting from a
shared image, snapshot export blocked, the owner's export into Files, XSS, forged cookies, CSRF,
security headers. Every test makes its own tenants.
"""
import base64
import hashlib
import json
import re
import uuid

import requests
from selenium.common.exceptions import WebDriverException

from browser_helpers import UUID_RE, Api, new_tenant, unique


def raw_file(tmp_path, size=1000, name="disk.raw", seed=b"raw image"):
    data = (hashlib.sha512(seed).digest() * (size // 64 + 1))[:size]
    path = tmp_path / name
    path.write_bytes(data)
    return path, data


def wait_task_done(person, timeout=60):
    """Polls a task page (it reloads itself while running) until the task succeeds or fails."""
    def done(_):
        try:
            status = person.find("#task-status").text
        except WebDriverException:  # between two loads of the self-refreshing page
            return False
        return status if status in ("success", "failure") else False
    return person.wait(timeout).until(done, message="the task never finished")


# ---------------------------------------------------------------------------------------------
# Sign-in, navigation, sign-out


def test_sign_in_navigate_and_sign_out(portal, alice):
    tenant = new_tenant(portal, "Acme")

    # A wrong token is refused on the page itself, with the DDI kept.
    alice.open("/login")
    alice.fill("#ddi", tenant.ddi)
    alice.fill("#token", tenant.token + "x")
    alice.submit("form[action='/login'] button[type=submit]")
    assert alice.path == "/login"
    assert "do not match" in alice.text("#login-error")
    assert alice.find("#ddi").get_attribute("value") == tenant.ddi
    assert alice.cookie() is None

    alice.sign_in(tenant, expect_path="/")
    assert alice.h1 == "Dashboard"
    assert alice.active_account() == tenant.key
    assert alice.text(".active-account") == tenant.label
    cookie = alice.cookie()
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    alice.screenshot("dashboard")

    nav = [a.text for a in alice.finds("nav[aria-label=Main] a")]
    assert nav == ["Dashboard", "Images", "Import", "Servers", "Files", "Tasks", "Activity", "Settings"]
    for label, heading, shot in [("Activity", "Activity", "activity"), ("Settings", "Settings", "settings"),
                                 ("Tasks", "Tasks", None), ("Images", "Images", None)]:
        link = alice.find(f"nav[aria-label=Main] a[href='/{label.lower()}']")
        alice.submit(link)
        assert alice.h1 == heading
        assert alice.find("nav[aria-label=Main] a[aria-current=page]").text == label
        if shot:
            alice.screenshot(shot)
    # Settings lists the token this session uses.
    alice.open("/settings")
    assert alice.has(f"#token-list tr[data-token='{portal.token_id(tenant.token)}']")
    assert "this session" in alice.text(f"#token-list tr[data-token='{portal.token_id(tenant.token)}']")
    assert alice.has("#issue-token")

    # Sign out (the only account): the server ends the session, so the old cookie is dead too.
    old_cookie = alice.cookie()["value"]
    alice.open("/logout")
    assert not alice.has("button[name=scope][value=this]")
    alice.submit("#sign-out-all")
    alice.wait_path("/login")
    assert any("signed out" in f for f in alice.flashes())
    assert alice.cookie() is None
    alice.open("/images")
    alice.wait_path(r"/login\?next=%2Fimages")
    replay = requests.get(portal.url + "/images", cookies={"portal_session": old_cookie}, allow_redirects=False)
    assert replay.status_code == 303 and replay.headers["Location"].startswith("/login")

    # Signing in from there lands on the page first asked for ...
    alice.fill("#ddi", tenant.ddi)
    alice.fill("#token", tenant.token)
    alice.submit("form[action='/login'] button[type=submit]")
    alice.wait_path("/images")
    # ... but never on another site.
    alice.open("/logout")
    alice.submit("#sign-out-all")
    alice.open("/login?next=//evil.example/")
    alice.fill("#ddi", tenant.ddi)
    alice.fill("#token", tenant.token)
    alice.submit("form[action='/login'] button[type=submit]")
    alice.wait_path("/")
    assert alice.driver.current_url.startswith(portal.url)
    # Staff pages do not exist for a tenant (404, not 403).
    for page in ("/admin", "/support", f"/support/tenants/{tenant.ddi}"):
        alice.open(page)
        assert alice.h1 == "404 Not Found", page


def test_settings_issue_and_revoke_token(portal, alice):
    tenant = new_tenant(portal, "Tokens")
    alice.sign_in(tenant, expect_path="/")
    alice.open("/settings")
    label = unique("script")
    alice.fill("#token-label", label)
    alice.select("#token-expiry", "1d")
    alice.submit("#issue-token button[type=submit]")
    once = alice.wait_path(r"/settings/tokens/issued\?once=.+").group(0)
    token = alice.find("#new-token").get_attribute("value")
    token_id = portal.token_id(token)
    assert token_id in alice.text("main")
    assert Api(portal, token).get("/image/v2/images").status_code == 200
    # Shown once only.
    alice.open(once)
    assert alice.h1 == "404 Not Found"
    assert token not in alice.source
    # Listed with its label, then revoked from the list (after the confirm dialog).
    alice.open("/settings")
    row = f"#token-list tr[data-token='{token_id}']"
    assert label in alice.text(row) and "active" in alice.text(row)
    alice.submit(f"{row} button", accept_confirm=True)
    assert any(f"Revoked {token_id}" in f for f in alice.flashes())
    assert "revoked" in alice.text(row)
    assert not alice.has(f"{row} button")
    assert Api(portal, token).get("/image/v2/images").status_code == 401
    # The session's own token is untouched.
    assert alice.active_account() == tenant.key


def test_staff_admin_lands_on_admin(portal, alice):
    name = unique("adm").lower()
    token = portal.staff(name, "admin")
    tenant = new_tenant(portal, "Listed")
    alice.sign_in(staff=name, token=token, expect_path="/admin")
    assert alice.h1 == "Admin"
    assert [a.text for a in alice.finds("nav[aria-label=Main] a")] == ["Admin", "Support", "Activity", "Settings"]
    assert alice.has(f"#tenant-list tr[data-tenant='{tenant.ddi}']")
    assert alice.text(".active-account") == f"{name} (admin)"
    alice.screenshot("admin")


# ---------------------------------------------------------------------------------------------
# Import by upload


def test_import_by_upload(portal, alice, tmp_path):
    tenant = new_tenant(portal, "Importer")
    api = Api(portal, tenant.token)
    alice.sign_in(tenant, expect_path="/")
    alice.open("/import")
    assert alice.h1 == "Import an image"
    alice.screenshot("import")

    path, data = raw_file(tmp_path, size=1000)
    name = unique("uploaded")
    image_id = alice.upload(path, name=name, disk_format="raw")
    assert alice.text("#image-name") == name
    assert alice.text("#image-id") == image_id
    assert alice.text("#image-status") == "active"
    assert "1000 bytes" in alice.text("dl.facts")
    assert hashlib.md5(data).hexdigest() in alice.text("dl.hashes")
    image = api.image(image_id).json()
    assert (image["size"], image["checksum"], image["disk_format"], image["status"]) == (1000, hashlib.md5(data).hexdigest(), "raw", "active")
    assert image["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image_id in alice.list_ids("mine")

    # A "qcow2" that is random bytes: the page shows why, and no image is created.
    bad = tmp_path / "random.qcow2"
    bad.write_bytes(hashlib.sha512(b"not qcow2").digest() * 512)
    before = set(api.image_ids())
    bad_name = unique("bogus-qcow2")
    alice.open("/import")
    alice.fill("#up-name", bad_name)
    alice.select("#up-disk", "qcow2")
    alice.find("#up-file").send_keys(str(bad))
    alice.find("#upload-form button[type=submit]").click()
    alice.wait().until(lambda d: "nothing was stored" in alice.text("#upload-status").lower(),
                       message="no error shown for a bad qcow2 upload")
    status = alice.text("#upload-status")
    assert "qcow2" in status.lower(), status
    assert alice.path == "/import"
    assert alice.find("#upload-form button[type=submit]").is_enabled()  # the form is usable again
    assert set(api.image_ids()) == before
    assert bad_name not in alice.open("/images?tab=mine").source


def test_upload_success_message_is_shown(portal, alice, tmp_path):
    """After the XHR upload lands on the new image page, the "Uploaded …" confirmation shows there.

    The flash is set on the upload's 303 response; the XHR follows that redirect itself, so the
    page the browser then opens must still get to show it.
    """
    alice.sign_in(new_tenant(portal, "Flash"), expect_path="/")
    path, _ = raw_file(tmp_path, size=1000)
    alice.upload(path, name=unique("flash"))
    assert any("Uploaded 1000 bytes" in f for f in alice.flashes()), alice.flashes()


def test_image_list_filters_and_pages(portal, alice):
    tenant = new_tenant(portal, "Lister")
    api = Api(portal, tenant.token)
    active = [api.create_image(name=f"alpha-{i:02d}")["id"] for i in range(21)]
    queued = api.create_image(name="beta-queued", data=None)["id"]
    qcow = api.create_image(name="gamma-qcow2", disk_format="qcow2", data=None)["id"]
    alice.sign_in(tenant, expect_path="/")

    first = alice.list_ids("mine")
    assert len(first) == 20
    assert first[0] == qcow  # newest first
    alice.submit(alice.find(".pager a[rel=next]"))
    second = [tr.get_attribute("data-image") for tr in alice.finds("#image-list tr[data-image]")]
    assert len(second) == 3 and not set(first) & set(second)
    assert set(first) | set(second) == set(active) | {queued, qcow}
    assert not alice.has(".pager a[rel=next]")
    alice.submit([a for a in alice.finds(".pager a") if a.text == "First page"][0])
    assert [tr.get_attribute("data-image") for tr in alice.finds("#image-list tr[data-image]")] == first

    # The filter form: name, status, format, sort — each kept in the form after applying.
    alice.fill("#f-name", "beta")
    alice.submit("form.filters button[type=submit]")
    assert [tr.get_attribute("data-image") for tr in alice.finds("#image-list tr[data-image]")] == [queued]
    assert alice.find("#f-name").get_attribute("value") == "beta"
    alice.open("/images?tab=mine")
    alice.select("#f-status", "queued")
    alice.submit("form.filters button[type=submit]")
    assert set(alice.list_ids("mine", "&status=queued")) == {queued, qcow}
    alice.select("#f-format", "qcow2")
    alice.submit("form.filters button[type=submit]")
    assert [tr.get_attribute("data-image") for tr in alice.finds("#image-list tr[data-image]")] == [qcow]
    alice.open("/images?tab=mine&name=alpha")
    alice.select("#f-sort", "name")
    alice.submit("form.filters button[type=submit]")
    names = [alice.find("a", tr).text for tr in alice.finds("#image-list tr[data-image]")]
    assert names == sorted(names) and names[0] == "alpha-00" and len(names) == 20
    alice.open("/images?tab=mine&name=no-such-name")
    assert alice.text(".empty")


def test_import_from_a_container(portal, alice, tmp_path):
    tenant = new_tenant(portal, "Container importer")
    alice.sign_in(tenant, expect_path="/")
    alice.open("/import")
    assert not alice.has("#import-object-form")  # no container yet: the page says to make one
    assert alice.has("#object-title ~ p a[href='/files']")

    container = unique("incoming")
    alice.open("/files")
    alice.fill("#container-name", container)
    alice.submit("#create-container button[type=submit]")
    alice.wait_path(f"/files/{container}")
    path, data = raw_file(tmp_path, size=900, name="source.img", seed=b"object")
    alice.fill("#object-name", "disks/source.img")
    alice.find("#object-file").send_keys(str(path))
    mark = alice.mark_page()
    alice.find("#object-upload-form button[type=submit]").click()
    alice.wait_new_page(mark)
    alice.wait_path(f"/files/{container}")
    assert "900 bytes" in alice.text("#object-list tr[data-object='disks/source.img']")

    alice.open("/import")
    alice.select("#im-container", container)
    alice.fill("#im-object", "disks/source.img")
    name = unique("imported")
    alice.fill("#im-name", name)
    alice.select("#im-disk", "raw")
    alice.submit("#import-object-form button[type=submit]")
    alice.wait_path(r"/tasks/([^/?]+)")
    assert wait_task_done(alice) == "success", alice.text("#task-message")
    opened = [a for a in alice.finds("a.button") if a.text == "Open the imported image"]
    assert opened, "no link to the imported image"
    alice.submit(opened[0])
    image_id = alice.wait_path(rf"/images/({UUID_RE})").group(1)
    assert alice.text("#image-name") == name
    assert alice.text("#image-status") == "active"
    assert f"imported from {container}/disks/source.img" in alice.text("main")
    assert Api(portal, tenant.token).image(image_id).json()["checksum"] == hashlib.md5(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Sharing: share by tenant ID, answer, remove


def test_share_answer_and_remove(portal, alice, bob, tmp_path):
    owner, consumer = new_tenant(portal, "Owner"), new_tenant(portal, "Consumer")
    consumer_api = Api(portal, consumer.token)
    alice.sign_in(owner, expect_path="/")
    bob.sign_in(consumer, expect_path="/")

    path, _ = raw_file(tmp_path)
    name = unique("golden")
    image_id = alice.upload(path, name=name)
    assert "Not shared with anyone yet" in alice.text("#members")
    alice.share(image_id, ddis=consumer.ddi)
    assert alice.path == f"/images/{image_id}"
    assert any(f"Shared with {consumer.ddi}" in f for f in alice.flashes())
    assert alice.member_rows() == {consumer.ddi: "pending"}

    # The consumer: under Pending only, and on its dashboard inbox.
    assert image_id not in bob.list_ids("shared")
    assert image_id in bob.list_ids("pending")
    bob.screenshot("images-pending")
    bob.open("/")
    assert bob.has(f"#inbox tr[data-image='{image_id}']")

    # Accept from the Pending tab: it moves to "Shared with me".
    bob.answer_in_list("pending", image_id, "accepted")
    assert bob.path == "/images?tab=pending"
    assert any("Accepted" in f for f in bob.flashes())
    assert image_id not in bob.list_ids("pending")
    assert image_id in bob.list_ids("shared")
    bob.screenshot("images-list")

    # The member's view of the image page.
    bob.open(f"/images/{image_id}")
    assert bob.text("#member-status") == "accepted"
    assert not bob.has("#members") and not bob.has("#share-form") and not bob.has("#export")
    assert bob.has("#boot-name")
    assert {b.get_attribute("value") for b in bob.finds("#membership button[name=status]")} == {"rejected", "pending"}
    bob.screenshot("image-detail-member", full=True)

    # Reject on the image page: hidden from Shared and Pending, listed under Rejected.
    bob.submit("#membership button[name=status][value=rejected]")
    assert bob.text("#member-status") == "rejected"
    assert image_id not in bob.list_ids("shared")
    assert image_id not in bob.list_ids("pending")
    assert image_id in bob.list_ids("rejected")

    # The owner sees the rejection pointed out.
    alice.open(f"/images/{image_id}")
    assert alice.member_rows() == {consumer.ddi: "rejected"}
    assert consumer.ddi in alice.text("#rejected-hint")
    alice.screenshot("image-detail-owner", full=True)

    # "Remind me later" from the Rejected tab: back to Pending.
    bob.answer_in_list("rejected", image_id, "pending")
    assert image_id not in bob.list_ids("rejected")
    assert image_id in bob.list_ids("pending")
    assert consumer_api.member(image_id, consumer.ddi).json()["status"] == "pending"

    # The owner removes the member; dismissing the confirm dialog changes nothing, accepting it removes.
    alice.open(f"/images/{image_id}")
    remove = f"#member-list tr[data-member='{consumer.ddi}'] button"
    alice.submit(remove, dismiss_confirm=True)
    assert alice.path == f"/images/{image_id}" and alice.member_rows() == {consumer.ddi: "pending"}
    alice.open(f"/images/{image_id}")
    alice.submit(remove, accept_confirm=True)
    assert any(f"Removed {consumer.ddi}" in f for f in alice.flashes())
    assert alice.member_rows() == {}

    # The consumer loses it at once: 404 page, and gone from every tab.
    bob.open(f"/images/{image_id}")
    assert bob.h1 == "404 Not Found"
    assert bob.text(".error-message")
    assert name not in bob.source
    for tab in ("shared", "pending", "rejected"):
        assert image_id not in bob.list_ids(tab)
    assert consumer_api.image(image_id).status_code == 404


def test_share_form_private_image_and_bad_ids(portal, alice, bob, tmp_path):
    owner, consumer = new_tenant(portal, "Careful"), new_tenant(portal, "Friend")
    api = Api(portal, owner.token)
    alice.sign_in(owner, expect_path="/")
    path, _ = raw_file(tmp_path)
    image_id = alice.upload(path, name=unique("private"), visibility="private")
    assert "private" in alice.text("main p.muted")
    make_shared = alice.find("#make-shared")
    assert make_shared.is_selected()

    # One submission: a real tenant, a well-formed ID with no account, a malformed one, the owner itself.
    nobody = str(10 ** 15 + int(uuid.uuid4().int % 10 ** 14))
    alice.share(image_id, ddis=f"{consumer.ddi}, {nobody} 12ab;{owner.ddi}")
    flashes = " | ".join(alice.flashes())
    assert "now shared (it was private)" in flashes
    assert f"Shared with {consumer.ddi}, {nobody}" in flashes  # no existence oracle: both alike
    assert "Not shared" in flashes and "12ab" in flashes and owner.ddi in flashes.split("Not shared", 1)[1]
    assert alice.member_rows() == {consumer.ddi: "pending", nobody: "pending"}
    assert api.image(image_id).json()["visibility"] == "shared"
    assert not alice.has("#make-shared")

    # Sharing with a member again is refused with a reason; nothing changes.
    alice.share(image_id, ddis=consumer.ddi)
    assert any("Not shared" in f and consumer.ddi in f for f in alice.flashes()), alice.flashes()
    assert alice.member_rows() == {consumer.ddi: "pending", nobody: "pending"}
    # An empty share form is refused with a message, not a crash.
    alice.share(image_id)
    assert alice.h1.startswith("400"), alice.h1
    assert "at least one tenant ID" in alice.text(".error-message")

    # The consumer boots it from the image page's Boot form.
    bob.sign_in(consumer, expect_path="/")
    bob.open(f"/images/{image_id}")
    bob.fill("#boot-name", "from-detail")
    bob.submit("form[action$='/boot'] button[type=submit]")
    bob.wait_path(r"/servers/[^/?]+")
    assert bob.h1 == "from-detail"

    # The owner deletes the image (after confirming): the member loses it at once.
    alice.open(f"/images/{image_id}")
    alice.submit("form[action$='/delete'] button", accept_confirm=True)
    alice.wait_path("/images")
    assert image_id not in alice.list_ids("mine")
    bob.open(f"/images/{image_id}")
    assert bob.h1 == "404 Not Found"
    assert image_id not in bob.list_ids("pending")


# ---------------------------------------------------------------------------------------------
# Boot from a shared image, snapshot, export blocked


def test_boot_shared_image_snapshot_export_blocked(portal, alice, bob, tmp_path):
    owner, consumer = new_tenant(portal, "Producer"), new_tenant(portal, "Booter")
    alice.sign_in(owner, expect_path="/")
    bob.sign_in(consumer, expect_path="/")
    path, _ = raw_file(tmp_path, size=2048)
    base_name = unique("base")
    image_id = alice.upload(path, name=base_name)
    alice.share(image_id, ddis=consumer.ddi)

    # Still pending: the consumer pastes the ID on /servers and boots it.
    bob.open("/servers")
    assert bob.h1 == "Servers"
    bob.fill("#server-image", image_id)
    server_name = unique("web")
    bob.fill("#server-name", server_name)
    bob.submit("#create-server button[type=submit]")
    server_id = bob.wait_path(r"/servers/([^/?]+)").group(1)
    assert bob.h1 == server_name
    assert bob.text("#server-id") == server_id
    assert image_id in bob.text("dl.facts")
    bob.screenshot("server-detail")
    bob.open("/servers")
    assert bob.has(f"#server-list tr[data-server='{server_id}']")
    bob.screenshot("servers")
    assert Api(portal, consumer.token).member(image_id, consumer.ddi).json()["status"] == "pending"

    # Snapshot it: the new image page, owned by the consumer, blocked from export with the reason.
    bob.open(f"/servers/{server_id}")
    snap_name = unique("snap")
    bob.fill("#snap-name", snap_name)
    bob.submit("#snapshot-form button[type=submit]")
    snap_id = bob.wait_path(rf"/images/({UUID_RE})").group(1)
    assert snap_id != image_id
    assert bob.text("#image-name") == snap_name
    assert bob.text("#image-owner") == consumer.ddi
    assert image_id in bob.text("#lineage") and "another tenant" in bob.text("#lineage")
    failed = bob.finds("#export-checklist li.fail")
    reasons = " ".join(bob.find(".reason", li).text for li in failed)
    assert failed, "no failed export check on a shared-derived snapshot"
    assert "derived from" in reasons and owner.ddi in reasons, reasons
    assert "not intended to be distributed" in reasons, reasons
    assert "Not derived from another tenant's image" in " ".join(li.text for li in failed)
    assert bob.has("#export-blocked")
    assert not bob.has("#start-export")
    bob.screenshot("image-detail-export-blocked", full=True)

    # Forcing the export anyway (a hand-made POST with the session's CSRF token) does not export it.
    consumer_api = Api(portal, consumer.token)
    assert consumer_api.session.put(f"{portal.url}/object/v1/AUTH_{consumer.ddi}/loot").status_code in (201, 202)
    r = bob.http().post(f"{portal.url}/images/{snap_id}/export", data={"_csrf": bob.csrf(), "container": "loot"}, allow_redirects=False)
    if r.status_code == 303:  # started as a task: it must fail with the reason
        bob.open(r.headers["Location"])
        assert wait_task_done(bob) == "failure"
        assert "derived from" in bob.text("#task-message")
    else:
        assert r.status_code in (400, 403, 409), r.status_code
    assert consumer_api.objects(consumer.ddi, "loot") == {}


# ---------------------------------------------------------------------------------------------
# The owner exports its own image into Files


def test_owner_exports_into_files(portal, alice, tmp_path):
    owner = new_tenant(portal, "Exporter")
    api = Api(portal, owner.token)
    alice.sign_in(owner, expect_path="/")
    path, data = raw_file(tmp_path, size=1000, seed=b"export me")
    image_id = alice.upload(path, name=unique("exportable"))

    # Without a container the page says where to make one.
    assert "Create a container" in alice.text("#export")
    assert all("pass" in li.get_attribute("class") for li in alice.finds("#export-checklist li"))

    container = unique("exports")
    alice.open("/files")
    assert alice.h1 == "Files"
    alice.fill("#container-name", container)
    alice.submit("#create-container button[type=submit]")
    alice.wait_path(f"/files/{container}")
    assert "empty" in alice.text("main")
    alice.open("/files")
    assert alice.has(f"#container-list tr[data-container='{container}']")
    alice.screenshot("files")

    alice.open(f"/images/{image_id}")
    assert not alice.has("#export-blocked")
    alice.select("#export-container", container)
    alice.submit("#start-export")
    task_id = alice.wait_path(r"/tasks/([^/?]+)").group(1)
    assert alice.text("#task-id") == task_id
    assert wait_task_done(alice) == "success", alice.text("#task-message")
    alice.screenshot("task-detail")
    alice.open("/tasks")
    assert "success" in alice.text(f"#task-list tr[data-task='{task_id}']")
    alice.screenshot("tasks")

    alice.open(f"/tasks/{task_id}")
    alice.submit("#open-export")
    alice.wait_path(f"/files/{container}")
    object_name = f"{image_id}.raw"
    row = alice.find(f"#object-list tr[data-object='{object_name}']")
    assert "1000 bytes" in row.text
    assert hashlib.md5(data).hexdigest() in row.text
    assert image_id in row.text  # "exported from image ..."
    alice.screenshot("container")

    stored = api.objects(owner.ddi, container)[object_name]
    assert stored["bytes"] == 1000 and stored["hash"] == hashlib.md5(data).hexdigest()
    download = api.get(f"/object/v1/AUTH_{owner.ddi}/{container}/{object_name}")
    assert download.content == data


# ---------------------------------------------------------------------------------------------
# XSS, forged cookies, CSRF, headers


def test_script_in_image_name_is_text(portal, alice, bob, tmp_path):
    owner = new_tenant(portal, "Xss")
    alice.sign_in(owner, expect_path="/")
    path, _ = raw_file(tmp_path)
    evil = "<script>alert(1)</script>"
    image_id = alice.upload(path, name=evil)
    assert alice.no_alert(), "a script in an image name ran"
    assert alice.text("#image-name") == evil
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in alice.source
    for page in (f"/images/{image_id}", "/images?tab=mine", "/", "/activity"):
        alice.open(page)
        assert alice.no_alert(0.5), f"a script in an image name ran on {page}"
        raw = alice.http().get(portal.url + page).text
        assert evil not in raw, f"unescaped image name on {page}"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in alice.http().get(portal.url + "/images?tab=mine").text
    # No inline script anywhere: every <script> comes from a file (the CSP forbids inline script).
    assert all(s.get_attribute("src") for s in alice.finds("script"))

    # The consumer's pages show it as text too: inbox, Pending tab, image page.
    consumer = new_tenant(portal, "Xss consumer")
    Api(portal, owner.token).add_member(image_id, consumer.ddi)
    bob.sign_in(consumer, expect_path="/")
    assert bob.no_alert(0.5)
    assert bob.find(f"#inbox tr[data-image='{image_id}'] td").text.startswith(evil)
    for page in ("/", "/images?tab=pending", f"/images/{image_id}"):
        bob.open(page)
        assert bob.no_alert(0.5), f"a script in an image name ran on the consumer's {page}"
        assert evil not in bob.http().get(portal.url + page).text
    assert bob.text("#image-name") == evil


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_forged_session_cookie_is_refused(portal, alice):
    victim, attacker = new_tenant(portal, "Victim"), new_tenant(portal, "Attacker")
    alice.sign_in(attacker, expect_path="/")
    genuine = alice.cookie()["value"]
    payload_b64, signature = genuine.rsplit(".", 1)
    payload = json.loads(_b64decode(payload_b64))
    assert payload["act"] == attacker.key

    def plant(value):
        alice.driver.delete_cookie("portal_session")
        alice.driver.add_cookie({"name": "portal_session", "value": value, "path": "/", "httpOnly": True, "sameSite": "Lax"})

    # 1. The signature tampered with (its first character changed).
    sig = ("A" if signature[0] != "A" else "B") + signature[1:]
    plant(payload_b64 + "." + sig)
    alice.open("/images")
    alice.wait_path(r"/login\?next=%2Fimages")
    assert alice.cookie() is None  # the bad cookie is cleared

    # 2. The payload rewritten to act as another tenant, with the genuine signature.
    payload["acc"] = [[victim.key, acc[1]] for acc in payload["acc"]]
    payload["act"] = victim.key
    forged = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    plant(forged + "." + signature)
    alice.open("/")
    alice.wait_path("/login")
    assert victim.ddi not in alice.source

    # 3. Garbage.
    plant("not-a-session")
    alice.open("/settings")
    alice.wait_path(r"/login\?next=%2Fsettings")

    # The genuine cookie still works (nothing else was at stake).
    plant(genuine)
    alice.open("/")
    assert alice.active_account() == attacker.key


def test_post_without_csrf_token_is_refused(portal, alice, tmp_path):
    owner, target = new_tenant(portal, "Guarded"), new_tenant(portal, "Target")
    api = Api(portal, owner.token)
    alice.sign_in(owner, expect_path="/")
    path, _ = raw_file(tmp_path)
    image_id = alice.upload(path, name=unique("guarded"))

    # In the browser: the hidden _csrf input removed before submitting the share form.
    alice.open(f"/images/{image_id}")
    alice.driver.execute_script("document.querySelector('#share-form input[name=_csrf]').remove()")
    alice.fill("#share-members", target.ddi)
    alice.submit("#share-form button[type=submit]")
    assert alice.h1 == "403 Forbidden"
    assert "security token" in alice.text(".error-message")
    assert re.search(r"Request ID: \S+", alice.text("main.error-page"))
    assert alice.finds("title")[0].get_attribute("textContent").startswith("403")

    # A wrong token value.
    alice.open(f"/images/{image_id}")
    alice.driver.execute_script("document.querySelector('#share-form input[name=_csrf]').value = 'AAAA'")
    alice.fill("#share-members", target.ddi)
    alice.submit("#share-form button[type=submit]")
    assert alice.h1 == "403 Forbidden"

    # With requests and the browser's cookies: no token, then another session's token.
    http = alice.http()
    r = http.post(portal.url + f"/images/{image_id}/share", data={"members": target.ddi}, allow_redirects=False)
    assert r.status_code == 403 and "403 Forbidden" in r.text and "Request ID" in r.text
    r = http.post(portal.url + f"/images/{image_id}/delete", data={}, allow_redirects=False)
    assert r.status_code == 403
    # The upload form (multipart) carries its token in the query string; without it, refused too.
    before = set(api.image_ids())
    r = http.post(portal.url + "/import/upload", data={"name": "no-token", "disk_format": "raw"},
                  files={"file": ("x.raw", b"x" * 100)}, allow_redirects=False)
    assert r.status_code == 403
    assert set(api.image_ids()) == before
    assert api.members(image_id) == {}
    assert api.image(image_id).json()["status"] == "active"

    # The same form with its token works (so the refusals above were about the token).
    alice.share(image_id, ddis=target.ddi)
    assert alice.member_rows() == {target.ddi: "pending"}


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def test_security_headers_on_every_response(portal, alice, tmp_path):
    owner = new_tenant(portal, "Headers")
    alice.sign_in(owner, expect_path="/")
    path, _ = raw_file(tmp_path)
    image_id = alice.upload(path, name=unique("headers"))
    signed_in = alice.http()
    anonymous = requests.Session()
    checks = [
        (anonymous, "/login", 200), (anonymous, "/", 303), (anonymous, "/app.js", 200), (anonymous, "/styles.css", 200),
        (signed_in, "/", 200), (signed_in, "/images", 200), (signed_in, f"/images/{image_id}", 200),
        (signed_in, f"/images/{uuid.uuid4()}", 404), (signed_in, "/no-such-page", 404), (signed_in, "/activity.csv", 200),
    ]
    for session, page, status in checks:
        r = session.get(portal.url + page, allow_redirects=False)
        assert r.status_code == status, (page, r.status_code)
        for header, value in SECURITY_HEADERS.items():
            assert r.headers.get(header) == value, (page, header, r.headers.get(header))
        csp = r.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, (page, csp)
    r = signed_in.post(portal.url + f"/images/{image_id}/share", data={}, allow_redirects=False)
    assert r.status_code == 403 and r.headers.get("X-Frame-Options") == "DENY"
    # Pages are not cached.
    assert "no-store" in signed_in.get(portal.url + f"/images/{image_id}").headers.get("Cache-Control", "")
