//! The systemd unit: `systemd-analyze verify` passes and `systemd-analyze
//! security` scores it well (ignored unless asked for: it needs
//! systemd-analyze). The unit is copied with ExecStart pointing at the
//! binary under test, since verify needs the binary to exist.

use std::process::Command;

#[test]
#[ignore = "needs systemd-analyze (Debian's systemd); .ci/run installs it and runs it with --include-ignored"]
fn the_unit_verifies_and_is_hardened() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/systemd/renec-harvester.service"
    ))
    .unwrap();
    for key in [
        "Type=notify",
        "WatchdogSec=",
        "StateDirectory=renec-harvester",
        "ConfigurationDirectory=renec-harvester",
        "LogsDirectory=renec-harvester",
        "UMask=0027",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectControlGroups=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "RestrictNamespaces=yes",
        "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=\n",
        "Restart=on-failure",
        "--config /etc/renec-harvester/config.toml",
    ] {
        assert!(unit.contains(key), "the unit lacks {key:?}");
    }
    // The data directory and the environment files are named once, in the
    // packaged configuration, which a shell's commands read too.
    for absent in ["RENEC_DATA_DIR", "EnvironmentFile="] {
        assert!(!unit.contains(absent), "the unit sets {absent:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("renec-harvester.service");
    std::fs::write(
        &path,
        unit.replace(
            "/usr/bin/renec-harvester",
            env!("CARGO_BIN_EXE_renec-harvester"),
        ),
    )
    .unwrap();
    let verify = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(
        verify.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {stderr}"
    );
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&security.stdout);
    let score: f64 = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no score in: {text}"));
    eprintln!("systemd-analyze security: exposure {score}");
    assert!(
        score <= 2.0,
        "exposure {score} is above 2.0 (OK is below 4)"
    );
}
