"""The idle share of the CPU a server process may use (`moisson.cores`), which `Places` reads: the
machine's cores it may run on, and its control group's CPU quota (a container's limit)."""

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from moisson.cores import IdleCores, usable_cores, web_workers
from moisson.overload import Places
from tests.web_server import free_port, launch, stop, wait_until_listening


def test_the_idle_share_of_the_cores_is_read_from_the_machine():
    idle_cores = IdleCores()
    assert idle_cores() is None  # nothing to compare with yet
    busy_until = time.monotonic() + 0.3
    while time.monotonic() < busy_until:
        pass
    share = idle_cores()
    assert share is not None
    assert 0 <= share < 1  # this process kept one core busy all along


class FakeMachine:
    """A /proc and a cgroup tree in a directory, with a clock: two cores, each 90 % idle unless told."""

    def __init__(self, root: Path, *, group: str = "/", mounted_group: str = "/") -> None:
        self.proc, self.cgroups = root / "proc", root / "sys" / "fs" / "cgroup"
        (self.proc / "self").mkdir(parents=True)
        self.now, self.ticks = 100.0, {0: [0] * 8, 1: [0] * 8}
        self.group, self.mounted_group = group, mounted_group
        self.write_stat()

    def idle_cores(self, cores: set[int] = frozenset({0, 1})) -> IdleCores:
        return IdleCores(proc=self.proc, cores=lambda: set(cores), clock=lambda: self.now)

    def write_stat(self) -> None:
        lines = ["cpu  " + " ".join(str(sum(ticks)) for ticks in zip(*self.ticks.values(), strict=True))]
        lines += [f"cpu{core} " + " ".join(map(str, ticks)) for core, ticks in self.ticks.items()]
        (self.proc / "stat").write_text("\n".join([*lines, "intr 12345 0", "ctxt 678", ""]))

    def pass_seconds(self, seconds: float, *, busy: dict[int, float] | None = None) -> None:
        """Let time pass; each core busy for the share given (10 % by default)."""
        self.now += seconds
        for core, ticks in self.ticks.items():
            share = (busy or {}).get(core, 0.1)
            ticks[0] += round(seconds * 100 * share)  # user
            ticks[3] += round(seconds * 100 * (1 - share))  # idle
        self.write_stat()

    def cgroup_v2(self, limits: dict[str, str]) -> None:
        """cgroup v2 mounted at /sys/fs/cgroup; `limits` gives cpu.max by group below the mount."""
        (self.proc / "self" / "cgroup").write_text(f"0::{self.group}\n")
        (self.proc / "self" / "mountinfo").write_text(
            "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
            f"30 22 0:26 {self.mounted_group} {self.cgroups} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
        )
        for group, limit in limits.items():
            directory = self.cgroups / group.strip("/")
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "cpu.max").write_text(limit + "\n")
            self.use(group, 0)

    def cgroup_v1(self, quotas: dict[str, int], *, together: bool = False) -> None:
        """cgroup v1 with cpu and cpuacct mounted apart, as on a hybrid machine, or `together` as Docker's
        hosts mount them (/sys/fs/cgroup/cpu,cpuacct); `quotas` gives cpu.cfs_quota_us by group below the
        mounts (a period of 100 ms)."""
        self.v1_cpuacct = self.cgroups / ("cpu,cpuacct" if together else "cpuacct")
        v1_cpu = self.cgroups / ("cpu,cpuacct" if together else "cpu")
        hierarchies = (
            [f"3:cpu,cpuacct:{self.group}"]
            if together
            else [f"3:cpuacct:{self.group}", f"2:cpu:{self.group}"]
        )
        (self.proc / "self" / "cgroup").write_text(
            "\n".join([f"4:memory:{self.group}", *hierarchies, "0::/", ""])
        )
        mounts = (
            [f"31 22 0:27 {self.mounted_group} {v1_cpu} rw - cgroup cgroup rw,cpu,cpuacct"]
            if together
            else [
                f"31 22 0:27 {self.mounted_group} {v1_cpu} rw - cgroup cgroup rw,cpu",
                f"32 22 0:28 {self.mounted_group} {self.v1_cpuacct} rw - cgroup cgroup rw,cpuacct",
            ]
        )
        (self.proc / "self" / "mountinfo").write_text(
            "\n".join(
                [
                    "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw",
                    *mounts,
                    f"33 22 0:29 / {self.cgroups / 'unified'} rw - cgroup2 cgroup2 rw",
                    "",
                ]
            )
        )
        for group, quota in quotas.items():
            directory = v1_cpu / group.strip("/")
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "cpu.cfs_quota_us").write_text(f"{quota}\n")
            (directory / "cpu.cfs_period_us").write_text("100000\n")
            self.use(group, 0, v1=True)

    def use(self, group: str, seconds: float, *, v1: bool = False) -> None:
        """The CPU time used so far by the processes of a group."""
        if v1:
            directory = self.v1_cpuacct / group.strip("/")
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "cpuacct.usage").write_text(f"{round(seconds * 1e9)}\n")
        else:
            (self.cgroups / group.strip("/") / "cpu.stat").write_text(
                f"usage_usec {round(seconds * 1e6)}\nuser_usec 0\nsystem_usec 0\nnr_throttled 0\n"
            )


