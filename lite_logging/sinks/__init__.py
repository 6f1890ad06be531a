"""Where lines end: step 5 of a record's way.

- :mod:`.file`: ``BatchFileHandler``, one ``os.write`` per batch, rotation, ``reopen()``.
- :mod:`.trace_buffer`: ``TraceBufferHandler``, per-trace buffers of DEBUG lines released
  when the trace fails (a wrapper in front of the real sink, behind the queue).
"""
