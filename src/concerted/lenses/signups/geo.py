"""US postcodes to places: ZIP centroids from the ``zipcodes`` package (shipped with it, no
download), and great-circle distances."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...extras import require

EARTH_RADIUS_KM = 6371.0


@lru_cache(maxsize=1)
def zip_table() -> tuple[dict[str, int], np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """(zip -> index, latitudes, longitudes, states, zips) for every ZIP code with a centroid."""
    zipcodes = require("zipcodes", what="The sign-up lens")
    index: dict[str, int] = {}
    lat, lon, states, codes = [], [], [], []
    for z in zipcodes.list_all():
        try:
            la, lo = float(z["lat"]), float(z["long"])
        except (TypeError, ValueError):
            continue
        index[z["zip_code"]] = len(codes)
        lat.append(la)
        lon.append(lo)
        states.append(z["state"])
        codes.append(z["zip_code"])
    return index, np.array(lat), np.array(lon), tuple(states), tuple(codes)


def locate(postcode: str) -> tuple[float, float] | None:
    """The centroid of a US ZIP code (the first five digits of ZIP+4), or None."""
    index, lat, lon, _, _ = zip_table()
    i = index.get(str(postcode).strip()[:5])
    return None if i is None else (float(lat[i]), float(lon[i]))


def distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance (haversine), vectorised."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def zips_within(postcode: str, low_km: float, high_km: float) -> list[str]:
    """ZIP codes whose centroid lies between ``low_km`` and ``high_km`` of ``postcode``'s."""
    where = locate(postcode)
    if where is None:
        return []
    _, lat, lon, _, codes = zip_table()
    d = distance_km(where[0], where[1], lat, lon)
    return [codes[i] for i in np.flatnonzero((d >= low_km) & (d < high_km))]
