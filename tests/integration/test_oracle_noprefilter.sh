#!/bin/bash
# The oracle test in every-syscall mode (no seccomp prefilter, PTRACE_SYSCALL at
# every entry, as on gVisor): the same workloads must be observed identically.
exec bash "$(dirname "$0")/test_oracle.sh" --no-prefilter
