"""Basemap tiles without internet: tile sources (PSQ_TILES), PMTiles and MBTiles readers, the
tiles covering an area within a size budget (offline field page, mayor's HTML snapshot)."""
