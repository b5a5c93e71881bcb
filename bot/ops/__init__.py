"""Running the bot unattended: metrics, request logs, health, headers and rate limits."""
