"""How much of the CPU this process may use was left idle: what `moisson.overload.Places` reads to tell a
request slowed by full cores from one slowed by the database or another server.

Two limits can hold a server's processes back, and /proc/stat, which counts the whole machine, sees only
the first:
- the cores the process may run on (its affinity: `taskset`, a container's `--cpuset-cpus`);
- its control group's CPU quota (a container's `--cpus`, a Kubernetes limit, systemd's `CPUQuota=`): a
  container held back by its quota leaves the machine's cores idle while it is itself full.
The idle share is the least of the two: the idle time of the process's cores, and the part of the quota
left unused (cgroup v2's `cpu.max` and `cpu.stat`, or v1's `cpu.cfs_quota_us` and `cpuacct.usage`, at the
tightest level from the process's group up).
"""

import os
import time
from collections.abc import Callable
from pathlib import Path


class IdleCores:
    """The share of the CPU time this process could have used that was left idle since the last call
    (None where it cannot be read, and on the first call)."""

    def __init__(
        self,
        *,
        proc: Path = Path("/proc"),
        cores: Callable[[], set[int]] = lambda: os.sched_getaffinity(0),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._proc, self._cores, self._clock = proc, cores, clock
        self._last_ticks: tuple[int, int] | None = None
        self._quota: Quota | None = None
        self._quota_looked_for = False
        self._last_use: tuple[float, float] | None = None

    def __call__(self) -> float | None:
        shares = [share for share in (self._cores_share(), self._quota_share()) if share is not None]
        return min(shares, default=None)

    def _cores_share(self) -> float | None:
        try:
            cores = self._cores()
            idle = total = 0
            with open(self._proc / "stat", "rb") as stat:
                for line in stat:
                    name, *fields = line.split()
                    if not name.startswith(b"cpu"):
                        break
                    if name != b"cpu" and int(name[3:]) in cores:
                        ticks = [int(field) for field in fields[:8]]
                        idle += ticks[3] + ticks[4]  # idle and iowait; user, system, irq, steal... busy
                        total += sum(ticks)
        except (OSError, ValueError):
            return None
        last, self._last_ticks = self._last_ticks, (idle, total)
        if last is None or total <= last[1]:
            return None
        return (idle - last[0]) / (total - last[1])

    def _quota_share(self) -> float | None:
        if not self._quota_looked_for:
            self._quota, self._quota_looked_for = Quota.of_process(self._proc), True
        if self._quota is None:
            return None
        try:
            used = self._quota.used_seconds()
        except (OSError, ValueError, KeyError):
            return None
        now = self._clock()
        last, self._last_use = self._last_use, (now, used)
        if last is None or now <= last[0]:
            return None
        share = 1 - (used - last[1]) / (self._quota.cores * (now - last[0]))
        return min(1.0, max(0.0, share))


class Quota:
    """A control group's CPU quota, in cores, and where the time its processes used is counted."""

    def __init__(self, cores: float, usage: Path, seconds_per_unit: float) -> None:
        self.cores, self.usage, self.seconds_per_unit = cores, usage, seconds_per_unit

    def used_seconds(self) -> float:
        text = self.usage.read_text()
        if self.usage.name == "cpu.stat":  # cgroup v2: "usage_usec N" among other lines
            text = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)["usage_usec"]
        return int(text) * self.seconds_per_unit

    @classmethod
    def of_process(cls, proc: Path) -> "Quota | None":
        """The tightest quota over the process's control group and the groups above it, if any."""
        try:
            groups = _groups(proc / "self" / "cgroup")
            mounts = _cgroup_mounts(proc / "self" / "mountinfo")
        except (OSError, ValueError):
            return None
        quotas = []
        if "" in groups and "cgroup2" in mounts:
            for _, directory in _levels(mounts["cgroup2"], groups[""]):
                cores = _cores_of(directory / "cpu.max", v2=True)
                if cores:
                    quotas.append(cls(cores, directory / "cpu.stat", 1e-6))
        if "cpu" in groups and "cpu" in mounts and "cpuacct" in groups and "cpuacct" in mounts:
            cpuacct = dict(_levels(mounts["cpuacct"], groups["cpuacct"]))
            for relative, directory in _levels(mounts["cpu"], groups["cpu"]):
                cores = _cores_of(directory / "cpu.cfs_quota_us", v2=False)
                if cores and relative in cpuacct:
                    quotas.append(cls(cores, cpuacct[relative] / "cpuacct.usage", 1e-9))
        return min(quotas, key=lambda quota: quota.cores, default=None)


def _groups(cgroup: Path) -> dict[str, str]:
    """The process's group in each hierarchy, by controller ("" for cgroup v2's): /proc/self/cgroup."""
    groups = {}
    for line in cgroup.read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = path
    return groups


def _cgroup_mounts(mountinfo: Path) -> dict[str, tuple[str, Path]]:
    """Where each cgroup hierarchy is mounted, by controller ("cgroup2" for v2), with the group mounted
    there (a container sees its own group as the root): /proc/self/mountinfo."""
    mounts: dict[str, tuple[str, Path]] = {}
    for line in mountinfo.read_text().splitlines():
        fields = line.split()
        after = fields.index("-")
        kind, root, point = fields[after + 1], fields[3], Path(fields[4])
        if kind == "cgroup2":
            mounts.setdefault("cgroup2", (root, point))
        elif kind == "cgroup":
            for option in fields[after + 3].split(","):
                mounts.setdefault(option, (root, point))
    return mounts


def _levels(mount: tuple[str, Path], group: str) -> list[tuple[str, Path]]:
    """The directories of the group and of each group above it that the mount shows, from the group up,
    each with its path below the mount."""
    root, point = mount
    if not (group == root or group.startswith(root.rstrip("/") + "/")):
        return []
    parts = [part for part in group[len(root) :].split("/") if part]
    return [("/".join(parts[:depth]), point.joinpath(*parts[:depth])) for depth in range(len(parts), -1, -1)]


def _cores_of(limit: Path, *, v2: bool) -> float | None:
    """The cores a quota file allows (None for no quota): v2's "QUOTA PERIOD" or "max PERIOD", v1's quota in
    microseconds (-1 for none) beside its period."""
    try:
        if v2:
            quota, period = limit.read_text().split()
        else:
            quota, period = limit.read_text().strip(), (limit.parent / "cpu.cfs_period_us").read_text()
        if quota == "max" or int(quota) <= 0:
            return None
        return int(quota) / int(period)
    except (OSError, ValueError):
        return None


def usable_cores(proc: Path = Path("/proc")) -> float:
    """How many cores this process may use: those it may run on, fewer under its control group's quota."""
    cores = len(os.sched_getaffinity(0))
    quota = Quota.of_process(proc)
    return min(cores, quota.cores) if quota else cores


def web_workers(proc: Path = Path("/proc")) -> int:
    """WEB_WORKERS, or by default 2 web server processes, and 1 where the server may use only one core (a
    container with `--cpus 1`, a one-core server): two processes sharing one core each take twice as long per
    request, for no more served (bench/RESULTS.md)."""
    if os.environ.get("WEB_WORKERS"):
        return int(os.environ["WEB_WORKERS"])
    return 1 if usable_cores(proc) < 1.5 else 2
