#!/bin/sh
# deb postrm: stop and unregister the service; the ferry group and /etc/ferry (IT's profiles) stay on purpose.
set -e

if [ -d /run/systemd/system ]; then
  systemctl disable --now ferryd.service || true
fi
rm -f /lib/systemd/system/ferryd.service /usr/bin/ferryd
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
