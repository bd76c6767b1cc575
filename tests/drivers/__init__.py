"""pyttsx3 driver modules that behave like Windows' SAPI5 and macOS's NSSS drivers.

The tests copy them into the test environment's ``pyttsx3/drivers/`` folder, so
that pyttsx3 imports them by name (``--driver sapi5_like``), in spawned workers too.
"""
