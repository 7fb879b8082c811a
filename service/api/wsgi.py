"""The WSGI entry point for gunicorn: ``service.api.wsgi:application``.

Settings come from the environment (``DLP_*``). Under gunicorn's ``preload_app`` this
module is imported once in the master, so definitions are compiled once and shared by
the workers it forks.
"""

from service.api import create_app

application = create_app()
