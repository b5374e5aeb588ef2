"""gunicorn settings for `make serve` and production: `gunicorn -c config/gunicorn.py`.

Workers come from the environment (WEB_WORKERS, default 2 a core); the app is loaded once
before forking (preload) and its objects frozen out of the garbage collector's way, so
workers share that memory and full collections stay short.
"""
import gc
import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", "1"))
preload_app = True
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = None          # the app writes one JSON line a request (config/observability.py)
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    gc.freeze()
