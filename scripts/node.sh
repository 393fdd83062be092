#!/usr/bin/env bash
# Node.js and npm build the front-end assets (USWDS, htmx) from package-lock.json.
set -euo pipefail
source "$(dirname "$0")/apt.sh"
command -v npm >/dev/null || apt_install nodejs npm
