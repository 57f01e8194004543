"""A group deployment on one machine: PostgreSQL, N app replicas and nginx in front of them.

    python3 scripts/dev.py cluster --replicas 3 --port 8080

Everything lives under ``.cluster/`` (or ``--state DIR``): the PostgreSQL data folder, the
evidence folder every replica shares, the rendered proxy configuration and one log per
process. The first start creates the database, migrates it and loads the demo assessments
once; later starts reuse them. Ctrl-C (or SIGTERM) stops the proxy, the replicas and the
database, in that order. Only the standard library is used: this runs before any venv.

The same layout for a real server (systemd units, TLS, backups) is in docs/deployment.md.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.in"
#: Types worth compressing ahead of time (gzip_static serves the .gz beside each file).
_COMPRESSIBLE = {".js", ".css", ".html", ".json", ".svg", ".map", ".txt", ".ttf", ".woff"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        sys.exit("PostgreSQL is not installed: apt-get install -y postgresql")
    return Path(initdb).parent


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the 'postgres' user then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        sys.exit("running as root without 'runuser': cannot start PostgreSQL as 'postgres'")
    return [runuser, "-u", "postgres", "--"]


def _wait_http(url: str, seconds: float, what: str, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"{what} stopped at start (exit {proc.returncode}): see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL we built)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"{what} did not answer on {url} within {seconds:.0f} s")


def _step(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=180)
    if done.returncode != 0:
        sys.exit(f"{what} failed: {(done.stderr or done.stdout).strip()[-1500:]}")


@dataclass
class Cluster:
    state: Path
    replicas: int
    port: int
    bin_dir: Path
    venv_bin: Path
    pg_port: int = 0
    #: A secrets file every replica reads (``[auth]`` for OpenID Connect: one shared cookie_secret).
    secrets: Path | None = None
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def pg_data(self) -> Path:
        return self.state / "pg" / "data"

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/postgres"

    def env(self) -> dict[str, str]:
        return {**os.environ, "LABELNR_DATABASE_URL": self.database_url,
                "LABELNR_DATA_DIR": str(self.state / "data")}

    def log(self, name: str) -> Path:
        return self.state / "logs" / f"{name}.log"

    def start_postgres(self) -> bool:
        """Start the database (created on first use); True when it was just created."""
        prefix = _as_postgres()
        pg_dir = self.state / "pg"
        created = not (self.pg_data / "PG_VERSION").exists()
        pg_dir.mkdir(parents=True, exist_ok=True)
        if prefix:
            shutil.chown(pg_dir, "postgres", "postgres")
        if created:
            _step([*prefix, str(self.bin_dir / "initdb"), "-D", str(self.pg_data), "-A", "trust",
                   "-U", "postgres", "-E", "UTF8"], "initdb")
        self.pg_port = free_port()
        options = (f"-p {self.pg_port} -k {pg_dir} -c listen_addresses=127.0.0.1 -c max_connections=300")
        _step([*prefix, str(self.bin_dir / "pg_ctl"), "-D", str(self.pg_data), "-o", options,
               "-l", str(pg_dir / "server.log"), "-w", "-t", "60", "start"],
              f"PostgreSQL (log: {pg_dir}/server.log)")
        print(f"PostgreSQL  {self.database_url}  data {self.pg_data}", flush=True)
        return created

    def stop_postgres(self) -> None:
        subprocess.run([*_as_postgres(), str(self.bin_dir / "pg_ctl"), "-D", str(self.pg_data), "-m", "fast",
                        "-w", "stop"], check=False, capture_output=True, timeout=60)

    def prepare(self, created: bool) -> None:
        """Migrate, then load the demo once (before any replica starts, so none races another)."""
        labelnr = str(self.venv_bin / "labelnr")
        subprocess.run([labelnr, "db", "upgrade"], check=True, env=self.env())
        if created:
            demo = sorted((ROOT / "audits").glob("*.yaml"))
            if demo:
                subprocess.run([labelnr, "import", *map(str, demo)], check=True, env=self.env())

    def start_replicas(self) -> list[int]:
        ports = []
        for i in range(1, self.replicas + 1):
            port = free_port()
            env = {**self.env(), "LABELNR_REPLICA": f"app{i}"}
            log = self.log(f"app{i}").open("ab")
            proc = subprocess.Popen(
                [str(self.venv_bin / "streamlit"), "run", str(ROOT / "app.py"), "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", *self.secrets_args()],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            self.procs.append((f"app{i}", proc))
            ports.append(port)
        for i, port in enumerate(ports, start=1):
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 90, f"replica app{i}", self.procs[i - 1][1])
            print(f"replica app{i}  127.0.0.1:{port}  log {self.log(f'app{i}')}", flush=True)
        return ports

    def secrets_args(self) -> list[str]:
        return ["--secrets.files", str(self.secrets)] if self.secrets is not None else []

    def static_folder(self) -> Path:
        """Streamlit's static files, copied once per Streamlit version and gzipped at level 9."""
        found = subprocess.run([str(self.venv_bin / "python"), "-c",
                                "import streamlit, pathlib; print(pathlib.Path(streamlit.__file__).parent, "
                                "streamlit.__version__)"], capture_output=True, text=True, check=True)
        package, version = found.stdout.split()
        target = self.state / "static" / version
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(Path(package) / "static" / "static", target)
            for path in target.rglob("*"):
                if path.is_file() and path.suffix in _COMPRESSIBLE:
                    with path.open("rb") as src, gzip.open(path.with_name(path.name + ".gz"), "wb", 9) as out:
                        shutil.copyfileobj(src, out)
            (target / ".complete").write_text(version)
        for path in [self.state, self.state / "static", *target.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        return target

    def start_proxy(self, ports: Sequence[int]) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            sys.exit("nginx is not installed: apt-get install -y nginx")
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.state / "nginx" / sub).mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:  # workers run as 'nobody' and write their temporary files here
                shutil.chown(self.state / "nginx" / sub, "nobody")
        config = self.state / "nginx.conf"
        config.write_text(render(TEMPLATE.read_text(encoding="utf-8"), self.port, ports, self.state,
                                 self.static_folder()), encoding="utf-8")
        _step([nginx, "-t", "-q", "-p", str(self.state), "-c", str(config)], "nginx configuration check")
        log = self.log("proxy-stdout").open("ab")
        proc = subprocess.Popen([nginx, "-p", str(self.state), "-c", str(config)], stdout=log,
                                stderr=subprocess.STDOUT)
        self.procs.append(("proxy", proc))
        _wait_http(f"http://127.0.0.1:{self.port}/_stcore/health", 30, "the proxy", proc)

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()
        self.stop_postgres()


