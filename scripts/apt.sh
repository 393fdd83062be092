# Sourced by the other scripts: install Debian packages when they are missing.
# Versions are pinned where the archive still carries the version we tested; Debian replaces a
# version when it ships a security fix, so a missing pin falls back (with a warning) to the
# archive's current build of the same package, which is what keeps browsers and servers patched.
_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
_apt_updated=""
apt_install() {
  local missing=() pkg name
  for pkg in "$@"; do
    name=${pkg%%=*}
    dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "Missing system packages: ${missing[*]} (and no apt-get to install them)." >&2; return 1
  fi
  if [ -z "$_apt_updated" ]; then _sudo apt-get update -qq; _apt_updated=1; fi
  echo "Installing system packages: ${missing[*]}"
  if ! _sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "warning: pinned versions unavailable, installing the archive's current ones" >&2
    _sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >/dev/null
  fi
}
