#!/usr/bin/env bash
# Create the virtualenv; on Debian, install python3-venv first when ensurepip is missing.
set -euo pipefail
python=$1 venv=$2
if [ -z "$python" ]; then echo "Python 3.11 is needed (python3.11 or python3 on PATH)." >&2; exit 1; fi
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then echo "Python 3.11 is needed; $python is $version." >&2; exit 1; fi
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  source "$(dirname "$0")/apt.sh"
  apt_install python3-venv
  "$python" -m venv "$venv"
fi
