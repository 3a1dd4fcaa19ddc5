"""Content hashes of facts, so a re-import can tell an unchanged row from a changed one."""

import hashlib
import json
from dataclasses import asdict
from datetime import date
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def facts_hash(facts: Any) -> str:
    """SHA-256 of a facts dataclass (or plain data), stable across runs and key order."""
    data = asdict(facts) if hasattr(facts, "__dataclass_fields__") else facts
    text = json.dumps(data, sort_keys=True, default=_default, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
