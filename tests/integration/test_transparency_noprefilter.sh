#!/bin/bash
# The transparency test in every-syscall mode (--no-prefilter).
exec bash "$(dirname "$0")/test_transparency.sh" --no-prefilter
