"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'hub:create_app()'`.

`hub serve` applies the same privacy-preserving access log format; this file is for operators who run gunicorn
themselves (systemd unit below, container image).
"""

import multiprocessing
import os

bind = os.environ.get("HUB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HUB_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 120
graceful_timeout = 30
max_requests = 5000  # recycle workers now and then: bounds memory growth from any leak
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("HUB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
# No client address, user agent or referrer: reporters and members are not tracked by the hub.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Strips addresses, user agents, referrers and the secrets of invitation links whatever the format says.
logger_class = "hub.accesslog.PrivateAccessLogger"
errorlog = "-"
