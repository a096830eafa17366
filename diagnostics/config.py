"""Every setting of the application, declared once: name, default and help.

Settings are read from the environment. The README lists them all (a test checks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        f"sqlite:///{PROJECT_ROOT / 'data' / 'psq.sqlite'}",
        "SQLAlchemy URL of the database: a SpatiaLite file (sqlite:///path) "
        "or PostGIS (postgresql+psycopg://user:password@host/dbname).",
    ),
    Setting(
        "SPATIALITE_LIBRARY_PATH",
        "mod_spatialite",
        "Name or path of the SpatiaLite extension loaded into SQLite.",
    ),
    Setting(
        "PSQ_GEODATA_DIR",
        str(PROJECT_ROOT / "geodata"),
        "Folder of the reference layers (GeoJSON) loaded by `init`.",
    ),
    Setting(
        "PSQ_TILES",
        "none",
        "Basemap tiles on every map: `none` (offline, communes as the base); a comma-separated list "
        "of `osm` and `ign` (needs internet access); `xyz:URL` or `wmts:URL`, an intranet tile server "
        "(URL template with {z} {x} {y}, or WMTS {TileMatrix} {TileCol} {TileRow}); or the path of a "
        "PMTiles (v3) / MBTiles file of raster tiles that the app serves itself under /tiles/.",
    ),
    Setting(
        "PSQ_TILES_ATTRIBUTION",
        "",
        "Credit shown under the map for an intranet tile server (required) or a tile file "
        "(default: the file's own attribution metadata), e.g. `© IGN — Plan IGN v2`.",
    ),
    Setting(
        "PSQ_OFFLINE_TILES_MB",
        "30",
        "Size budget, in megabytes, of the tiles the field page keeps for offline use over its team's "
        "communes; the highest zoom levels are dropped first to fit it.",
    ),
    Setting(
        "PSQ_OFFLINE_MAX_ZOOM",
        "17",
        "Highest zoom level of the tiles kept for offline use (field page, mayor's HTML snapshot).",
    ),
    Setting(
        "PSQ_MAP_POINTS",
        "5000",
        "Most observations the commanders' map draws one by one in a view; beyond, it draws cells with counts.",
    ),
    Setting(
        "PSQ_MAP_VIEW",
        "viewport",
        "How the commanders' map gets its observations: `viewport` (each view fetched from the app's route) "
        "or `all` (every observation of the selection sent with the page, as before issue 20; for comparison).",
    ),
    Setting(
        "PSQ_SNAPSHOT_TILES_MB",
        "3",
        "Size budget, in megabytes of base64 text, of the tiles embedded in the mayor's one-file HTML map "
        "(tile file only), highest zoom levels dropped first; 0 embeds none.",
    ),
    Setting(
        "PSQ_SESSION_IDLE_MINUTES",
        "120",
        "Minutes without activity after which a user must log in again.",
    ),
    Setting(
        "PSQ_TRUST_FORWARDED_PROTO",
        "false",
        "`true` when a reverse proxy that terminates TLS sets X-Forwarded-Proto (nginx: "
        "`proxy_set_header X-Forwarded-Proto $scheme`): the session cookie is then marked Secure "
        "for HTTPS visitors. Leave `false` when clients reach the app directly.",
    ),
    Setting(
        "PSQ_RETENTION_DAYS",
        "1095",
        "Days after which participant names and free text are anonymised by `purge`.",
    ),
    Setting(
        "PSQ_AUDIT_RETENTION_DAYS",
        "365",
        "Days the audit log is kept; `purge` deletes older rows and leaves a signed checkpoint. "
        "At most 1095 (three years, the CNIL's ceiling for internal control).",
    ),
    Setting(
        "PSQ_AUDIT_KEY",
        "",
        "Secret key (a long random string, kept out of the database) that signs the audit log's "
        "checkpoints when `purge` deletes old rows; `audit verify` needs it to check them.",
    ),
    Setting(
        "PSQ_SUBSCRIBER_RETENTION_DAYS",
        "30",
        "Days after an alert subscriber's opt-out (STOP) after which `purge` deletes their row "
        "(name, number, e-mail); the number's SHA-256 stays so that it is never subscribed again.",
    ),
    Setting(
        "PSQ_SMS_URL",
        "",
        "SMS gateway of the targeted alerts: `smpp://system_id:password@host:port` (SMPP 3.4), "
        "`https://…` (an HTTP sending API: JSON POST of `to`, `from`, `text`), or `file:///dir` "
        "(writes what would be sent, for demos and dry runs). Empty: SMS alerts cannot be sent.",
    ),
    Setting(
        "PSQ_SMS_SENDER",
        "PSQ",
        "Sender shown on the alerts' SMS: an alphanumeric name (11 characters at most) or a number.",
    ),
    Setting(
        "PSQ_SMS_RATE",
        "10",
        "Largest number of SMS submitted to the gateway per second (the operator's contract).",
    ),
    Setting(
        "PSQ_PHOTO_DIR",
        str(PROJECT_ROOT / "data" / "photos"),
        "Folder where field photos are stored (JPEG, metadata stripped, generated names); "
        "the database keeps only their names. Back it up with the database.",
    ),
    Setting(
        "PSQ_GEOCODER_URL",
        "",
        "Address search on Saisie terrain: URL of a Base Adresse Nationale-compatible `/search/` "
        "endpoint (e.g. a local addok). Empty: search only the local communes, sectors and sites.",
    ),
    Setting(
        "PSQ_DEPARTMENTS",
        "70,39",
        "Départements covered by this installation (INSEE codes, comma-separated).",
    ),
    Setting(
        "PSQ_IMPORT_MAX_MB",
        "50",
        "Largest file accepted by `import` and the Couches de référence page, in megabytes "
        "(a zipped shapefile may unpack to ten times as much, no more).",
    ),
    Setting(
        "PSQ_IMPORT_MEMORY_MB",
        "1500",
        "Address space of the child process that parses an uploaded file, in megabytes (RLIMIT_AS): "
        "a file that needs more is refused, and only that process stops.",
    ),
    Setting(
        "PSQ_IMPORT_SECONDS",
        "120",
        "Time the child process that parses an uploaded file may take, in seconds; then it is stopped.",
    ),
    Setting(
        "PSQ_PUBLIC_URL",
        "",
        "Address of the app as its users reach it (e.g. `https://psq.intranet.example`): e-mails link "
        "there. Empty: e-mails carry no link.",
    ),
    Setting(
        "PSQ_SMTP_URL",
        "none",
        "Mail server of `notify run`: `smtp://user:password@host:587` (STARTTLS, required), "
        "`smtps://user:password@host:465` (TLS from the start), `smtp+plain://host:25` (no encryption, "
        "no password: a relay on this machine or its LAN only), or `none` (nothing is sent; messages wait "
        "in the outbox). Escape special characters of the password as in any URL (%40 for @).",
    ),
    Setting(
        "PSQ_SMTP_CA_FILE",
        "",
        "PEM file of the certificate authority that signed the mail server's certificate, when it is not "
        "one the system trusts (an intranet CA). Empty: the system's authorities.",
    ),
    Setting(
        "PSQ_MAIL_FROM",
        "PSQ diagnostics <psq-diagnostics@localhost>",
        "Sender address of every e-mail (`Name <address>` or a bare address).",
    ),
    Setting(
        "PSQ_OUTBOX_MAX_ATTEMPTS",
        "8",
        "Attempts after which a message that the mail server keeps refusing or that cannot be delivered "
        "is marked failed (an administrator can retry it on Administration).",
    ),
    Setting(
        "PSQ_OUTBOX_RETRY_SECONDS",
        "60",
        "Wait before the second attempt of a message; each later attempt waits twice as long (at most a day).",
    ),
    Setting(
        "PSQ_OUTBOX_LEASE_SECONDS",
        "300",
        "How long a message claimed by a worker stays its own: past that, a worker that died is presumed "
        "dead and another one sends the message again. Must exceed the SMTP timeout (60 s).",
    ),
    Setting(
        "PSQ_DIGEST_HOUR",
        "7",
        "Hour (Paris time, 0-23) after which `notify run` sends the daily digests of the day before.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a setting: the environment first, then its default."""
    setting = _BY_NAME[name]
    value = os.environ.get(name, "").strip()
    return value or setting.default


