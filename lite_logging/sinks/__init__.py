"""Where lines end: step 5 of a record's way.

- :mod:`.file`: ``BatchFileHandler``, one ``os.write`` per batch, rotation, ``reopen()``.
- :mod:`.syslog`: ``BatchSyslogHandler``, RFC 5424 over TCP (octet counting), TLS or UDP.
"""
