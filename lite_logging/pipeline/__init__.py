"""The queue between the caller and the writers: step 3 of a record's way.

- :mod:`.queueing`: ``AsyncQueueHandler`` (caller side: filter, stamp, render, enqueue by
  policy), ``BatchingQueueListener`` (listener thread: batches to handlers), and the
  process-wide ``flush()``, ``drain()``, ``shutdown()``, ``stats()``.
"""
