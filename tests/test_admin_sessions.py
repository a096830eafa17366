"""How the administrators' list of sessions names browsers (pure, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics.services.sessions import OpenSession
from diagnostics.ui.admin_sessions import sessions_table, short_user_agent

ANDROID_FIREFOX = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1"
)
LINUX_CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


@pytest.mark.parametrize(
    ("user_agent", "shown"),
    [
        (ANDROID_FIREFOX, "Firefox 133 · Android"),
        (WINDOWS_EDGE, "Edge 131 · Windows"),
        (IPHONE_SAFARI, "Safari 17 · iPhone"),
        (LINUX_CHROME, "Chrome 131 · Linux"),
        ("curl/8.5.0", "curl/8.5.0"),
        ("x" * 60, "x" * 40 + "…"),
        ("", "—"),
    ],
)
def test_user_agents_are_shortened_to_browser_and_system(user_agent, shown):
    assert short_user_agent(user_agent) == shown


def test_the_table_shows_paris_time_and_marks_this_session():
    winter = dt.datetime(2026, 12, 1, 13, 5)  # UTC: 14:05 in Paris
    row = OpenSession(1, "agent.gray", "Agent", "password", ANDROID_FIREFOX, winter, winter, winter)
    table = sessions_table([row, OpenSession(2, "chef", "", "api", "", winter, winter, winter)], current_id=2)
    assert table.iloc[0].to_dict() == {
        "Compte": "agent.gray",
        "Nom": "Agent",
        "Ouverte le": "01/12/2026 14:05",
        "Dernière activité": "01/12/2026 14:05",
        "Expire le": "01/12/2026 14:05",
        "Navigateur": "Firefox 133 · Android",
        "Connexion": "Mot de passe",
    }
    assert (table.iloc[1]["Compte"], table.iloc[1]["Connexion"]) == ("chef (cette session)", "API (page terrain)")