def database_url() -> str:
    return get("DATABASE_URL")


def geodata_dir() -> Path:
    return Path(get("PSQ_GEODATA_DIR"))


def departments() -> tuple[str, ...]:
    return tuple(code.strip() for code in get("PSQ_DEPARTMENTS").split(",") if code.strip())


def photo_dir() -> Path:
    return Path(get("PSQ_PHOTO_DIR"))


def geocoder_url() -> str:
    return get("PSQ_GEOCODER_URL")


def tile_sources():
    """The basemaps of PSQ_TILES (tuple of diagnostics.tiles.sources.TileSource); ValueError in French."""
    from diagnostics.tiles.sources import parse_tiles

    return parse_tiles(get("PSQ_TILES"), get("PSQ_TILES_ATTRIBUTION"))


def offline_tiles_bytes() -> int:
    return _positive_int("PSQ_OFFLINE_TILES_MB") * 1024 * 1024


def offline_max_zoom() -> int:
    return min(_positive_int("PSQ_OFFLINE_MAX_ZOOM"), 22)


def map_all_points() -> bool:
    value = get("PSQ_MAP_VIEW").strip().lower()
    if value not in ("viewport", "all"):
        raise ValueError(f"PSQ_MAP_VIEW doit valoir viewport ou all, pas {value!r}")
    return value == "all"


