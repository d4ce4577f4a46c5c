//! Contract checks of policy packs.

use super::*;

pub async fn policy_packs(store: &dyn Store) {
    assert!(store.policy_packs().await.unwrap().is_empty());
    for (file, text) in BUILTIN_PACKS {
        let pack = Pack::parse(file, text).unwrap();
        store.put_policy_pack(&sys(), &pack).await.unwrap();
    }
    let loaded = store.policy_packs().await.unwrap();
    let mut ids: Vec<&str> = loaded.iter().map(|p| p.id()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        vec![
            "chongqing-2022",
            "guizhou-2021",
            "national-2021",
            "national-2026"
        ]
    );
    let original = Pack::parse(BUILTIN_PACKS[0].0, BUILTIN_PACKS[0].1).unwrap();
    let back = loaded.iter().find(|p| p.id() == original.id()).unwrap();
    assert_eq!(back.content, original.content);

    // Same id again replaces the text.
    let edited_text = BUILTIN_PACKS[2].1.replace("days = 15", "days = 14");
    let edited = Pack::parse(BUILTIN_PACKS[2].0, &edited_text).unwrap();
    store.put_policy_pack(&sys(), &edited).await.unwrap();
    let loaded = store.policy_packs().await.unwrap();
    assert_eq!(loaded.len(), 4);
    let cq = loaded.iter().find(|p| p.id() == "chongqing-2022").unwrap();
    assert_eq!(
        cq.content.deadlines.as_ref().unwrap().identification.days,
        14
    );
}
