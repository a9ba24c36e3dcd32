"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'hub:create_app()'`.

The settings themselves live in `hub.serve.gunicorn_settings`, which `hub serve` uses too: one source. Tune with
`HUB_BIND` (default 127.0.0.1:8000), `HUB_WORKERS` (default 2 x cores), `HUB_THREADS` (default 2) and
`HUB_FORWARDED_ALLOW_IPS`.
"""

from hub.serve import gunicorn_settings

globals().update(gunicorn_settings())
