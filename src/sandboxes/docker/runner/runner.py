# sandbench resident runner.
#
# Started inside every pooled sandbox container as PID 1:
#     python3 -I -S -c <this file> --in-container
# and, in the protocol tests, as a plain subprocess on the host:
#     python3 -I -S -c <this file> --work-root=<dir>
#
# The host sends framed jobs on stdin and reads framed answers on stdout. A frame is
#     uint32 big-endian header length | header (UTF-8 JSON) | blobs
# where header["blobs"] lists the byte length of each blob that follows, in order.
#
# Host -> runner:
#     {"type": "job", "id": N, "blobs": [tar, stdin], "steps": [...], "collect": [...],
#      "collectMaxBytes": N}
#     {"type": "ping"}                 -> {"type": "pong"}
#     {"type": "shutdown"}             -> the runner exits
# Runner -> host:
#     {"type": "hello", ...}           once, at start
#     {"type": "result", "id": N, "steps": [...], "files": [...], "recycle": [...], "blobs": [...]}
#     {"type": "error", "id": N, "message": "..."}   a malformed job (an engine bug, never the guest's)
#
# Why PID 1 (no docker-init): the attach stream is the only channel to the host. A dumpable
# PID 1 of the job's user (docker-init) would let any job open /proc/1/fd/1 and forge answers.
# The runner makes itself non-dumpable, so its fds, memory and environ are closed to jobs, and
# as the namespace's init it cannot be signalled by them (no handlers installed).
#
# Only the standard library; the whole file must stay well under 128 KiB (one argv string).

import sys

# A fresh `python3 main.py` runs `site`: builtins such as exit()/quit() and the dist-packages
# paths come from it. Run it once here so forked Python jobs see the same interpreter state.
import site

site.main()
_BASELINE_MODULES = frozenset(sys.modules)

import errno
import gc
import json
import os
import resource
import select
import shutil
import signal
import _signal
import stat
import struct
import time
import io
import marshal
import atexit as _atexit

PROTOCOL_VERSION = 1
MAX_HEADER_BYTES = 16 * 1024 * 1024
READ_CHUNK = 65536

IN_CONTAINER = "--in-container" in sys.argv[1:] and os.getpid() == 1
WORK_ROOT = "/work"
for _argument in sys.argv[1:]:
    if _argument.startswith("--work-root="):
        WORK_ROOT = _argument[len("--work-root="):]
JOB_DIR = os.path.join(WORK_ROOT, "job")
# Only inside a container does the runner own /tmp and /dev/shm: never clear the host's.
SCRATCH_DIRS = ("/tmp", "/dev/shm") if IN_CONTAINER else ()

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36

SIGNAL_NAMES = {}
for _name in dir(signal):
    if _name.startswith("SIG") and not _name.startswith("SIG_") and isinstance(getattr(signal, _name), int):
        SIGNAL_NAMES.setdefault(int(getattr(signal, _name)), _name)


class ProtocolError(Exception):
    pass


class JobError(Exception):
    """A malformed job: reported to the host as an engine error, never blamed on the guest."""


# --------------------------------------------------------------------------------------------
# Framing


class Channel:
    def __init__(self, read_fd, write_fd):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.buffer = bytearray()

    def _read_exact(self, count):
        while len(self.buffer) < count:
            chunk = os.read(self.read_fd, max(READ_CHUNK, count - len(self.buffer)))
            if not chunk:
                raise EOFError()
            self.buffer += chunk
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def read_frame(self):
        (length,) = struct.unpack(">I", self._read_exact(4))
        if length > MAX_HEADER_BYTES:
            raise ProtocolError("header too large: %d bytes" % length)
        header = json.loads(self._read_exact(length).decode("utf-8"))
        if not isinstance(header, dict):
            raise ProtocolError("header is not an object")
        sizes = header.get("blobs", [])
        if not isinstance(sizes, list) or not all(isinstance(n, int) and n >= 0 for n in sizes):
            raise ProtocolError("bad blob sizes")
        blobs = [self._read_exact(n) for n in sizes]
        return header, blobs

    def write_frame(self, header, blobs=()):
        header = dict(header)
        header["blobs"] = [len(b) for b in blobs]
        encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
        parts = [struct.pack(">I", len(encoded)), encoded]
        parts.extend(blobs)
        data = memoryview(b"".join(parts))
        while data:
            written = os.write(self.write_fd, data)
            data = data[written:]


# --------------------------------------------------------------------------------------------
# Process-level protections and container facts


