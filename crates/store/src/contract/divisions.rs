//! Contract checks of administrative divisions.

use super::*;

pub async fn divisions(store: &dyn Store) {
    load_divisions(store).await;
    let town = store
        .division(&code("500299101000"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(town.name, "石桥镇");
    assert!(
        store
            .division(&code("500299103000"))
            .await
            .unwrap()
            .is_none()
    );

    let children = store.child_divisions(&code("500299000000")).await.unwrap();
    let names: Vec<&str> = children.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["石桥镇", "白沙镇"]);

    let within = store.divisions_within(&code("500299101000")).await.unwrap();
    let codes: Vec<String> = within.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(codes, vec!["500299101000", "500299101201", "500299101202"]);

    let roots = store.root_divisions().await.unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].name, "重庆市");

    let groups = store.village_groups(&code("500299101201")).await.unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[1].name, "二组");

    // Loading again renames in place and adds nothing.
    let renamed = DivisionTable::from_csv(
        "t.csv",
        &DIVISIONS
            .replace("石桥村", "石桥社区")
            .replace("二组", "第二组"),
    )
    .unwrap();
    store.put_divisions(&sys(), &renamed).await.unwrap();
    let v = store
        .division(&code("500299101201"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.name, "石桥社区");
    assert_eq!(
        store
            .divisions_within(&code("500000000000"))
            .await
            .unwrap()
            .len(),
        8
    );
    let groups = store.village_groups(&code("500299101201")).await.unwrap();
    assert_eq!(groups[1].name, "第二组");
}
