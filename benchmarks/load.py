"""Load on a group deployment: real app sessions through the proxy, over Streamlit's own protocol.

Each session is what a browser tab does, without the browser: ``GET /`` (the proxy sets the
affinity cookie), then the websocket ``/_stcore/stream`` (subprotocol ``streamlit``, the
browser's ``Origin``), ``BackMsg.rerun_script`` with the widget values it holds, and the
``ForwardMsg`` deltas and ``script_finished`` back. Widget ids are read from the elements
received, by label, as the frontend does; a widget value goes back as a ``WidgetState``
(selectbox and radio: the option's label; a button group, such as the self-assessment's list of
criteria: the labels chosen; button: a trigger).

Scenario: ``--sessions`` referents, each on their own entity of one organisation (created
with the store API before the run, through ``--database-url``), open the self-assessment
page, open one criterion (a click in the list of criteria) and save a changed answer every
~10 s; ``--readers`` sessions rerun the dashboard. Reports p50/p95/max from an answer change
to "Answer saved." on screen, errors, and lost updates: afterwards the database must hold
every acknowledged save, in order, at its revision. Exit status 1 on any error or lost update.

    .venv/bin/python benchmarks/load.py --replicas 2 --sessions 50 --seconds 120   # starts its own cluster
    python3 scripts/dev.py cluster --replicas 2 --port 8080  # or a running one (prints its database URL)
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8080 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:PGPORT/postgres --sessions 50 --seconds 120

Loopback only; bounded in sessions (≤ 500) and time (≤ 900 s).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.cookies
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import StringArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
ORG = "charge"
CRITERION_INDEX = 0  # the first criterion of the referential: every referent answers that one
SAVED = ("Réponse enregistrée.", "Answer saved.")
PICK_LABEL = "Critères : cliquez"  # the self-assessment's list of criteria (French)
RUN_TIMEOUT = 60.0


@dataclass
class Widget:
    kind: str
    id: str
    label: str
    options: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one script run drew: its widgets (in order) and its texts."""

    widgets: list[Widget] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    status: str = ""

    def find(self, kind: str, label: str) -> Widget:
        for w in self.widgets:
            if w.kind == kind and label in w.label.replace("\\", ""):  # labels are Markdown-escaped
                return w
        seen = [(w.kind, w.label[:30]) for w in self.widgets][:12]
        raise LookupError(f"no {kind} labelled {label!r} among {seen}")


def _collect(msg: Any, run: Run) -> None:
    """Widgets and texts of one delta (new element or new block)."""
    delta = msg.delta
    which = delta.WhichOneof("type")
    if which == "new_element":
        kind = delta.new_element.WhichOneof("type")
        if kind is None:
            return
        el = getattr(delta.new_element, kind)
        for name in ("body", "label"):
            text = getattr(el, name, None)
            if isinstance(text, str) and text:
                run.texts.append(text)
        wid = getattr(el, "id", "")
        if isinstance(wid, str) and wid:
            options = list(getattr(el, "options", []) or [])  # a button group's options have a content
            run.widgets.append(Widget(kind, wid, str(getattr(el, "label", "")),
                                      [str(getattr(o, "content", o)) for o in options]))
    elif which == "add_block":
        kind = delta.add_block.WhichOneof("type")
        if kind == "expandable":
            exp = delta.add_block.expandable
            if exp.id:
                run.widgets.append(Widget("expander", exp.id, exp.label))


