# sandbench resident runner.
#
# Started inside every pooled sandbox container as PID 1:
#     python3 -I -S -c <this file> --in-container
# and, in the protocol tests, as a plain subprocess on the host:
#     python3 -I -S -c <this file> --work-root=<dir>
# The runner starts a fork server from the same text (`--fork-server`, below).
#
# The host sends framed jobs on stdin and reads framed answers on stdout. A frame is
#     uint32 big-endian header length | header (UTF-8 JSON) | blobs
# where header["blobs"] lists the byte length of each blob that follows, in order.
#
# Host -> runner:
#     {"type": "job", "id": N, "blobs": [tar, stdin], "steps": [...], "collect": [...],
#      "collectMaxBytes": N, "keepAfterFailure": bool, "keepWorkdir": bool}
#                                      keepWorkdir (a session's job): the work directory, /tmp and
#                                      /dev/shm are kept after the job (only its processes are
#                                      killed); the tar is written over what is there
#     {"type": "write-files", "blobs": [tar]}  -> {"type": "files-written", "errors": [...]}
#     {"type": "read-files", "paths": [...], "maxBytes": N}  -> {"type": "files", "files": [...]}
#                                      a session's files, between its jobs (never following links)
#     {"type": "ping"}                 -> {"type": "pong"}
#     {"type": "shutdown"}             -> the runner exits
# Runner -> host:
#     {"type": "hello", ...}           once, at start (with the fork server's pid and the
#                                      runner's initial rlimits)
#     {"type": "result", "id": N, "steps": [...], "files": [...], "recycle": [...], "blobs": [...]}
#                                      (a step with "completion" reports "testCompleted")
#     {"type": "error", "id": N, "message": "..."}   a malformed job (an engine bug, never the guest's)
#     {"type": "extend", "id": N, "ms": M}            before job N's result: a step starved of CPU
#                                      runs past its wall limit; the job may take M ms longer
#
# Why PID 1 (no docker-init): the attach stream is the only channel to the host. A dumpable
# PID 1 of the job's user (docker-init) would let any job open /proc/1/fd/1 and forge answers.
# The runner makes itself non-dumpable, so its fds, memory and environ are closed to jobs, and
# as the namespace's init it cannot be signalled by them (no handlers installed).
#
# Who forks jobs: never the runner, which holds every job's data (headers, programs, stdin,
# output). A fork server, a freshly exec'ed interpreter that never sees any job's data, forks
# each job's process (a "zygote") on request; the runner sends it descriptors only, and the
# job's parameters go from the runner to the zygote through the zygote's own pipe.
#
# Only the standard library; the whole file must stay well under 128 KiB (one argv string).

import sys

# A fresh `python3 main.py` runs `site`: builtins such as exit()/quit() and the dist-packages
# paths come from it. Run it once here so forked Python jobs see the same interpreter state.
import site

site.main()
_BASELINE_MODULES = frozenset(sys.modules)
# This module's own code: the fork server starts from it (marshaled), not from the source,
# which would cost it a second compile of this whole file.
_MODULE_CODE = sys._getframe().f_code

import __future__
import _ast
import _signal
import atexit as _atexit
import errno
import fcntl
import gc
import io
import json
import marshal
import os
import resource
import select
import shutil
import signal
import stat
import struct
import time

PROTOCOL_VERSION = 4
MAX_HEADER_BYTES = 16 * 1024 * 1024
READ_CHUNK = 65536

IN_CONTAINER = "--in-container" in sys.argv[1:] and os.getpid() == 1
FORK_SERVER_MODE = "--fork-server" in sys.argv[1:]
WORK_ROOT = "/work"
for _argument in sys.argv[1:]:
    if _argument.startswith("--work-root="):
        WORK_ROOT = _argument[len("--work-root="):]
JOB_DIR = os.path.join(WORK_ROOT, "job")
# Only inside a container does the runner own /tmp and /dev/shm: never clear the host's.
SCRATCH_DIRS = ("/tmp", "/dev/shm") if IN_CONTAINER else ()

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36

# Descriptors of a zygote while it waits: its launch message and the completion marker.
ZYGOTE_CONTROL_FD = 3
ZYGOTE_MARKER_FD = 4
# Where a job finds the marker: Python keeps it high and private; node and bash get it as fd 3.
PYTHON_MARKER_FD = 255
EXEC_MARKER_FD = 3
# Bash's program part writes its state to this descriptor; the test part reads it back here.
BASH_DUMP_FD = 77
BASH_IMPORT_FD = 78
MAX_BASH_STATE_BYTES = 16 * 1024 * 1024
# A command line string longer than this cannot be passed to exec (MAX_ARG_STRLEN is 128 KiB).
MAX_INLINE_SCRIPT_BYTES = 120 * 1024

SIGNAL_NAMES = {}
for _name in dir(signal):
    if _name.startswith("SIG") and not _name.startswith("SIG_") and isinstance(getattr(signal, _name), int):
        SIGNAL_NAMES.setdefault(int(getattr(signal, _name)), _name)

# Flags a code object carries for `from __future__ import ...`; the test part inherits them.
FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
# Captured before any job runs: a program may replace sys.settrace, never these references.
_settrace = sys.settrace
_setprofile = sys.setprofile


class ProtocolError(Exception):
    pass


class JobError(Exception):
    """A malformed job: reported to the host as an engine error, never blamed on the guest."""


class ForkServerError(Exception):
    """The fork server did not answer: it is restarted (a job may have killed or stopped it)."""


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
        write_all(self.write_fd, b"".join(parts))


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_until_eof(fd, cap):
    """Everything readable from `fd` up to `cap` bytes (None when there was more)."""
    chunks = []
    total = 0
    while True:
        chunk = os.read(fd, READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > cap:
            return None
        chunks.append(chunk)


# --------------------------------------------------------------------------------------------
# Process-level protections and container facts

_libc = None


def libc():
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def prctl(option, value):
    try:
        return libc().prctl(option, value, 0, 0, 0) == 0
    except Exception:
        return False


def set_process_name(name):
    """What /proc/<pid>/comm shows (at most 15 bytes). Bytes go to C as a char pointer as they
    are: no `import ctypes` here, which in a zygote (modules reset) would load it again per job."""
    prctl(PR_SET_NAME, bytes(name[:15]))


def read_text(path):
    # Plain fds rather than open(): far fewer objects, so fewer pages touched.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return (read_until_eof(fd, 1 << 24) or b"").decode("utf-8", "replace")
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


# --------------------------------------------------------------------------------------------
# Process state a job of the same user can change in another process (no ptrace needed)

# Every Linux rlimit, by its number (the resource module has no RLIMIT_LOCKS constant).
RLIMIT_NAMES = ("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS",
                "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME")
RLIMITS = [(name, getattr(resource, "RLIMIT_" + name, number)) for number, name in enumerate(RLIMIT_NAMES)]
# ioprio_get and sched_getattr have no Python wrapper: their syscall numbers per architecture.
_SYSCALLS = {"x86_64": {"ioprio_get": 252, "sched_getattr": 315}, "aarch64": {"ioprio_get": 31, "sched_getattr": 275}}.get(os.uname().machine, {})
IOPRIO_WHO_PROCESS = 1


def ioprio_get(pid):
    number = _SYSCALLS.get("ioprio_get")
    if number is None:
        return None
    return libc().syscall(number, IOPRIO_WHO_PROCESS, pid)


def sched_attributes(pid):
    """The raw struct sched_attr (policy, nice, priority, deadline parameters, utilization clamps)."""
    number = _SYSCALLS.get("sched_getattr")
    if number is None:
        return None
    import ctypes

    buffer = ctypes.create_string_buffer(56)
    if libc().syscall(number, pid, buffer, 56, 0) != 0:
        return None
    return buffer.raw


def process_state(pid):
    """Everything about process `pid` (0: this one) that another process of the same user can
    change without ptrace access: every rlimit (prlimit), the nice value, the I/O priority, the
    CPU affinity and the scheduling policy and parameters (sched_setattr). Later jobs would
    inherit or suffer any of them, so a change gets the container replaced."""
    state = {}
    for name, kind in RLIMITS:
        state[name] = resource.prlimit(pid, kind)
    state["nice"] = os.getpriority(os.PRIO_PROCESS, pid)
    state["ioprio"] = ioprio_get(pid)
    state["cpus"] = tuple(sorted(os.sched_getaffinity(pid)))
    state["policy"] = os.sched_getscheduler(pid)
    state["priority"] = os.sched_getparam(pid).sched_priority
    state["sched"] = sched_attributes(pid)
    return state


def changed_state(baseline, pid):
    """Names of what differs from `baseline` in process `pid`'s state (all of it when unreadable)."""
    try:
        now = process_state(pid)
    except (OSError, ValueError):
        return ["unreadable"]
    return sorted(name for name in baseline if baseline[name] != now.get(name))


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


def _open_work_folder(target, parts):
    """A descriptor of the folder `target/parts...`, made where missing, opened component by
    component without following a symbolic link (a session's earlier commands may have left
    links anywhere in its work directory)."""
    fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                child = os.open(part, flags, dir_fd=fd)
            except FileNotFoundError:
                os.mkdir(part, 0o755, dir_fd=fd)
                child = os.open(part, flags, dir_fd=fd)
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def _write_work_file(folder_fd, name, mode, data):
    """Write one file in a folder, replacing a regular file of that name (never a link)."""
    try:
        info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OSError(errno.ELOOP, "is a symbolic link")
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EISDIR, "exists and is not a regular file")
        os.unlink(name, dir_fd=folder_fd)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o755 if mode & 0o100 else 0o644, dir_fd=folder_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def ensure_session_folder():
    """A session's work directory as a real folder of the runner's: made when missing, and made
    again when a command replaced it with a link or a file (what it held is then gone)."""
    if IN_CONTAINER:
        try:
            os.chmod(WORK_ROOT, 0o700)  # a command may have taken the runner's write access away
        except OSError:
            pass
    try:
        info = os.lstat(JOB_DIR)
    except FileNotFoundError:
        os.mkdir(JOB_DIR, 0o700)
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(JOB_DIR)
        os.mkdir(JOB_DIR, 0o700)


def write_work_files(tar_bytes, target):
    """Write a tar archive's files and folders over a session's work directory (`extract_files`
    for a folder that already holds files): existing regular files are replaced, and a path
    that is or passes through a symbolic link (or a file) is refused. Returns [{path, error}]
    for the entries that could not be written (the others are); an unsafe path or a malformed
    archive raises JobError."""
    errors = []
    for name, is_dir, mode, data in tar_entries(tar_bytes) if tar_bytes else ():
        parts = check_relative_path(name).split("/")
        folder_parts = parts if is_dir else parts[:-1]
        try:
            fd = _open_work_folder(target, folder_parts)
            try:
                if not is_dir:
                    _write_work_file(fd, parts[-1], mode, data)
            finally:
                os.close(fd)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR):
                reason = "the path is or passes through a symbolic link (or a file)"
            else:
                reason = error.strerror or str(error)
            errors.append({"path": name, "error": reason})
    return errors


