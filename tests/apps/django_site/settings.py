"""Settings of the test Django project: no database, one URL module, our LOGGING."""

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "django_site.urls"
INSTALLED_APPS: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
MIDDLEWARE = ["django_site.middleware.RequestIdMiddleware"]

# --8<-- [start:logging]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "lite_logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        },
        "queue": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["console"]},
    },
    "loggers": {
        "django": {"level": "INFO", "handlers": [], "propagate": True},
        "django.server": {"level": "INFO", "handlers": [], "propagate": True},
        "django.request": {"level": "WARNING", "handlers": [], "propagate": True},
    },
    "root": {"level": "INFO", "handlers": ["queue"]},
}
# --8<-- [end:logging]
