"""Routes of Gradio and FastAPI the bot does not use: closed, on one server and behind
the proxy alike (tests/test_attacks.py, tests/test_behind_nginx.py)."""

from __future__ import annotations

CLOSED = [
    ("POST", "/gradio_api/upload"),
    ("POST", "/gradio_api/process_recording"),
    ("GET", "/gradio_api/upload_progress"),
    ("GET", "/gradio_api/file=/etc/passwd"),
    ("GET", "/gradio_api/file=http://example.com/"),
    ("GET", "/gradio_api/file/etc/passwd"),
    ("GET", "/gradio_api/proxy=http://example.com/"),
    ("POST", "/gradio_api/stream/1"),
    ("GET", "/gradio_api/stream/a/1/2/playlist.m3u8"),
    ("GET", "/monitoring"),
    ("GET", "/monitoring/summary"),
    ("POST", "/gradio_api/vibe-edit"),
    ("GET", "/gradio_api/vibe-code"),
    ("GET", "/gradio_api/dev/reload"),
    ("GET", "/openapi.json"),
    ("GET", "/gradio_api/openapi.json"),
    ("GET", "/docs"),
    ("POST", "/gradio_api/call/chat"),
    ("POST", "/gradio_api/api/chat"),
    ("GET", "/gradio_api/runs"),
    ("GET", "/gradio_api/startup-events"),
    ("GET", "/static/../../../../etc/passwd"),
    ("GET", "/assets/..%2f..%2f..%2fetc/passwd"),
    ("GET", "/login"),
    ("GET", "/gradio_api/mcp/sse"),
]