def prctl(option, value):
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except Exception:
        return False


def read_text(path):
    # Plain fds rather than open(): far fewer objects, so fewer pages touched (every page the
    # runner writes after a fork costs a copy-on-write fault).
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, READ_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def detect_cgroup():
    if os.path.exists("/sys/fs/cgroup/memory/memory.oom_control"):
        return "v1"
    if os.path.exists("/sys/fs/cgroup/memory.events"):
        return "v2"
    return None


CGROUP = detect_cgroup() if IN_CONTAINER else None


def oom_kill_count():
    """OOM kills in this container's memory cgroup so far, or None when unknown."""
    if CGROUP == "v1":
        text = read_text("/sys/fs/cgroup/memory/memory.oom_control")
    elif CGROUP == "v2":
        text = read_text("/sys/fs/cgroup/memory.events")
    else:
        return None
    if text is None:
        return None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "oom_kill":
            return int(parts[1])
    return None


def pids_current():
    if CGROUP == "v1":
        text = read_text("/sys/fs/cgroup/pids/pids.current")
    elif CGROUP == "v2":
        text = read_text("/sys/fs/cgroup/pids.current")
    else:
        return None
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


RLIMIT_KINDS = [
    getattr(resource, name)
    for name in ("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_NOFILE", "RLIMIT_AS", "RLIMIT_NPROC")
    if hasattr(resource, name)
]


def own_limits():
    # Everything about the runner a job of the same user can change without ptrace: its rlimits
    # (prlimit), its nice value (setpriority), its CPU affinity and its scheduling policy. Later
    # jobs would inherit any of them, so a change gets the container replaced.
    state = [resource.getrlimit(kind) for kind in RLIMIT_KINDS]
    state.append(("nice", os.getpriority(os.PRIO_PROCESS, 0)))
    if hasattr(os, "sched_getaffinity"):
        state.append(("cpus", tuple(sorted(os.sched_getaffinity(0)))))
    if hasattr(os, "sched_getscheduler"):
        state.append(("policy", os.sched_getscheduler(0)))
    return state


# --------------------------------------------------------------------------------------------
# Files


def check_relative_path(name):
    """A safe relative path (no absolute, no '..', no empty or NUL parts), or raise JobError."""
    if not isinstance(name, str) or name == "" or "\x00" in name or name.startswith("/"):
        raise JobError("unsafe path: %r" % (name,))
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise JobError("unsafe path: %r" % (name,))
    return "/".join(parts)


_ZERO_BLOCK = bytes(512)


def _tar_number(field):
    if field[:1] and field[0] & 0x80:
        raise JobError("unsupported tar number encoding")
    text = field.replace(b"\x00", b" ").strip()
    return int(text, 8) if text else 0


def _tar_string(field):
    return field.split(b"\x00", 1)[0].decode("utf-8")


def _pax_records(content):
    records = {}
    position = 0
    while position < len(content):
        space = content.index(b" ", position)
        length = int(content[position:space])
        record = content[space + 1:position + length]
        if length <= 0 or not record.endswith(b"\n"):
            raise JobError("malformed pax header")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8")] = value.decode("utf-8")
        position += length
    return records


