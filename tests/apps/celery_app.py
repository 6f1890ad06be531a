"""The Celery app of docs/recipes/celery.md, for tests/test_recipes_celery.py.

Its broker is kombu's filesystem transport in the folder ``$LL_BROKER_DIR`` (a real broker
that needs no server); the test runs ``celery -A celery_app worker`` with ``tests/apps`` on
``PYTHONPATH`` and sends tasks from its own process.
"""

# --8<-- [start:app]
import logging

from celery import Celery, Task
from celery.signals import before_task_publish, setup_logging, worker_process_shutdown

import lite_logging as ll


class LoggedTask(Task):
    """Runs each task in a span (joining the sender's trace) with its id in the context."""

    def __call__(self, *args, **kwargs):
        request = self.request
        traceparent = (request.headers or {}).get("traceparent") or getattr(
            request, "traceparent", None
        )
        with (
            ll.context(task_id=request.id, task=self.name),
            ll.span(self.name, traceparent=traceparent),
        ):
            return super().__call__(*args, **kwargs)


app = Celery("shop", task_cls=LoggedTask)
app.conf.worker_redirect_stdouts = False  # print() stays print(), not a log record


@setup_logging.connect
def configure_logging(**kwargs):
    """Celery leaves logging to us once this signal has a receiver."""
    ll.setup("prod")


@before_task_publish.connect
def send_traceparent(headers=None, **kwargs):
    """A task sent inside a span carries the span's W3C traceparent header."""
    traceparent = ll.traceparent()
    if traceparent and headers is not None:
        headers.setdefault("traceparent", traceparent)


@worker_process_shutdown.connect
def drain_logs(**kwargs):
    """Write what a pool process queued before it exits."""
    ll.shutdown()


log = logging.getLogger("shop.tasks")


@app.task
def charge(order):
    log.info("charging order %d", order, extra={"order": order})
    log.info("order %d charged", order, extra={"order": order})
    return order


# --8<-- [end:app]

import os  # noqa: E402 - the test's broker, after the part the page shows

_folder = os.environ.get("LL_BROKER_DIR", "broker")
app.conf.broker_url = "filesystem://"
app.conf.broker_transport_options = {
    "data_folder_in": _folder,
    "data_folder_out": _folder,
    "control_folder": os.path.join(_folder, "control"),
    "store_processed": False,
    "polling_interval": 0.05,  # seconds between looks at the folder (default 1)
}
