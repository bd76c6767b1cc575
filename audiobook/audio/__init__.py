"""The audio side: utterances -> clips (engines, synthesis, cache) -> levelled,
encoded pieces and their Timeline. Engines import only shared modules."""
