"""zhiliang demo — start the demo: embedded database, living data, web server and worker."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "启动演示系统：建库迁移、首次加载演示数据、打印网址和演示账号、启动网页服务与后台任务。Start the demo."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="端口 (默认 8000)")
        parser.add_argument("--host", default="127.0.0.1", help="监听地址 (默认 127.0.0.1，仅本机)")
        parser.add_argument("--seed", type=int, default=2017, help="演示数据随机种子 (默认 2017)")
        parser.add_argument("--workers", type=int, default=2, help="网页服务进程数")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")

    def handle(self, *args, port, host, seed, workers, no_serve, no_worker, **options):
        from zhiliang.core import demo

        if settings.PRODUCTION:
            raise CommandError("生产模式下不能启动演示系统（ZHILIANG_MODE=production）。 The demo refuses to run in production mode.")
        if demo.is_loaded():
            self.stdout.write("演示数据已存在，继续使用（数据目录: %s）" % settings.DATA_DIR)
        else:
            self.stdout.write(f"正在生成演示数据（seed={seed}）…")
            demo.load(seed=seed, report=lambda msg: self.stdout.write("  " + msg))
        call_command("collectstatic", interactive=False, verbosity=0)
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"质量十堰演示系统: {url}"))
        self.stdout.write(f"接口文档 API docs: {url}api/docs/")
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）:")
        for line in demo.accounts_lines():
            self.stdout.write(line)
        self.stdout.flush()
        if no_serve:
            return
        from zhiliang.core.server import serve

        serve(host=host, port=port, workers=workers, with_worker=not no_worker)
