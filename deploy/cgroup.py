"""A Linux cgroup with a hard memory limit and a CPU quota, as a container gets: v2 or v1, whichever
the machine mounts; None where none can be written (no root, no cgroup file system)."""

from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


class Cgroup:
    """Created by `create`, removed by `remove`; processes join it with `add`."""

    def __init__(self, memory: Path, cpu: Path, version: int):
        self.memory, self.cpu, self.version = memory, cpu, version

    def add(self, pid: int) -> None:
        for path in {self.memory, self.cpu}:
            (path / "cgroup.procs").write_text(str(pid))

    def _read(self, name: str) -> str:
        try:
            return (self.memory / name).read_text()
        except OSError:
            return ""

    def peak_mb(self) -> float | None:
        """The most memory the group used (v2 kernels before 5.19 do not record it)."""
        text = self._read("memory.peak" if self.version == 2 else "memory.max_usage_in_bytes").strip()
        return int(text) / 2**20 if text.isdigit() else None

    def usage_mb(self) -> float:
        text = self._read("memory.current" if self.version == 2 else "memory.usage_in_bytes").strip()
        return int(text) / 2**20 if text.isdigit() else float("nan")

    def limit_hits(self) -> dict[str, int]:
        """How often the limit was reached and how many processes the kernel killed for it."""
        if self.version == 2:
            events = dict(line.split() for line in self._read("memory.events").splitlines() if line)
            return {
                "reached the limit": int(events.get("max", 0)),
                "OOM kills": int(events.get("oom_kill", 0)),
            }
        control = dict(line.split() for line in self._read("memory.oom_control").splitlines() if line)
        failures = self._read("memory.failcnt").strip() or "0"
        return {"reached the limit": int(failures), "OOM kills": int(control.get("oom_kill", 0))}

    def remove(self) -> None:
        for path in {self.memory, self.cpu}:
            try:
                path.rmdir()
            except OSError:
                pass  # a process still in it, or already gone


def create(name: str, memory_mb: int, cpus: float) -> tuple[Cgroup | None, str]:
    """A new group `name` limited to `memory_mb` MiB (no swap) and `cpus` cores, and a line that says
    what it is; (None, why) where none can be made."""
    try:
        if (ROOT / "cgroup.controllers").exists():
            return _create_v2(name, memory_mb, cpus), f"cgroup v2 {name}"
        if (ROOT / "memory").is_dir() and (ROOT / "cpu").is_dir():
            return _create_v1(name, memory_mb, cpus), f"cgroup v1 {name}"
        return None, f"no cgroup file system at {ROOT}"
    except OSError as error:
        return None, f"cannot write a cgroup ({error.strerror or error}; it needs root)"


def _quota(cpus: float) -> int:
    return max(int(cpus * PERIOD_US), 1000)


def _create_v2(name: str, memory_mb: int, cpus: float) -> Cgroup:
    for controller in ("+memory", "+cpu"):
        if controller[1:] not in (ROOT / "cgroup.subtree_control").read_text().split():
            (ROOT / "cgroup.subtree_control").write_text(controller)
    path = ROOT / name
    path.mkdir()
    group = Cgroup(path, path, 2)
    try:
        (path / "memory.max").write_text(str(memory_mb * 2**20))
        if (path / "memory.swap.max").exists():
            (path / "memory.swap.max").write_text("0")
        (path / "cpu.max").write_text(f"{_quota(cpus)} {PERIOD_US}")
    except OSError:
        group.remove()
        raise
    return group


def _create_v1(name: str, memory_mb: int, cpus: float) -> Cgroup:
    memory, cpu = ROOT / "memory" / name, ROOT / "cpu" / name
    memory.mkdir()
    try:
        cpu.mkdir()
    except OSError:
        memory.rmdir()
        raise
    group = Cgroup(memory, cpu, 1)
    try:
        (memory / "memory.limit_in_bytes").write_text(str(memory_mb * 2**20))
        if (memory / "memory.memsw.limit_in_bytes").exists():
            (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_mb * 2**20))
        (cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(_quota(cpus)))
    except OSError:
        group.remove()
        raise
    return group