# A batch keeps its compiled work directory in memory (and may send it to the host): at most this.
MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024


def _tar_header(name, size, mode, kind):
    block = bytearray(512)
    block[0:len(name)] = name
    block[100:108] = b"%07o\0" % mode
    block[108:116] = b"%07o\0" % 0
    block[116:124] = b"%07o\0" % 0
    block[124:136] = b"%011o\0" % size
    block[136:148] = b"%011o\0" % 0
    block[148:156] = b" " * 8
    block[156:157] = kind
    block[257:265] = b"ustar\x0000"
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def _tar_entry(name, content, mode, kind):
    """One archive entry (a pax `path` record first when the name does not fit in 100 bytes)."""
    parts = []
    if len(name) > 100:
        body = b" path=" + name + b"\n"
        length = len(body) + 1
        while len(str(length).encode()) + len(body) != length:
            length = len(str(length).encode()) + len(body)
        record = str(length).encode() + body
        parts += [_tar_header(b"pax", len(record), 0o644, b"x"), record, bytes(-len(record) % 512)]
        name = name[:100]
    parts += [_tar_header(name, len(content), mode, kind), content, bytes(-len(content) % 512)]
    return b"".join(parts)


def pack_directory(root, cap):
    """The folders and regular files under `root` as a tar archive `extract_files` accepts (links
    and other kinds left out), or None when the files hold more than `cap` bytes."""
    entries = []
    total = 0
    stack = [""]
    while stack:
        relative = stack.pop()
        for name in sorted(os.listdir(os.path.join(root, relative) if relative else root)):
            path_name = relative + "/" + name if relative else name
            path = os.path.join(root, path_name)
            encoded = os.fsencode(path_name)
            try:
                encoded.decode("utf-8")
                info = os.lstat(path)
            except (UnicodeDecodeError, OSError):
                continue
            if stat.S_ISDIR(info.st_mode):
                entries.append(_tar_entry(encoded + b"/", b"", 0o755, b"5"))
                stack.append(path_name)
            elif stat.S_ISREG(info.st_mode):
                total += info.st_size
                if total > cap:
                    return None
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
                try:
                    content = read_until_eof(fd, cap)
                finally:
                    os.close(fd)
                if content is None:
                    return None
                entries.append(_tar_entry(encoded, content, 0o755 if info.st_mode & 0o100 else 0o644, b"0"))
    entries.append(bytes(1024))
    return b"".join(entries)


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


def process_table():
    """{pid: parent pid} of every process visible in /proc."""
    parents = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return parents
    for name in names:
        if not name.isdigit():
            continue
        text = read_text("/proc/%s/stat" % name)
        if not text:
            continue
        try:
            fields = text[text.rindex(")") + 2:].split()
            parents[int(name)] = int(fields[1])
        except (ValueError, IndexError):
            continue
    return parents


def process_stopped(pid):
    text = read_text("/proc/%d/stat" % pid)
    if not text:
        return False
    try:
        return text[text.rindex(")") + 2:].split()[0] in ("T", "t")
    except (ValueError, IndexError):
        return False


def other_processes(spared):
    """Pids of every live process the runner must clean up: in a container everything but the
    runner and `spared` (the fork server); on the host the runner's descendants but those."""
    table = process_table()
    if IN_CONTAINER:
        return [pid for pid in table if pid != 1 and pid not in spared]
    children = {}
    for pid, parent in table.items():
        children.setdefault(parent, []).append(pid)
    found = []
    stack = [os.getpid()]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child in spared:
                continue
            found.append(child)
            stack.append(child)
    return found


def reap_children(on_reaped=None):
    """Reap exited children (each reaped pid goes to `on_reaped`)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if on_reaped is not None:
            on_reaped(pid, status)


def kill_processes(process_group, spared):
    """SIGKILL the job's process group and every other process but the runner and `spared`."""
    if process_group:
        try:
            os.killpg(process_group, signal.SIGKILL)
        except OSError:
            pass
    for pid in other_processes(spared):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def kill_everything_else(process_group, spared, on_reaped=None):
    """Kill and reap every process but the runner and `spared`; True when none is left."""
    for _attempt in range(100):
        kill_processes(process_group, spared)
        reap_children(on_reaped)
        if not other_processes(spared):
            return True
        time.sleep(0.01)
    return False


def signal_defaults():
    """Every signal back to its default disposition (an ignored signal stays ignored across exec)
    and none blocked. The C-level functions: the `signal` module builds enums on every call."""
    for number in range(1, signal.NSIG):
        try:
            if _signal.getsignal(number) not in (_signal.SIG_DFL, None):
                _signal.signal(number, _signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def exit_like(status):
    """End this process the way a child with wait status `status` ended."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            _signal.signal(number, _signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [number])
            os.kill(os.getpid(), number)
        except (OSError, ValueError):
            pass
        os._exit(128 + number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


# --------------------------------------------------------------------------------------------
# Limits


def clamp_limit(value, hard):
    """`value` capped at `hard` (RLIM_INFINITY is the largest)."""
    if hard == resource.RLIM_INFINITY:
        return value
    if value == resource.RLIM_INFINITY:
        return hard
    return min(value, hard)


def job_limits(step, baseline):
    """Every rlimit of a step's process, as {name: [soft, hard]}: the step's own for CPU time,
    file size, open files, core size and memory, the runner's initial values for the rest. The
    job sets all of them, so nothing is inherited from whatever a previous job changed."""
    cpu_seconds = max(1, -(-int(step["cpuTimeMs"]) // 1000))
    wanted = {
        "CPU": (cpu_seconds, cpu_seconds + 1),
        "CORE": (0, 0),
        "FSIZE": (int(step["fileSizeBytes"]),) * 2,
        "NOFILE": (int(step.get("openFiles", 1024)),) * 2,
    }
    memory_rlimit = step.get("memoryRlimit", "none")
    if memory_rlimit == "as":
        wanted["AS"] = (int(step["memoryBytes"]),) * 2
    elif memory_rlimit == "data":
        wanted["DATA"] = (int(step["memoryBytes"]),) * 2
    limits = {}
    for name, (soft, hard) in baseline.items():
        if name in wanted:
            hard = clamp_limit(wanted[name][1], hard)
            soft = clamp_limit(wanted[name][0], hard)
        limits[name] = [soft, hard]
    return limits


def apply_limits(limits):
    """Set every rlimit in `limits`; one a previous job lowered below its value is set as close
    as the (lowered) hard limit allows, and the runner's checks replace such a container."""
    for name, kind in RLIMITS:
        if name not in limits:
            continue
        soft, hard = limits[name]
        try:
            resource.setrlimit(kind, (soft, hard))
        except (OSError, ValueError):
            current_hard = resource.getrlimit(kind)[1]
            hard = clamp_limit(hard, current_hard)
            resource.setrlimit(kind, (clamp_limit(soft, hard), hard))


# --------------------------------------------------------------------------------------------
# The job's own process (a zygote), forked by the fork server
#
# A zygote starts with the job-independent setup done (session, pipes on 0/1/2, no other fds,
# signal defaults, OOM score, modules reset) and waits on its control pipe for the launch
# message: the step, its environment, folder and limits. Then it becomes the step: a Python
# program run in this warm interpreter, or an exec, or (bash with test code) the parent of the
# two bash processes that run the program and its test.


def install_zygote_descriptors(fds):
    """stdin, stdout, stderr, control and marker (as received) onto 0..4; every other fd closed."""
    # Move them out of the way first: a received fd may already sit on one of the targets.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds]
    for target, fd in enumerate(high):
        os.dup2(fd, target, inheritable=target < 3)
    os.closerange(5, 1 << 20)


def become_oom_target():
    try:
        # The job, never the runner, is the OOM killer's first choice.
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)
    except OSError:
        pass


def zygote_main(fds):
    """Body of a zygote (never returns)."""
    try:
        install_zygote_descriptors(fds)
        set_process_name(os.path.basename(sys.executable).encode())
        os.setsid()
        signal_defaults()
        become_oom_target()
        reset_modules()
        os.environ.clear()
        message = read_until_eof(ZYGOTE_CONTROL_FD, 1 << 26)
        os.close(ZYGOTE_CONTROL_FD)
        if not message:
            os._exit(0)  # discarded by the runner
        start_job(marshal.loads(message))
    except BaseException as error:
        try:
            os.write(2, ("sandbench runner: cannot start the job: %s\n" % (error,)).encode("utf-8", "replace"))
        except BaseException:
            pass
    os._exit(127)


def start_job(launch):
    step = launch["step"]
    environment = launch["environment"]
    completion = launch.get("completion")
    kind = completion["kind"] if completion else None
    os.chdir(launch["workdir"])
    os.umask(0o022)
    # The fork server's non-dumpable flag protected nothing of this job's: a job is dumpable like
    # any `python3 main.py` (its /proc/self files are its own).
    prctl(PR_SET_DUMPABLE, 1)
    if kind == "python" and step.get("mode") == "python-fork":
        os.dup2(ZYGOTE_MARKER_FD, PYTHON_MARKER_FD, inheritable=False)
    elif kind == "node":
        os.dup2(ZYGOTE_MARKER_FD, EXEC_MARKER_FD, inheritable=True)
    elif kind != "bash":
        completion = None
    if kind != "bash":
        os.close(ZYGOTE_MARKER_FD)
    apply_limits(launch["limits"])
    if step.get("mode") == "python-fork":
        run_python_job(step, environment, completion)
    elif completion and kind == "bash":
        run_bash_job(step, environment, completion)
    elif completion and kind == "node":
        exec_node_job(step, environment, completion, launch["workRoot"])
    else:
        exec_program(step["argv"], environment)


def resolve_program(program, environment):
    if "/" not in program:
        for folder in environment.get("PATH", "/usr/bin:/bin").split(":"):
            candidate = os.path.join(folder or ".", program)
            if os.access(candidate, os.X_OK):
                return candidate
    return program


def exec_program(argv, environment):
    os.execve(resolve_program(argv[0], environment), argv, environment)


def reset_modules():
    """Forget every module the runner itself imported (a fresh interpreter has not loaded them)."""
    for name in list(sys.modules):
        if name not in _BASELINE_MODULES:
            del sys.modules[name]


# --- Python, in this interpreter ------------------------------------------------------------


def run_python_job(step, environment, completion):
    """Run a Python program in this forked interpreter as `python3 <script>` would, its test code
    (if any) as a second code object in the same namespace, then print the marker."""
    flags = step["argv"][1:step.get("scriptIndex", 1)]
    ignore_environment = "-E" in flags
    unbuffered = bool(step.get("unbuffered")) or (not ignore_environment and bool(environment.get("PYTHONUNBUFFERED")))
    path = os.path.join(os.getcwd(), step["script"])
    main = prepare_python_interpreter(step, environment, path)
    encoding, errors = python_stdio_encoding(environment, ignore_environment)
    original_stdout = open_python_streams(encoding, errors, unbuffered)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    marker = PythonMarker(completion, original_stdout)
    exit_code, completed, interrupted = run_python_main(main, path, completion, marker)
    exit_code = finish_python(exit_code)
    if completed and exit_code == 0:
        marker.emit()
    marker.release()
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(exit_code)


