"""Every setting is documented in the README."""

from diagnostics import config


def test_every_setting_is_in_the_readme():
    readme = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [setting.name for setting in config.SETTINGS if f"`{setting.name}`" not in readme]
    assert not missing


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("PSQ_TILES", "osm, ign")
    assert [source.key for source in config.tile_sources()] == ["osm", "ign"]
    monkeypatch.setenv("PSQ_TILES", "")
    assert config.tile_sources() == ()
