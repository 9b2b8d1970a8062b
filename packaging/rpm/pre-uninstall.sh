# $1 is 0 on erase (not upgrade): stop and disable; the data stays.
if [ "$1" = "0" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now renec-harvester.service >/dev/null 2>&1 || true
fi
