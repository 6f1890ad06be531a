"""Where lines end: step 5 of a record's way.

- :mod:`.file`: ``BatchFileHandler``, one ``os.write`` per batch, rotation, ``reopen()``.
- :mod:`.console`: ``RichHandler``, pretty lines on a terminal (``PrettyFormatter``'s).
"""
