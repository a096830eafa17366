"""The README's nginx snippet is the one the scale-out test runs, and nginx accepts it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.nginx import NGINX, require_nginx, run_config, site_config

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_shows_the_configuration_the_tests_run():
    assert f"```nginx\n{site_config([8501, 8502, 8503])}```" in README.read_text()


def test_nginx_accepts_the_test_configuration(tmp_path):
    require_nginx()
    conf = tmp_path / "nginx.conf"
    conf.write_text(run_config([18501, 18502], 18600, tmp_path))
    checked = subprocess.run(
        [str(NGINX), "-t", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "early.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
