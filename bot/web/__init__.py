"""Thin layers over `ask()`: the HTTP API, the Gradio chat and the full-text view."""