def prepare_python_interpreter(step, environment, path):
    os.environ.clear()
    os.environ.update(environment)
    main = type(sys)("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__builtins__ = sys.modules["builtins"]
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    main.__annotations__ = {}
    sys.modules["__main__"] = main
    sys.argv = [step["script"]] + list(step["argv"][step.get("scriptIndex", 1) + 1:])
    sys.orig_argv = list(step["argv"])
    sys.path.insert(0, os.path.dirname(path))
    sys.dont_write_bytecode = True
    sys.excepthook = sys.__excepthook__
    sys.displayhook = sys.__displayhook__
    sys.setrecursionlimit(1000)
    return main


def python_stdio_encoding(environment, ignore_environment):
    """The encoding and error handler `python3` would give sys.stdin and sys.stdout in this
    environment: PYTHONIOENCODING when set; else UTF-8 with 'surrogateescape' in the C/POSIX
    locale, in a locale coercion target (C.UTF-8, C.utf8, UTF-8) or in UTF-8 mode (so invalid
    bytes on stdin round-trip to stdout), 'strict' in any other locale."""
    encoding, errors = "utf-8", None
    if not ignore_environment and environment.get("PYTHONIOENCODING"):
        name, _, handler = environment["PYTHONIOENCODING"].partition(":")
        encoding = name or encoding
        errors = handler or None
    if errors is None:
        locale = environment.get("LC_ALL") or environment.get("LC_CTYPE") or environment.get("LANG") or "C"
        utf8_mode = not ignore_environment and environment.get("PYTHONUTF8") == "1"
        if utf8_mode or locale in ("C", "POSIX", "C.UTF-8", "C.utf8", "UTF-8"):
            errors = "surrogateescape"
        else:
            errors = "strict"
    return encoding, errors


def open_python_stream(fd, write, encoding, errors, buffered, name):
    """A standard stream built as CPython's create_stdio builds it on Linux."""
    mode = "wb" if write else "rb"
    buffer = io.open(fd, mode, -1 if buffered or not write else 0, closefd=False)
    raw = buffer.raw if hasattr(buffer, "raw") else buffer
    raw.name = name
    line_buffering = buffered and fd == 2
    stream = io.TextIOWrapper(buffer, encoding=encoding, errors=errors, newline="\n", line_buffering=line_buffering, write_through=not buffered)
    stream.mode = "w" if write else "r"
    return stream


def open_python_streams(encoding, errors, unbuffered):
    sys.stdin = sys.__stdin__ = open_python_stream(0, False, encoding, errors, True, "<stdin>")
    sys.stdout = sys.__stdout__ = open_python_stream(1, True, encoding, errors, not unbuffered, "<stdout>")
    sys.stderr = sys.__stderr__ = open_python_stream(2, True, encoding, "backslashreplace", not unbuffered, "<stderr>")
    return sys.stdout


class PythonMarker:
    """The completion marker's descriptor in a Python job: read only once the test code returned
    normally and the interpreter finished (atexit, flush), closed at once on any failure."""

    def __init__(self, completion, stdout):
        self.fd = PYTHON_MARKER_FD if completion else None
        self.stdout = stdout

    def release(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None

    def emit(self):
        if self.fd is None:
            return
        try:
            marker = read_until_eof(self.fd, 4096)
        except OSError:
            marker = None
        self.release()
        if not marker:
            return
        for stream in (self.stdout, sys.stdout):
            try:
                stream.flush()
            except BaseException:
                pass
        try:
            write_all(1, marker + b"\n")
        except OSError:
            pass


def run_python_main(main, path, completion, marker):
    """Compile and run the program (and its test code); returns (exit code, whether the test code
    ran to its end, whether it ended by KeyboardInterrupt)."""
    try:
        codes, verifiable = compile_python_main(path, completion)
        for index, code in enumerate(codes):
            if index > 0:
                # Hooks the program installed must not step over the test's statements.
                _settrace(None)
                _setprofile(None)
            exec(code, main.__dict__)
        return 0, verifiable and completion is not None, False
    except SystemExit as error:
        marker.release()
        return system_exit_code(error), False, False
    except BaseException as error:
        marker.release()
        # Drop this function's frame, so the traceback reads as `python3 main.py` prints it.
        traceback = error.__traceback__.tb_next if error.__traceback__ is not None else None
        error.__traceback__ = traceback
        try:
            sys.excepthook(type(error), error, traceback)
        except BaseException:
            pass
        return 1, False, isinstance(error, KeyboardInterrupt)


def compile_python_main(path, completion):
    """The code objects to run: the whole file; or, with test code, the program and the test
    compiled apart from the one file's syntax tree (line numbers as in the file). The second
    value says whether the split was possible: a statement that begins in the program and ends
    in the test (an unclosed string or bracket swallowing test code) makes it impossible."""
    with open(path, "rb") as handle:
        source = handle.read()
    offset = completion.get("testOffset") if completion else None
    if not isinstance(offset, int) or not 0 <= offset <= len(source):
        return [compile(source, path, "exec", dont_inherit=True)], False
    tree = compile(source, path, "exec", _ast.PyCF_ONLY_AST, dont_inherit=True)
    parts = split_python_module(tree, python_position(source, offset))
    if parts is None:
        return [compile(tree, path, "exec", dont_inherit=True)], False
    program = compile(parts[0], path, "exec", dont_inherit=True)
    test = compile(parts[1], path, "exec", program.co_flags & FUTURE_FLAGS, dont_inherit=True)
    return [program, test], True


def python_position(source, offset):
    """(line, UTF-8 column) of byte `offset`, counting lines as Python's tokenizer does."""
    before = source[:offset]
    line = before.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
    start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    return line, offset - start


def statement_start(statement):
    start = (statement.lineno, statement.col_offset)
    for decorator in getattr(statement, "decorator_list", ()):
        # The '@' sits right before the decorator expression.
        start = min(start, (decorator.lineno, decorator.col_offset - 1))
    return start


def split_python_module(tree, boundary):
    program, test = [], []
    for statement in tree.body:
        if statement_start(statement) < boundary:
            if (statement.end_lineno, statement.end_col_offset) > boundary or test:
                return None
            program.append(statement)
        else:
            test.append(statement)
    if any(isinstance(s, _ast.ImportFrom) and s.module == "__future__" for s in test):
        return None  # python3 refuses these late in the file: compile as one to say so
    if program and test and isinstance(test[0], _ast.Expr) and isinstance(test[0].value, _ast.Constant) and isinstance(test[0].value.value, str):
        # In the one file this string is an expression, not the module's docstring.
        first = test[0]
        test.insert(0, _ast.Pass(lineno=first.lineno, col_offset=first.col_offset, end_lineno=first.lineno, end_col_offset=first.col_offset))
    return _ast.Module(body=program, type_ignores=[]), _ast.Module(body=test, type_ignores=[])


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
    flushed = []
    for stream in (sys.stdout, sys.__stdout__, sys.stderr, sys.__stderr__):
        if any(stream is done for done in flushed):
            continue
        flushed.append(stream)
        try:
            stream.flush()
        except BaseException:
            if stream is sys.stdout and exit_code == 0:
                exit_code = 120
    return exit_code


# --- Bash: the program and its test code in two bash processes ------------------------------
#
# In one shell the program could take the test apart: shadow builtins with functions (`exit`,
# `[`), disable them (`enable -n`), alias words, or set a DEBUG trap with `extdebug` that skips
# the test's commands before any reset could run. So the program part runs in its own bash,
# which at its end writes its state (functions, variables, options, folder, arguments) as
# NUL-separated records; the test part runs in a fresh bash that starts clean, imports that
# state as data (functions through bash's own environment import, variables as quoted values),
# drops any function named like a builtin, and only then runs the test code. Only the test's
# process receives the marker.

# Written on the program's first line (so its line numbers stay those of main.sh).
BASH_DUMP_FUNCTION = r"""__sandbench_dump() {
  builtin local __sandbench_options=$SHELLOPTS __sandbench_name __sandbench_key __sandbench_attrs
  builtin local -a __sandbench_names __sandbench_keys
  builtin set +eu +o pipefail
  {
    builtin printf 'S\0%s\0%s\0%s\0%s\0' "$__sandbench_options" "$BASHOPTS" "$PWD" "$(builtin umask)"
    for __sandbench_key in "$@"; do builtin printf 'P\0%s\0' "$__sandbench_key"; done
    builtin mapfile -t __sandbench_names < <(builtin compgen -A function)
    for __sandbench_name in "${__sandbench_names[@]}"; do
      builtin printf 'F\0%s\0%s\0' "$__sandbench_name" "$(builtin declare -f -- "$__sandbench_name")"
    done
    builtin mapfile -t __sandbench_names < <(builtin compgen -v)
    for __sandbench_name in "${__sandbench_names[@]}"; do
      case $__sandbench_name in __sandbench_*|BASH*|[!A-Za-z_]*|*[!A-Za-z0-9_]*) continue ;; esac
      [[ -R $__sandbench_name ]] && continue
      __sandbench_attrs=${!__sandbench_name@a}
      if [[ $__sandbench_attrs == *[aA]* ]]; then
        builtin eval "__sandbench_keys=(\"\${!$__sandbench_name[@]}\")"
        builtin printf 'A\0%s\0%s\0%s\0' "$__sandbench_name" "$__sandbench_attrs" "${#__sandbench_keys[@]}"
        for __sandbench_key in "${__sandbench_keys[@]}"; do
          builtin eval "builtin printf '%s\0%s\0' \"\$__sandbench_key\" \"\${$__sandbench_name[\$__sandbench_key]}\""
        done
      elif [[ ${!__sandbench_name+set} ]]; then
        builtin printf 'V\0%s\0%s\0%s\0' "$__sandbench_name" "$__sandbench_attrs" "${!__sandbench_name}"
      fi
    done
    builtin printf 'E\0'
  } >&77
}
"""

# Runs first in the test's bash, in posix mode (where `unset` and `eval`, special builtins, win
# over functions imported from the environment).
BASH_TEST_PROLOGUE = r"""unset -f -- builtin command compgen
unset -f -- $(builtin compgen -b) command_not_found_handle
unset POSIXLY_CORRECT
__sandbench_end() {
  if [[ $1 == 0 ]]; then
    trap - EXIT
    builtin local __sandbench_marker=
    builtin read -r -u 3 __sandbench_marker || :
    builtin printf '%s\n' "$__sandbench_marker"
  fi
  exit "$1"
}
readonly -f __sandbench_end
builtin source /dev/fd/78
exec 78<&-
"""

# Variables of bash itself, read-only or dynamic: never carried over.
BASH_OWN_VARIABLES = frozenset(
    "BASHOPTS BASHPID BASH_ENV COMP_WORDBREAKS DIRSTACK EPOCHREALTIME EPOCHSECONDS EUID FUNCNAME GROUPS HISTCMD "
    "HOSTNAME HOSTTYPE LINENO MACHTYPE OLDPWD OPTERR OPTIND OSTYPE PIPESTATUS PPID PWD RANDOM SECONDS SHELLOPTS "
    "SHLVL SRANDOM UID _".split()
)
# Options the test's shell takes over from the program's (never the ones that hook commands).
BASH_SET_OPTIONS = ("allexport", "braceexpand", "errexit", "hashall", "interactive-comments", "keyword", "noclobber",
                    "noglob", "nolog", "notify", "nounset", "physical", "pipefail", "posix")
BASH_REFUSED_SHOPTS = frozenset(("expand_aliases", "extdebug", "login_shell", "restricted_shell"))


def bash_quote(value):
    """`value` (bytes) as a bash $'...' word that stands for exactly those bytes."""
    out = [b"$'"]
    for byte in value:
        if 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122 or byte in b" _./:=@%+,-":
            out.append(bytes((byte,)))
        else:
            out.append(b"\\x%02x" % byte)
    out.append(b"'")
    return b"".join(out)


def valid_bash_name(name):
    return bool(name) and (name[0:1].isalpha() or name[0:1] == b"_") and name.replace(b"_", b"a").isalnum() and name.isascii()


def run_bash_job(step, environment, completion):
    shell = step["argv"][0]
    argv = [a.encode("utf-8", "surrogateescape") for a in step["argv"]]
    script = argv[1] if len(argv) > 1 else b""
    with open(script, "rb") as handle:
        source = handle.read()
    offset = completion.get("testOffset")
    if (not isinstance(offset, int) or not 0 <= offset <= len(source) or b"\0" in source
            or len(source) + len(BASH_DUMP_FUNCTION) > MAX_INLINE_SCRIPT_BYTES):
        # Cannot be split: run as plain `bash main.sh`, without a marker (test not confirmed).
        os.close(ZYGOTE_MARKER_FD)
        exec_program(step["argv"], environment)
    program, test = source[:offset], source[offset:]
    # Whatever the program part leaves running is reparented to this process, which kills it
    # before the test's shell starts: left running, it could rewrite or trace that shell.
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    status, state = run_bash_program(shell, program, script, argv[2:], environment)
    if state is not None and not kill_children():
        state = None
    if state is None:
        os.close(ZYGOTE_MARKER_FD)
        exit_like(status)
    exit_like(run_bash_test(shell, test, program.count(b"\n"), script, state, environment))


def kill_children():
    """Kill and reap every child of this process (their orphans become children in turn);
    True when none is left."""
    for _attempt in range(200):
        children = [pid for pid, parent in process_table().items() if parent == os.getpid()]
        if not children:
            return True
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap_children()
        time.sleep(0.005)
    return False


def run_bash_program(shell, program, script, arguments, environment):
    """Run the program part; returns (wait status, its state records or None)."""
    text = (b"builtin eval " + bash_quote(BASH_DUMP_FUNCTION.encode()) + b"; builtin readonly -f __sandbench_dump; "
            + program + b"\n\\__sandbench_dump \"$@\"\n")
    dump_read, dump_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(dump_read)
            os.close(ZYGOTE_MARKER_FD)
            os.dup2(dump_write, BASH_DUMP_FD)
            exec_program([shell, b"-c", text, script] + arguments, environment)
        except BaseException as error:
            os.write(2, ("sandbench runner: cannot start bash: %s\n" % (error,)).encode("utf-8", "replace"))
        os._exit(127)
    os.close(dump_write)
    data = collect_until_exit(dump_read, pid, MAX_BASH_STATE_BYTES)
    os.close(dump_read)
    _, status = os.waitpid(pid, 0)
    if data is None or status != 0:
        return status, None
    return status, parse_bash_state(data)


def collect_until_exit(fd, pid, cap):
    """Read `fd` until EOF or until process `pid` exits (whatever it left behind may still hold
    the pipe open); None when more than `cap` bytes came."""
    chunks = []
    total = 0
    process_fd = os.pidfd_open(pid)
    try:
        exited = False
        while True:
            readable, _, _ = select.select([fd] if exited else [fd, process_fd], [], [], 0 if exited else None)
            if process_fd in readable:
                exited = True
                os.set_blocking(fd, False)
                continue
            if fd not in readable:
                return b"".join(chunks)
            try:
                chunk = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                return b"".join(chunks)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > cap:
                return None
            chunks.append(chunk)
    finally:
        os.close(process_fd)


def parse_bash_state(data):
    """The records of __sandbench_dump, checked; None when they are malformed or incomplete."""
    fields = data.split(b"\0")
    state = {"arguments": [], "functions": [], "variables": [], "arrays": []}
    position = 0

    def take(count):
        nonlocal position
        if position + count > len(fields) - 1:
            raise ValueError("truncated")
        values = fields[position:position + count]
        position += count
        return values

    try:
        while True:
            (kind,) = take(1)
            if kind == b"E":
                return state
            if kind == b"S":
                state["shellopts"], state["bashopts"], state["pwd"], state["umask"] = take(4)
            elif kind == b"P":
                state["arguments"].append(take(1)[0])
            elif kind == b"F":
                state["functions"].append(tuple(take(2)))
            elif kind == b"V":
                state["variables"].append(tuple(take(3)))
            elif kind == b"A":
                name, attributes, count = take(3)
                items = take(2 * int(count))
                state["arrays"].append((name, attributes, list(zip(items[0::2], items[1::2]))))
            else:
                return None
    except ValueError:
        return None


def bash_function_environment(functions):
    """Functions as bash exports them (`BASH_FUNC_name%%=() { ...}`): bash imports each as one
    function definition and nothing else."""
    entries = {}
    for name, definition in functions:
        header = name + b" () \n"
        if not name or b"=" in name or not definition.startswith(header + b"{"):
            continue
        entries[b"BASH_FUNC_" + name + b"%%"] = b"() " + definition[len(header):]
    return entries


def bash_import_code(state):
    """Bash code (made of quoted data only) that recreates the program's shell options,
    variables, folder and umask in the test's shell. Options that change parsing or word
    splitting come first and `set` options last, so the code itself runs as written."""
    lines = []
    kept = [o for o in state.get("bashopts", b"").split(b":") if o and o.decode("ascii", "replace") not in BASH_REFUSED_SHOPTS and o.replace(b"_", b"a").isalnum()]
    lines.append(b"__sandbench_keep=" + bash_quote(b":" + b":".join(kept) + b":"))
    lines.append(b'for __sandbench_option in ${BASHOPTS//:/ }; do [[ $__sandbench_keep == *":$__sandbench_option:"* ]] || builtin shopt -u "$__sandbench_option" 2>/dev/null; done')
    if kept:
        lines.append(b"builtin shopt -s " + b" ".join(kept) + b" 2>/dev/null")
    lines.append(b"builtin unset __sandbench_keep __sandbench_option")
    readonly = []
    variables = [(n, a, v, None) for n, a, v in state["variables"]] + [(n, a, None, i) for n, a, i in state["arrays"]]
    for name, attributes, value, items in variables:
        if not valid_bash_name(name) or name.decode() in BASH_OWN_VARIABLES or name.startswith(b"BASH"):
            continue
        lines.append(bash_declaration(name, attributes, value, items))
        if b"r" in attributes:
            readonly.append(name)
    if readonly:
        lines.append(b"builtin readonly " + b" ".join(readonly))
    pwd = state.get("pwd", b"")
    if pwd.startswith(b"/"):
        lines.append(b"builtin cd -- " + bash_quote(pwd) + b" 2>/dev/null || :")
    if state.get("umask", b"").isdigit() and set(state["umask"]) <= set(b"01234567"):
        lines.append(b"builtin umask " + state["umask"])
    enabled = set(state.get("shellopts", b"").decode("ascii", "replace").split(":"))
    switches = [("-o " if option in enabled else "+o ") + option for option in BASH_SET_OPTIONS]
    lines.append(("builtin set " + " ".join(switches)).encode())
    return b"\n".join(lines) + b"\n"


def bash_declaration(name, attributes, value, items):
    """`declare -g` of one variable (scalar `value` or array `items`) from quoted data. Plain
    `declare` (no functions of that name are left by then): after `builtin`, bash would not
    parse `name=(...)` as an array assignment."""
    flags = bytes(c for c in attributes if c in b"aAilux")
    values = [value] if items is None else [item for _, item in items]
    if b"i" in flags and not all(v.lstrip(b"-").isdigit() for v in values):
        flags = flags.replace(b"i", b"")  # never evaluate a forged value as arithmetic
    if items is None:
        return b"declare -g" + flags + b" " + name + b"=" + bash_quote(value)
    if b"a" in flags and not all(key.isdigit() for key, _ in items):
        return b""
    words = [b"[" + bash_quote(key) + b"]=" + bash_quote(item) for key, item in items]
    return b"declare -g" + flags + b" " + name + b"=(" + b" ".join(words) + b")"


def run_bash_test(shell, test, program_lines, script, state, environment):
    """Run the test part in a fresh bash with the program's state; returns its wait status."""
    prologue = b"POSIXLY_CORRECT=y; eval " + bash_quote(BASH_TEST_PROLOGUE.encode())
    # The test's first line keeps its number in main.sh.
    text = prologue + (b"\n" * program_lines if program_lines else b"; ") + test
    if test and not test.endswith(b"\n"):
        text += b"\n"
    text += b"\\__sandbench_end \"$?\"\n"
    if len(text) > MAX_INLINE_SCRIPT_BYTES:
        os.close(ZYGOTE_MARKER_FD)
        return 0  # the program ran; the test cannot be passed inline: not confirmed
    child_environment = {k.encode("utf-8", "surrogateescape"): v.encode("utf-8", "surrogateescape") for k, v in environment.items()}
    child_environment.update(bash_function_environment(state["functions"]))
    import_fd = os.memfd_create("sandbench-bash-state", os.MFD_ALLOW_SEALING)
    write_all(import_fd, bash_import_code(state))
    # Read-only from now on, whoever reopens it through /proc.
    fcntl.fcntl(import_fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    pid = os.fork()
    if pid == 0:
        try:
            # The state first: its descriptor may be 3, where the marker goes.
            os.dup2(import_fd, BASH_IMPORT_FD)
            os.lseek(BASH_IMPORT_FD, 0, os.SEEK_SET)
            os.dup2(ZYGOTE_MARKER_FD, EXEC_MARKER_FD)
            os.closerange(ZYGOTE_MARKER_FD, BASH_IMPORT_FD)
            exec_program([shell, b"-c", text, script] + state["arguments"], child_environment)
        except BaseException as error:
            os.write(2, ("sandbench runner: cannot start bash: %s\n" % (error,)).encode("utf-8", "replace"))
        os._exit(127)
    os.close(import_fd)
    os.close(ZYGOTE_MARKER_FD)
    return os.waitpid(pid, 0)[1]


# --- Node: a preload that prints the marker once main.js ran to its end ---------------------

NODE_HARNESS = r"""'use strict';
// sandbench: says whether main.js (the program and its test code) ran to its end, by a line
// the program cannot print: the marker waits in descriptor 3 and is read only when the main
// module returned normally and the process is exiting with code 0. Any failure closes the
// descriptor before the program's own listeners run.
(() => {
  const fs = require('fs');
  const vm = require('vm');
  const Module = require('module');
  const apply = Reflect.apply;
  const { readSync, writeSync, closeSync } = fs;
  const MARKER_FD = 3;
  const TEST_OFFSET = __TEST_OFFSET__;
  try { fs.unlinkSync(__filename); } catch {}
  let open = true;
  let failed = false;
  let started = false;
  let completed = false;
  const close = () => {
    if (open) {
      open = false;
      try { closeSync(MARKER_FD); } catch {}
    }
  };
  const fail = () => { failed = true; close(); };
  // A top-level `return` would end the module early without an error: only a body that also
  // compiles as a script counts, and (for JavaScript) a program part complete on its own.
  const verifiable = (content) => {
    try { new vm.Script(content); } catch { return false; }
    if (TEST_OFFSET >= 0) {
      try { vm.compileFunction(content.slice(0, TEST_OFFSET)); } catch { return false; }
    }
    return true;
  };
  const compile = Module.prototype._compile;
  Module.prototype._compile = function _compile(content, filename) {
    if (started || this.id !== '.') return apply(compile, this, arguments);
    started = true;
    const checked = verifiable(String(content));
    let result;
    try {
      result = apply(compile, this, arguments);
    } catch (error) {
      fail();
      throw error;
    }
    if (checked) completed = true; else fail();
    return result;
  };
  const exit = process.exit;
  process.exit = function exit_(code) {
    if (!completed) fail();
    return apply(exit, this, arguments);
  };
  const readMarker = () => {
    const chunks = [];
    const buffer = Buffer.alloc(256);
    for (;;) {
      let count = 0;
      try { count = readSync(MARKER_FD, buffer, 0, buffer.length, null); } catch { break; }
      if (count <= 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, count)));
    }
    return Buffer.concat(chunks);
  };
  const finish = () => {
    const code = process.exitCode;
    if (failed || !completed || !open || (code !== undefined && code !== 0)) { close(); return; }
    const marker = readMarker();
    close();
    if (marker.length === 0) return;
    let data = Buffer.concat([marker, Buffer.from('\n')]);
    while (data.length > 0) {
      try { data = data.subarray(writeSync(1, data)); } catch (error) { if (error.code !== 'EAGAIN') return; }
    }
  };
  const emit = process.emit;
  process.emit = function emit_(event) {
    if (event === 'uncaughtExceptionMonitor' || event === 'uncaughtException' || event === 'unhandledRejection') fail();
    if (event !== 'exit') return apply(emit, this, arguments);
    if (!completed || arguments[1] !== 0) fail();
    const result = apply(emit, this, arguments);
    finish();
    return result;
  };
})();
"""


def exec_node_job(step, environment, completion, work_root):
    """Exec node with the completion preload (a file it deletes as it loads; no secret in it)."""
    offset = completion.get("testOffset")
    text = NODE_HARNESS.replace("__TEST_OFFSET__", str(offset if isinstance(offset, int) else -1))
    path = os.path.join(work_root, ".sandbench-completion-%d.cjs" % os.getpid())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        write_all(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    argv = step["argv"]
    exec_program([argv[0], "--require", path] + list(argv[1:]), environment)


# --------------------------------------------------------------------------------------------
# The fork server
#
# A fresh interpreter (exec'ed by the runner before any job, and again whenever a job killed,
# stopped or changed it) that forks zygotes and nothing else. It receives the zygote's
# descriptors over a socket, never a byte of any job's data; each zygote is forked twice over
# so that the runner, not the fork server, becomes its parent (and reaps it with its rusage).


# Modules the fork server imports once (after its first zygote) and hands to a job only when the
# job imports them: `typing` costs a fresh interpreter about 10 ms (with re, enum, collections and
# functools), and many benchmark programs begin with `from typing import List`. Only modules
# whose import leaves no per-process state behind (no random seed, no clock).
PRELOAD = ("typing",)


class PreloadedModule:
    """A module imported by the fork server, with every module its import added (its group),
    kept out of sys.modules until a job imports it."""

    def __init__(self, name, group):
        self.name = name
        self.module = group[name]
        self.spec = self.module.__spec__
        self.group = group

    def create_module(self, _spec):
        return self.module

    def exec_module(self, module):
        # The import system gave the module this loader's spec: the original goes back, and the
        # modules its import brought in appear as a fresh import would add them.
        module.__spec__ = self.spec
        for name, member in self.group.items():
            sys.modules.setdefault(name, member)


class PreloadFinder:
    """Serves a preloaded module to a job's first import of it, but only when none of its group
    is imported yet: otherwise a fresh import, so that a job never holds two copies of a module."""

    def __init__(self, preloaded):
        self.preloaded = preloaded

    def find_spec(self, name, path=None, target=None):
        entry = self.preloaded.get(name)
        if entry is None or any(member in sys.modules for member in entry.group):
            return None
        return sys.modules["_frozen_importlib"].ModuleSpec(name, entry, origin=entry.spec.origin)


def preload_modules(names):
    """Import `names` in this (fork server) process, then hide them behind a PreloadFinder."""
    preloaded = {}
    for name in names:
        if name in sys.modules:
            continue  # already there for every job (a site hook imported it): nothing to hide
        before = set(sys.modules)
        try:
            __import__(name)
        except Exception:
            continue
        group = {added: sys.modules[added] for added in list(sys.modules) if added not in before}
        if name not in group:
            continue
        for added in group:
            del sys.modules[added]
        preloaded[name] = PreloadedModule(name, group)
    if preloaded:
        sys.meta_path.insert(0, PreloadFinder(preloaded))


# The fork server's process name (its zygotes take back python3's as they start).
FORK_SERVER_NAME = b"sandbench-forks"
PR_SET_NAME = 15


def fork_server_main():
    prctl(PR_SET_DUMPABLE, 0)
    set_process_name(FORK_SERVER_NAME)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # The runner's own modules leave sys.modules once here, not in every zygote (a fresh
    # interpreter has not loaded them; their objects stay alive through this module).
    reset_modules()
    import _socket

    server = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET, 0, 3)
    server.send(b"R")
    fd_space = _socket.CMSG_SPACE(5 * 4)
    preloaded = False
    while True:
        try:
            message, ancillary, _flags, _address = server.recvmsg(16, fd_space)
        except InterruptedError:
            continue
        if not message:
            return 0
        fds = []
        for level, kind, data in ancillary:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds.extend(struct.unpack("%di" % (len(data) // 4), data[:len(data) - len(data) % 4]))
        pid = fork_zygote(fds) if len(fds) == 5 else -1
        for fd in fds:
            os.close(fd)
        server.send(struct.pack(">q", pid))
        if not preloaded:
            # After the first job's process is on its way: a single run never waits for this.
            preloaded = True
            try:
                preload_modules(PRELOAD)
            except Exception:
                pass  # jobs import them the usual way


def fork_zygote(fds):
    """Fork a zygote holding `fds` (forked twice: the intermediate exits at once, so the zygote
    is reparented to the runner, a subreaper or the container's init); returns its pid."""
    report_read, report_write = os.pipe()
    # Keep the collector off the shared pages: a zygote would copy every page it touches.
    gc.freeze()
    first = os.fork()
    if first == 0:
        try:
            os.close(report_read)
            second = os.fork()
            if second == 0:
                os.close(report_write)
                zygote_main(fds)
            os.write(report_write, struct.pack(">q", second))
        finally:
            os._exit(0)
    os.close(report_write)
    try:
        data = read_until_eof(report_read, 64)
    finally:
        os.close(report_read)
        os.waitpid(first, 0)
    return struct.unpack(">q", data)[0] if data and len(data) == 8 else -1


# The fork server's whole command line: it runs this module from its marshaled code on stdin.
FORK_SERVER_BOOTSTRAP = "import marshal, os\nchunks = []\nwhile chunk := os.read(0, 1 << 20): chunks.append(chunk)\nexec(marshal.loads(b''.join(chunks)), {'__name__': '__main__'})"


class ForkServer:
    """The runner's handle on its fork server."""

    def __init__(self, code):
        self.code = marshal.dumps(code)
        self.pid = None
        self.process_fd = None
        self.socket = None
        self.baseline = None

    def start(self, timeout=30.0):
        import socket

        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        code_read, code_write = os.pipe()
        # dup2 onto itself would keep close-on-exec: make sure the child's ends are not 0 or 3 already.
        child_fd = fcntl.fcntl(child.fileno(), fcntl.F_DUPFD_CLOEXEC, 10)
        code_fd = fcntl.fcntl(code_read, fcntl.F_DUPFD_CLOEXEC, 10)
        argv = [sys.executable, "-I", "-S", "-c", FORK_SERVER_BOOTSTRAP, "--fork-server"]
        actions = [(os.POSIX_SPAWN_DUP2, code_fd, 0), (os.POSIX_SPAWN_DUP2, 2, 1), (os.POSIX_SPAWN_DUP2, child_fd, 3)]
        try:
            self.pid = os.posix_spawn(sys.executable, argv, dict(os.environ), file_actions=actions)
        finally:
            for fd in (child_fd, code_fd, code_read):
                os.close(fd)
            child.close()
        try:
            write_all(code_write, self.code)
        finally:
            os.close(code_write)
        self.socket = parent
        self.process_fd = os.pidfd_open(self.pid)
        if self.receive(1, timeout) != b"R":
            raise ForkServerError("the fork server did not start")
        self.baseline = process_state(self.pid)

    def start_forked(self, timeout=30.0):
        """Start as a fork of the runner itself. Only before the first job: the runner has then
        never held any job's data (later starts exec a fresh interpreter), and a fork costs a
        millisecond where a new interpreter costs a hundred on a busy machine."""
        import socket

        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        child_fd = fcntl.fcntl(child.fileno(), fcntl.F_DUPFD_CLOEXEC, 10)
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                # Never the runner's protocol streams: stdin /dev/null, stdout to stderr.
                os.dup2(child_fd, 3)
                os.dup2(2, 1)
                os.closerange(4, 1 << 20)
                status = fork_server_main()
            finally:
                os._exit(status or 0)
        os.close(child_fd)
        child.close()
        self.pid = pid
        self.socket = parent
        self.process_fd = os.pidfd_open(pid)
        if self.receive(1, timeout) != b"R":
            raise ForkServerError("the fork server did not start")
        self.baseline = process_state(pid)

    def stop(self):
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass  # already reaped
            self.pid = None
        if self.process_fd is not None:
            os.close(self.process_fd)
            self.process_fd = None

    def restart(self):
        self.stop()
        self.start()

    def alive(self):
        if self.process_fd is None:
            return False
        readable, _, _ = select.select([self.process_fd], [], [], 0)
        return not readable

    def problem(self):
        """Why the fork server must be replaced after a job: None, 'gone', 'stopped', or
        'tampered' (its rlimits, priorities, affinity or scheduling changed)."""
        if not self.alive():
            return "gone"
        if process_stopped(self.pid):
            return "stopped"
        if changed_state(self.baseline, self.pid):
            return "tampered"
        return None

    def receive(self, size, timeout):
        readable, _, _ = select.select([self.socket, self.process_fd], [], [], timeout)
        if self.socket not in readable:
            raise ForkServerError("the fork server is gone" if readable else "the fork server did not answer")
        data = self.socket.recv(size)
        if not data:
            raise ForkServerError("the fork server is gone")
        return data

    def zygote(self, timeout=10.0):
        """A new zygote (restarting the fork server once if it does not answer)."""
        for attempt in (1, 2):
            try:
                return self._zygote(timeout)
            except (ForkServerError, OSError):
                if attempt == 2:
                    raise
                self.restart()

    def _zygote(self, timeout):
        return self.collect_zygote(self.request_zygote(), timeout)

    def request_zygote(self):
        """Ask for a zygote without waiting for it; returns the runner's ends of its pipes, for
        `collect_zygote`. The fork server forks while the runner does something else."""
        import socket

        ends = [os.pipe() for _ in range(5)]  # stdin, stdout, stderr, control, marker
        child_ends = [ends[0][0], ends[1][1], ends[2][1], ends[3][0], ends[4][0]]
        mine = [ends[0][1], ends[1][0], ends[2][0], ends[3][1], ends[4][1]]
        try:
            socket.send_fds(self.socket, [b"Z"], child_ends)
        except OSError:
            for fd in child_ends + mine:
                os.close(fd)
            raise
        for fd in child_ends:
            os.close(fd)
        return mine

    def collect_zygote(self, mine, timeout=10.0):
        """The zygote `request_zygote` asked for."""
        try:
            (pid,) = struct.unpack(">q", self.receive(8, timeout))
        except (ForkServerError, OSError, struct.error):
            for fd in mine:
                os.close(fd)
            raise ForkServerError("the fork server did not fork")
        if pid <= 0:
            for fd in mine:
                os.close(fd)
            raise ForkServerError("the fork server could not fork")
        return Zygote(pid, *mine)


class Zygote:
    """The runner's ends of a zygote's pipes. The zygote is the job's only process until its
    launch message arrives."""

    def __init__(self, pid, stdin_write, stdout_read, stderr_read, control_write, marker_write):
        self.pid = pid
        self.stdin_write = stdin_write
        self.stdout_read = stdout_read
        self.stderr_read = stderr_read
        self.control_write = control_write
        self.marker_write = marker_write

    def launch(self, message, marker):
        """Hand the zygote its marker (through its own pipe) and its step; False when it is gone."""
        try:
            if marker:
                write_all(self.marker_write, marker)
            os.close(self.marker_write)
            self.marker_write = None
            write_all(self.control_write, marshal.dumps(message))
            os.close(self.control_write)
            self.control_write = None
            return True
        except (OSError, ValueError):
            return False

    def discard(self):
        """Close the runner's ends and kill the zygote (unused, or gone)."""
        for name in ("stdin_write", "stdout_read", "stderr_read", "control_write", "marker_write"):
            fd = getattr(self, name)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self, name, None)
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


# --------------------------------------------------------------------------------------------
# Time limits: CPU time, and wall time less the time the job waited for a CPU
#
# A step is a timeout when its CPU time reaches the CPU limit or its wall time, less the time
# its processes were runnable but waiting for a core (the run-queue delay, schedstat's second
# field), reaches the wall limit: what it would have taken alone on the machine. A program
# starved by other load keeps running; a sleeping or blocked one gains nothing (sleep is no
# run-queue delay). On an idle machine both measures equal the plain clocks, so the check at
# the limit itself is the verdict.
#
# The figures are per thread (/proc/<pid>/task/<tid>/schedstat), sampled every METER_INTERVAL
# over every thread of the job's processes. Per interval the credited delay is the largest
# delay of any one thread, and in all never more than the wall time less the CPU time all the
# job's threads used: a single thread gets exactly its own delay, while threads of the job
# queueing behind one another (its own CPU use) earn nothing, so a job cannot buy time by making
# its processes wait for each other. A thread that ended between two samples takes its last
# interval with it (credited too little, never too much).
#
# The kernel adds a wait to run_delay only when the thread gets the CPU again: the wait in
# progress is missing. So a wall verdict needs every runnable thread to have been seen on the
# CPU within the last CONFIRM_STEP or so (else the runner looks again shortly); a sleeping
# thread has no wait in progress.

# How often a running step's threads are sampled.
METER_INTERVAL = 0.1
# The shortest wait between two checks near a limit.
METER_MIN_STEP = 0.001
# How recently a runnable thread must have run for its figures to be trusted at a wall verdict.
CONFIRM_STEP = 0.005
# Past this multiple of its wall limit (at most 600 s more; a step's `backstopMs` overrides it)
# a starved step is stopped without a verdict: the machine is too busy to judge it (the host
# reports an engine fault, as the isolate sandbox does).
BACKSTOP_FACTOR = 50
BACKSTOP_MAX_EXTRA = 600.0


def read_schedstat(path):
    """(on-CPU ns, run-queue ns, times on a CPU) of one thread, or None when it is gone."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fields = os.read(fd, 128).split()
        return int(fields[0]), int(fields[1]), int(fields[2])
    except (OSError, ValueError, IndexError):
        return None
    finally:
        os.close(fd)


def backstop_seconds(step):
    """The step's backstop (the host's `backstopMs`, else the default) in seconds."""
    wall_limit = int(step["timeoutMs"]) / 1000.0
    if isinstance(step.get("backstopMs"), int) and step["backstopMs"] > 0:
        return max(wall_limit, step["backstopMs"] / 1000.0)
    return min(wall_limit * BACKSTOP_FACTOR, wall_limit + BACKSTOP_MAX_EXTRA)


class JobClock:
    """CPU time and credited run-queue delay of a step's threads since their launch (seconds)."""

    def __init__(self, pid, spared, started):
        self.spared = spared
        self.started = started
        self.last = started
        # The step's process was forked before the step (waiting for its launch): count from now.
        folder = "/proc/%d/task/%d" % (pid, pid)
        figures = read_schedstat(folder + "/schedstat")
        self.seen = {pid: figures} if figures else {}
        self.known = figures is not None
        # Every thread of the last sample (its /proc folder), and whether it ran in that interval.
        self.threads = []
        self.interval = 0.0
        self.cpu = 0.0
        self.credit = 0.0
        # Wall time not spent on a CPU by any thread, not yet credited.
        self.slack = 0.0

    def sample(self, now):
        cpu_ns = 0
        delay_ns = 0
        current = {}
        threads = []
        for pid in other_processes(self.spared):
            try:
                tids = os.listdir("/proc/%d/task" % pid)
            except OSError:
                continue
            for name in tids:
                tid = int(name)
                folder = "/proc/%d/task/%s" % (pid, name)
                figures = read_schedstat(folder + "/schedstat")
                if figures is None:
                    continue
                base = self.seen.get(tid, (0, 0, 0))
                if figures[0] < base[0] or figures[1] < base[1]:
                    base = (0, 0, 0)  # a new thread under a reused id
                cpu_ns += figures[0] - base[0]
                delay_ns = max(delay_ns, figures[1] - base[1])
                threads.append((folder, figures[0] != base[0] or figures[2] != base[2]))
                current[tid] = figures
        self.seen = current
        self.threads = threads
        interval = self.interval = max(0.0, now - self.last)
        self.last = now
        cpu = cpu_ns / 1e9
        self.cpu += cpu
        self.slack += interval - cpu
        credit = min(delay_ns / 1e9, max(0.0, self.slack))
        self.credit += credit
        self.slack -= credit

    def effective(self, now):
        """Wall time less the credited run-queue delay."""
        return now - self.started - self.credit

    def settled(self):
        """Whether the last sample holds every wait so far: no runnable thread can be in the
        middle of a wait the kernel has not counted yet (each ran within a short last interval)."""
        for folder, ran in self.threads:
            text = read_text(folder + "/stat")
            runnable = bool(text) and text[text.rindex(")") + 2:text.rindex(")") + 3] == "R"
            if runnable and (not ran or self.interval > 2 * CONFIRM_STEP):
                return False
        return True


# --------------------------------------------------------------------------------------------
# Steps


def step_environment(step):
    environment = {str(k): str(v) for k, v in (step.get("env") or {}).items()}
    environment.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return environment


def check_step(step):
    mode = step.get("mode", "exec")
    if mode not in ("exec", "python-fork"):
        raise JobError("unknown step mode %r" % (mode,))
    argv = step.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and a and "\0" not in a for a in argv):
        raise JobError("bad argv")
    completion = step.get("completion")
    if completion is not None:
        if not isinstance(completion, dict) or completion.get("kind") not in ("python", "node", "bash") or not isinstance(completion.get("marker"), str):
            raise JobError("bad completion")
        if not completion["marker"].isalnum() or not 16 <= len(completion["marker"]) <= 128:
            raise JobError("bad completion marker")


class StepOutput:
    """The step's stdout and stderr, capped together at `limit` bytes (a completion marker's
    line may come on top, as it is not the program's output)."""

    def __init__(self, stdout_fd, stderr_fd, limit, allowance):
        self.fds = {stdout_fd: bytearray(), stderr_fd: bytearray()}
        self.open = [stdout_fd, stderr_fd]
        self.truncated = {stdout_fd: False, stderr_fd: False}
        self.stdout_fd = stdout_fd
        self.stderr_fd = stderr_fd
        self.limit = limit
        self.allowance = allowance
        self.captured = 0
        self.limited = False

    def read(self, fd):
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.open.remove(fd)
            return
        room = self.limit + (self.allowance if fd == self.stdout_fd else 0) - self.captured
        if len(chunk) > room:
            self.fds[fd] += chunk[:max(room, 0)]
            self.captured += max(room, 0)
            self.truncated[fd] = True
            self.limited = True
        else:
            self.fds[fd] += chunk
            self.captured += len(chunk)

    def drain(self):
        """Whatever remains in the pipes once every writer is gone."""
        for fd in list(self.open):
            os.set_blocking(fd, False)
            for _ in range(64):
                if fd not in self.open or self.limited:
                    break
                self.read(fd)


def take_marker(stdout, marker, finished_cleanly):
    """(stdout without the marker line, whether the test code ran to its end): the marker must
    be the last line and the process must have exited 0 right after printing it."""
    if marker is None:
        return stdout, None
    line = marker + b"\n"
    if stdout.endswith(line):
        return stdout[:-len(line)], finished_cleanly
    return stdout, False


class StepRun:
    """One step from launch to facts: feeds stdin, drains and caps output, enforces the time
    limits (see JobClock), and reports how the process ended."""

    def __init__(self, step, zygote, stdin_bytes, marker, started, clock, on_starved):
        self.step = step
        self.zygote = zygote
        self.pid = zygote.pid
        self.marker = marker
        self.wall_limit = int(step["timeoutMs"]) / 1000.0
        self.cpu_limit = int(step["cpuTimeMs"]) / 1000.0
        self.backstop = backstop_seconds(step)
        # How fast the step's CPU time can grow: one second per second per core it may use.
        self.cores = max(1, len(os.sched_getaffinity(0)))
        self.output = StepOutput(zygote.stdout_read, zygote.stderr_read, int(step["maxOutputBytes"]), len(marker) + 1 if marker else 0)
        self.pending_stdin = memoryview(stdin_bytes)
        self.stdin_open = True
        self.exit_status = None
        self.usage = None
        self.timed_out = False
        # Which limit stopped the step: "cpu" or "wall" (None when none did).
        self.time_limit = None
        # Stopped at the backstop, starved of CPU before reaching either limit.
        self.starved = False
        self.started = started
        self.ended_at = None
        self.process_fd = None
        self.clock = clock
        self.on_starved = on_starved

    def run(self):
        for fd in (self.zygote.stdin_write, self.zygote.stdout_read, self.zygote.stderr_read):
            os.set_blocking(fd, False)
        if not self.pending_stdin:
            self.close_stdin()
        try:
            self.process_fd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self.process_fd = None
        try:
            self.pump()
        finally:
            if self.process_fd is not None:
                os.close(self.process_fd)

    def close_stdin(self):
        if self.stdin_open:
            os.close(self.zygote.stdin_write)
            self.stdin_open = False

    def ended(self, status, usage):
        self.exit_status, self.usage = status, usage
        self.ended_at = time.monotonic()

    def stop_now(self):
        """Kill the job's process group at once and reap its process."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        _, status, usage = os.wait4(self.pid, 0)
        self.ended(status, usage)

    def poll_exit(self):
        finished = os.wait4(self.pid, os.WNOHANG)
        if finished[0] != 0:
            self.ended(finished[1], finished[2])

    def first_check(self):
        """When the step could first reach a limit: the wall limit, or sooner the CPU limit when
        its threads may use several cores."""
        return self.started + min(self.wall_limit, self.cpu_limit / self.cores)

    def check_limits(self, now):
        """Sample the clock and stop the step if it reached a limit or the backstop; otherwise
        return when to check again."""
        clock = self.clock
        clock.sample(now)
        elapsed = now - self.started
        backstop = self.backstop
        if clock.cpu >= self.cpu_limit:
            self.time_limit = "cpu"
        elif clock.effective(now) >= self.wall_limit:
            # (Without schedstat figures nothing is credited: the plain wall clock.)
            if clock.known and elapsed < backstop and not clock.settled():
                return now + CONFIRM_STEP
            self.time_limit = "wall"
        elif elapsed >= backstop:
            self.starved = True
        else:
            if elapsed >= self.wall_limit and self.on_starved is not None:
                # Past the plain wall limit, starved: tell the host its deadline moves too.
                self.on_starved(backstop - self.wall_limit)
                self.on_starved = None
            wait = min(self.wall_limit - clock.effective(now), (self.cpu_limit - clock.cpu) / self.cores, backstop - elapsed)
            return now + min(max(METER_MIN_STEP, wait), METER_INTERVAL)
        self.timed_out = self.time_limit is not None
        self.stop_now()
        return None

    def pump(self):
        check_at = self.first_check()
        sample_at = self.started + METER_INTERVAL
        drain_deadline = None
        output = self.output
        while True:
            if self.exit_status is None and not output.limited and self.process_fd is None:
                self.poll_exit()
            if self.exit_status is not None or output.limited:
                if self.exit_status is None:
                    self.stop_now()  # over the output cap: stop the whole job at once
                if drain_deadline is None:
                    drain_deadline = time.monotonic() + 0.05
                if not output.open:
                    return
            now = time.monotonic()
            if self.exit_status is None and now >= check_at:
                check_at = self.check_limits(now)
                if check_at is None:
                    drain_deadline = self.ended_at + 0.05
                    continue
                sample_at = check_at
            elif self.exit_status is None and now >= sample_at:
                # Between checks too: a process that ends takes its figures with it.
                self.clock.sample(now)
                sample_at = now + METER_INTERVAL
            if drain_deadline is not None and now >= drain_deadline:
                return  # the program ended but something still holds its output open
            readers = list(output.open)
            if self.process_fd is not None and self.exit_status is None:
                readers.append(self.process_fd)
            writers = [self.zygote.stdin_write] if self.stdin_open and self.exit_status is None else []
            limit = (drain_deadline if drain_deadline is not None else min(check_at, sample_at)) - now
            if self.process_fd is None and self.exit_status is None:
                limit = min(limit, 0.005)
            try:
                readable, writable, _ = select.select(readers, writers, [], max(0.0, limit))
            except InterruptedError:
                continue
            for fd in readable:
                if fd == self.process_fd:
                    self.poll_exit()
                else:
                    output.read(fd)
            if writable:
                self.feed_stdin()

    def feed_stdin(self):
        try:
            written = os.write(self.zygote.stdin_write, self.pending_stdin[:READ_CHUNK])
            self.pending_stdin = self.pending_stdin[written:]
        except BlockingIOError:
            pass
        except OSError:
            self.pending_stdin = self.pending_stdin[:0]  # the program closed its stdin
        if not self.pending_stdin:
            self.close_stdin()

    def close(self):
        for fd in (self.zygote.stdout_read, self.zygote.stderr_read):
            os.close(fd)
        self.close_stdin()

    def facts(self, oom_before, left_behind, pids_after_exit):
        status, usage = self.exit_status, self.usage
        output = self.output
        stdout = bytes(output.fds[output.stdout_fd])
        exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        clean = exit_code == 0 and not self.timed_out and not self.starved
        stdout, test_completed = take_marker(stdout, self.marker, clean)
        if len(stdout) + len(output.fds[output.stderr_fd]) > output.limit:
            # Output past the cap that was not the marker after all.
            stdout = stdout[:max(0, output.limit - len(output.fds[output.stderr_fd]))]
            output.truncated[output.stdout_fd] = True
            output.limited = True
        oom_after = oom_kill_count()
        fact = {
            "name": self.step.get("name", "run"),
            "exitCode": exit_code,
            "signal": SIGNAL_NAMES.get(os.WTERMSIG(status), str(os.WTERMSIG(status))) if os.WIFSIGNALED(status) else None,
            "timedOut": self.timed_out,
            "timeLimit": self.time_limit,
            "starved": self.starved,
            "runQueueMs": round(self.clock.credit * 1000.0, 3) if self.clock.known else None,
            "outputLimited": output.limited,
            "stdoutTruncated": output.truncated[output.stdout_fd],
            "stderrTruncated": output.truncated[output.stderr_fd],
            "wallMs": round((self.ended_at - self.started) * 1000.0, 3),
            # The process's own figure (its waited-for children included), or the clock's when
            # more of the job's processes were seen.
            "cpuMs": round(max((usage.ru_utime + usage.ru_stime) if usage else 0.0, self.clock.cpu) * 1000.0, 3) if usage or self.clock.known else None,
            "maxRssBytes": usage.ru_maxrss * 1024 if usage else None,
            "oomKilled": None if oom_before is None or oom_after is None else oom_after > oom_before,
            "leftBehind": left_behind,
            "pidsAfterExit": pids_after_exit,
            "testCompleted": test_completed if not output.limited else (False if self.marker else None),
        }
        return fact, stdout, bytes(output.fds[output.stderr_fd])


def step_succeeded(fact):
    return fact["exitCode"] == 0 and not fact["timedOut"] and not fact["starved"] and not fact["outputLimited"] and not fact["oomKilled"]


# --------------------------------------------------------------------------------------------
# Jobs


class Runner:
    def __init__(self, channel, fork_server):
        self.channel = channel
        self.fork_server = fork_server
        self.jobs = 0
        self.baseline = process_state(0)
        self.rlimits = {name: list(self.baseline[name]) for name, _ in RLIMITS}
        self.zygote = None
        self.dumpable = True
        self.job_id = None

    def on_reaped(self, pid, _status):
        if pid == self.fork_server.pid:
            self.fork_server.pid = None  # reaped: never signal that pid again

    def prepare_zygote(self):
        try:
            self.zygote = self.fork_server.zygote()
        except (ForkServerError, OSError):
            self.zygote = None  # the next job asks at its start instead

    def request_next_zygote(self):
        """Ask the fork server for the next job's process before the result goes out, so that it
        forks while the host reads the result; None when the request failed."""
        try:
            return self.fork_server.request_zygote()
        except (ForkServerError, OSError):
            return None

    def collect_next_zygote(self, requested):
        try:
            self.zygote = self.fork_server.collect_zygote(requested)
        except (ForkServerError, OSError):
            self.zygote = None  # the next job asks at its start instead (restarting the fork server)

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
                "forkServer": self.fork_server.pid,
                "rlimits": self.rlimits,
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
            elif kind == "write-files":
                self.write_files(header, blobs)
            elif kind == "read-files":
                self.read_files(header)
            elif kind == "job":
                try:
                    self.job(header, blobs)
                except BaseException:
                    # A job may lower the runner's own rlimits (prlimit works on any process of the
                    # same user); if the runner then breaks, the job did it: exit without a traceback
                    # so the host blames the job, not the engine.
                    if changed_state(self.baseline, 0):
                        os._exit(86)
                    raise
            else:
                self.channel.write_frame({"type": "error", "id": header.get("id"), "message": "unknown message type %r" % (kind,)})

    def job(self, header, blobs):
        self.jobs += 1
        self.job_id = header.get("id")
        zygote, self.zygote = self.zygote, None
        step_facts, out_blobs, files, error = [], [], [], None
        recycle, extra, complete = set(), {}, False
        keep = header.get("keepWorkdir") is True
        try:
            steps = self.check_job(header, blobs)
            if keep:
                ensure_session_folder()
                problems = write_work_files(blobs[0], JOB_DIR)
                if problems:
                    raise JobError("could not write %s: %s" % (problems[0]["path"], problems[0]["error"]))
            else:
                os.mkdir(JOB_DIR, 0o700)
                extract_files(blobs[0], JOB_DIR)
            if header.get("batch") is True:
                complete = self.run_batch(header, steps, blobs, zygote, step_facts, out_blobs, recycle, extra)
                zygote = None
            else:
                for index, step in enumerate(steps):
                    handed, zygote = zygote, None
                    fact, stdout, stderr = self.run_step(step, blobs[1] if step.get("stdin", index == len(steps) - 1) else b"", handed)
                    step_facts.append(fact)
                    out_blobs.extend((stdout, stderr))
                    if not step_succeeded(fact):
                        break
                complete = len(step_facts) == len(steps)
                files = self.collect(header, out_blobs)
        except JobError as problem:
            error = str(problem)
        except Exception as problem:  # an engine fault: report it, the host recycles the container
            error = "%s: %s" % (type(problem).__name__, problem)
        if zygote is not None:
            zygote.discard()
        recycle |= self.clean_up(step_facts, keep)
        if error is not None:
            recycle.add("job-error")
            self.channel.write_frame({"type": "error", "id": header.get("id"), "message": error, "recycle": sorted(recycle)})
            return
        if "snapshot" in extra:
            extra["snapshot"], snapshot = len(out_blobs), extra["snapshot"]
            out_blobs.append(snapshot)
        # The next job's process, from the clean state just checked: asked for now, collected
        # once the result is out. After a failing job only when the host said it keeps the
        # container then (its recycle policy).
        succeeded = complete and all(step_succeeded(fact) for fact in step_facts)
        requested = None
        # A session keeps its container whatever its jobs did: the next one's process is ready too.
        if keep or (not recycle and (succeeded or header.get("keepAfterFailure") is True)):
            if self.jobs % 64 == 0:
                gc.collect()
            requested = self.request_next_zygote()
        self.channel.write_frame(
            dict({"type": "result", "id": header.get("id"), "steps": step_facts, "files": files, "recycle": sorted(recycle)}, **extra),
            out_blobs,
        )
        if requested is not None:
            self.collect_next_zygote(requested)

    def run_batch(self, header, steps, blobs, zygote, step_facts, out_blobs, recycle, extra):
        """A batch: the steps before the last (compile) once, then the last step once per stdin
        blob, each run from a fresh copy of the work directory as it stood after those steps,
        with everything between two runs killed, emptied and checked as between two jobs. Stops
        early when a run leaves its container unfit for the next (what the runner would recycle
        it for, a limit, or a failure the host does not keep containers after); the host sends
        the rest again, with `extra["snapshot"]` (the compiled work directory) when there was a
        compile step. Returns whether every stdin was run."""
        *before, run = steps
        stdins = blobs[1:]
        for step in before:
            handed, zygote = zygote, None
            fact, stdout, stderr = self.run_step(step, b"", handed)
            step_facts.append(fact)
            out_blobs.extend((stdout, stderr))
            if not step_succeeded(fact):
                return True  # a compile error is every run's result
        snapshot = blobs[0]
        if before:
            snapshot = pack_directory(JOB_DIR, MAX_SNAPSHOT_BYTES)
            if snapshot is None:
                extra["stopped"] = "snapshot-too-large"
                return False
        keep_failed = header.get("keepAfterFailure") is True
        for index, stdin in enumerate(stdins):
            if index > 0:
                reasons = self.clean_up(step_facts[-1:])
                if reasons:
                    recycle |= reasons
                    break
                os.mkdir(JOB_DIR, 0o700)
                extract_files(snapshot, JOB_DIR)
            handed, zygote = zygote, None
            fact, stdout, stderr = self.run_step(run, stdin, handed)
            step_facts.append(fact)
            out_blobs.extend((stdout, stderr))
            over_memory = fact["maxRssBytes"] is not None and fact["maxRssBytes"] > int(run["memoryBytes"])
            if not step_succeeded(fact) and (fact["timedOut"] or fact["starved"] or fact["outputLimited"] or fact["oomKilled"] or not keep_failed):
                break
            if over_memory:
                break
        runs = len(step_facts) - len(before)
        if runs == len(stdins):
            return True
        if before:
            extra["snapshot"] = snapshot
        return False

    def write_files(self, header, blobs):
        """A session's files written between its jobs (no job process is alive then)."""
        try:
            if len(blobs) != 1:
                raise JobError("write-files carries exactly one blob (a tar)")
            ensure_session_folder()
            errors = write_work_files(blobs[0], JOB_DIR)
        except JobError as problem:
            self.channel.write_frame({"type": "error", "id": None, "message": str(problem)})
            return
        self.channel.write_frame({"type": "files-written", "errors": errors})

    def read_files(self, header):
        """A session's files read between its jobs, as a job's `collect` reads them."""
        out_blobs = []
        files = self.collect({"collect": header.get("paths"), "collectMaxBytes": header.get("maxBytes", 1 << 20)}, out_blobs)
        self.channel.write_frame({"type": "files", "files": files}, out_blobs)

    def check_job(self, header, blobs):
        batch = header.get("batch") is True
        if len(blobs) != 2 and not (batch and len(blobs) >= 2):
            raise JobError("a job carries exactly two blobs (files tar, stdin); a batch one stdin or more")
        steps = header.get("steps")
        if not isinstance(steps, list) or not steps:
            raise JobError("a job needs at least one step")
        for step in steps:
            if not isinstance(step, dict):
                raise JobError("a step is an object")
            check_step(step)
        if batch and any(step.get("completion") for step in steps):
            raise JobError("a batch runs no test code")
        if header.get("keepWorkdir") is True:
            if batch:
                raise JobError("a batch keeps no work directory")
            return steps
        if os.path.lexists(JOB_DIR):
            raise JobError("the work directory was not cleaned")
        return steps

    def collect(self, header, out_blobs):
        files = []
        max_bytes = int(header.get("collectMaxBytes", 1 << 20))
        for name in header.get("collect") or []:
            entry, content = collect_file(JOB_DIR, name, max_bytes)
            if content is not None:
                entry["blob"] = len(out_blobs)
                out_blobs.append(content)
            files.append(entry)
        return files

    def extend_deadline(self, seconds):
        """Tell the host that the job in progress may take `seconds` longer than its limits (a
        starved step runs on toward its backstop)."""
        self.channel.write_frame({"type": "extend", "id": self.job_id, "ms": int(seconds * 1000)})

    def spared(self):
        return {self.fork_server.pid} if self.fork_server.pid is not None else set()

    def run_step(self, step, stdin_bytes, zygote):
        """Run one step (compile or run) to its end; returns its facts and output."""
        completion = step.get("completion")
        marker = completion["marker"].encode("ascii") if completion else None
        message = {
            "step": {k: v for k, v in step.items() if k != "completion"},
            "environment": step_environment(step),
            "workdir": JOB_DIR,
            "workRoot": WORK_ROOT,
            "limits": job_limits(step, self.rlimits),
            # The marker itself never enters the job's memory with its parameters.
            "completion": {"kind": completion["kind"], "testOffset": completion.get("testOffset")} if completion else None,
        }
        oom_before = oom_kill_count()
        for attempt in (1, 2):
            if zygote is None:
                zygote = self.fork_server.zygote()
            started = time.monotonic()
            clock = JobClock(zygote.pid, self.spared(), started)
            if zygote.launch(message, marker):
                break
            zygote.discard()
            zygote = None
            if attempt == 2:
                raise JobError("the job's process vanished before it started")
        run = StepRun(step, zygote, stdin_bytes, marker, started, clock, self.extend_deadline)
        try:
            run.run()
        except BaseException:
            if run.exit_status is None:
                run.stop_now()
            run.close()
            raise
        if run.ended_at is None:
            run.ended_at = time.monotonic()
        # Every process but the runner and the fork server is the job's: any alive now was left behind.
        reap_children(self.on_reaped)
        left_behind = bool(other_processes(self.spared()))
        pids_after_exit = pids_current()
        if left_behind or run.output.open:
            kill_everything_else(0, self.spared(), self.on_reaped)
        run.output.drain()
        result = run.facts(oom_before, left_behind, pids_after_exit)
        run.close()
        return result

    def clean_up(self, step_facts, keep_files=False):
        """Nothing of this job may reach the next one: kill, empty, check. Returns the reasons to
        replace the container (empty when it is as clean as new). A session's job (`keep_files`)
        keeps its files (work directory, /tmp, /dev/shm): its processes are killed all the same."""
        recycle = set()
        for flag, reason in (("leftBehind", "processes-left-behind"), ("timedOut", "timeout"), ("starved", "timeout"), ("outputLimited", "output-limit"), ("oomKilled", "memory-limit")):
            if any(fact[flag] for fact in step_facts):
                recycle.add(reason)
        if not kill_everything_else(0, self.spared(), self.on_reaped):
            recycle.add("processes-survived")
        if filesystem_full(WORK_ROOT) or any(filesystem_full(d) for d in SCRATCH_DIRS):
            recycle.add("disk-full")
        if not keep_files:
            cleaned = empty_directory(WORK_ROOT) if IN_CONTAINER else self.remove_job_files()
            for folder in SCRATCH_DIRS:
                cleaned = empty_directory(folder) and cleaned
            if not cleaned:
                recycle.add("cleanup-failed")
        if IN_CONTAINER and not keep_files:
            if os.path.isdir("/dev/mqueue") and os.listdir("/dev/mqueue"):
                recycle.add("ipc-left-behind")
            for table in ("shm", "msg", "sem"):
                text = read_text("/proc/sysvipc/" + table)
                if text and len(text.strip().splitlines()) > 1:
                    recycle.add("ipc-left-behind")
        if changed_state(self.baseline, 0):
            recycle.add("runner-tampered")
        recycle.update(self.check_fork_server())
        if IN_CONTAINER:
            remaining = pids_current()
            if remaining is not None and remaining > 2:
                recycle.add("processes-survived")
        return recycle

    def check_fork_server(self):
        """A fork server a job killed or stopped is replaced (a fresh exec, nothing inherited from
        the job); one whose limits or priorities it changed also gets the container replaced."""
        problem = "gone" if self.fork_server.pid is None else self.fork_server.problem()
        if problem is None:
            return ()
        try:
            self.fork_server.restart()
        except (ForkServerError, OSError):
            return ("fork-server-" + problem, "fork-server-failed")
        return ("fork-server-tampered",) if problem == "tampered" else ()

    def remove_job_files(self):
        """On the host: remove the job folder and any completion preload left beside it."""
        clean = True
        for name in os.listdir(WORK_ROOT):
            if name.startswith(".sandbench-completion-"):
                try:
                    os.unlink(os.path.join(WORK_ROOT, name))
                except OSError:
                    clean = False
        if not os.path.lexists(JOB_DIR):
            return clean
        make_removable(JOB_DIR)
        try:
            shutil.rmtree(JOB_DIR)
        except (OSError, RecursionError):
            return False
        return clean


def main():
    dumpable_off = prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    # As PID 1 a signal without a handler is never delivered from inside the container; keep it
    # that way (Python's own SIGINT handler would otherwise let a job interrupt the runner).
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if not IN_CONTAINER:
        os.makedirs(WORK_ROOT, exist_ok=True)
    fork_server = ForkServer(_MODULE_CODE)
    fork_server.start_forked()
    channel = Channel(0, 1)
    runner = Runner(channel, fork_server)
    runner.dumpable = not dumpable_off
    runner.hello()
    try:
        return runner.serve()
    except (BrokenPipeError, EOFError):
        return 0
    except ProtocolError as problem:
        sys.stderr.write("sandbench runner: protocol error: %s\n" % (problem,))
        return 3
    finally:
        fork_server.stop()


if __name__ == "__main__":
    sys.exit(fork_server_main() if FORK_SERVER_MODE else main())