def test_a_container_full_of_its_quota_is_full_while_the_machine_is_idle(tmp_path: Path):
    # docker run --cpus 0.5: the container sees its own group as /, with cpu.max at the mount's root.
    machine = FakeMachine(tmp_path)
    machine.cgroup_v2({"/": "50000 100000"})
    idle_cores = machine.idle_cores()
    assert idle_cores() is None
    machine.pass_seconds(1)
    machine.use("/", 0.5)  # the whole half core
    assert idle_cores() == 0.0  # the machine's cores were 90 % idle
    machine.pass_seconds(1)
    machine.use("/", 0.75)  # half of it
    assert idle_cores() == pytest.approx(0.5)
    machine.pass_seconds(1, busy={0: 1.0, 1: 0.9})  # the machine itself full, the quota unused
    assert idle_cores() == pytest.approx(0.05)


def test_without_a_quota_the_cores_alone_count(tmp_path: Path):
    machine = FakeMachine(tmp_path)
    machine.cgroup_v2({"/": "max 100000"})
    idle_cores = machine.idle_cores()
    idle_cores()
    machine.pass_seconds(1)
    machine.use("/", 1.8)
    assert idle_cores() == pytest.approx(0.9)


def test_the_tightest_quota_from_the_process_group_up_counts(tmp_path: Path):
    # systemd: CPUQuota=150% on the service, 40% on its slice; the group path as /proc/self/cgroup says.
    machine = FakeMachine(tmp_path, group="/moisson.slice/granian.service")
    machine.cgroup_v2({"/moisson.slice": "40000 100000", "/moisson.slice/granian.service": "150000 100000"})
    idle_cores = machine.idle_cores()
    idle_cores()
    machine.pass_seconds(2)
    machine.use("/moisson.slice", 0.6)  # 0.3 of a core: three quarters of the slice's quota
    machine.use("/moisson.slice/granian.service", 0.6)
    assert idle_cores() == pytest.approx(0.25)


@pytest.mark.parametrize("together", [False, True])
def test_a_quota_under_cgroup_v1_with_the_group_mounted_as_the_root(tmp_path: Path, together: bool):
    # A container on a v1 host: /proc/self/cgroup names its group on the host, the mounts show it at /.
    machine = FakeMachine(tmp_path, group="/docker/4f2a", mounted_group="/docker/4f2a")
    machine.cgroup_v1({"/": 100000}, together=together)  # --cpus 1
    idle_cores = machine.idle_cores()
    idle_cores()
    machine.pass_seconds(1)
    machine.use("/", 0.96, v1=True)
    assert idle_cores() == pytest.approx(0.04)


def test_no_quota_under_cgroup_v1(tmp_path: Path):
    machine = FakeMachine(tmp_path, group="/user.slice")
    machine.cgroup_v1({"/user.slice": -1, "/": -1})
    idle_cores = machine.idle_cores()
    idle_cores()
    machine.pass_seconds(1)
    machine.use("/user.slice", 2.0, v1=True)
    assert idle_cores() == pytest.approx(0.9)


def test_only_the_cores_the_process_may_run_on_count(tmp_path: Path):
    # taskset -c 1, or docker run --cpuset-cpus 1: core 0 idle does not help.
    machine = FakeMachine(tmp_path)
    machine.cgroup_v2({})
    idle_cores = machine.idle_cores(cores={1})
    idle_cores()
    machine.pass_seconds(1, busy={0: 0.0, 1: 0.97})
    assert idle_cores() == pytest.approx(0.03)


def test_a_machine_without_cgroups_or_proc_gives_no_share(tmp_path: Path):
    idle_cores = IdleCores(proc=tmp_path / "nowhere")
    assert idle_cores() is None
    assert idle_cores() is None


def test_a_container_full_of_its_quota_takes_places_away(tmp_path: Path):
    """Through Places: the requests slowed by the quota lower the places, where the machine's idle cores
    alone would have kept them (and added some)."""
    machine = FakeMachine(tmp_path)
    machine.cgroup_v2({"/": "100000 100000"})
    container = Places()
    container.idle_cores = machine.idle_cores()
    served = 0.0
    for _ in range(Places.WINDOW):
        container.served(0.3, most=4, target_ms=100)
        served += 0.3
        machine.pass_seconds(0.3 / 4)
        machine.use("/", served / 4)  # four at once, each over 0.3 s: the one core of the quota, full
    assert container.now(4) == 1