class Session:
    """One tab: a websocket to the app through the proxy, and the widget values it holds."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.states: dict[str, WidgetState] = {}
        self.page = ""
        self.ws: Any = None
        self.replica = ""

    async def open(self, page: str) -> Run:
        self.page = page
        cookie = await asyncio.to_thread(self._first_get)
        parsed = urllib.parse.urlparse(self.url)
        ws_url = f"ws://{parsed.netloc}/_stcore/stream"
        self.ws = await websockets.connect(
            ws_url, subprotocols=["streamlit"], origin=self.url,  # type: ignore[list-item,arg-type]
            additional_headers={"Cookie": cookie}, max_size=64 * 2**20, open_timeout=60,
            # A browser sends no websocket pings; a replica busy running scripts answers them late.
            ping_interval=None)
        return await self.rerun()

    def _first_get(self) -> str:
        """The page itself, as a browser loads it first: the proxy pins the tab to a replica."""
        with urllib.request.urlopen(self.url + "/" + self.page, timeout=30) as response:
            response.read()
            self.replica = response.headers.get("X-Served-By", "")
            jar = http.cookies.SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar.load(header)
        return "; ".join(f"{k}={m.value}" for k, m in jar.items())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def set(self, widget: Widget, **value: Any) -> None:
        state = WidgetState(id=widget.id, **value)
        self.states[widget.id] = state

    async def rerun(self, trigger: Widget | None = None) -> Run:
        back = BackMsg()
        client = back.rerun_script
        client.query_string = ""
        client.page_name = self.page
        for state in self.states.values():
            client.widget_states.widgets.append(state)
        if trigger is not None:
            client.widget_states.widgets.append(WidgetState(id=trigger.id, trigger_value=True))
        await self.ws.send(back.SerializeToString())
        return await self._until_finished()

    async def _until_finished(self) -> Run:
        run = Run()
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout=max(0.1, deadline - time.monotonic()))
            msg = ForwardMsg()
            msg.ParseFromString(data)
            which = msg.WhichOneof("type")
            if which == "delta":
                _collect(msg, run)
            elif which == "ref_hash":
                raise RuntimeError("the server sent a cached message reference: not supported here")
            elif which == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue
                run.status = status
                if "COMPILE_ERROR" in status:
                    raise RuntimeError(f"script run ended with {status}")
                return run
            elif which == "session_event" and msg.session_event.HasField("script_compilation_exception"):
                raise RuntimeError("the script failed to compile")


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: campaign id → levels acknowledged, in order
    acked: dict[int, list[str]] = field(default_factory=dict)
    replicas: dict[str, int] = field(default_factory=dict)


async def referent(url: str, entity_name: str, campaign: int, cid: str, stop: float, period: float,
                   stats: Stats, arrival: float) -> None:
    session = Session(url)
    try:
        await asyncio.sleep(arrival)
        run = await session.open("assessment")
        stats.replicas[session.replica] = stats.replicas.get(session.replica, 0) + 1
        org = run.find("selectbox", "Organisation")
        session.set(org, string_value=next(o for o in org.options if "Charge" in o))
        run = await session.rerun()
        entity = run.find("selectbox", "Entité")
        session.set(entity, string_value=next(o for o in entity.options if o.strip() == entity_name))
        run = await session.rerun()
        listing = run.find("button_group", PICK_LABEL)
        option = next(o for o in listing.options if o.replace("\\", "").startswith(f"{cid} : "))
        session.set(listing, string_array_value=StringArray(data=[option]))
        run = await session.rerun()
        radio = run.find("radio", "Réponse")
        levels = list(radio.options)
        turn = 0
        while time.monotonic() < stop:
            level = levels[turn % len(levels)]
            turn += 1
            started = time.perf_counter()
            session.set(radio, string_value=level)
            await session.rerun()
            run = await session.rerun(trigger=run.find("button", "Enregistrer"))
            if not any(text in t for t in run.texts for text in SAVED):
                stats.errors.append(f"{entity_name}: save of {level!r} not acknowledged: {run.texts[-5:]}")
                continue
            stats.latencies.append(time.perf_counter() - started)
            stats.acked.setdefault(campaign, []).append(level)
            await asyncio.sleep(max(0.0, period - (time.perf_counter() - started)) * random.uniform(0.8, 1.2))
    except Exception as exc:
        stats.errors.append(f"{entity_name}: {type(exc).__name__}: {exc}")
    finally:
        await session.close()


async def reader(url: str, stop: float, period: float, stats: Stats, n: int, arrival: float) -> None:
    session = Session(url)
    try:
        await asyncio.sleep(arrival)
        await session.open("dashboard")
        await asyncio.sleep(random.uniform(0, period))
        while time.monotonic() < stop:
            started = time.perf_counter()
            await session.rerun()
            stats.reads.append(time.perf_counter() - started)
            await asyncio.sleep(period)
    except Exception as exc:
        stats.errors.append(f"reader {n}: {type(exc).__name__}: {exc}")
    finally:
        await session.close()


# --- the organisation under load, and the check afterwards ------------------------------------


def _store(database_url: str) -> Any:
    sys.path.insert(0, str(ROOT))
    from labelnr.loader import load_catalog
    from labelnr.storage import open_store

    return open_store(url=database_url, catalog=load_catalog([ROOT / "criteria"]), import_demo=False)


def setup(database_url: str, sessions: int) -> tuple[list[tuple[str, int]], str]:
    """N new entities of organisation 'charge', one fresh campaign each: (entity name, campaign id)."""
    from labelnr.permissions import LOCAL_USER

    with _store(database_url) as store:
        ref = store.catalog.latest("label-nr")
        assert ref is not None
        if ORG not in {o.id for o in store.organisations()}:
            store.create_organisation(LOCAL_USER, ORG, "Charge")
        # Fresh entities on every run: their history holds this run's saves only.
        stamp = dt.datetime.now(dt.UTC).strftime("%H%M%S")
        out = []
        for i in range(1, sessions + 1):
            eid, name = f"site-{stamp}-{i:03d}", f"Site {i:03d} ({stamp})"
            store.create_entity(LOCAL_USER, ORG, eid, name)
            info = store.create_campaign(LOCAL_USER, eid, ref.id, ref.version, "baseline", dt.date.today())
            out.append((name, info.id))
        return out, ref.criteria_for()[CRITERION_INDEX].id


def lost_updates(database_url: str, cid: str, stats: Stats, labels: dict[str, str]) -> list[str]:
    """Every acknowledged save must be in the history, in order, and the last one current."""
    with _store(database_url) as store:
        lost = []
        for campaign, levels in stats.acked.items():
            events = [e for e in store.history(campaign, cid) if e.action == "answer" and e.field == "level"]
            saved = [labels.get(str(e.new), str(e.new)) for e in events]
            view = store.campaign(campaign)
            # A save that timed out may still have landed: acknowledged ones must all be there, in order.
            stored = iter(saved)
            if not all(level in stored for level in levels) or view.answer_revision(cid) < len(levels):
                lost.append(f"campaign {campaign}: acknowledged {levels}, stored {saved} "
                            f"(revision {view.answer_revision(cid)})")
    return lost


def level_labels(database_url: str) -> dict[str, str]:
    with _store(database_url) as store:
        ref = store.catalog.latest("label-nr")
        assert ref is not None
        return {lv.id: lv.label.get("fr") for lv in ref.scale.levels}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drive(args: argparse.Namespace, targets: list[tuple[str, int]], cid: str) -> Stats:
    stats = Stats()
    stop = time.monotonic() + args.seconds
    # Users arrive over the first --ramp seconds, not all in the same millisecond.
    tasks = [referent(args.url, name, campaign, cid, stop, args.period, stats, random.uniform(0, args.ramp))
             for name, campaign in targets]
    tasks += [reader(args.url, stop, args.period, stats, i, random.uniform(0, args.ramp))
              for i in range(args.readers)]
    await asyncio.gather(*tasks)
    return stats


class OwnCluster:
    """``dev.py cluster`` in a temporary state folder, for one run of the benchmark."""

    def __init__(self, replicas: int) -> None:
        self.state = Path(tempfile.mkdtemp(prefix="labelnr-load-"))
        self.state.chmod(0o755)  # PostgreSQL runs as 'postgres' when we are root
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "dev.py"), "cluster", "--replicas", str(replicas),
             "--port", str(port), "--state", str(self.state)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.database_url = ""
        self.replicas: list[str] = []  # each replica's own URL, past the proxy
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("PostgreSQL  "):
                self.database_url = line.split()[1]
            if line.startswith("replica app"):
                self.replicas.append(f"http://{line.split()[2]}")
            if line.startswith("Label NR Workbook: http"):
                return
        raise SystemExit(f"the cluster did not start (exit {self.proc.wait()}): see {self.state}/logs")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)
        shutil.rmtree(self.state, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the proxy of a running cluster, e.g. http://127.0.0.1:8080")
    parser.add_argument("--database-url", help="that cluster's database (printed at its start)")
    parser.add_argument("--replicas", type=int, help="instead: start a cluster of that many replicas")
    parser.add_argument("--sessions", type=int, default=50, help="referents, one entity each")
    parser.add_argument("--readers", type=int, default=5, help="sessions on the dashboard")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--period", type=float, default=10.0, help="seconds between two saves of a referent")
    parser.add_argument("--ramp", type=float, default=20.0, help="sessions open over the first RAMP seconds")
    args = parser.parse_args()
    own = None
    if args.replicas:
        own = OwnCluster(args.replicas)
        args.url, args.database_url = own.url, own.database_url
    elif not (args.url and args.database_url):
        parser.error("give --url and --database-url of a running cluster, or --replicas N")
    try:
        return measure(parser, args)
    finally:
        if own is not None:
            own.stop()


def measure(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    host = urllib.parse.urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only: --url must point at 127.0.0.1")
    if not (1 <= args.sessions <= 500 and 0 <= args.readers <= 50 and 0 < args.seconds <= 900):
        parser.error("bounded: 1–500 sessions, 0–50 readers, at most 900 s")
    targets, cid = setup(args.database_url, args.sessions)
    started = time.perf_counter()
    stats = asyncio.run(drive(args, targets, cid))
    elapsed = time.perf_counter() - started
    lost = lost_updates(args.database_url, cid, stats, level_labels(args.database_url))
    lat = stats.latencies
    print(f"{args.sessions} referents + {args.readers} readers for {elapsed:.0f} s on {args.url} "
          f"(first load per replica: {dict(sorted(stats.replicas.items()))})")
    print(f"saves acknowledged: {len(lat)}  answer change → saved: p50 {_pct(lat, .5) * 1000:.0f} ms  "
          f"p95 {_pct(lat, .95) * 1000:.0f} ms  max {max(lat, default=float('nan')) * 1000:.0f} ms")
    if stats.reads:
        print(f"dashboard reruns: {len(stats.reads)}  p50 {_pct(stats.reads, .5) * 1000:.0f} ms  "
              f"p95 {_pct(stats.reads, .95) * 1000:.0f} ms  max {max(stats.reads) * 1000:.0f} ms")
    print(f"errors: {len(stats.errors)}  lost updates: {len(lost)}")
    for line in (stats.errors + lost)[:20]:
        print("  " + line)
    return 1 if stats.errors or lost or not lat else 0


if __name__ == "__main__":
    sys.exit(main())
