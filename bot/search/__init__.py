"""From a question to ranked passages, and whether the text answers at all."""
