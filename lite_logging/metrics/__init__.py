"""What the pipeline did, counted.

- :mod:`._registry`: the registry behind ``lite_logging.stats()`` (pipelines and filters).
"""