def tar_entries(data):
    """The entries of an uncompressed POSIX tar (ustar, with pax `path` records) as
    (name, is_dir, mode, content). Anything but regular files and folders is refused. A small
    parser instead of `tarfile`: the host (tar-stream) is the only producer, and `tarfile`
    touches many more pages per job."""
    entries = []
    offset = 0
    pax = {}
    try:
        while offset + 512 <= len(data):
            block = data[offset:offset + 512]
            if block == _ZERO_BLOCK:
                break
            if _tar_number(block[148:156]) != sum(block[:148]) + 256 + sum(block[156:]):
                raise JobError("tar header checksum mismatch")
            name = _tar_string(block[0:100])
            if block[257:263] == b"ustar\x00":
                prefix = _tar_string(block[345:500])
                if prefix:
                    name = prefix + "/" + name
            mode = _tar_number(block[100:108])
            size = _tar_number(block[124:136])
            kind = block[156:157]
            offset += 512
            if offset + size > len(data):
                raise JobError("truncated tar archive")
            content = data[offset:offset + size]
            offset += (size + 511) // 512 * 512
            if kind == b"x":
                pax = _pax_records(content)
                if set(pax) - {"path", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname"}:
                    raise JobError("unsupported pax records: %r" % (sorted(pax),))
                continue
            name = pax.get("path", name)
            pax = {}
            if kind in (b"0", b"\x00"):
                entries.append((name, False, mode, content))
            elif kind == b"5":
                entries.append((name, True, mode, b""))
            else:
                raise JobError("only regular files and folders are accepted: %r" % (name,))
    except (ValueError, UnicodeDecodeError) as problem:
        raise JobError("malformed tar archive: %s" % (problem,))
    return entries


def extract_files(tar_bytes, target):
    """Write the regular files and folders of a tar archive under `target`, refusing links,
    devices, absolute paths and '..'."""
    if not tar_bytes:
        return
    real_target = os.path.realpath(target) + "/"
    for name, is_dir, mode, data in tar_entries(tar_bytes):
        relative = check_relative_path(name)
        path = target + "/" + relative
        parent = os.path.dirname(path)
        if parent != target:
            os.makedirs(parent, mode=0o755, exist_ok=True)
            # The folder is fresh and the archive holds no links, but check anyway.
            if not (os.path.realpath(parent) + "/").startswith(real_target):
                raise JobError("path escapes the work directory: %r" % (name,))
        if is_dir:
            os.makedirs(path, mode=0o755, exist_ok=True)
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o755 if mode & 0o100 else 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def collect_file(root, name, max_bytes):
    entry = {"path": name}
    try:
        relative = check_relative_path(name)
    except JobError:
        entry["error"] = "invalid path (absolute, empty or with '..')"
        return entry, None
    path = os.path.join(root, relative)
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != os.path.join(real_root, relative) or not real.startswith(real_root + "/"):
        entry["error"] = "not collected: the path is or passes through a symbolic link"
        return entry, None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        entry["error"] = "not found"
        return entry, None
    except OSError as error:
        if error.errno == errno.ELOOP:
            entry["error"] = "not collected: the path is a symbolic link"
        else:
            entry["error"] = "cannot open: %s" % (error.strerror,)
        return entry, None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            entry["error"] = "not a regular file"
            return entry, None
        if info.st_size > max_bytes:
            entry["error"] = "too large (%d bytes, cap %d)" % (info.st_size, max_bytes)
            return entry, None
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, READ_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                entry["error"] = "too large (cap %d bytes)" % (max_bytes,)
                return entry, None
            chunks.append(chunk)
        return entry, b"".join(chunks)
    finally:
        os.close(fd)


def make_removable(top):
    """Give the owner rwx on every real folder under `top` (a job may chmod 000 its folders),
    without following symbolic links."""
    stack = [top]
    while stack:
        path = stack.pop()
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            continue
        try:
            os.chmod(path, 0o700)
            stack.extend(os.path.join(path, name) for name in os.listdir(path))
        except OSError:
            pass


def empty_directory(path):
    """Remove everything inside `path`; returns False when something could not be removed."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return True
    except OSError:
        make_removable(path)
        try:
            names = os.listdir(path)
        except OSError:
            return False
    clean = True
    for name in names:
        child = os.path.join(path, name)
        try:
            info = os.lstat(child)
            if stat.S_ISDIR(info.st_mode):
                try:
                    shutil.rmtree(child)
                except OSError:
                    # A job may chmod its folders 000: give them back, then try again.
                    make_removable(child)
                    shutil.rmtree(child)
            else:
                os.unlink(child)
        except FileNotFoundError:
            pass
        except (OSError, RecursionError):
            clean = False
    return clean


def filesystem_full(path):
    try:
        info = os.statvfs(path)
    except OSError:
        return False
    return info.f_bavail == 0 or info.f_favail == 0


# --------------------------------------------------------------------------------------------
# Processes


def descendants():
    """Pids of every live descendant of the runner (read from /proc)."""
    parents = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        text = read_text("/proc/%s/stat" % name)
        if not text:
            continue
        try:
            fields = text[text.rindex(")") + 2:].split()
            parents.setdefault(int(fields[1]), []).append(int(name))
        except (ValueError, IndexError):
            continue
    found = []
    stack = [os.getpid()]
    while stack:
        for child in parents.get(stack.pop(), ()):
            found.append(child)
            stack.append(child)
    return found


def reap_zombies():
    """Reap exited children; True when live children remain."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def signal_everything_else(process_group):
    """SIGKILL the job's process group and every other process the runner can reach; returns
    the descendants found (the caller reaps)."""
    if process_group:
        try:
            os.killpg(process_group, signal.SIGKILL)
        except OSError:
            pass
    if IN_CONTAINER:
        # As the namespace's init, kill(-1) reaches every process in the container but us, so
        # no /proc scan is needed (every orphan is reparented to us and reaped by the caller).
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        return []
    pids = descendants()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return pids


def kill_everything_else(process_group):
    """Kill and reap every process but the runner; True when none is left."""
    for _attempt in range(100):
        pids = signal_everything_else(process_group)
        if not reap_zombies() and not pids:
            return True
        time.sleep(0.01)
    return not reap_zombies() and not (not IN_CONTAINER and descendants())


# Signals whose disposition in the runner is not the default; fixed once main() set them up.
_SIGNALS_TO_RESET = None


def signal_defaults():
    """Every signal back to its default disposition (an ignored signal stays ignored across exec)
    and none blocked. Only touch the ones that differ: sigaction for all 64 costs ~4 ms."""
    for number in _SIGNALS_TO_RESET if _SIGNALS_TO_RESET is not None else range(1, signal.NSIG):
        try:
            # The C-level functions: the `signal` module's wrappers build enums on every call.
            if _signal.getsignal(number) not in (_signal.SIG_DFL, None):
                _signal.signal(number, _signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def set_limit(kind, soft, hard=None):
    if hard is None:
        hard = soft
    current_soft, current_hard = resource.getrlimit(kind)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))


