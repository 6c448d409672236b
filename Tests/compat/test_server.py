"""The server as a process and an HTTP endpoint: versions, auth, request IDs, health, bootstrap, CLI."""
import re
import socket

import pytest
import requests

from helpers import Api, tenant_with_token

SCHEMAS = ["image", "images", "member", "members"]


# --- versions document -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/image", "/image/"])
def test_versions_document_is_public_and_answers_300(portal, path):
    # When: an anonymous client asks for the versions document
    r = requests.get(portal.url + path)
    # Then: 300 Multiple Choices with a v2 CURRENT entry, no token needed
    assert r.status_code == 300, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    versions = r.json()["versions"]
    ids = {v["id"]: v for v in versions}
    assert any(v["status"] == "CURRENT" and v["id"].startswith("v2.") for v in versions)
    for vid in ["v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5"]:
        assert vid in ids, f"{vid} missing from {sorted(ids)}"


def test_explicit_versions_path_answers_200_with_the_same_document(portal):
    # Glance answers GET /versions with 200 (explicit request) and the same body as the 300 at the root;
    # the `glance` CLI asks for <endpoint>/versions before anything else.
    r = requests.get(portal.image_url + "/versions")
    assert r.status_code == 200, r.status_code
    assert r.json() == requests.get(portal.image_url).json()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_version_hrefs_are_absolute_and_built_from_the_request_host(portal, host):
    # Given: the client reaches the server under some host name and port
    url = f"http://{host}:{portal.port}/image/"
    r = requests.get(url)
    assert r.status_code == 300
    # Then: every v2 href is http://<that host>:<port>/image/v2/
    for version in r.json()["versions"]:
        if not version["id"].startswith("v2"):
            continue
        hrefs = [link["href"] for link in version["links"] if link["rel"] == "self"]
        assert hrefs == [f"http://{host}:{portal.port}/image/v2/"], version


def test_version_hrefs_follow_the_host_header(portal):
    r = requests.get(portal.url + "/image", headers={"Host": "images.example.test:8443"})
    assert r.status_code == 300
    v2 = [v for v in r.json()["versions"] if v["id"].startswith("v2")]
    assert v2 and all(v["links"][0]["href"] == "http://images.example.test:8443/image/v2/" for v in v2)


def test_version_hrefs_use_the_operators_public_url(make_portal):
    server = make_portal("--public-url", "https://images.example.com", name="public-url").start()
    r = requests.get(server.image_url)
    assert r.status_code == 300
    v2 = [v for v in r.json()["versions"] if v["id"].startswith("v2")]
    assert v2 and all(v["links"][0]["href"] == "https://images.example.com/image/v2/" for v in v2)


# --- authentication ----------------------------------------------------------------------------

@pytest.mark.parametrize("schema", SCHEMAS)
def test_schemas_need_a_token(portal, schema):
    r = requests.get(f"{portal.image_url}/v2/schemas/{schema}")
    assert r.status_code == 401


@pytest.mark.parametrize("schema", SCHEMAS)
def test_schemas_are_served_with_a_token(portal, schema):
    _, token = tenant_with_token(portal)
    r = Api(portal, token).get(f"/schemas/{schema}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == schema
    assert "properties" in body


def test_image_schema_describes_glance_image_fields(portal):
    _, token = tenant_with_token(portal)
    props = Api(portal, token).get("/schemas/image").json()["properties"]
    for field in ["id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo",
                  "os_hash_value", "owner", "size", "virtual_size", "min_ram", "min_disk", "disk_format",
                  "container_format", "created_at", "updated_at", "tags", "self", "file", "schema"]:
        assert field in props, field
    assert set(props["visibility"]["enum"]) >= {"public", "community", "shared", "private"}


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "tok_0000000000000000.bogus"}, {"X-Auth-Token": "garbage"}],
                         ids=["missing", "unknown", "malformed"])
