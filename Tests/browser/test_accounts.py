"""Several accounts, one person (issue 10): holding accounts in one browser session, switching,
sharing between held accounts, the labelled inbox, revocation, isolation from other people,
forged switches, partial sign-out and the cookie size limit.
"""
from browser_helpers import Api, new_tenant, parse_csv, unique, word_in


def hold(person, first, *more):
    """Signs in as `first` and adds the others; ends with `first` active again."""
    person.sign_in(first, expect_path="/")
    for tenant in more:
        person.add_account(tenant)
        person.wait_path("/")
        assert person.active_account() == tenant.key
        assert any(f"Added tenant {tenant.ddi}" in f for f in person.flashes())
    if more:
        person.switch_to(first)


def raw(tmp_path, name="disk.raw", size=1500):
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * (size // 256) + b"\x01" * (size % 256))
    return path


def test_held_accounts_share_switch_and_inbox(portal, alice, tmp_path):
    a, b, c = new_tenant(portal, "Alpha"), new_tenant(portal, "Bravo"), new_tenant(portal, "Charlie")
    hold(alice, a, b, c)

    # The switcher: the active account, and the others by DDI and name.
    assert alice.active_account() == a.key
    assert alice.text(".active-account") == a.label
    assert alice.switcher_accounts() == {b.key: b.label, c.key: c.label}
    alice.open_switcher()
    assert alice.find("#account-switcher a[href='/session/accounts']").is_displayed()
    alice.screenshot("account-switcher-open")

    # Import on A; share with B (accepting for it) and with C (left pending) from the held checklist.
    name = unique("central")
    image_id = alice.upload(raw(tmp_path), name=name)
    held = {i.get_attribute("data-account"): i for i in alice.finds("#share-form input[name=held]")}
    assert set(held) == {b.key, c.key}
    labels = alice.text("#share-form fieldset.held")
    assert b.label in labels and c.label in labels
    alice.share(image_id, held=[b], accept_for_held=True)
    assert any(f"Shared with {b.ddi}" in f for f in alice.flashes())
    assert any(f"Accepted for {b.label}" in f for f in alice.flashes())
    assert alice.member_rows() == {b.ddi: "accepted"}
    assert [i.get_attribute("data-account") for i in alice.finds("#share-form input[name=held]")] == [c.key]
    alice.share(image_id, held=[c])
    assert alice.member_rows() == {b.ddi: "accepted", c.ddi: "pending"}
    assert not alice.has("#share-form input[name=held]")  # both are members now

    # Accepting for B is audited as B's own act, with B's token.
    csv_rows = parse_csv(alice.http().get(portal.url + f"/activity.csv?image={image_id}").text)
    header = csv_rows[0]
    col = {k: header.index(k) for k in ("type", "actor", "token_id", "other_tenant")}
    by_type = {}
    for row in csv_rows[1:]:
        by_type.setdefault(row[col["type"]], []).append(row)
    created = {row[col["other_tenant"]]: row for row in by_type["member.created"]}
    assert created[b.ddi][col["actor"]] == f"tenant {a.ddi}" and created[b.ddi][col["token_id"]] == portal.token_id(a.token)
    updated = by_type["member.updated"]
    assert len(updated) == 1
    assert updated[0][col["actor"]] == f"tenant {b.ddi}" and updated[0][col["token_id"]] == portal.token_id(b.token)

    # As B: under "Shared with me"; the image page offers to switch to the owner account.
    alice.switch_to(b)
    assert image_id in alice.list_ids("shared")
    alice.open(f"/images/{image_id}")
    assert alice.text("#member-status") == "accepted"
    offer = alice.text("section[aria-labelledby=owner-held-title]")
    assert a.label in offer and "Switch to the owner account" in offer
    assert alice.has("#switch-to-owner")
    alice.screenshot("image-detail-owner-held")
    alice.submit("#switch-to-owner")
    assert alice.active_account() == a.key

    # As C: under Pending.
    alice.switch_to(c)
    assert image_id in alice.list_ids("pending")
    assert image_id not in alice.list_ids("shared")

    # Back on A's dashboard: C's pending share, labelled with C's account.
    alice.switch_to(a)
    alice.open("/")
    row = alice.find(f"#inbox tr[data-image='{image_id}']")
    assert row.get_attribute("data-account") == c.key
    assert alice.find(".account-label", row).text == c.label
    assert name in row.text
    assert "each answer acts as the account" in alice.text("main")
    assert len(alice.finds("#inbox tr[data-image]")) == 1  # B already accepted; A owns it
    alice.screenshot("inbox-labelled")

    # Answering it from A's dashboard acts as C.
    alice.submit(alice.find("button[name=status][value=accepted]", row))
    alice.wait_path("/")
    assert any(f"Accepted the share of image {image_id} for {c.label}" in f for f in alice.flashes())
    assert alice.active_account() == a.key
    assert not alice.has(f"#inbox tr[data-image='{image_id}']")
    c_api = Api(portal, c.token)
    assert c_api.member(image_id, c.ddi).json()["status"] == "accepted"
    assert image_id in c_api.image_ids()  # accepted: in C's default list
    csv_rows = parse_csv(alice.http().get(portal.url + f"/activity.csv?image={image_id}&type=member.updated").text)
    actors = {(row[col["actor"]], row[col["token_id"]]) for row in csv_rows[1:]}
    assert (f"tenant {c.ddi}", portal.token_id(c.token)) in actors


def test_revoked_account_leaves_the_switcher(portal, alice):
    a, b, c = new_tenant(portal, "Keep"), new_tenant(portal, "Stay"), new_tenant(portal, "Revoked")
    hold(alice, a, b, c)
    assert set(alice.switcher_accounts()) == {b.key, c.key}

    portal.cli("tokens", "revoke", portal.token_id(c.token))
    alice.open("/images")
    assert alice.h1 == "Images"  # still signed in
    assert any(f"Signed out of tenant {c.ddi}" in f and "revoked" in f for f in alice.flashes()), alice.flashes()
    assert alice.active_account() == a.key
    assert alice.switcher_accounts() == {b.key: b.label}
    # The flash is shown once; C stays gone.
    alice.open("/")
    assert not any("revoked" in f for f in alice.flashes())
    assert alice.switcher_accounts() == {b.key: b.label}
    assert c.ddi not in alice.text("header")

    # Revoking the active account's token: the next request acts as the first remaining account.
    alice.switch_to(b)
    portal.cli("tokens", "revoke", portal.token_id(b.token))
    alice.open("/")
    assert alice.active_account() == a.key
    assert alice.switcher_accounts() == {}
    assert any(f"Signed out of tenant {b.ddi}" in f for f in alice.flashes())


def test_other_person_sees_nothing_of_held_accounts(portal, alice, bob, tmp_path):
    a, b, c, d = (new_tenant(portal, label) for label in ("Hold-A", "Hold-B", "Hold-C", "Outsider"))
    hold(alice, a, b, c)
    names = [unique("secret-a"), unique("secret-b")]
    ids = [alice.upload(raw(tmp_path, "one.raw"), name=names[0]), alice.upload(raw(tmp_path, "two.raw", 1700), name=names[1])]
    alice.share(ids[0], held=[b], accept_for_held=True)
    alice.share(ids[0], held=[c])
    alice.switch_to(b)
    assert ids[0] in alice.list_ids("shared")

    bob.sign_in(d, expect_path="/")
    secrets = [a.ddi, b.ddi, c.ddi, a.name, b.name, c.name, *names, *ids]
    pages = ["/", "/images?tab=mine", "/images?tab=shared", "/images?tab=pending", "/images?tab=rejected",
             "/images?tab=public", "/activity", "/servers", "/files", "/tasks", "/settings", "/logout"]
    for page in pages:
        bob.open(page)
        bob.open_switcher()
        text = bob.find("body").get_attribute("textContent")
        html = bob.source
        for secret in secrets:
            assert not word_in(secret, text) and secret not in html.replace(d.ddi, ""), (page, secret)
    assert bob.switcher_accounts() == {}
    csv_text = bob.http().get(portal.url + "/activity.csv").text
    for secret in secrets:
        assert not word_in(secret, csv_text), secret
    # By ID, A's images do not exist for D.
    for image_id in ids:
        bob.open(f"/images/{image_id}")
        assert bob.h1 == "404 Not Found"


def test_forged_switch_and_held_actions_are_refused(portal, alice, bob, tmp_path):
    a, b = new_tenant(portal, "Real-A"), new_tenant(portal, "Real-B")
    stranger = new_tenant(portal, "Not-held")
    hold(alice, a, b)
    image_id = alice.upload(raw(tmp_path), name=unique("forge"))

    # In the browser: a switch form rewritten to an account the session does not hold.
    alice.open("/")
    alice.open_switcher()
    alice.driver.execute_script(
        "var f = document.querySelector('#account-switcher form'); f.querySelector('input[name=account]').value = arguments[0];",
        stranger.key)
    alice.submit(alice.find("#account-switcher .switch-account"))
    assert alice.h1 == "403 Forbidden"
    assert "does not hold" in alice.text(".error-message")

    # With requests and a valid CSRF token.
    alice.open("/")
    csrf = alice.csrf()
    http = alice.http()
    for account in (stranger.key, "t:" + str(10 ** 15 + 7), "s:someone", "x"):
        r = http.post(portal.url + "/session/switch", data={"_csrf": csrf, "account": account}, allow_redirects=False)
        assert r.status_code == 403, (account, r.status_code)
    # Acting as a stranger through the inbox or the share form's held list: refused too.
    Api(portal, a.token).add_member(image_id, stranger.ddi)
    r = http.post(portal.url + "/session/inbox", data={"_csrf": csrf, "account": stranger.key, "image": image_id, "status": "accepted"},
                  allow_redirects=False)
    assert r.status_code == 403
    assert Api(portal, stranger.token).member(image_id, stranger.ddi).json()["status"] == "pending"
    other = new_tenant(portal, "Not-held-2")
    r = http.post(portal.url + f"/images/{image_id}/share",
                  data={"_csrf": csrf, "held": other.key, "accept_for_held": "on"}, allow_redirects=False)
    assert r.status_code == 403
    assert other.ddi not in Api(portal, a.token).members(image_id)

    # Nothing changed in the session.
    alice.open("/")
    assert alice.active_account() == a.key
    assert alice.switcher_accounts() == {b.key: b.label}


def test_sign_out_this_account_only(portal, alice):
    a, b, c = new_tenant(portal, "Out-A"), new_tenant(portal, "Out-B"), new_tenant(portal, "Out-C")
    hold(alice, a, b, c)
    alice.switch_to(b)
    alice.open("/logout")
    this_only = alice.find("button[name=scope][value=this]")
    assert b.label in this_only.text
    assert "all accounts" in alice.text("#sign-out-all")
    alice.submit(this_only)
    alice.wait_path("/")
    assert any(f"Signed out of {b.label}" in f for f in alice.flashes())
    assert alice.active_account() == a.key
    assert alice.switcher_accounts() == {c.key: c.label}

    # B's sign-out is audited as B's own, with B's token; the others are untouched.
    events = Api(portal, b.token).get("/audit/v1/events", params={"type": "logout"}).json()["events"]
    assert [(e["actor"], e["token_id"]) for e in events] == [(f"tenant {b.ddi}", portal.token_id(b.token))]
    alice.switch_to(c)
    assert alice.switcher_accounts() == {a.key: a.label}

    # Then all of them.
    alice.open("/logout")
    alice.submit("#sign-out-all")
    alice.wait_path("/login")
    alice.open("/")
    alice.wait_path("/login")


def test_session_cookie_stays_small_with_ten_accounts(portal, alice):
    tenants = [new_tenant(portal, f"Many{i}") for i in range(11)]
    first, rest, eleventh = tenants[0], tenants[1:10], tenants[10]
    alice.sign_in(first, expect_path="/")
    for tenant in rest:
        alice.open("/session/accounts")
        alice.fill("#add-ddi", tenant.ddi)
        alice.fill("#add-token", tenant.token)
        alice.submit("form[action='/session/accounts'] button[type=submit]")
        alice.wait_path("/")
        assert alice.active_account() == tenant.key
    cookie = alice.cookie()
    size = len(cookie["name"]) + 1 + len(cookie["value"])
    assert size < 4096, size
    assert len(alice.switcher_accounts()) == 9
    # At ten, the switcher no longer offers "Add account" ...
    assert not alice.has("#account-switcher a[href='/session/accounts']")
    # ... and an eleventh is refused, leaving the session as it was.
    alice.open("/session/accounts")
    alice.fill("#add-ddi", eleventh.ddi)
    alice.fill("#add-token", eleventh.token)
    alice.submit("form[action='/session/accounts'] button[type=submit]")
    assert "at most 10 accounts" in alice.text("[role=alert]")
    assert alice.cookie()["value"] == cookie["value"]
    alice.open("/")
    assert alice.active_account() == rest[-1].key
    assert eleventh.key not in alice.switcher_accounts()
    # Re-adding one already held is not an eleventh: it refreshes that account.
    alice.open("/session/accounts")
    alice.fill("#add-ddi", first.ddi)
    alice.fill("#add-token", portal.token(first.ddi))
    alice.submit("form[action='/session/accounts'] button[type=submit]")
    alice.wait_path("/")
    assert alice.active_account() == first.key
    assert len(alice.switcher_accounts()) == 9
    assert len(alice.cookie()["value"]) < 4096
