"""Casting: Script + voice profiles -> a Cast, and the utterances the engine will say
(lexicon respellings, pauses). Imports only the text side and shared modules."""