def test_requests_without_a_valid_token_get_a_401_json_body(portal, headers):
    r = requests.get(portal.image_url + "/v2/images", headers=headers)
    assert r.status_code == 401
    assert r.headers["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert set(error) >= {"code", "title", "message", "request_id"}
    assert error["code"] == 401
    assert error["message"]
    assert error["request_id"] == r.headers["X-Openstack-Request-Id"]


def test_a_revoked_token_stops_working_at_once(portal):
    ddi, token = tenant_with_token(portal)
    api = Api(portal, token)
    assert api.get("/images").status_code == 200
    portal.cli("tokens", "revoke", portal.token_id(token))
    assert api.get("/images").status_code == 401


# --- request IDs -------------------------------------------------------------------------------

def test_every_api_response_carries_a_request_id(portal):
    _, token = tenant_with_token(portal)
    api = Api(portal, token)
    created = api.post("/images", json={"name": "rid", "disk_format": "raw", "container_format": "bare"})
    image_id = created.json()["id"]
    responses = {
        "300 versions": requests.get(portal.image_url),
        "401": requests.get(portal.image_url + "/v2/images"),
        "200 list": api.get("/images"),
        "201 create": created,
        "204 queued download": api.get(f"/images/{image_id}/file"),
        "400 bad limit": api.get("/images", params={"limit": "x"}),
        "404": api.get("/images/00000000-0000-4000-8000-000000000000"),
        "415": api.upload(image_id, b"x", content_type="text/plain"),
        "204 delete": api.delete(f"/images/{image_id}"),
    }
    seen = set()
    for what, r in responses.items():
        rid = r.headers.get("X-Openstack-Request-Id")
        assert rid, f"{what}: no X-Openstack-Request-Id (status {r.status_code})"
        assert re.fullmatch(r"req-[0-9a-f-]{36}", rid), (what, rid)
        seen.add(rid)
    assert len(seen) == len(responses), "request IDs must be unique per request"


def test_error_bodies_repeat_the_request_id(portal):
    _, token = tenant_with_token(portal)
    r = Api(portal, token).get("/images/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404
    assert r.json()["error"]["request_id"] == r.headers["X-Openstack-Request-Id"]


def test_an_unknown_path_is_a_404_json_error_with_a_request_id(portal):
    _, token = tenant_with_token(portal)
    r = Api(portal, token).get("/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["request_id"] == r.headers["X-Openstack-Request-Id"]


@pytest.mark.parametrize("method,path,allowed", [
    ("PUT", "/images", {"GET", "POST"}),
    ("DELETE", "/images", {"GET", "POST"}),
    ("POST", "/images/{id}", {"GET", "PATCH", "DELETE"}),
    ("PUT", "/images/{id}", {"GET", "PATCH", "DELETE"}),
    ("POST", "/images/{id}/file", {"GET", "PUT"}),
    ("POST", "/schemas/image", {"GET"}),
    ("GET", "/images/{id}/actions/deactivate", {"POST"}),
])
def test_a_wrong_method_on_a_known_path_is_405_with_allow(portal, method, path, allowed):
    # Glance's router answers 405 Method Not Allowed with an Allow header (glance/api/v2/router.py).
    _, token = tenant_with_token(portal)
    api = Api(portal, token)
    image = api.create(name="m", disk_format="raw", container_format="bare")
    r = api.session.request(method, api.url(path.format(id=image["id"])))
    assert r.status_code == 405, (method, path, r.status_code)
    assert {m.strip() for m in r.headers.get("Allow", "").split(",")} == allowed
    assert r.headers.get("X-Openstack-Request-Id")


# --- health ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_answer_200_without_a_token(portal, path):
    r = requests.get(portal.url + path)
    assert r.status_code == 200
    assert r.json()["status"]


# --- process lifecycle -------------------------------------------------------------------------

TOKEN_RE = re.compile(r"\btok_[0-9a-f]{16}\.[A-Za-z0-9_-]+")


def test_bootstrap_admin_token_is_printed_on_first_start_only(make_portal):
    # Given: an empty data directory
    first = make_portal(name="boot").start()
    # Then: the first start prints a staff admin token that works
    tokens = TOKEN_RE.findall(first.stdout)
    assert len(tokens) == 1, first.stdout
    assert Api(first, tokens[0]).get("/images").status_code == 200
    assert first.stop() == 0

    # When: the same data directory is served again
    second = make_portal(name="boot-again", reuse=first).start()
    # Then: no token is printed, and the old one still works
    assert second.stdout.strip(), "the second start should still print its banner"
    assert not TOKEN_RE.findall(second.stdout), second.stdout
    assert Api(second, tokens[0]).get("/images").status_code == 200


def test_sigterm_exits_zero(make_portal):
    server = make_portal(name="sigterm").start()
    assert requests.get(server.url + "/healthz").status_code == 200
    assert server.stop() == 0


def test_data_survives_a_restart(make_portal):
    first = make_portal(name="persist").start()
    ddi, token = tenant_with_token(first)
    image = Api(first, token).create(name="kept", disk_format="raw", container_format="bare")
    assert Api(first, token).upload(image["id"], b"persisted bytes").status_code == 204
    assert first.stop() == 0
    second = make_portal(name="persist-again", reuse=first).start()
    api = Api(second, token)
    assert api.image(image["id"])["status"] == "active"
    assert api.get(f"/images/{image['id']}/file").content == b"persisted bytes"


def raw_request(port, data, timeout=10):
    """Sends raw bytes and returns the status code of the reply (or None if the connection closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        reply = b""
        try:
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(m.group(1)) if m else None


def test_a_100kb_header_gets_a_4xx_and_the_server_keeps_serving(portal):
    # When: a request carries a 100 KB header
    big = b"a" * (100 * 1024)
    status = raw_request(portal.port, b"GET /image/v2/images HTTP/1.1\r\nHost: x\r\nX-Big: " + big + b"\r\n\r\n")
    # Then: a 4xx answer (not a dropped connection or a crash)
    assert status is not None and 400 <= status < 500, status
    # And: the server still answers
    assert requests.get(portal.url + "/healthz").status_code == 200
    assert requests.get(portal.image_url).status_code == 300


def test_a_100kb_header_through_requests_is_refused_cleanly(portal):
    try:
        r = requests.get(portal.image_url, headers={"X-Big": "b" * (100 * 1024)}, timeout=10)
        assert 400 <= r.status_code < 500, r.status_code
    except requests.ConnectionError as error:
        pytest.fail(f"connection dropped instead of a 4xx answer: {error}")
    assert requests.get(portal.url + "/healthz").status_code == 200


# --- CLI bad input -----------------------------------------------------------------------------

def tenants_listing(portal):
    return portal.cli("tenants", "list").stdout


def assert_refused(result):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].strip()


@pytest.mark.parametrize("ddi", ["abc", "12345678901234567", "", "-5", "12 34", "１２３"])
def test_cli_refuses_a_malformed_ddi_and_writes_nothing(portal, ddi):
    before = tenants_listing(portal)
    result = portal.cli("tenants", "add", ddi, "--name", "Bad", check=False)
    assert_refused(result)
    assert tenants_listing(portal) == before


def test_cli_refuses_a_duplicate_tenant_and_writes_nothing(portal):
    ddi = portal.tenant(name="Original")
    before = tenants_listing(portal)
    result = portal.cli("tenants", "add", ddi, "--name", "Duplicate", check=False)
    assert_refused(result)
    after = tenants_listing(portal)
    assert after == before
    assert "Duplicate" not in after


def test_cli_refuses_a_token_for_an_unknown_tenant_and_writes_nothing(portal):
    tenants_before = tenants_listing(portal)
    tokens_before = portal.cli("tokens", "list").stdout
    result = portal.cli("tokens", "issue", "9999999999999", check=False)
    assert_refused(result)
    assert tenants_listing(portal) == tenants_before
    assert portal.cli("tokens", "list").stdout == tokens_before


def test_cli_refuses_an_unknown_role_and_writes_nothing(portal):
    ddi = portal.tenant()
    tokens_before = portal.cli("tokens", "list").stdout
    result = portal.cli("tokens", "issue", ddi, "--role", "superuser", check=False)
    assert_refused(result)
    assert portal.cli("tokens", "list").stdout == tokens_before


def test_cli_lists_the_tenants_it_added(portal):
    ddi = portal.tenant(name="Listed Tenant")
    listing = tenants_listing(portal)
    assert any(line.split()[:1] == [ddi] and "Listed Tenant" in line for line in listing.splitlines())
