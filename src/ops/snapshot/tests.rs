//! Snapshots: create, verify, restore, bundles, retention, failures.
use super::*;

fn store_with_data(dir: &Path) -> Store {
    let store = Store::open(&dir.join("renec.sqlite3")).unwrap();
    store.conn.execute("INSERT INTO runs (id, status, started_at, finished_at, binary_version, source_url) VALUES (1, 'published', 'x', '2026-01-01T00:00:00Z', 'x', 'x')", []).unwrap();
    store.conn.execute("INSERT INTO sectores (id, nombre, first_seen_run, last_seen_run) VALUES ('a', 'Agua', 1, 1)", []).unwrap();
    store
}

#[test]
fn create_verify_corrupt_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_data(dir.path());
    let snaps = Snapshots::new(dir.path());
    let m = snaps.create(&store).unwrap();
    assert_eq!(m.run_id, Some(1));
    assert_eq!(m.counts.sectores, 1);
    assert_eq!(snaps.list().unwrap(), vec![m.clone()]);
    snaps.verify(&m.id).unwrap();

    // Change the live database, then restore the snapshot over it.
    store.conn.execute("DELETE FROM sectores", []).unwrap();
    drop(store);
    let db = dir.path().join("renec.sqlite3");
    let (_, kept) = snaps.restore(&m.id, &db).unwrap();
    assert!(kept.unwrap().exists());
    let back = Store::open(&db).unwrap();
    assert_eq!(back.current_counts().unwrap().sectores, 1);

    // One flipped byte is caught.
    let path = snaps.data_path(&m.id);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    let err = snaps.verify(&m.id).unwrap_err().to_string();
    assert!(err.contains("corrupt"), "{err}");
    // A truncated one too.
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    assert!(snaps.verify(&m.id).is_err());
    // And a failed restore leaves the database untouched.
    assert!(snaps.restore(&m.id, &db).is_err());
    assert_eq!(
        Store::open(&db).unwrap().current_counts().unwrap().sectores,
        1
    );
}

#[test]
fn a_snapshot_of_an_older_schema_is_migrated_when_restored() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_data(dir.path());
    // Back to schema version 2 (before certifier types and states).
    crate::store::migrate::back_to(&store.conn, 2).unwrap();
    let snaps = Snapshots::new(dir.path());
    let m = snaps.create(&store).unwrap();
    assert_eq!(m.schema_version, 2);
    let db = dir.path().join("restored.sqlite3");
    snaps.restore(&m.id, &db).unwrap();
    // Read without Store::open, which would migrate by itself.
    let raw = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(
        crate::store::migrate::current_version(&raw).unwrap(),
        crate::store::migrate::SCHEMA_VERSION
    );
    let n: i64 = raw
        .query_row(
            "SELECT count(*) FROM v_current_sectores, v_current_ec_certificador_estado",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
    let sectores: i64 = raw
        .query_row("SELECT count(*) FROM v_current_sectores", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sectores, 1);
}

#[test]
fn a_snapshot_cut_short_is_never_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_data(dir.path());
    let snaps = Snapshots::new(dir.path());
    let m = snaps.create(&store).unwrap();
    // As if the process died before writing the manifest, and during compression.
    std::fs::copy(
        snaps.data_path(&m.id),
        snaps.data_path("20990101T000000.000Z-r9"),
    )
    .unwrap();
    std::fs::write(
        snaps.dir().join(".20990101T000001.000Z-r9.sqlite3.zst.tmp"),
        b"partial",
    )
    .unwrap();
    assert_eq!(snaps.list().unwrap(), vec![m]);
}

#[test]
fn export_and_import_between_data_dirs() {
    let a = tempfile::tempdir().unwrap();
    let store = store_with_data(a.path());
    let snaps = Snapshots::new(a.path());
    let m = snaps.create(&store).unwrap();
    let bundle = a.path().join("bundle.tar");
    snaps.export(&m.id, &bundle).unwrap();

    let b = tempfile::tempdir().unwrap();
    let other = Snapshots::new(b.path());
    let imported = other.import(&bundle, None, false).unwrap();
    assert_eq!(imported, m);
    assert!(matches!(
        other.import(&bundle, Some(5), false),
        Err(SnapshotError::Older { .. })
    ));
    other.import(&bundle, Some(5), true).unwrap();
    let mut junk = std::fs::read(&bundle).unwrap();
    junk.truncate(600);
    std::fs::write(&bundle, junk).unwrap();
    assert!(other.import(&bundle, None, false).is_err());
}

#[test]
fn a_database_with_no_published_run_is_not_snapshotted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("renec.sqlite3")).unwrap();
    let snaps = Snapshots::new(dir.path());
    assert!(matches!(
        snaps.create(&store),
        Err(SnapshotError::NothingPublished)
    ));
    assert!(snaps.list().unwrap().is_empty());
    let left: Vec<_> = std::fs::read_dir(dir.path().join("snapshots"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn retention_keeps_daily_and_weekly_and_never_the_last_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_data(dir.path());
    let snaps = Snapshots::new(dir.path());
    let ids: Vec<String> = (0..5).map(|_| snaps.create(&store).unwrap().id).collect();
    let deleted = snaps.retain(2, 0).unwrap();
    assert_eq!(deleted, ids[..3].to_vec());
    assert_eq!(snaps.list().unwrap().len(), 2);
    // When every snapshot retention would keep is damaged, the newest good one stays.
    let good = snaps.create(&store).unwrap().id;
    let bad: Vec<String> = (0..2).map(|_| snaps.create(&store).unwrap().id).collect();
    for id in &bad {
        std::fs::write(snaps.data_path(id), b"damaged").unwrap();
    }
    let deleted = snaps.retain(2, 0).unwrap();
    assert!(!deleted.contains(&good), "{deleted:?}");
    assert!(snaps.list().unwrap().iter().any(|m| m.id == good));
}

#[test]
fn restores_keep_a_bounded_number_of_uniquely_named_replaced_copies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("renec.sqlite3");
    let store = store_with_data(dir.path());
    let snaps = Snapshots::new(dir.path());
    let m = snaps.create(&store).unwrap();
    drop(store);
    let mut kept = Vec::new();
    for _ in 0..5 {
        let (_, k) = snaps.restore(&m.id, &db).unwrap();
        kept.push(k.unwrap());
    }
    let unique: std::collections::BTreeSet<_> = kept.iter().collect();
    assert_eq!(unique.len(), 5, "two restores never share a name: {kept:?}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".replaced-"))
        .collect();
    assert_eq!(left.len(), KEEP_REPLACED);
    assert!(kept[4].exists(), "the newest copy stays");
}