def apply_step_limits(step):
    cpu_seconds = max(1, -(-int(step["cpuTimeMs"]) // 1000))
    set_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_FSIZE, int(step["fileSizeBytes"]))
    set_limit(resource.RLIMIT_NOFILE, int(step.get("openFiles", 1024)))
    memory_rlimit = step.get("memoryRlimit", "none")
    if memory_rlimit == "as":
        set_limit(resource.RLIMIT_AS, int(step["memoryBytes"]))
    elif memory_rlimit == "data":
        set_limit(resource.RLIMIT_DATA, int(step["memoryBytes"]))
    # RLIMIT_NPROC is not set: it counts every process of the uid on the whole host (all
    # containers share uid 65534), so the pids cgroup of the container limits processes instead.


def child_setup(step, workdir, stdin_read, stdout_write, stderr_write, control_read=None):
    """In the forked child: new session, pipes on 0/1/2, no other fds, defaults, limits. A zygote
    (step None) keeps its control pipe as fd 3 and gets its folder and limits later."""
    os.setsid()
    os.dup2(stdin_read, 0)
    os.dup2(stdout_write, 1)
    os.dup2(stderr_write, 2)
    first_closed = 3
    if control_read is not None:
        os.dup2(control_read, 3, inheritable=False)
        first_closed = 4
    os.closerange(first_closed, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    signal_defaults()
    if workdir is not None:
        os.chdir(workdir)
    os.umask(0o022)
    try:
        # The job, never the runner, is the OOM killer's first choice.
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)
    except OSError:
        pass
    if step is not None:
        apply_step_limits(step)


def exec_child(step, environment):
    argv = step["argv"]
    program = argv[0]
    if "/" not in program:
        for folder in environment.get("PATH", "/usr/bin:/bin").split(":"):
            candidate = os.path.join(folder or ".", program)
            if os.access(candidate, os.X_OK):
                program = candidate
                break
    os.execve(program, argv, environment)


def python_child(step, environment):
    """Run a Python program in this forked copy of the runner, as `python3 <script>` would."""
    script = step["script"]
    unbuffered = bool(step.get("unbuffered"))
    reset_modules()
    os.environ.clear()
    os.environ.update(environment)
    path = os.path.join(os.getcwd(), script)
    main = type(sys)("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__builtins__ = sys.modules["builtins"]
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    main.__annotations__ = {}
    sys.modules["__main__"] = main
    sys.argv = [script] + list(step["argv"][step.get("scriptIndex", 1) + 1:])
    sys.orig_argv = list(step["argv"])
    sys.path.insert(0, os.path.dirname(path))
    sys.dont_write_bytecode = True
    sys.excepthook = sys.__excepthook__
    sys.displayhook = sys.__displayhook__
    sys.setrecursionlimit(1000)
    encoding = "utf-8"
    stdin_raw = io.open(0, "rb", closefd=False)
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(stdin_raw, encoding=encoding, errors="strict")
    if unbuffered:
        stdout_raw = io.open(1, "wb", buffering=0, closefd=False)
        stderr_raw = io.open(2, "wb", buffering=0, closefd=False)
    else:
        stdout_raw = io.open(1, "wb", closefd=False)
        stderr_raw = io.open(2, "wb", closefd=False)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(stdout_raw, encoding=encoding, errors="strict", newline="\n", write_through=unbuffered)
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(stderr_raw, encoding=encoding, errors="backslashreplace", newline="\n", line_buffering=True, write_through=unbuffered)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    exit_code = 0
    interrupted = False
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        code = compile(source, path, "exec", dont_inherit=True)
        del source
        exec(code, main.__dict__)
    except SystemExit as error:
        exit_code = system_exit_code(error)
    except BaseException as error:
        # Drop this function's frame, so the traceback reads as `python3 main.py` prints it.
        traceback = error.__traceback__.tb_next if error.__traceback__ is not None else None
        error.__traceback__ = traceback
        try:
            sys.excepthook(type(error), error, traceback)
        except BaseException:
            pass
        exit_code = 1
        interrupted = isinstance(error, KeyboardInterrupt)
    exit_code = finish_python(exit_code)
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(exit_code)


def system_exit_code(error):
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except BaseException:
        pass
    return 1


def finish_python(exit_code):
    """What the interpreter does at exit: join threads, run atexit, flush the standard files."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()
        except BaseException:
            pass
    try:
        _atexit._run_exitfuncs()
    except SystemExit as error:
        exit_code = system_exit_code(error)
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            if stream is sys.stdout and exit_code == 0:
                exit_code = 120
    return exit_code


def set_nonblocking(fd):
    os.set_blocking(fd, False)


def reset_modules():
    """Forget every module the runner itself imported (a fresh interpreter has not loaded them)."""
    for name in list(sys.modules):
        if name not in _BASELINE_MODULES:
            del sys.modules[name]


def start_step_child(step, environment, mode):
    """The body of a step's process once its folder and limits are set: never returns."""
    if mode == "python-fork":
        python_child(step, environment)
    else:
        exec_child(step, environment)


class Zygote:
    """A child forked ahead of the next job, after the previous job was cleaned up and checked:
    it has done the job-independent setup (session, pipes on 0/1/2, other fds closed, signal
    defaults, OOM score, module cleanup) and waits on a control pipe for its step. The fork and
    that setup then happen while the host handles the previous answer, off the next job's
    critical path. It is forked from the same clean runner state as a fork at job start would
    be, and it is the job's only process until the job starts."""

    def __init__(self):
        self.stdin_read, self.stdin_write = os.pipe()
        self.stdout_read, self.stdout_write = os.pipe()
        self.stderr_read, self.stderr_write = os.pipe()
        control_read, self.control_write = os.pipe()
        gc.freeze()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                for fd in (self.stdin_write, self.stdout_read, self.stderr_read, self.control_write):
                    os.close(fd)
                child_setup(None, None, self.stdin_read, self.stdout_write, self.stderr_write, control_read)
                reset_modules()
                os.environ.clear()
                chunks = []
                while True:
                    chunk = os.read(3, READ_CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                os.close(3)
                if not chunks:
                    os._exit(0)  # discarded by the runner
                step, environment, workdir = marshal.loads(b"".join(chunks))
                os.chdir(workdir)
                apply_step_limits(step)
                start_step_child(step, environment, step.get("mode", "exec"))
            except BaseException as error:
                try:
                    os.write(2, ("sandbench runner: cannot start the job: %s\n" % (error,)).encode("utf-8", "replace"))
                except BaseException:
                    pass
            os._exit(127)
        os.close(control_read)
        os.close(self.stdin_read)
        os.close(self.stdout_write)
        os.close(self.stderr_write)

    def launch(self, step, environment, workdir):
        """Hand the zygote its step; False when it is gone (the caller then forks afresh)."""
        try:
            view = memoryview(marshal.dumps((step, environment, workdir)))
            while view:
                view = view[os.write(self.control_write, view):]
            os.close(self.control_write)
            self.control_write = None
            return True
        except (OSError, ValueError):
            return False

    def discard(self):
        """Close the runner's ends and kill the zygote (unused, or gone)."""
        for fd in (self.stdin_write, self.stdout_read, self.stderr_read, self.control_write):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def run_step(step, workdir, stdin_bytes, zygote=None):
    """Run one step (compile or run) to its end; returns facts about how it ended. `zygote`, when
    given, is a prepared child that becomes the step's process."""
    environment = {str(k): str(v) for k, v in (step.get("env") or {}).items()}
    environment.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    timeout_ms = int(step["timeoutMs"])
    max_output = int(step["maxOutputBytes"])
    mode = step.get("mode", "exec")
    if mode not in ("exec", "python-fork") or not isinstance(step.get("argv"), list) or not step["argv"] or not all(isinstance(a, str) and a for a in step["argv"]):
        if zygote is not None:
            zygote.discard()
        if mode not in ("exec", "python-fork"):
            raise JobError("unknown step mode %r" % (mode,))
        raise JobError("bad argv")

    oom_before = oom_kill_count()
    started = time.monotonic()
    if zygote is not None and not zygote.launch(step, environment, workdir):
        zygote.discard()
        zygote = None
    if zygote is not None:
        pid = zygote.pid
        stdin_write, stdout_read, stderr_read = zygote.stdin_write, zygote.stdout_read, zygote.stderr_read
    else:
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        if mode == "python-fork":
            # Keep the collector off the runner's own objects in the child (fewer copy-on-write faults).
            gc.freeze()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(stdin_write)
                os.close(stdout_read)
                os.close(stderr_read)
                child_setup(step, workdir, stdin_read, stdout_write, stderr_write)
                start_step_child(step, environment, mode)
            except BaseException as error:
                try:
                    os.write(2, ("sandbench runner: cannot start %s: %s\n" % (step["argv"][0], error)).encode("utf-8", "replace"))
                except BaseException:
                    pass
            os._exit(127)

        os.close(stdin_read)
        os.close(stdout_write)
        os.close(stderr_write)
    for fd in (stdin_write, stdout_read, stderr_read):
        set_nonblocking(fd)
    try:
        process_fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        process_fd = None

    outputs = {stdout_read: bytearray(), stderr_read: bytearray()}
    open_outputs = [stdout_read, stderr_read]
    pending_stdin = memoryview(stdin_bytes)
    stdin_open = True
    if not pending_stdin:
        os.close(stdin_write)
        stdin_open = False
    captured = 0
    truncated = {stdout_read: False, stderr_read: False}
    output_limited = False
    timed_out = False
    exit_status = None
    usage = None
    deadline = started + timeout_ms / 1000.0
    ended_at = None
    drain_deadline = None

    def read_available(fd):
        nonlocal captured, output_limited
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            open_outputs.remove(fd)
            return
        room = max_output - captured
        if len(chunk) > room:
            outputs[fd] += chunk[:room]
            captured += room
            truncated[fd] = True
            output_limited = True
        else:
            outputs[fd] += chunk
            captured += len(chunk)

    while True:
        if exit_status is None and not output_limited:
            finished = None
            if process_fd is None:
                finished = os.wait4(pid, os.WNOHANG)
                if finished[0] == 0:
                    finished = None
            if finished is not None:
                exit_status, usage = finished[1], finished[2]
                ended_at = time.monotonic()
        if exit_status is not None or output_limited:
            if exit_status is None:
                # Over the output cap: stop the whole job at once.
                signal_everything_else(pid)
                _, exit_status, usage = os.wait4(pid, 0)
                ended_at = time.monotonic()
            if drain_deadline is None:
                drain_deadline = time.monotonic() + 0.05
            if not open_outputs:
                break
        now = time.monotonic()
        if exit_status is None and now >= deadline:
            timed_out = True
            signal_everything_else(pid)
            _, exit_status, usage = os.wait4(pid, 0)
            ended_at = time.monotonic()
            drain_deadline = ended_at + 0.05
            continue
        if drain_deadline is not None and now >= drain_deadline:
            # The program ended but something still holds its output open: processes left behind.
            break
        readers = list(open_outputs)
        if process_fd is not None and exit_status is None:
            readers.append(process_fd)
        writers = [stdin_write] if stdin_open and exit_status is None else []
        limit = (drain_deadline if drain_deadline is not None else deadline) - now
        if process_fd is None and exit_status is None:
            limit = min(limit, 0.005)
        try:
            readable, writable, _ = select.select(readers, writers, [], max(0.0, limit))
        except InterruptedError:
            continue
        for fd in readable:
            if fd == process_fd:
                finished = os.wait4(pid, os.WNOHANG)
                if finished[0] != 0:
                    exit_status, usage = finished[1], finished[2]
                    ended_at = time.monotonic()
            else:
                read_available(fd)
        for fd in writable:
            try:
                written = os.write(fd, pending_stdin[:READ_CHUNK])
                pending_stdin = pending_stdin[written:]
            except BlockingIOError:
                pass
            except OSError:
                pending_stdin = pending_stdin[:0]  # the program closed its stdin
            if not pending_stdin:
                os.close(stdin_write)
                stdin_open = False

    if ended_at is None:
        ended_at = time.monotonic()
    # As init (or a subreaper on the host) every orphan is our child, so a live child is exactly
    # a process left behind; the /proc scan is only needed outside a container.
    left_behind = reap_zombies() or (not IN_CONTAINER and bool(descendants()))
    pids_after_exit = pids_current()
    if left_behind or open_outputs:
        kill_everything_else(0)
    # Whatever remains in the pipes once every writer is gone.
    for fd in list(open_outputs):
        set_nonblocking(fd)
        for _ in range(64):
            if fd not in open_outputs:
                break
            read_available(fd)
            if output_limited:
                break
    for fd in (stdout_read, stderr_read):
        os.close(fd)
    if stdin_open:
        os.close(stdin_write)
    if process_fd is not None:
        os.close(process_fd)
    oom_after = oom_kill_count()

    fact = {
        "name": step.get("name", "run"),
        "exitCode": os.WEXITSTATUS(exit_status) if os.WIFEXITED(exit_status) else None,
        "signal": SIGNAL_NAMES.get(os.WTERMSIG(exit_status), str(os.WTERMSIG(exit_status))) if os.WIFSIGNALED(exit_status) else None,
        "timedOut": timed_out,
        "outputLimited": output_limited,
        "stdoutTruncated": truncated[stdout_read],
        "stderrTruncated": truncated[stderr_read],
        "wallMs": round((ended_at - started) * 1000.0, 3),
        "cpuMs": round((usage.ru_utime + usage.ru_stime) * 1000.0, 3) if usage else None,
        "maxRssBytes": usage.ru_maxrss * 1024 if usage else None,
        "oomKilled": None if oom_before is None or oom_after is None else oom_after > oom_before,
        "leftBehind": left_behind,
        "pidsAfterExit": pids_after_exit,
    }
    return fact, bytes(outputs[stdout_read]), bytes(outputs[stderr_read])


def step_succeeded(fact):
    return fact["exitCode"] == 0 and not fact["timedOut"] and not fact["outputLimited"] and not fact["oomKilled"]


# --------------------------------------------------------------------------------------------
# Jobs


class Runner:
    def __init__(self, channel):
        self.channel = channel
        self.jobs = 0
        self.initial_limits = own_limits()
        self.zygote = None

    def prepare_zygote(self):
        try:
            self.zygote = Zygote()
        except OSError:
            self.zygote = None  # the next job forks at its start instead

    def hello(self):
        self.channel.write_frame(
            {
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "python": "%d.%d.%d" % sys.version_info[:3],
                "pid": os.getpid(),
                "inContainer": IN_CONTAINER,
                "cgroup": CGROUP,
                "pidfd": hasattr(os, "pidfd_open"),
                "dumpable": self.dumpable,
            }
        )

    def serve(self):
        self.prepare_zygote()
        while True:
            try:
                header, blobs = self.channel.read_frame()
            except EOFError:
                return 0
            kind = header.get("type")
            if kind == "ping":
                self.channel.write_frame({"type": "pong"})
            elif kind == "shutdown":
                return 0
            elif kind == "job":
                try:
                    self.job(header, blobs)
                except BaseException:
                    # A job may lower the runner's own rlimits (prlimit works on any process of the
                    # same user); if the runner then breaks, the job did it: exit without a traceback
                    # so the host blames the job, not the engine.
                    try:
                        tampered = own_limits() != self.initial_limits
                    except BaseException:
                        tampered = True
                    if tampered:
                        os._exit(86)
                    raise
            else:
                self.channel.write_frame({"type": "error", "id": header.get("id"), "message": "unknown message type %r" % (kind,)})

    def job(self, header, blobs):
        job_id = header.get("id")
        self.jobs += 1
        limits_before = own_limits()
        recycle = []
        step_facts = []
        out_blobs = []
        files = []
        error = None
        zygote, self.zygote = self.zygote, None
        try:
            if len(blobs) != 2:
                raise JobError("a job carries exactly two blobs (files tar, stdin)")
            steps = header.get("steps")
            if not isinstance(steps, list) or not steps:
                raise JobError("a job needs at least one step")
            if os.path.lexists(JOB_DIR):
                raise JobError("the work directory was not cleaned")
            os.mkdir(JOB_DIR, 0o700)
            extract_files(blobs[0], JOB_DIR)
            for index, step in enumerate(steps):
                handed, zygote = zygote, None
                fact, stdout, stderr = run_step(step, JOB_DIR, blobs[1] if step.get("stdin", index == len(steps) - 1) else b"", handed)
                step_facts.append(fact)
                out_blobs.append(stdout)
                out_blobs.append(stderr)
                if not step_succeeded(fact):
                    break
            max_bytes = int(header.get("collectMaxBytes", 1 << 20))
            for name in header.get("collect") or []:
                entry, content = collect_file(JOB_DIR, name, max_bytes)
                if content is not None:
                    entry["blob"] = len(out_blobs)
                    out_blobs.append(content)
                files.append(entry)
        except JobError as problem:
            error = str(problem)
        except Exception as problem:  # an engine fault: report it, the host recycles the container
            error = "%s: %s" % (type(problem).__name__, problem)

        if zygote is not None:
            zygote.discard()
        # Cleanup: nothing of this job may reach the next one.
        if any(fact["leftBehind"] for fact in step_facts):
            recycle.append("processes-left-behind")
        if any(fact["timedOut"] for fact in step_facts):
            recycle.append("timeout")
        if any(fact["outputLimited"] for fact in step_facts):
            recycle.append("output-limit")
        if any(fact["oomKilled"] for fact in step_facts):
            recycle.append("memory-limit")
        if not kill_everything_else(0):
            recycle.append("processes-survived")
        if filesystem_full(WORK_ROOT) or any(filesystem_full(d) for d in SCRATCH_DIRS):
            recycle.append("disk-full")
        cleaned = empty_directory(WORK_ROOT) if IN_CONTAINER else self.remove_job_dir()
        for folder in SCRATCH_DIRS:
            cleaned = empty_directory(folder) and cleaned
        if not cleaned:
            recycle.append("cleanup-failed")
        if IN_CONTAINER:
            if os.path.isdir("/dev/mqueue") and os.listdir("/dev/mqueue"):
                recycle.append("ipc-left-behind")
            for table in ("shm", "msg", "sem"):
                text = read_text("/proc/sysvipc/" + table)
                if text and len(text.strip().splitlines()) > 1:
                    recycle.append("ipc-left-behind")
                    break
            remaining = pids_current()
            if remaining is not None and remaining > 1:
                recycle.append("processes-survived")
        if own_limits() != limits_before:
            recycle.append("runner-tampered")
        if error is not None:
            recycle.append("job-error")
            self.channel.write_frame({"type": "error", "id": job_id, "message": error, "recycle": sorted(set(recycle))})
            return
        self.channel.write_frame(
            {"type": "result", "id": job_id, "steps": step_facts, "files": files, "recycle": sorted(set(recycle))},
            out_blobs,
        )
        # Prepare the next job's process now, from the clean state just checked. Not after a
        # failing job: the host usually replaces the container then.
        if not recycle and len(step_facts) == len(steps) and all(step_succeeded(fact) for fact in step_facts):
            if self.jobs % 64 == 0:
                # Each fork froze the heap (gc.freeze); let the collector see it now and then, so
                # the runner's own cyclic garbage does not pile up over hundreds of jobs.
                gc.unfreeze()
                gc.collect()
            self.prepare_zygote()

    def remove_job_dir(self):
        if not os.path.lexists(JOB_DIR):
            return True
        make_removable(JOB_DIR)
        try:
            shutil.rmtree(JOB_DIR)
        except (OSError, RecursionError):
            return False
        return True


def main():
    dumpable_off = prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    # As PID 1 a signal without a handler is never delivered from inside the container; keep it
    # that way (Python's own SIGINT handler would otherwise let a job interrupt the runner).
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    global _SIGNALS_TO_RESET
    _SIGNALS_TO_RESET = []
    for number in range(1, signal.NSIG):
        try:
            if _signal.getsignal(number) not in (_signal.SIG_DFL, None):
                _SIGNALS_TO_RESET.append(number)
        except (OSError, ValueError, RuntimeError):
            pass
    # The runner's own modules (json, shutil, ...) leave sys.modules now, once, rather than in
    # every job's child: the objects stay alive through the runner's globals, and a child no longer
    # writes to them (each page written after a fork is a copy-on-write fault).
    reset_modules()
    if not IN_CONTAINER:
        os.makedirs(WORK_ROOT, exist_ok=True)
    channel = Channel(0, 1)
    runner = Runner(channel)
    runner.dumpable = not dumpable_off
    runner.hello()
    try:
        return runner.serve()
    except (BrokenPipeError, EOFError):
        return 0
    except ProtocolError as problem:
        sys.stderr.write("sandbench runner: protocol error: %s\n" % (problem,))
        return 3


if __name__ == "__main__":
    sys.exit(main())
