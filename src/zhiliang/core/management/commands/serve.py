"""zhiliang serve — run the web server (gunicorn) and the task worker."""

import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动网页服务（gunicorn）与后台任务进程。Serve the application with gunicorn and the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("ZHILIANG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("ZHILIANG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程（另行运行 zhiliang db_worker）")
        parser.add_argument("--check-only", action="store_true", help="只做部署检查后退出")

    def handle(self, *args, host, port, workers, no_worker, check_only, **options):
        from django.core.management import call_command

        call_command("check", deploy=True, fail_level="WARNING")
        if check_only:
            self.stdout.write("部署检查通过。")
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        from zhiliang.core.server import serve

        serve(host=host, port=port, workers=workers, with_worker=not no_worker, access_log=True)
