#!/usr/bin/env python3
"""Install the pinned browser assets of assets.lock into static/vendor/.

Maps must render on intranets without internet, so every script, stylesheet, image and
font a map needs is served by the app itself (Streamlit serves ./static at /app/static).

    python scripts/fetch_assets.py           install, or do nothing if already installed
    python scripts/fetch_assets.py --check   exit 1 unless the installed files match the lock

npm entries are fetched with the ordinary `npm pack` (the configured registry and cache),
checked against the lock's sha512 integrity, and only the listed files are extracted.
python entries are copied from the installed, pinned Python package and checked by sha256.
The new tree is built beside static/vendor and swapped in whole, so no stale file survives.
Standard library only: it runs before anything else is set up.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "assets.lock"
VENDOR = REPO / "static" / "vendor"
# Written last, inside static/vendor: the hash of the lock it was built from and the
# sha256 of every installed file. diagnostics/assets.py reads it too.
STAMP_NAME = ".installed.json"
NPM_TIMEOUT_S = 300


class AssetError(Exception):
    """An asset cannot be installed; the message says which one and why."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha512_integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def safe_relpath(path: str) -> PurePosixPath:
    """A relative POSIX path without '..', refusing anything that could escape its folder."""
    pure = PurePosixPath(path)
    if not path or "\\" in path or pure.is_absolute() or ".." in pure.parts or "" in pure.parts:
        raise AssetError(f"unsafe path in assets.lock: {path!r}")
    return pure


def load_lock(lock_path: Path) -> tuple[list[dict], str]:
    raw = lock_path.read_bytes()
    lock = json.loads(raw)
    if lock.get("version") != 1:
        raise AssetError(f"{lock_path.name}: unsupported version {lock.get('version')!r}")
    for pkg in lock["packages"]:
        if pkg.get("source") not in ("npm", "python"):
            raise AssetError(f"{pkg.get('name')}: unknown source {pkg.get('source')!r}")
        safe_relpath(pkg["name"])
        for path in pkg["files"]:
            safe_relpath(path)
    return lock["packages"], sha256_hex(raw)


def expected_paths(packages: list[dict]) -> list[str]:
    """Paths relative to static/vendor, as recorded in the stamp."""
    return [f"{pkg['name']}/{path}" for pkg in packages for path in pkg["files"]]


