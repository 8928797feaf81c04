#!/usr/bin/env bash
# Path semantics the kernel gives a call must survive pinning: a trailing
# slash (must be a directory; follows a final link for lookups, not for
# unlink/rmdir/rename/mkdir/link/symlink/mknod names), final and middle "."
# and "..", a non-directory or missing middle component, symlink loops, bad
# dirfds and over-long names fail with the kernel's errno. Each case runs in a
# fresh directory natively, under wrap, and under wrap with a policy; the
# results (value or errno, and the directory afterwards) must be identical.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-pathsem-XXXXXX)
trap 'rm -rf "$d"' EXIT
cat >"$d/p.yaml" <<EOP
version: 1
name: pathsem
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: deny-secret, paths: ["$d/secret/**"], operations: ["*"], decision: deny}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
EOP
cat >"$d/cases.py" <<'EOP'
import os, stat, subprocess, sys
base = sys.argv[1]
n = 0
def t(name, f):
    global n
    n += 1
    d = os.path.join(base, str(n)); os.mkdir(d); os.chdir(d)
    open("reg", "w").close(); os.mkdir("dir"); os.mkdir("dir/sub")
    os.symlink("dir", "ldir"); os.symlink("reg", "lreg"); os.symlink("loop", "loop")
    os.symlink(".", "dir/link")
    try:
        r = f(); res = "ok %r" % (r,)
    except OSError as e:
        res = "errno %d" % e.errno
    sub = sorted(os.listdir("dir")) if os.path.isdir("dir") else "-"
    print("%-34s %-16s %s %s" % (name, res, sorted(os.listdir(".")), sub))
def op(p, fl=os.O_RDONLY):
    os.close(os.open(p, fl))
W = os.O_CREAT | os.O_WRONLY
t("open(new/, O_CREAT)", lambda: op("new/", W))
t("open(reg/)", lambda: op("reg/"))
t("open(lreg/)", lambda: op("lreg/"))
t("open(ldir/, O_NOFOLLOW)", lambda: op("ldir/", os.O_RDONLY | os.O_NOFOLLOW))
t("open(dir/, O_DIRECTORY)", lambda: op("dir/", os.O_RDONLY | os.O_DIRECTORY))
t("unlink(reg/)", lambda: os.unlink("reg/"))
t("unlink(lreg/)", lambda: os.unlink("lreg/"))
t("unlink(ldir/)", lambda: os.unlink("ldir/"))
t("rmdir(ldir/)", lambda: os.rmdir("ldir/"))
t("rmdir(dir/sub/)", lambda: os.rmdir("dir/sub/"))
t("rename(reg/, x)", lambda: os.rename("reg/", "x"))
t("rename(reg, y/)", lambda: os.rename("reg", "y/"))
t("rename(ldir/, z)", lambda: os.rename("ldir/", "z"))
t("rename(dir/, z)", lambda: os.rename("dir/", "z"))
t("mkdir(m/)", lambda: os.mkdir("m/"))
t("symlink(reg, s/)", lambda: os.symlink("reg", "s/"))
t("link(reg, h/)", lambda: os.link("reg", "h/"))
t("mkfifo(f/)", lambda: os.mkfifo("f/"))
t("chmod(reg/)", lambda: os.chmod("reg/", 0o600))
t("truncate(reg/)", lambda: os.truncate("reg/", 0))
t("exec(reg/)", lambda: subprocess.run(["/bin/true/"]).returncode)
t("rmdir(dir/sub/.)", lambda: os.rmdir("dir/sub/."))
t("rmdir(dir/sub/..)", lambda: os.rmdir("dir/sub/.."))
t("mkdir(dir/new/.)", lambda: os.mkdir("dir/new/."))
t("open(reg/..)", lambda: op("reg/.."))
t("open(reg/.)", lambda: op("reg/."))
t("open(nonexist/..)", lambda: op("nonexist/.."))
t("open(dir/sub/../../reg)", lambda: op("dir/sub/../../reg"))
t("rename(dir/sub/., x)", lambda: os.rename("dir/sub/.", "x"))
t("unlink(dir/sub/..)", lambda: os.unlink("dir/sub/.."))
t("open(dir/., O_CREAT)", lambda: op("dir/.", W))
t("open(reg/../reg)", lambda: op("reg/../reg"))
t("open(missing/x, O_CREAT)", lambda: op("missing/x", W))
t("mkdir(missing/x)", lambda: os.mkdir("missing/x"))
t("open(loop)", lambda: op("loop"))
t("open(loop, O_CREAT)", lambda: op("loop", W))
t("open(dir/link x40/reg)", lambda: op("dir/" + "link/" * 40 + "sub"))
t("open(dir/link x41)", lambda: op("dir/" + "/".join(["link"] * 41)))
rp, wp = os.pipe()
t("openat(999, x)", lambda: os.open("x", os.O_RDONLY, dir_fd=999))
t("openat(pipe, x)", lambda: os.open("x", os.O_RDONLY, dir_fd=rp))
t("mkdirat(999, x)", lambda: os.mkdir("x", dir_fd=999))
t("unlinkat(pipe, x)", lambda: os.unlink("x", dir_fd=rp))
t("open('')", lambda: op(""))
t("open(x*300)", lambda: op("x" * 300))
t("open(x*5000)", lambda: op("x" * 5000))
# Calls through an fd: decided on its file, run through the tracer's copy
# of it or by its name (tracer/pin.c), which must not widen them.
def fdcall(f, flags=os.O_RDONLY, unlink=False):
    fd = os.open("reg", flags)
    try:
        if unlink:
            os.unlink("reg")
        return f(fd)
    finally:
        os.close(fd)
