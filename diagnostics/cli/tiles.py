"""`tiles`: what PSQ_TILES serves, and what the field page would keep offline for some communes."""

from __future__ import annotations

import argparse

from diagnostics import config
from diagnostics.cli.base import migrated_database


def add_commands(commands) -> None:
    tiles = commands.add_parser(
        "tiles",
        help="décrire le fond de plan (PSQ_TILES) et ce qui serait gardé hors ligne",
        description="Décrire le fond de plan configuré par PSQ_TILES (fichier PMTiles ou MBTiles : type, "
        "niveaux de zoom, emprise, crédit) et, avec --commune, les tuiles que la page terrain garderait hors "
        "ligne pour ces communes dans la limite PSQ_OFFLINE_TILES_MB.",
    )
    tiles.add_argument("--commune", action="append", default=[], metavar="INSEE", help="une commune (option répétable)")
    tiles.set_defaults(handler=_tiles)


def _tiles(args: argparse.Namespace) -> int:
    from diagnostics.tiles import offline

    sources = config.tile_sources()
    if not sources:
        print("aucun fond de plan (PSQ_TILES=none) : les communes servent de fond")
    for source in sources:
        print(f"{source.name} : {source.url} — {source.attribution}")
        if source.local:
            west, south, east, north = source.bounds
            size = source.archive.stat().st_size
            print(
                f"  fichier {source.archive} ({size / 1024 / 1024:.1f} Mo), tuiles {source.tile_type}, "
                f"zooms {source.min_zoom} à {source.max_native_zoom}, "
                f"emprise {west:.4f}, {south:.4f}, {east:.4f}, {north:.4f}"
            )
    if args.commune:
        from diagnostics.services import territory

        with migrated_database() as db:
            bounds = territory.commune_bounds(db, args.commune)
        unknown = sorted(set(args.commune) - set(bounds))
        if unknown:
            print(f"erreur : commune inconnue : {', '.join(unknown)}")
            return 1
        listing = offline.offline_listing(
            sources, bounds.values(), max_zoom=config.offline_max_zoom(), budget=config.offline_tiles_bytes()
        )
        if not listing["urls"]:
            reason = listing["motif"] or "aucune tuile sur ces communes, ou la limite est trop petite pour un zoom"
            print(f"hors ligne : rien à garder. {reason}")
            return 0
        estimate = " (estimation)" if listing["estimation"] else ""
        print(
            f"hors ligne : {len(listing['urls'])} tuiles, {listing['octets'] / 1024 / 1024:.1f} Mo{estimate} "
            f"sur {listing['limite'] / 1024 / 1024:.0f} Mo, zooms {listing['zooms'][0]} à {listing['zooms'][-1]}"
            + (f" (écartés : {', '.join(map(str, listing['zooms_ecartes']))})" if listing["zooms_ecartes"] else "")
        )
    return 0
