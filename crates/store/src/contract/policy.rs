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
    let mut shipped: Vec<&str> = BUILTIN_PACKS
        .iter()
        .map(|(f, _)| f.trim_end_matches(".toml"))
        .collect();
    shipped.sort_unstable();
    assert_eq!(ids, shipped);
    let original = Pack::parse(BUILTIN_PACKS[0].0, BUILTIN_PACKS[0].1).unwrap();
    let back = loaded.iter().find(|p| p.id() == original.id()).unwrap();
    assert_eq!(back.content, original.content);

    // Same id again replaces the text.
    let (file, text) = BUILTIN_PACKS
        .iter()
        .find(|(f, _)| *f == "tongliang-2022.toml")
        .unwrap();
    let edited_text = text.replace("days = 15", "days = 14");
    let edited = Pack::parse(file, &edited_text).unwrap();
    store.put_policy_pack(&sys(), &edited).await.unwrap();
    let loaded = store.policy_packs().await.unwrap();
    assert_eq!(loaded.len(), BUILTIN_PACKS.len());
    let tl = loaded.iter().find(|p| p.id() == "tongliang-2022").unwrap();
    assert_eq!(
        tl.content.deadlines.as_ref().unwrap().identification.days,
        14
    );
    // A pack stored before every value needed a source still loads; its gaps are known.
    let old_text: String = text
        .lines()
        .take_while(|l| !l.starts_with("[sources]"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(Pack::parse(file, &old_text).is_err());
    let old = Pack::parse_stored(file, &old_text).unwrap();
    store.put_policy_pack(&sys(), &old).await.unwrap();
    let loaded = store.policy_packs().await.unwrap();
    let tl = loaded.iter().find(|p| p.id() == "tongliang-2022").unwrap();
    assert_eq!(tl.unsourced().count(), 23);
}