def render(template: str, port: int, ports: Sequence[int], state: Path, static: Path) -> str:
    names = [f"app{i}" for i in range(1, len(ports) + 1)]
    fields = {
        "@PORT@": str(port),
        "@STATE@": str(state),
        "@STATIC@": str(static),
        "@SERVERS@": "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports),
        "@PINS@": "\n".join(f"        {n} 127.0.0.1:{p};" for n, p in zip(names, ports, strict=True)),
        # $upstream_addr lists every replica tried: the last one served.
        "@NAMES@": "\n".join(f'        "~(^|\\s)127\\.0\\.0\\.1:{p}$" {n};'
                             for n, p in zip(names, ports, strict=True)),
    }
    for key, value in fields.items():
        template = template.replace(key, value)
    return template


def main(argv: Sequence[str], venv_bin: Path) -> None:
    parser = argparse.ArgumentParser(prog="dev.py cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="app processes behind the proxy (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--state", type=Path, default=ROOT / ".cluster", help="where data and logs live")
    parser.add_argument("--secrets", type=Path, default=None,
                        help="a secrets.toml for every replica (its [auth] section turns sign-in on)")
    args = parser.parse_args(list(argv))
    if not 1 <= args.replicas <= 16:
        sys.exit("--replicas must be between 1 and 16")
    if args.secrets is not None and not args.secrets.is_file():
        sys.exit(f"--secrets {args.secrets}: no such file")
    state: Path = args.state.resolve()
    for sub in ("logs", "data"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    cluster = Cluster(state, args.replicas, args.port, _pg_bin(), venv_bin,
                      secrets=args.secrets.resolve() if args.secrets else None)

    def _terminate(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        created = cluster.start_postgres()
        cluster.prepare(created)
        ports = cluster.start_replicas()
        cluster.start_proxy(ports)
        print(f"\nLabel NR Workbook: http://127.0.0.1:{args.port}/  "
              f"({args.replicas} replica(s); Ctrl-C stops all)", flush=True)
        while all(proc.poll() is None for _n, proc in cluster.procs):
            time.sleep(1)
        stopped = [n for n, proc in cluster.procs if proc.poll() is not None]
        print(f"stopped on its own: {', '.join(stopped)} (see {state / 'logs'}); stopping the rest",
              flush=True)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    finally:
        cluster.stop()
