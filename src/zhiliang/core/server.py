"""Serving: gunicorn (a production-grade WSGI server) with WhiteNoise for static
files, and the django-tasks database worker beside it."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys

from gunicorn.app.base import BaseApplication


class ZhiliangServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from zhiliang.wsgi import application

        return application


def start_worker() -> subprocess.Popen:
    """The task worker (django-tasks database backend) as a child process; its
    log (one line per task) goes to ``worker.log`` in the data dir."""
    from django.conf import settings

    cmd = [sys.executable, "-m", "zhiliang.cli", "db_worker", "--no-startup-delay", "--interval", "1", "--no-reload"]
    log = open(settings.DATA_DIR / "worker.log", "a", buffering=1)  # noqa: SIM115 (lives as long as the worker)
    proc = subprocess.Popen(cmd, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)

    def stop():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    atexit.register(stop)
    return proc


def run_daily_jobs() -> None:
    """The day's jobs once at start (``zhiliang daily`` from cron runs them every day); a
    failing job is reported and does not stop the server."""
    import logging

    from . import daily

    try:
        for job, summary in daily.run_daily():
            print(f"{job.label}：{summary}", file=sys.stderr)
    except Exception:  # noqa: BLE001 — serving must not depend on a daily job
        logging.getLogger("zhiliang").exception("每日例行任务失败")


def serve(*, host: str, port: int, workers: int, threads: int = 4, with_worker: bool = True, access_log: bool = False) -> None:
    run_daily_jobs()
    worker = start_worker() if with_worker else None
    try:
        ZhiliangServer(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "timeout": 120,
                "graceful_timeout": 10,
                "accesslog": "-" if access_log else None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "zhiliang",
            }
        ).run()
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
