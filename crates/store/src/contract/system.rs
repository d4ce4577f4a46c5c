//! Contract checks of the database itself: schema and settings.

use super::*;

pub async fn schema(store: &dyn Store) {
    store.ping().await.unwrap();
    assert!(store.schema_version().await.unwrap() >= 1);
}

pub async fn settings(store: &dyn Store) {
    assert_eq!(store.setting("demo.seed").await.unwrap(), None);
    store.put_setting(&sys(), "demo.seed", "42").await.unwrap();
    store.put_setting(&sys(), "demo.seed", "43").await.unwrap();
    assert_eq!(
        store.setting("demo.seed").await.unwrap().as_deref(),
        Some("43")
    );
}
