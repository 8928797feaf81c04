#!/bin/bash
# The CPython process/signal/thread/os test modules in every-syscall mode
# (--no-prefilter): results must equal the native run's.
exec bash "$(dirname "$0")/test_pysuite.sh" --no-prefilter
