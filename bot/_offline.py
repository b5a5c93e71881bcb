"""Keep every library from calling home: no hub downloads, no telemetry, no version checks.

Imported first by the package: huggingface_hub and gradio read these variables once, at
their own import. `setdefault` lets someone with a reachable hub opt back in on purpose.
"""

from __future__ import annotations

import os

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",
}


def keep_offline() -> None:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
