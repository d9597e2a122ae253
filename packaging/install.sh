#!/bin/sh
# `make install` / `make uninstall`: vrrpd in a private virtual environment (PEP 668-safe:
# the system's Python packages are never touched), `vrrpd` on the admin's PATH, the systemd
# unit, /etc/vrrpd/vrrpd.toml (never overwritten), man pages, bash completion, JSON Schema.
#
#   install.sh install|uninstall       (run from the source tree; `config`: that step alone)
#
# Environment (the Makefile passes its variables): DESTDIR (staging root, default empty),
# PREFIX (/usr/local; the deb uses /usr), VENVDIR (/opt/vrrpd), PYTHON (/usr/bin/python3,
# >= 3.11, with the venv module), PIP_ARGS (extra pip install arguments, e.g. --find-links).
# Nothing here starts, stops, enables or reloads a service.
set -eu

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
VENVDIR=${VENVDIR:-/opt/vrrpd}
PYTHON=${PYTHON:-/usr/bin/python3}
PIP_ARGS=${PIP_ARGS:-}
SBINDIR=$PREFIX/sbin
MANDIR=$PREFIX/share/man
DATADIR=$PREFIX/share/vrrpd
BASHCOMPDIR=$PREFIX/share/bash-completion/completions
UNITDIR=$PREFIX/lib/systemd/system
CONFDIR=/etc/vrrpd
MARKER=vrrpd-install.txt  # in VENVDIR: proves the directory is ours before uninstall deletes it

TREE=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TREE/build/install
V=$DESTDIR$VENVDIR

fail() { echo "error: $*" >&2; exit 1; }

do_install() {
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || fail "$PYTHON is older than 3.11 (or missing); set PYTHON=/path/to/python3.11+"
    # The versioned interpreter (/usr/bin/python3.11): the venv must not follow
    # /usr/bin/python3 to a newer Python whose ABI its compiled packages do not match.
    python=$(readlink -f "$(command -v "$PYTHON")")
    if [ -e "$V" ] && [ ! -f "$V/$MARKER" ]; then
        fail "$V exists and was not made by 'make install'; remove it or set VENVDIR"
    fi
    rm -rf "$V" "$BUILD"
    mkdir -p "$BUILD/wheel" "$BUILD/docs"

    # Private venv from the system interpreter; the wheel is built from this tree.
    "$python" -m venv "$V" || fail "'$PYTHON -m venv' failed (Debian: apt-get install python3-venv)"
    "$V/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps \
        -w "$BUILD/wheel" "$TREE"
    # shellcheck disable=SC2086 # PIP_ARGS is a list of words
    "$V/bin/python" -m pip install --quiet --disable-pip-version-check $PIP_ARGS \
        "$BUILD"/wheel/vrrpd-*.whl
    "$V/bin/python" -m vrrpd.docs "$BUILD/docs"
    # The daemon needs neither pip nor setuptools; a package-managed tree should not offer them.
    "$V/bin/python" -m pip uninstall --quiet --yes pip setuptools 2>/dev/null || true
    rm -f "$V"/lib/python3*/site-packages/vrrpd-*.dist-info/direct_url.json  # the build path
    if [ -n "$DESTDIR" ]; then  # scripts and bytecode must name the final path
        grep -rlF "$V" "$V/bin" "$V/pyvenv.cfg" | while read -r file; do
            sed -i "s|$V|$VENVDIR|g" "$file"
        done
        "$V/bin/python" -m compileall -q -f -j 0 -s "$DESTDIR" -p / "$V/lib" >/dev/null
    fi
    printf 'made by vrrpd packaging/install.sh; PREFIX=%s\n' "$PREFIX" >"$V/$MARKER"

    install -d "$DESTDIR$SBINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$MANDIR/man8" \
        "$DESTDIR$MANDIR/man5" "$DESTDIR$BASHCOMPDIR" "$DESTDIR$DATADIR" "$DESTDIR$CONFDIR"
    ln -sfn "$VENVDIR/bin/vrrpd" "$DESTDIR$SBINDIR/vrrpd"
    sed "s|/usr/sbin/vrrpd|$SBINDIR/vrrpd|g" "$TREE/systemd/vrrpd.service" \
        >"$DESTDIR$UNITDIR/vrrpd.service"
    chmod 0644 "$DESTDIR$UNITDIR/vrrpd.service"
    gzip -9n <"$BUILD/docs/vrrpd.8" >"$DESTDIR$MANDIR/man8/vrrpd.8.gz"
    gzip -9n <"$BUILD/docs/vrrpd.toml.5" >"$DESTDIR$MANDIR/man5/vrrpd.toml.5.gz"
    install -m 0644 "$BUILD/docs/vrrpd.bash-completion" "$DESTDIR$BASHCOMPDIR/vrrpd"
    install -m 0644 "$BUILD/docs/vrrpd.schema.json" "$DESTDIR$DATADIR/vrrpd.schema.json"
    sed "s|/usr/share/vrrpd/|$DATADIR/|" "$TREE/packaging/vrrpd.toml" \
        >"$DESTDIR$DATADIR/vrrpd.toml.example"
    chmod 0644 "$DESTDIR$DATADIR/vrrpd.toml.example"
    do_config
    echo "installed vrrpd in $V; edit $CONFDIR/vrrpd.toml, then:"
    echo "  systemctl daemon-reload && systemctl enable --now vrrpd"
}

# /etc/vrrpd/vrrpd.toml from the example, unless there is one (an admin's is never replaced).
do_config() {
    install -d "$DESTDIR$CONFDIR"
    if [ -e "$DESTDIR$CONFDIR/vrrpd.toml" ]; then
        echo "kept $DESTDIR$CONFDIR/vrrpd.toml (the example is $DESTDIR$DATADIR/vrrpd.toml.example)"
    else
        install -m 0640 "$DESTDIR$DATADIR/vrrpd.toml.example" "$DESTDIR$CONFDIR/vrrpd.toml"
    fi
}

do_uninstall() {
    if [ -L "$DESTDIR$SBINDIR/vrrpd" ] \
        && [ "$(readlink "$DESTDIR$SBINDIR/vrrpd")" = "$VENVDIR/bin/vrrpd" ]; then
        rm -f "$DESTDIR$SBINDIR/vrrpd"
    fi
    if [ -f "$V/$MARKER" ]; then
        rm -rf "$V"
    elif [ -e "$V" ]; then
        echo "left $V in place: it was not made by 'make install'" >&2
    fi
    rm -f "$DESTDIR$UNITDIR/vrrpd.service" "$DESTDIR$MANDIR/man8/vrrpd.8.gz" \
        "$DESTDIR$MANDIR/man5/vrrpd.toml.5.gz" "$DESTDIR$BASHCOMPDIR/vrrpd"
    config=$DESTDIR$CONFDIR/vrrpd.toml
    example=$DESTDIR$DATADIR/vrrpd.toml.example
    if [ -f "$config" ] && [ -f "$example" ] && cmp -s "$config" "$example"; then
        rm -f "$config"
    elif [ -e "$config" ]; then
        echo "kept $config (edited)"
    fi
    rm -f "$example" "$DESTDIR$DATADIR/vrrpd.schema.json"
    rmdir "$DESTDIR$DATADIR" "$DESTDIR$CONFDIR" 2>/dev/null || true
}

case "${1:-}" in
    install) do_install ;;
    uninstall) do_uninstall ;;
    config) do_config ;;  # the config step alone (tests)
    *) fail "usage: $0 install|uninstall" ;;
esac
