"""Where lines end: step 5 of a record's way.

- :mod:`.file`: ``BatchFileHandler``, one ``os.write`` per batch, rotation, ``reopen()``.
- :mod:`.console`: ``RichHandler``, pretty lines on a terminal (``PrettyFormatter``'s).
- :mod:`.browser`: ``BrowserConsoleHandler``, the browser's developer console (Pyodide).
- :mod:`.otlp`: ``OtlpHandler``, OTLP through OpenTelemetry's exporter.
- :mod:`.syslog`: ``BatchSyslogHandler``, RFC 5424 over TCP (octet counting), TLS or UDP.
- :mod:`.trace_buffer`: ``TraceBufferHandler``, per-trace buffers of DEBUG lines released
  when the trace fails (a wrapper in front of the real sink, behind the queue).
"""
