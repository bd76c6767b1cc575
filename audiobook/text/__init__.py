"""The text side: a story file -> Book (structure) -> segments -> characters and
speakers. Nothing here knows of voices or audio."""
