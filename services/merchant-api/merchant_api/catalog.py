"""The merchant ids and currencies shared with the Node services (services/catalog.json), so
the bounded `merchant` label has the same values in payment-processor and merchant-api."""
from __future__ import annotations

import json
import os
from pathlib import Path

# services/merchant-api/merchant_api/catalog.py -> services/catalog.json (same layout in the image).
_DEFAULT_PATH = Path(__file__).resolve().parents[2] / "catalog.json"


def _load() -> dict:
    path = Path(os.environ.get("MERCHANT_CATALOG_PATH") or _DEFAULT_PATH)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise RuntimeError(f"cannot read the merchant catalog {path}: {err}") from err


_CATALOG = _load()
MERCHANTS: tuple[str, ...] = tuple(_CATALOG["merchants"])
OTHER_MERCHANT: str = _CATALOG["otherMerchant"]
CURRENCIES: tuple[str, ...] = tuple(_CATALOG["currencies"])
_KNOWN = frozenset(MERCHANTS)


def merchant_label(merchant_id: str) -> str:
    """The bounded label value: a known merchant id, or OTHER_MERCHANT."""
    return merchant_id if merchant_id in _KNOWN else OTHER_MERCHANT
