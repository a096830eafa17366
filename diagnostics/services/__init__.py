"""Use cases: the only code that touches the database.

Pages and the command line call these functions with a `Database`; collections come back as
GeoDataFrames (WGS84) for the pure builders in `maps`, `snapshots` and `io`.
"""