def map_points() -> int:
    return _positive_int("PSQ_MAP_POINTS")


def snapshot_tiles_bytes() -> int:
    value = get("PSQ_SNAPSHOT_TILES_MB")
    try:
        megabytes = float(value)
    except ValueError:
        raise ValueError(f"PSQ_SNAPSHOT_TILES_MB doit être un nombre de mégaoctets, pas {value!r}") from None
    if megabytes < 0:
        raise ValueError(f"PSQ_SNAPSHOT_TILES_MB ne peut pas être négatif, pas {value}")
    return int(megabytes * 1024 * 1024)


def session_idle_minutes() -> int:
    return _positive_int("PSQ_SESSION_IDLE_MINUTES")


def trust_forwarded_proto() -> bool:
    return get("PSQ_TRUST_FORWARDED_PROTO").lower() in ("1", "true", "yes", "oui")


def retention_days() -> int:
    return _positive_int("PSQ_RETENTION_DAYS")


AUDIT_RETENTION_MAX_DAYS = 1095


def audit_retention_days() -> int:
    days = _positive_int("PSQ_AUDIT_RETENTION_DAYS")
    if days > AUDIT_RETENTION_MAX_DAYS:
        raise ValueError(
            f"PSQ_AUDIT_RETENTION_DAYS ne peut pas dépasser {AUDIT_RETENTION_MAX_DAYS} jours (trois ans, plafond "
            f"recommandé par la CNIL pour le contrôle interne), pas {days}"
        )
    return days


def audit_key() -> str:
    return get("PSQ_AUDIT_KEY")


def subscriber_retention_days() -> int:
    return _positive_int("PSQ_SUBSCRIBER_RETENTION_DAYS")


def sms_rate() -> int:
    return _positive_int("PSQ_SMS_RATE")


def import_max_bytes() -> int:
    return _positive_int("PSQ_IMPORT_MAX_MB") * 1_000_000


def import_memory_bytes() -> int:
    return _positive_int("PSQ_IMPORT_MEMORY_MB") * 1024 * 1024


def import_seconds() -> int:
    return _positive_int("PSQ_IMPORT_SECONDS")


def public_url() -> str:
    return get("PSQ_PUBLIC_URL").rstrip("/")


def outbox_max_attempts() -> int:
    return _positive_int("PSQ_OUTBOX_MAX_ATTEMPTS")


def outbox_retry_seconds() -> int:
    return _positive_int("PSQ_OUTBOX_RETRY_SECONDS")


def outbox_lease_seconds() -> int:
    return _positive_int("PSQ_OUTBOX_LEASE_SECONDS")


def digest_hour() -> int:
    hour = _positive_int("PSQ_DIGEST_HOUR") if get("PSQ_DIGEST_HOUR") != "0" else 0
    if hour > 23:
        raise ValueError(f"PSQ_DIGEST_HOUR doit être une heure entre 0 et 23, pas {hour}")
    return hour


def _positive_int(name: str) -> int:
    value = get(name)
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} doit être un nombre entier, pas {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} doit être positif, pas {number}")
    return number
