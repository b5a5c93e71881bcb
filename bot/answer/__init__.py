"""From ranked passages to the quoted answer that every door (CLI, API, chat, widget) shows."""
