#!/bin/sh
# `make deb`: dist/vrrpd_VERSION_ARCH.deb from this tree, with plain dpkg-deb.
#
# The package is the tree `make install PREFIX=/usr` lays out (same script): a
# self-contained venv in /opt/vrrpd with the Python dependencies inside (Debian 12 ships
# neither msgspec nor aiomqtt), so it is tied to the interpreter it was built with
# (Depends: python3.X) and, for msgspec's C extension, to the build architecture.
set -eu

TREE=$(cd "$(dirname "$0")/.." && pwd)
VENVDIR=${VENVDIR:-/opt/vrrpd}
STAGE=$TREE/build/deb/root
OUT=$TREE/dist

command -v dpkg-deb >/dev/null || { echo "error: dpkg-deb not found (Debian/Ubuntu only)" >&2; exit 1; }
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$OUT"
DESTDIR=$STAGE PREFIX=/usr VENVDIR=$VENVDIR "$TREE/packaging/install.sh" install >/dev/null

py=$STAGE$VENVDIR/bin/python
version=$("$py" -c 'import vrrpd; print(vrrpd.__version__)')
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
arch=$(dpkg --print-architecture)
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)

cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: vrrpd
Version: $version
Architecture: $arch
Maintainer: vrrpd contributors <vrrpd@localhost>
Installed-Size: $size
Depends: python$pyver, libc6 (>= 2.17), iproute2
Section: net
Priority: optional
Homepage: https://www.rfc-editor.org/rfc/rfc5798
Description: keepalived-class VRRP failover daemon in Python
 vrrpd moves virtual IP addresses between Linux hosts with VRRPv3 (RFC 5798,
 IPv4 and IPv6) and VRRPv2 (RFC 3768), multicast or unicast, interoperable with
 keepalived; status over a control socket, MQTT and Prometheus, systemd
 Type=notify with watchdog.
 .
 Self-contained: its Python dependencies live in a private virtual environment
 in $VENVDIR. The service is neither enabled nor started on install: edit
 /etc/vrrpd/vrrpd.toml, then run systemctl enable --now vrrpd.
CONTROL
echo /etc/vrrpd/vrrpd.toml >"$STAGE/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "$TREE/packaging/debian/$script" "$STAGE/DEBIAN/$script"
done
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort \
    | xargs -d '\n' md5sum >DEBIAN/md5sums)

deb=$OUT/vrrpd_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$deb" >/dev/null
echo "$deb"
