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

import pytest
import requests
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

from browser_helpers import UUID_RE, Api, new_tenant, unique, word_in


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
        except (NoSuchElementException, StaleElementReferenceException):
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
    bob.screenshot("image-detail-member")

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
    alice.screenshot("image-detail-owner")

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
    bob.screenshot("image-detail-export-blocked")


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


def test_script_in_image_name_is_text(portal, alice, tmp_path):
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