def read_stamp(vendor: Path) -> dict | None:
    try:
        return json.loads((vendor / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return None


def npm_pack(name: str, version: str, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm not found: install Debian's `npm` package (apt-get install npm).")
    cmd = [
        npm,
        "pack",
        f"{name}@{version}",
        "--json",
        "--ignore-scripts",
        "--prefer-offline",
        "--pack-destination",
        str(workdir),
    ]
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false", npm_config_audit="false")
    try:
        done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise AssetError(f"{name}@{version}: npm pack took more than {NPM_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "ERR" in line] or [
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output"
        ]
        raise AssetError(f"{name}@{version}: npm pack failed: {errors[0].strip()}")
    try:
        filename = json.loads(done.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError) as exc:
        raise AssetError(f"{name}@{version}: unexpected npm pack output") from exc
    return workdir / PurePosixPath(filename).name


def extract_listed(tarball: Path, files: list[str], label: str) -> dict[str, bytes]:
    """Read only the listed regular files out of an npm tarball (entries sit under one top folder)."""
    wanted = {str(safe_relpath(path)): None for path in files}
    found: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            inner = "/".join(parts[1:])
            if inner not in wanted or inner in found:
                continue
            if not member.isreg():
                raise AssetError(f"{label}: {inner} is not a regular file in the tarball")
            found[inner] = tar.extractfile(member).read()
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise AssetError(f"{label}: not in the tarball: {', '.join(missing)}")
    return found


def fetch_npm(pkg: dict, workdir: Path) -> dict[str, bytes]:
    label = f"{pkg['name']}@{pkg['version']}"
    tarball = npm_pack(pkg["name"], pkg["version"], workdir)
    actual = sha512_integrity(tarball.read_bytes())
    if actual != pkg["integrity"]:
        raise AssetError(f"{label}: integrity mismatch (lock {pkg['integrity'][:20]}…, got {actual[:20]}…)")
    return extract_listed(tarball, pkg["files"], label)


def fetch_python(pkg: dict) -> dict[str, bytes]:
    label = f"{pkg['name']}=={pkg['version']}"
    try:
        installed = importlib.metadata.version(pkg["name"])
    except importlib.metadata.PackageNotFoundError as exc:
        raise AssetError(f"{label}: not installed in this Python (run make setup first)") from exc
    if installed != pkg["version"]:
        raise AssetError(f"{label}: version {installed} is installed")
    spec = importlib.util.find_spec(pkg["name"])
    root = Path(spec.origin).parent
    found = {}
    for path, digest in pkg["files"].items():
        data = (root / safe_relpath(path)).read_bytes()
        if sha256_hex(data) != digest:
            raise AssetError(f"{label}: {path} does not match its sha256 in assets.lock")
        found[path] = data
    return found


def write_files(staging: Path, name: str, files: dict[str, bytes]) -> dict[str, str]:
    manifest = {}
    for path, data in files.items():
        dest = staging / name / safe_relpath(path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        manifest[f"{name}/{path}"] = sha256_hex(data)
    return manifest


def swap_in(staging: Path, vendor: Path) -> None:
    old = vendor.with_name(vendor.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if vendor.exists():
        vendor.rename(old)
    staging.rename(vendor)
    shutil.rmtree(old, ignore_errors=True)


def install(packages: list[dict], lock_hash: str, vendor: Path) -> None:
    stamp = read_stamp(vendor)
    if (
        stamp
        and stamp.get("lock_sha256") == lock_hash
        and all((vendor / p).is_file() for p in expected_paths(packages))
    ):
        for pkg in packages:
            print(f"{pkg['name']} {pkg['version']}: up to date")
        return
    vendor.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".vendor-", dir=vendor.parent))
    try:
        manifest: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="fetch-assets-") as tmp:
            for pkg in packages:
                files = fetch_npm(pkg, Path(tmp)) if pkg["source"] == "npm" else fetch_python(pkg)
                manifest.update(write_files(staging, pkg["name"], files))
                size_kb = sum(len(data) for data in files.values()) / 1024
                print(f"{pkg['name']} {pkg['version']}: installed {len(files)} files, {size_kb:.0f} KB")
        stamp = {"lock_sha256": lock_hash, "files": manifest}
        (staging / STAMP_NAME).write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n")
        swap_in(staging, vendor)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check(packages: list[dict], lock_hash: str, vendor: Path) -> list[str]:
    """Problems with the installed tree, one line each; empty when it matches the lock."""
    stamp = read_stamp(vendor)
    if stamp is None:
        return [f"{vendor} is not installed"]
    problems = []
    if stamp.get("lock_sha256") != lock_hash:
        problems.append("static/vendor was installed from another assets.lock")
    recorded = stamp.get("files", {})
    for pkg in packages:
        bad = []
        for path in expected_paths([pkg]):
            file = vendor / path
            if not file.is_file():
                bad.append(f"missing {path}")
            elif sha256_hex(file.read_bytes()) != recorded.get(path):
                bad.append(f"modified {path}")
        print(f"{pkg['name']} {pkg['version']}: " + ("ok" if not bad else "; ".join(bad)))
        problems.extend(bad)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="verify static/vendor against assets.lock, install nothing"
    )
    parser.add_argument("--lock", type=Path, default=LOCK, help=argparse.SUPPRESS)
    parser.add_argument("--vendor", type=Path, default=VENDOR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        packages, lock_hash = load_lock(args.lock)
        if args.check:
            problems = check(packages, lock_hash, args.vendor)
            if problems:
                print("assets: not installed or out of date: run `make assets`", file=sys.stderr)
                return 1
            return 0
        install(packages, lock_hash, args.vendor)
    except AssetError as exc:
        print(f"assets: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