t("fchmod(deleted)", lambda: fdcall(lambda fd: os.fchmod(fd, 0o600), unlink=True))
t("fchown(deleted)", lambda: fdcall(lambda fd: os.fchown(fd, -1, -1), unlink=True))
t("futimens(deleted)", lambda: fdcall(lambda fd: os.utime(fd), unlink=True))
t("fchmod(O_PATH)", lambda: fdcall(lambda fd: os.fchmod(fd, 0o600), os.O_PATH))
t("fchown(O_PATH)", lambda: fdcall(lambda fd: os.fchown(fd, -1, -1), os.O_PATH))
t("fsetxattr(O_PATH)", lambda: fdcall(lambda fd: os.setxattr(fd, "user.x", b"1"), os.O_PATH))
t("fchmod(reg)", lambda: fdcall(lambda fd: (os.fchmod(fd, 0o604), oct(os.stat("reg").st_mode))[1]))
t("fchmod(pipe)", lambda: os.fchmod(rp, 0o600))
# creat(2) of a new file and over an existing one (pinned like an open)
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def creat(p):
    fd = libc.creat(p.encode(), 0o644)
    if fd < 0:
        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
    os.close(fd)
t("creat(new)", lambda: creat("new"))
t("creat(reg)", lambda: creat("reg"))
t("creat(lreg)", lambda: creat("lreg"))
t("creat(missing/x)", lambda: creat("missing/x"))
EOP
mkdir "$d/native" "$d/wrap" "$d/pol"
"$py" "$d/cases.py" "$d/native" >"$d/native.out" 2>&1 || fail "natively: $(tail -3 "$d/native.out")"
[ "$(wc -l <"$d/native.out")" -ge 40 ] || fail "natively: $(cat "$d/native.out")"
"$AGENTSH" wrap --events "$d/wrap.jsonl" -- "$py" "$d/cases.py" "$d/wrap" >"$d/wrap.out" 2>&1
diff "$d/native.out" "$d/wrap.out" >&2 || fail "wrap differs from native (above)"
ok "wrap: $(wc -l <"$d/native.out") path cases as natively"
"$AGENTSH" wrap --policy "$d/p.yaml" --events "$d/pol.jsonl" -- "$py" "$d/cases.py" "$d/pol" >"$d/pol.out" 2>&1
diff "$d/native.out" "$d/pol.out" >&2 || fail "wrap --policy differs from native (above)"
ok "wrap --policy: the same"
# landlock: the tree may not follow the tracer's fd links (tracer/anchor.c)
if "$AGENTSH" wrap --mode landlock -- true 2>/dev/null; then
	mkdir "$d/ll"
	"$AGENTSH" wrap --mode landlock --policy "$d/p.yaml" -- "$py" "$d/cases.py" "$d/ll" >"$d/ll.out" 2>&1
	diff "$d/native.out" "$d/ll.out" >&2 || fail "wrap --mode landlock --policy differs from native (above)"
	ok "wrap --mode landlock --policy: the same"
else
	echo "# skip landlock: $("$AGENTSH" wrap --mode landlock -- true 2>&1 | tail -1)"
fi
if grep -q '"rule":"unreadable-argument"' "$d/pol.jsonl"; then
	fail "a path the kernel fails was recorded as an unreadable argument"
fi
ok "no unreadable-argument denies for paths the kernel fails itself"

# openat2: the RESOLVE_* walk is the caller's (EXDEV, ELOOP, in-root links),
# and what openat2 refuses by itself stays refused, in every mode.
mkdir -p "$d/oa2-native"
"$PROGS/prog_tr_openat2" "$d/oa2-native" >"$d/oa2.native"
for mode in prefilter ptrace notify; do
	"$AGENTSH" wrap --mode "$mode" -- true 2>/dev/null || continue
	rm -rf "$d/oa2-$mode" && mkdir -p "$d/oa2-$mode"
	"$AGENTSH" wrap --mode "$mode" --policy "$d/p.yaml" -- "$PROGS/prog_tr_openat2" "$d/oa2-$mode" \
		>"$d/oa2.$mode" 2>&1
	diff "$d/oa2.native" "$d/oa2.$mode" >&2 || fail "openat2 resolve flags under --mode $mode (above)"
done
ok "openat2: $(wc -l <"$d/oa2.native") RESOLVE_* and argument cases as natively"

# An fd's own file by an empty path and AT_EMPTY_PATH (fchmodat2, fchownat,
# utimensat, linkat of an O_TMPFILE), O_PATH and a symlink's fd included:
# made through the tracer's copy of the file or by name, in every mode.
mkdir -p "$d/ep-native"
"$PROGS/prog_tr_empty_path" "$d/ep-native" >"$d/ep.native"
for mode in prefilter ptrace notify landlock; do
	"$AGENTSH" wrap --mode "$mode" -- true 2>/dev/null || continue
	rm -rf "$d/ep-$mode" && mkdir -p "$d/ep-$mode"
	"$AGENTSH" wrap --mode "$mode" --policy "$d/p.yaml" -- "$PROGS/prog_tr_empty_path" "$d/ep-$mode" \
		>"$d/ep.$mode" 2>&1
	diff "$d/ep.native" "$d/ep.$mode" >&2 || fail "AT_EMPTY_PATH calls under --mode $mode (above)"
done
ok "AT_EMPTY_PATH: $(wc -l <"$d/ep.native") cases as natively"
pass
