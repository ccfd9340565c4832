"""Wall-clock times in a zone, told apart when an autumn change makes the same time happen twice."""
from datetime import datetime
from zoneinfo import ZoneInfo


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def is_ambiguous(instant: datetime, zone: ZoneInfo | str) -> bool:
    """Does the wall-clock time of ``instant`` in ``zone`` happen twice (the repeated hour of autumn)?"""
    local = instant.astimezone(_zone(zone))
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def wall_time(instant: datetime, zone: ZoneInfo | str, fmt: str = "%H:%M") -> str:
    """``instant`` as ``fmt`` in ``zone``; with the zone's abbreviation ("01:30 BST", "23:30 -03") when
    that wall time is ambiguous and ``fmt`` does not already show the zone or offset."""
    local = instant.astimezone(_zone(zone))
    shown = local.strftime(fmt)
    if "%Z" not in fmt and "%z" not in fmt and is_ambiguous(instant, zone):
        shown += local.strftime(" %Z")
    return shown