PROJECT = Path(__file__).resolve().parents[2]
V1_CPU, V1_CPUACCT = Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup/cpuacct")


@pytest.fixture
def control_group():
    """Makes real control groups held to a number of cores (cgroup v1's cpu and cpuacct, as on CI's
    machines), and returns the command that starts a process in one; skipped where this process may not
    make them."""
    made = []

    def held_to(cores: float) -> Callable[[list[str]], list[str]]:
        name = f"moisson-test-{uuid.uuid4().hex[:8]}"
        directories = [V1_CPU / name, V1_CPUACCT / name]
        made.extend(directories)
        try:
            for directory in directories:
                directory.mkdir()
            (V1_CPU / name / "cpu.cfs_period_us").write_text("100000")
            (V1_CPU / name / "cpu.cfs_quota_us").write_text(str(round(cores * 100000)))
        except OSError as error:
            pytest.skip(f"no cgroup v1 cpu and cpuacct hierarchies to write here ({error})")
        joins = "; ".join(f"echo $$ > {directory / 'cgroup.procs'}" for directory in directories)
        return lambda command: ["sh", "-c", f'{joins}; exec "$@"', "sh", *command]

    yield held_to
    for directory in made:
        for _ in range(50):  # the processes' exit reaches the group a little after they are reaped
            try:
                if directory.exists():
                    directory.rmdir()
                break
            except OSError:
                time.sleep(0.1)


BUSY_IN_A_GROUP = """
import json, time
from moisson.cores import IdleCores
idle_cores = IdleCores()
idle_cores()
until = time.monotonic() + 1.0
while time.monotonic() < until:
    pass
print(json.dumps(idle_cores()))
"""


@pytest.mark.any_database
@pytest.mark.skipif(os.geteuid() != 0, reason="making a control group takes root")
def test_a_real_process_held_by_its_quota_sees_its_cores_full(control_group):
    """A process spinning in a group limited to a fifth of a core: the machine has more than a core idle,
    and it was still full the whole time."""
    output = subprocess.run(
        control_group(0.2)([sys.executable, "-c", BUSY_IN_A_GROUP]),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
        check=True,
    ).stdout
    share = json.loads(output)
    assert share is not None
    assert share < Places.FULL


@pytest.mark.parametrize(
    ("limit", "cores", "usable", "workers"),
    [
        ("max 100000", {0, 1}, 2, 2),
        ("100000 100000", {0, 1}, 1, 1),  # docker run --cpus 1
        ("150000 100000", {0, 1}, 1.5, 2),
        ("max 100000", {3}, 1, 1),  # taskset -c 3
        ("400000 100000", {0, 1, 2, 3, 4, 5, 6, 7}, 4, 2),
    ],
)
def test_web_processes_by_default_follow_the_usable_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, cores: set[int], usable: float, workers: int
):
    machine = FakeMachine(tmp_path)
    machine.cgroup_v2({"/": limit})
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cores)
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    assert web_workers(machine.proc) == workers
    monkeypatch.setenv("WEB_WORKERS", "3")
    assert web_workers(machine.proc) == 3
    assert usable_cores(machine.proc) == usable


def web_processes(master: int) -> int:
    """The processes forked by a web server's master (its workers)."""
    children = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(re.sub(r"^.*\) ", "", stat.read_text()).split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children += parent == master
    return children


@pytest.mark.any_database
@pytest.mark.skipif(os.geteuid() != 0, reason="making a control group takes root")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a machine of two cores or more")
@pytest.mark.parametrize(
    ("web_server", "cores", "workers"), [("granian", 1.0, 1), ("gunicorn", 1.0, 1), ("granian", None, 2)]
)
def test_the_web_server_in_a_one_core_container_starts_one_process(
    control_group, tmp_path: Path, web_server: str, cores: float | None, workers: int
):
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name != "WEB_WORKERS"}
    env |= {"HOST": "127.0.0.1", "PORT": str(port), "VAR_DIR": str(tmp_path / "var"), "WEB_THREADS": "2"}
    env["WEB_SERVER"] = web_server
    log = tmp_path / "server.log"
    server = launch(env, log, wrap=control_group(cores) if cores else lambda command: command)
    try:
        wait_until_listening(port, server, log)
        deadline = time.monotonic() + 30
        while web_processes(server.pid) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # time enough for a second worker to start, had there been one
        assert web_processes(server.pid) == workers, log.read_text(errors="replace")
    finally:
        stop(server)


def test_a_quota_whose_use_cannot_be_read_counts_for_nothing(tmp_path: Path):
    machine = FakeMachine(tmp_path)
    machine.cgroup_v2({"/": "50000 100000"})
    idle_cores = machine.idle_cores()
    idle_cores()
    (machine.cgroups / "cpu.stat").write_text("nr_periods 12\n")  # no usage_usec
    machine.pass_seconds(1)
    assert idle_cores() == pytest.approx(0.9)
