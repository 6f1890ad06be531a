"""A minimal Django project for tests/test_recipes_django.py (docs/recipes/django.md shows its
LOGGING and middleware). Run as ``python -m django runserver --noreload`` with
``DJANGO_SETTINGS_MODULE=django_site.settings`` and ``tests/apps`` on ``PYTHONPATH``."""
