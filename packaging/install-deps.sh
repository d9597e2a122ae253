#!/bin/sh
# Install the Debian packages the lab needs (`make deps`), only those that are missing,
# without ever starting, stopping or restarting a service.
#
# While apt-get runs, a policy-rc.d that answers 101 ("action forbidden") keeps the new
# packages' services from being started; an admin's own policy-rc.d is moved aside for that
# time and put back afterwards, even when the install fails or is interrupted. Services of
# packages installed here are also disabled, so a reboot does not start them either (the lab
# runs its own copies in namespaces). Services that were there before are never touched.
#
# Overridable for tests: APT_GET (the apt-get command), POLICY_RC_D (its path),
# DEPS_ROOT (prefix of the paths probed to decide what is missing), SYSTEMCTL.
set -eu

APT_GET=${APT_GET:-apt-get}
POLICY_RC_D=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
DEPS_ROOT=${DEPS_ROOT:-}
SYSTEMCTL=${SYSTEMCTL:-systemctl}

# package: files that show it is installed (any one of them)
PROBES='
keepalived /usr/sbin/keepalived /sbin/keepalived
mosquitto /usr/sbin/mosquitto
iproute2 /usr/bin/ip /bin/ip /sbin/ip /usr/sbin/ip
tcpdump /usr/bin/tcpdump /usr/sbin/tcpdump
nftables /usr/sbin/nft /sbin/nft
ethtool /usr/sbin/ethtool /sbin/ethtool
frr /usr/lib/frr/bgpd
'
# package: the services it brings (disabled when we installed the package)
units_of() {
    case "$1" in
        keepalived) echo keepalived.service ;;
        mosquitto) echo mosquitto.service ;;
        frr) echo frr.service ;;
    esac
}

missing_packages() {
    echo "$PROBES" | while read -r package paths; do
        [ -n "$package" ] || continue
        found=""
        for path in $paths; do
            if [ -x "$DEPS_ROOT$path" ]; then found=1; break; fi
        done
        [ -n "$found" ] || printf '%s ' "$package"
    done
}

missing=$(missing_packages)
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "error: need root to install the missing Debian packages: $missing" >&2
    exit 1
fi

saved=""
restore_policy() {
    rm -f "$POLICY_RC_D"
    if [ -n "$saved" ]; then mv -f "$saved" "$POLICY_RC_D"; fi
}
if [ -e "$POLICY_RC_D" ] || [ -L "$POLICY_RC_D" ]; then
    saved="$POLICY_RC_D.vrrpd-saved.$$"
    mv "$POLICY_RC_D" "$saved"
fi
trap restore_policy EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
printf '#!/bin/sh\n# vrrpd install-deps.sh: no service starts during this install\nexit 101\n' \
    >"$POLICY_RC_D"
chmod 0755 "$POLICY_RC_D"

echo "installing Debian packages (their services are not started): $missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # one word per package
"$APT_GET" update -qq
# shellcheck disable=SC2086
"$APT_GET" install -y -qq --no-install-recommends $missing >/dev/null

for package in $missing; do
    for unit in $(units_of "$package"); do
        # Not running (policy-rc.d), but enabled by the package: keep it off after a reboot.
        "$SYSTEMCTL" disable --quiet "$unit" 2>/dev/null || true
    done
done

still=$(missing_packages)
if [ -n "$still" ]; then
    echo "error: still missing after apt-get install: $still" >&2
    exit 1
fi
