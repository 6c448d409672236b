"""Helpers for the browser suite: a `Person` driving one Chromium session, and a small API client.

Named `browser_helpers` (not `helpers`) so that it never shadows Tests/compat/helpers.py when both
suites run in one pytest process.
"""
import csv
import io
import pathlib
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = pathlib.Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-output" / "screenshots"
WAIT = 20  # seconds for any explicit wait

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def new_driver():
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--window-size=1280,1000", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    # Leave JS dialogs open so that tests see them (and can accept or detect them).
    options.set_capability("unhandledPromptBehavior", "ignore")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


@dataclass
class Tenant:
    """A tenant made with the real CLI, with one token."""
    ddi: str
    token: str
    name: str

    @property
    def key(self):
        return f"t:{self.ddi}"

    @property
    def label(self):
        return f"{self.ddi} · {self.name}"


def new_tenant(portal, prefix="Tenant"):
    name = f"{prefix} {uuid.uuid4().hex[:6]}"
    ddi = portal.tenant(name)
    return Tenant(ddi, portal.token(ddi), name)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def word_in(word, text):
    """`word` appears in `text` as a whole token (not inside a longer number or ID)."""
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


class Person:
    """One human in one browser (its own cookie jar)."""

    def __init__(self, driver, portal, name):
        self.driver = driver
        self.portal = portal
        self.name = name

    # ----- navigation and waiting -------------------------------------------------------------

    def wait(self, timeout=WAIT):
        return WebDriverWait(self.driver, timeout)

    def ready(self):
        def complete(driver):
            try:
                return driver.execute_script("return document.readyState") == "complete"
            except WebDriverException:
                return False
        self.wait().until(complete)

    def open(self, path):
        self.driver.get(self.portal.url + path)
        self.ready()
        return self

    @property
    def path(self):
        """The current path with its query string."""
        parsed = urlparse(self.driver.current_url)
        return parsed.path + (("?" + parsed.query) if parsed.query else "")

    def wait_path(self, pattern):
        """Waits until the current path (with query) fully matches the regex `pattern`."""
        def matches(_):
            try:
                return re.fullmatch(pattern, self.path) is not None
            except WebDriverException:
                return False
        self.wait().until(matches, message=f"{self.name}: path never matched {pattern!r} (at {self.driver.current_url})")
        self.ready()
        return re.fullmatch(pattern, self.path)

    def find(self, css, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, css)

    def finds(self, css, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def has(self, css):
        return len(self.finds(css)) > 0

    def text(self, css):
        return self.find(css).text

    def visible(self, css):
        return self.wait().until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    @property
    def source(self):
        return self.driver.page_source

    @property
    def h1(self):
        return self.find("h1").text

    def flashes(self):
        return [e.text for e in self.finds(".flash")]

    def fill(self, css, value):
        element = self.find(css)
        element.clear()
        element.send_keys(value)
        return element

    def select(self, css, value):
        """Selects an option by value (an <option> without a value attribute is matched by its text)."""
        select = Select(self.find(css))
        for option in select.options:
            if option.get_attribute("value") == value:
                option.click()
                break
        else:
            raise AssertionError(f"no option {value!r} in {css}")
        assert select.first_selected_option.get_attribute("value") == value

    def submit(self, element, accept_confirm=False, dismiss_confirm=False):
        """Clicks a submit button or link (element or CSS) and waits for the next page to load.

        With `accept_confirm`, the JS confirm dialog of `data-confirm` buttons must appear and is accepted.
        """
        if isinstance(element, str):
            element = self.find(element)
        mark = self.mark_page()
        element.click()
        if accept_confirm or dismiss_confirm:
            alert = self.wait().until(EC.alert_is_present(), message="no confirm dialog appeared")
            if accept_confirm:
                alert.accept()
            else:
                alert.dismiss()
                return
        self.wait_new_page(mark)

    def mark_page(self):
        """Tags the current document, so that `wait_new_page` can tell when another one has loaded."""
        mark = uuid.uuid4().hex
        self.driver.execute_script("window.__testPageMark = arguments[0];", mark)
        return mark

    def wait_new_page(self, mark):
        """Waits until a new document (without `mark`) has fully loaded.

        (Not `staleness_of`: while a navigation commits, chromedriver may answer with a generic
        "node does not belong to the document" error instead of a stale-element one.)
        """
        def loaded(driver):
            try:
                return driver.execute_script(
                    "return window.__testPageMark !== arguments[0] && document.readyState === 'complete';", mark)
            except WebDriverException:
                return False  # mid-navigation; ask again
        self.wait().until(loaded, message=f"{self.name}: no new page loaded")

    def no_alert(self, seconds=1.5):
        """True when no JS dialog shows up within `seconds` (an explicit wait that is expected to time out)."""
        try:
            WebDriverWait(self.driver, seconds).until(EC.alert_is_present())
        except TimeoutException:
            return True
        return False

    def screenshot(self, name, full=False):
        """Saves test-output/screenshots/NAME.png; `full` grows the window to the whole page first."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        if not full:
            self.driver.save_screenshot(str(SHOTS / f"{name}.png"))
            return
        size = self.driver.get_window_size()
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(size["width"], min(max(size["height"], height + 120), 6000))
        try:
            self.driver.save_screenshot(str(SHOTS / f"{name}.png"))
        finally:
            self.driver.set_window_size(size["width"], size["height"])

    # ----- session ----------------------------------------------------------------------------

    def sign_in(self, tenant=None, *, ddi=None, token=None, staff=None, expect_path=None):
        """Signs in from the sign-in page as a tenant (or staff with `staff=name`)."""
        self.open("/login")
        if staff:
            self.find("input[name=kind][value=staff]").click()
            self.fill("#staff", staff)
        else:
            self.find("input[name=kind][value=tenant]").click()
            self.fill("#ddi", ddi or tenant.ddi)
        self.fill("#token", token or tenant.token)
        self.submit("form[action='/login'] button[type=submit]")
        if expect_path:
            self.wait_path(expect_path)
        return self

    def add_account(self, tenant):
        """"Add account" from the switcher menu: the new account becomes active."""
        self.open_switcher()
        self.submit(self.find("#account-switcher a[href='/session/accounts']"))
        self.find("input[name=kind][value=tenant]").click()
        self.fill("#add-ddi", tenant.ddi)
        self.fill("#add-token", tenant.token)
        self.submit("form[action='/session/accounts'] button[type=submit]")

    def open_switcher(self):
        details = self.find("#account-switcher")
        if details.get_attribute("open") is None:
            self.find("#account-switcher summary").click()
            self.wait().until(lambda d: details.get_attribute("open") is not None)
        return details

    def active_account(self):
        return self.find(".active-account").get_attribute("data-account")

    def switcher_accounts(self):
        """{account key: label} of the other accounts offered by the switcher."""
        return {b.get_attribute("data-account"): b.get_attribute("textContent").strip() for b in self.finds(".switch-account")}

    def switch_to(self, tenant):
        self.open_switcher()
        button = self.visible(f".switch-account[data-account='{tenant.key}']")
        self.submit(button)
        assert self.active_account() == tenant.key

    def cookie(self, name="portal_session"):
        return self.driver.get_cookie(name)

    def http(self):
        """A requests session carrying this browser's cookies (for what a browser cannot do)."""
        session = requests.Session()
        for c in self.driver.get_cookies():
            session.cookies.set(c["name"], c["value"], path=c.get("path", "/"))
        return session

    def csrf(self):
        return self.find("input[name=_csrf]").get_attribute("value")

    # ----- pages ------------------------------------------------------------------------------

    def list_ids(self, tab="mine", query=""):
        self.open(f"/images?tab={tab}{query}")
        return [tr.get_attribute("data-image") for tr in self.finds("#image-list tr[data-image]")]

    def upload(self, path, name=None, disk_format="raw", container_format="bare", visibility="shared"):
        """Uploads through the import page (XHR with progress); returns the new image's ID."""
        self.open("/import")
        if name is not None:
            self.fill("#up-name", name)
        self.select("#up-disk", disk_format)
        self.select("#up-container", container_format)
        self.select("#up-visibility", visibility)
        self.find("#up-file").send_keys(str(path))
        self.find("#upload-form button[type=submit]").click()
        match = self.wait_path(rf"/images/({UUID_RE})")
        return match.group(1)

    def share(self, image_id, ddis="", held=(), accept_for_held=False):
        self.open(f"/images/{image_id}")
        if ddis:
            self.fill("#share-members", ddis)
        for tenant in held:
            self.find(f"#share-form input[name=held][data-account='{tenant.key}']").click()
        if accept_for_held:
            self.find("#accept-for-held").click()
        self.submit("#share-form button[type=submit]")

    def member_rows(self):
        """{ddi: status} from the owner's member list on an image page."""
        return {tr.get_attribute("data-member"): self.find(".badge", tr).text for tr in self.finds("#member-list tr[data-member]")}

    def answer_in_list(self, tab, image_id, status):
        self.open(f"/images?tab={tab}")
        row = self.find(f"#image-list tr[data-image='{image_id}']")
        self.submit(self.find(f"button[name=status][value={status}]", row))


class Api:
    """Raw HTTP against the API as one token: setup and after-the-fact checks."""

    def __init__(self, portal, token):
        self.portal = portal
        self.session = requests.Session()
        self.session.headers["X-Auth-Token"] = token

    def get(self, path, **kw):
        return self.session.get(self.portal.url + path, **kw)

    def image(self, image_id):
        return self.get(f"/image/v2/images/{image_id}")

    def create_image(self, data=b"image data\n" * 100, **body):
        body.setdefault("name", unique("img"))
        body.setdefault("disk_format", "raw")
        body.setdefault("container_format", "bare")
        r = self.session.post(self.portal.url + "/image/v2/images", json=body)
        assert r.status_code == 201, (r.status_code, r.text)
        image = r.json()
        if data is not None:
            r = self.session.put(self.portal.url + f"/image/v2/images/{image['id']}/file", data=data,
                                 headers={"Content-Type": "application/octet-stream"})
            assert r.status_code == 204, (r.status_code, r.text)
        return image

    def add_member(self, image_id, ddi):
        r = self.session.post(self.portal.url + f"/image/v2/images/{image_id}/members", json={"member": ddi})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def set_status(self, image_id, ddi, status):
        r = self.session.put(self.portal.url + f"/image/v2/images/{image_id}/members/{ddi}", json={"status": status})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def members(self, image_id):
        r = self.get(f"/image/v2/images/{image_id}/members")
        assert r.status_code == 200, (r.status_code, r.text)
        return {m["member_id"]: m["status"] for m in r.json()["members"]}

    def member(self, image_id, ddi):
        return self.get(f"/image/v2/images/{image_id}/members/{ddi}")

    def image_ids(self, **params):
        r = self.get("/image/v2/images", params=params)
        assert r.status_code == 200, (r.status_code, r.text)
        return [i["id"] for i in r.json()["images"]]

    def objects(self, ddi, container):
        r = self.get(f"/object/v1/AUTH_{ddi}/{container}", params={"format": "json"})
        assert r.status_code == 200, (r.status_code, r.text)
        return {o["name"]: o for o in r.json()}


def parse_csv(text):
    return list(csv.reader(io.StringIO(text)))

