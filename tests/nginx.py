"""nginx in front of several app processes, as the README's scale-out section sets it up.

`site_config` is the README's snippet (« Several Streamlit processes behind a reverse proxy »):
a test and `benchmarks/map_opens.py --proxy` run it with only what a throwaway run needs
around it (a loopback port instead of 443 + TLS, its own pid, log and temp paths, no daemon)
and one header naming the process that answered, which the README's snippet has not.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.servers import free_port, missing, wait_healthy

NGINX = Path("/usr/sbin/nginx")
ROUTE_COOKIE = "psq_route"
UPSTREAM_HEADER = "X-PSQ-Upstream"  # test only: which process answered


def site_config(ports: list[int], *, listen_port: int | None = None, extra: str = "") -> str:
    """The README's nginx snippet for app processes on `ports` of 127.0.0.1: on 443 with TLS,
    or on `listen_port` of loopback without it (a test)."""
    if listen_port is None:
        listen = "443 ssl;\n    ssl_certificate     /etc/ssl/psq/psq.intranet.crt;\n"
        listen += "    ssl_certificate_key /etc/ssl/psq/psq.intranet.key"
        cookie_flags = "; Secure"
    else:
        listen, cookie_flags = f"127.0.0.1:{listen_port}", ""
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports)
    return f"""\
# A browser's first request gets a random key in a cookie; every later request of that browser
# (page, WebSocket, uploads, media) hashes to the same process. Everyone behind one NAT address
# is still spread. A process that does not answer is skipped: the next one on the ring serves.
map $cookie_{ROUTE_COOKIE} $psq_route {{
    ""      $request_id;
    default $cookie_{ROUTE_COOKIE};
}}
map $cookie_{ROUTE_COOKIE} $psq_route_cookie {{
    ""      "{ROUTE_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Strict{cookie_flags}";
    default "";
}}
map $http_upgrade $psq_connection {{
    default upgrade;
    ""      "";
}}
upstream psq {{
    hash $psq_route consistent;
{servers}
}}
server {{
    listen {listen};
    server_name psq.intranet;
    client_max_body_size 60m;                          # imports up to server.maxUploadSize (50 MB)
    location / {{
        proxy_pass http://psq;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;        # Streamlit talks over a WebSocket
        proxy_set_header Connection $psq_connection;
        proxy_set_header Host $http_host;              # with its port: the API checks Origin against it
        proxy_set_header X-Forwarded-Proto $scheme;    # with PSQ_TRUST_FORWARDED_PROTO=true: Secure cookie
        proxy_read_timeout 86400;
        proxy_next_upstream error timeout;
        add_header Set-Cookie $psq_route_cookie;
{extra}    }}
}}
"""


def run_config(ports: list[int], listen_port: int, workdir: Path) -> str:
    """A whole nginx.conf around `site_config`, for a run that owns `workdir` and no daemon."""
    temp = workdir / "temp"
    for name in ("client", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    site = site_config(
        ports, listen_port=listen_port, extra=f"        add_header {UPSTREAM_HEADER} $upstream_addr always;\n"
    )
    indented = "".join(f"    {line}\n" if line else "\n" for line in site.splitlines())
    return f"""\
daemon off;
master_process on;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} info;
events {{ worker_connections 1024; }}
http {{
    access_log {workdir / "access.log"};
    client_body_temp_path {temp / "client"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
{indented}}}
"""


def require_nginx() -> None:
    if not NGINX.exists() and not shutil.which("nginx"):
        missing("nginx not found: install Debian's nginx package (scripts/system-deps.sh test)")


@contextlib.contextmanager
def nginx(ports: list[int], workdir: Path) -> Iterator[str]:
    """nginx on a free loopback port in front of the app processes on `ports`; its base URL."""
    require_nginx()
    workdir.mkdir(parents=True, exist_ok=True)
    listen_port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(run_config(ports, listen_port, workdir))
    binary = str(NGINX if NGINX.exists() else shutil.which("nginx"))
    checked = subprocess.run(
        [binary, "-t", "-c", str(conf), "-p", str(workdir), "-e", str(workdir / "early.log")],
        capture_output=True,
        text=True,
    )
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refused its configuration:\n{checked.stderr}")
    log = (workdir / "nginx.out").open("wb")
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(workdir), "-e", str(workdir / "early.log")],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{listen_port}"
    try:
        wait_healthy(f"{base_url}/_stcore/health", proc, workdir / "error.log")
        yield base_url
    finally:
        proc.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def upstream_of(base_url: str, route: str) -> str:
    """Which app process (host:port) nginx sends a browser holding route cookie `route` to."""
    request = urllib.request.Request(f"{base_url}/_stcore/health", headers={"Cookie": f"{ROUTE_COOKIE}={route}"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.headers[UPSTREAM_HEADER].split(",")[-1].strip()


def routes_to(base_url: str, ports: list[int]) -> dict[int, str]:
    """A route cookie value per app port: the key that nginx's hash sends to that process."""
    found: dict[int, str] = {}
    for index in range(200):
        key = f"route{index}"
        port = int(upstream_of(base_url, key).rsplit(":", 1)[1])
        found.setdefault(port, key)
        if len(found) == len(ports):
            return found
    raise AssertionError(f"no route key reaches every process: {found}")
