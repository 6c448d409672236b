"""The `glance` command from python-glanceclient 4.13, run exactly as the server's banner suggests:

    glance --os-image-url http://HOST:PORT/image --os-auth-token <token> image-list
"""
import hashlib
import os
import pathlib
import pty
import subprocess
import sys

import pytest
import requests

from helpers import deterministic_bytes, tenant_with_token

GLANCE = str(pathlib.Path(sys.executable).parent / "glance")


def run_glance(portal, token, *args, version=None, terminal=False):
    """Runs the CLI. `terminal` gives it a terminal for standard input, as a person typing the
    command has: the v1 client reads a non-terminal stdin as image data."""
    command = [GLANCE, "--os-image-url", portal.image_url, "--os-auth-token", token]
    if version:
        command += ["--os-image-api-version", version]
    if not terminal:
        return subprocess.run(command + list(args), capture_output=True, text=True, timeout=60)
    primary, secondary = pty.openpty()
    try:
        return subprocess.run(command + list(args), stdin=secondary, capture_output=True, text=True, timeout=60)
    finally:
        os.close(primary)
        os.close(secondary)


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result.stdout


@pytest.mark.parametrize("version", [None, "2"], ids=["negotiated", "explicit-v2"])
def test_glance_cli_image_list(portal, version):
    # Without --os-image-api-version the CLI first asks GET <endpoint>/versions (Glance: 200 + versions).
    _, token = tenant_with_token(portal)
    ok(run_glance(portal, token, "image-list", version=version))


@pytest.mark.parametrize("version", [None, "2"], ids=["negotiated", "explicit-v2"])
def test_glance_cli_create_download_share(portal, tmp_path, version):
    _, token = tenant_with_token(portal)
    consumer_ddi, _ = tenant_with_token(portal)
    data = deterministic_bytes(20_000, seed=8)
    source = tmp_path / "disk.raw"
    source.write_bytes(data)

    out = ok(run_glance(portal, token, "image-create", "--name", "cli-image", "--disk-format", "raw",
                        "--container-format", "bare", "--file", str(source), version=version))
    image_id = next(line.split("|")[2].strip() for line in out.splitlines() if line.startswith("| id "))
    assert "active" in out

    listing = ok(run_glance(portal, token, "image-list", version=version))
    assert image_id in listing

    target = tmp_path / "back.raw"
    ok(run_glance(portal, token, "image-download", "--file", str(target), image_id, version=version))
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()

    ok(run_glance(portal, token, "member-create", image_id, consumer_ddi, version=version))
    members = ok(run_glance(portal, token, "member-list", "--image-id", image_id, version=version))
    assert consumer_ddi in members and "pending" in members


def test_glance_cli_v1_names_and_properties_survive_its_percent_encoding(portal, tmp_path):
    # python-glanceclient's v1 client percent-encodes every x-image-meta-* header (RFC 8187 style):
    # "Ubuntu 10.10" travels as "Ubuntu%2010.10" and must be stored, shown and read back as typed.
    _, token = tenant_with_token(portal)
    source = tmp_path / "disk.raw"
    source.write_bytes(deterministic_bytes(4096, seed=10))
    out = ok(run_glance(portal, token, "image-create", "--name", "Ubuntu 10.10", "--disk-format", "raw",
                        "--container-format", "bare", "--property", "os_distro=ubuntu lts",
                        "--property", "note=50% done: ü/ß", "--file", str(source), version="1"))
    image_id = next(line.split("|")[2].strip() for line in out.splitlines() if line.startswith("| id "))
    assert "| name" in out and "Ubuntu 10.10" in out and "Ubuntu%20" not in out, out

    # The v2 API shows the very same record, decoded.
    image = requests.get(f"{portal.image_url}/v2/images/{image_id}", headers={"X-Auth-Token": token}).json()
    assert image["name"] == "Ubuntu 10.10"
    assert image["os_distro"] == "ubuntu lts"
    assert image["note"] == "50% done: ü/ß"

    # And the v1 client reads it back (HEAD headers) as it was typed. (Python's HTTP client reads
    # header bytes as Latin-1, so only ASCII values can round-trip through v1 headers at all.)
    shown = ok(run_glance(portal, token, "image-show", image_id, version="1", terminal=True))
    assert "Ubuntu 10.10" in shown and "Ubuntu%20" not in shown, shown
    assert "ubuntu lts" in shown, shown

    # An update through v1 decodes too.
    ok(run_glance(portal, token, "image-update", "--name", "Ubuntu 12.04 LTS", image_id, version="1", terminal=True))
    image = requests.get(f"{portal.image_url}/v2/images/{image_id}", headers={"X-Auth-Token": token}).json()
    assert image["name"] == "Ubuntu 12.04 LTS"
