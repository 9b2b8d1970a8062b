getent group renec-harvester >/dev/null || groupadd -r renec-harvester
getent passwd renec-harvester >/dev/null || useradd -r -g renec-harvester -d /var/lib/renec-harvester -s /sbin/nologin -c "RENEC Harvester" renec-harvester
install -d -o renec-harvester -g renec-harvester -m 0750 /var/lib/renec-harvester
# The environment file may hold secrets (AWS_SECRET_ACCESS_KEY): root and the service only.
chgrp renec-harvester /etc/sysconfig/renec-harvester && chmod 0640 /etc/sysconfig/renec-harvester
# Enabled, not started.
if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload >/dev/null 2>&1 || true; systemctl enable renec-harvester.service >/dev/null 2>&1 || true; fi
