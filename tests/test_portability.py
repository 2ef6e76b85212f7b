"""What Windows needs, checked on Linux: no POSIX-only module, a portable writer lock, any console encoding.

CI cannot run Windows. These tests run stdreg in a Python where ``fcntl``, ``pwd`` and
``grp`` cannot be imported (as on Windows): every stdreg module must import, and
import, update and refresh must run through the writer lock filelock gives there.
On Windows filelock locks with LockFileEx; here, without fcntl, it falls back to its
soft (exclusive-create) lock: the code path through stdreg is the same, the kernel
primitive is not, and the Windows one is tested by filelock itself, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from builders import row, uscc, write_csv

BLOCKER = """
import importlib.abc
import sys

BLOCKED = {"fcntl", "pwd", "grp", "termios"}


class _NoPosix(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: as on Windows)", name=name)
        return None


for _name in BLOCKED:
    sys.modules.pop(_name, None)
sys.meta_path.insert(0, _NoPosix())
"""


@pytest.fixture
def windows_like(tmp_path: Path) -> dict[str, str]:
    """The environment of a Python in which fcntl, pwd and grp cannot be imported."""
    site = tmp_path / "no-posix"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("STDREG_DB", "STDREG_CONFIG")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def run(env: dict[str, str], *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stdreg", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_the_blocker_blocks(windows_like, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import fcntl"], capture_output=True, text=True, env=windows_like, cwd=tmp_path
    )
    assert done.returncode != 0 and "blocked" in done.stderr


def test_every_module_imports_without_fcntl_pwd_grp(windows_like, tmp_path):
    script = textwrap.dedent(
        """
        import importlib, sys
        from pathlib import Path
        import stdreg
        top = Path(stdreg.__file__).parent
        names = sorted(
            ".".join(("stdreg", *p.relative_to(top).with_suffix("").parts)).removesuffix(".__init__")
            for p in top.rglob("*.py")
            if p.name != "__main__.py"
        )
        for name in names:
            importlib.import_module(name)
        import filelock
        posix = {"fcntl", "pwd", "grp"} & set(sys.modules)
        assert not posix, sorted(posix)
        print(len(names), filelock.FileLock.__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=windows_like, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    count, lock = done.stdout.split()
    source = Path(__file__).resolve().parents[1] / "src" / "stdreg"
    assert int(count) == len(list(source.rglob("*.py"))) - 1 and lock == "SoftFileLock"


def test_import_update_and_refresh_run_through_the_portable_lock(windows_like, tmp_path):
    db = tmp_path / "龙游县.sqlite"
    first = write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")])
    done = run(windows_like, "--db", db, "import", first, "--year", "2011", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = run(
        windows_like, "--db", db, "update", "enterprise", uscc(1), "--township", "龙洲街道", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dropped = write_csv(inbox / "new.csv", [row(2, "竹筷", "GB/T 2-2008")])
    os.utime(dropped, (time.time() - 600, time.time() - 600))
    done = run(windows_like, "--db", db, "refresh", "--inbox", inbox, "--as-of", "2012-12-31", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = run(windows_like, "--db", db, "query", "--as-of", "2012-12-31", "--format", "json", cwd=tmp_path)
    assert sorted(r["product"] for r in __import__("json").loads(rows.stdout)) == ["竹筷", "纸"]
    assert not Path(str(db) + ".lock").exists()  # the soft lock is a file that exists while held


def test_a_held_portable_lock_names_its_holder_and_exits_75(windows_like, tmp_path):
    db = tmp_path / "r.sqlite"
    assert run(windows_like, "--db", db, "db", "upgrade", cwd=tmp_path).returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from stdreg.store import open_register, writer_lock\n"
            "sys.argv = ['stdreg', 'merge', 'postgresql+psycopg://u:S3cret@h/city']\n"
            f"register = open_register({str(db)!r})\n"
            "with writer_lock(register):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=windows_like,
        cwd=tmp_path,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        csv = write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")])
        done = run(windows_like, "--db", db, "import", csv, "--wait", "0.3", cwd=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 75, done.stderr
    assert (
        f"pid {holder.pid}" in done.stderr and "u:***@h/city" in done.stderr and "S3cret" not in done.stderr
    )


def test_output_to_a_gbk_console_never_fails_on_a_character_gbk_lacks(tmp_path):
    db = tmp_path / "r.sqlite"
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    csv = write_csv(tmp_path / "r.csv", [row(1, "纸\U0001f4e6箱", "GB/T 1-2008", name="企业\u00a0😀")])
    for args in (("import", csv, "--year", "2011"), ("query", "--as-of", "2011-12-31"), ("history", uscc(1))):
        done = subprocess.run(
            [sys.executable, "-m", "stdreg", "--db", str(db), *map(str, args)],
            capture_output=True,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr.decode("gbk", "replace")
        assert b"UnicodeEncodeError" not in done.stderr
    shown = done.stdout.decode("gbk")
    assert "企业" in shown
