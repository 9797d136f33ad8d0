#!/bin/sh
# deb postinst: the ferry group (who may use the service's socket), the service's command and unit, and the
# system profile folder IT drops profiles into. Idempotent: upgrades run it again.
set -e

getent group ferry >/dev/null || groupadd --system ferry
# The user who installed the package (sudo apt install ...) may use the service; others are added by an admin.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  usermod -aG ferry "$SUDO_USER" || true
fi

install -m 0755 /opt/Ferry/resources/service/ferryd /usr/bin/ferryd
install -m 0644 /opt/Ferry/resources/service/ferryd.service /lib/systemd/system/ferryd.service
install -d -m 0755 /etc/ferry/profiles.d

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable ferryd.service
  # Restarting on upgrade keeps any running tunnel's network state: ferryd restores it on start.
  systemctl restart ferryd.service || true
fi
