//! What a new version of a household record changes (变更比对): the fields, old → new, as
//! the history and an import's report show them — sensitive values masked. Members are
//! matched by ID number and incomes by year; a member the new version leaves out is not a
//! change (人口减少 is an explicit action, never an omission in a file).

use crate::money::Money;
use crate::registry::assurance::Assurance;
use crate::registry::{
    HouseholdRecord, Income, LivingStatus, MemberDetails, Person, Relation, mask_account,
    mask_phone,
};

/// One field that changed: its Chinese name, before and after (sensitive values masked).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// Collects changes, skipping fields that did not change.
#[derive(Default)]
struct Changes(Vec<FieldChange>);

impl Changes {
    fn diff(&mut self, field: impl Into<String>, old: impl Into<String>, new: impl Into<String>) {
        let (old, new) = (old.into(), new.into());
        if old != new {
            self.0.push(FieldChange {
                field: field.into(),
                old,
                new,
            });
        }
    }
}

fn yes(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// A change of a value only ever shown masked: two numbers may mask alike, and the history
/// must still show that one changed.
pub fn secret_change(
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    mask: fn(&str) -> String,
) -> Option<FieldChange> {
    if old == new {
        return None;
    }
    let shown = |v: Option<&str>| v.map(mask).unwrap_or_default();
    let (before, mut after) = (shown(old), shown(new));
    if before == after {
        after.push_str("（已更换）");
    }
    Some(FieldChange {
        field: field.into(),
        old: before,
        new: after,
    })
}

fn group(g: Option<u16>) -> String {
    g.map(|g| format!("{g}组")).unwrap_or_default()
}

fn disability(p: &MemberDetails) -> String {
    p.disability
        .map(|(c, g)| format!("{}{g}级", c.label()))
        .unwrap_or_default()
}

/// What an edit of a member's details changes, each field named with the member.
pub fn member_changes(old: &MemberDetails, new: &MemberDetails) -> Vec<FieldChange> {
    let mut out = Changes::default();
    let who = &new.name;
    out.diff(
        format!("{}的姓名", old.name),
        old.name.as_str(),
        who.as_str(),
    );
    let mut field = |name: &str, a: String, b: String| out.diff(format!("{who}的{name}"), a, b);
    field(
        "与户主关系",
        old.relation.label().into(),
        new.relation.label().into(),
    );
    field(
        "劳动能力",
        old.labour.label().into(),
        new.labour.label().into(),
    );
    field(
        "健康状况",
        old.health.label().into(),
        new.health.label().into(),
    );
    field("残疾", disability(old), disability(new));
    field(
        "在校生状况",
        old.schooling.label().into(),
        new.schooling.label().into(),
    );
    field(
        "医疗保险",
        yes(old.medical_insurance).into(),
        yes(new.medical_insurance).into(),
    );
    field(
        "养老保险",
        yes(old.pension_insurance).into(),
        yes(new.pension_insurance).into(),
    );
    field(
        "务工月数",
        old.employment_months.to_string(),
        new.employment_months.to_string(),
    );
    field(
        "务工地点",
        old.employment_place.clone().unwrap_or_default(),
        new.employment_place.clone().unwrap_or_default(),
    );
    field(
        "财政供养人员",
        yes(old.public_payroll).into(),
        yes(new.public_payroll).into(),
    );
    out.0
}

fn person_changes(out: &mut Changes, old: &Person, new: &Person) {
    out.0.extend(member_changes(
        &MemberDetails::from(old),
        &MemberDetails::from(new),
    ));
    out.diff(
        format!("{}的人员状态", new.name),
        old.status.label(),
        new.status.label(),
    );
}

/// The components of an income year with their Chinese names, in the template's order.
pub fn income_components(i: &Income) -> [(&'static str, Money); 11] {
    [
        ("工资性收入", i.wage),
        ("生产经营性收入", i.business),
        ("财产性收入", i.property),
        ("养老金", i.transfer_pension),
        ("低保金", i.transfer_dibao),
        ("特困供养金", i.transfer_tekun),
        ("生态补偿", i.transfer_eco),
        ("其他转移性收入", i.transfer_other),
        ("生产经营性支出", i.business_expense),
        ("合规自付医疗支出", i.medical_self_pay),
        ("理赔收入", i.insurance_claims),
    ]
}

/// Everything `new` changes in `old`, in reading order: household, members, incomes.
pub fn household_changes(old: &HouseholdRecord, new: &HouseholdRecord) -> Vec<FieldChange> {
    let (a, b) = (&old.household, &new.household);
    let mut out = Changes::default();
    out.diff("村民小组", group(a.group_no), group(b.group_no));
    out.diff("住址", a.address.as_str(), b.address.as_str());
    out.0.extend(secret_change(
        "联系电话",
        a.phone.as_deref(),
        b.phone.as_deref(),
        mask_phone,
    ));
    out.0.extend(secret_change(
        "一卡通账号",
        a.bank_account.as_deref(),
        b.bank_account.as_deref(),
        mask_account,
    ));
    out.diff("户类型", a.household_type.label(), b.household_type.label());
    out.diff("易地扶贫搬迁", yes(a.relocated), yes(b.relocated));
    out.diff("低保户", yes(a.dibao), yes(b.dibao));
    out.diff("特困供养", yes(a.tekun), yes(b.tekun));
    out.diff("监测对象", yes(a.monitored), yes(b.monitored));
    for p in &new.members {
        match old.members.iter().find(|o| o.id_number == p.id_number) {
            Some(o) => person_changes(&mut out, o, p),
            None => out.diff(
                "新增成员",
                "",
                format!(
                    "{}（{}，{}）",
                    p.name,
                    p.id_number.masked(),
                    p.relation.label()
                ),
            ),
        }
    }
    for i in &new.incomes {
        let before = old.incomes.iter().find(|o| o.year == i.year);
        out.0.extend(income_changes(before, i));
    }
    if let Some(a) = &new.assurance {
        out.0.extend(assurance_changes(old.assurance.as_ref(), a));
    }
    out.0
}

/// How a recorded check shows one of its items.
type Shown = fn(&Assurance) -> String;

/// What a new check of 两不愁, housing and water changes in the recorded one.
pub fn assurance_changes(old: Option<&Assurance>, new: &Assurance) -> Vec<FieldChange> {
    let mut out = Changes::default();
    let shown = |a: Option<&Assurance>, f: fn(&Assurance) -> String| a.map(f).unwrap_or_default();
    let fields: [(&str, Shown); 7] = [
        ("不愁吃穿", |a| yes(a.food_clothing).into()),
        ("住房安全等级", |a| {
            a.housing.map(|r| r.label()).unwrap_or("未鉴定").into()
        }),
        ("饮水水量达标", |a| yes(a.water_quantity).into()),
        ("饮水水质达标", |a| yes(a.water_quality).into()),
        ("用水方便", |a| yes(a.water_convenience).into()),
        ("供水保证率达标", |a| yes(a.water_guarantee).into()),
        ("保障情况说明", |a| a.note.clone().unwrap_or_default()),
    ];
    for (name, f) in fields {
        out.diff(name, shown(old, f), f(new));
    }
    out.0
}

/// What a year's income `new` changes in what was recorded (`None`: nothing yet), component
/// by component, named with the year; a new year lists only its non-zero components.
pub fn income_changes(old: Option<&Income>, new: &Income) -> Vec<FieldChange> {
    let mut out = Changes::default();
    for (k, (name, money)) in income_components(new).into_iter().enumerate() {
        if old.is_none() && money == Money::ZERO {
            continue;
        }
        let was = old
            .map(|o| income_components(o)[k].1.to_string())
            .unwrap_or_default();
        out.diff(format!("{}年{name}", new.year), was, money.to_string());
    }
    out.0
}

/// The record as it stands after `new` is applied to `old`: the new household fields, the
/// new version of every member it names plus the members it leaves out, and its income
/// years over the old ones.
pub fn merged(old: &HouseholdRecord, new: &HouseholdRecord) -> HouseholdRecord {
    let mut members = new.members.clone();
    members.extend(absent_members(old, new).cloned());
    let mut incomes: Vec<Income> = old
        .incomes
        .iter()
        .filter(|o| !new.incomes.iter().any(|i| i.year == o.year))
        .cloned()
        .collect();
    incomes.extend(new.incomes.iter().cloned());
    incomes.sort_by_key(|i| i.year);
    HouseholdRecord {
        household: new.household.clone(),
        members,
        incomes,
        // A file without the check's columns leaves the recorded check as it is.
        assurance: new.assurance.clone().or_else(|| old.assurance.clone()),
    }
}

/// Members of `old` that `new` does not name.
pub fn absent_members<'a>(
    old: &'a HouseholdRecord,
    new: &'a HouseholdRecord,
) -> impl Iterator<Item = &'a Person> {
    old.members
        .iter()
        .filter(|o| !new.members.iter().any(|p| p.id_number == o.id_number))
}

/// Heads (户主) living in the household: a household must have exactly one.
pub fn heads_in_household(record: &HouseholdRecord) -> usize {
    record
        .members
        .iter()
        .filter(|m| m.relation == Relation::Head && m.status == LivingStatus::InHousehold)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{person, two_person_record as record};
    use crate::registry::Health;

    #[test]
    fn the_same_record_changes_nothing() {
        assert!(household_changes(&record(), &record()).is_empty());
        assert_eq!(merged(&record(), &record()), record());
    }

    #[test]
    fn changes_are_named_and_masked() {
        let old = record();
        let mut new = record();
        new.household.phone = Some("13800130000".into());
        new.household.dibao = true;
        new.members[1].health = Health::Chronic;
        new.members.remove(0);
        new.incomes[0].wage = Money::from_fen(1_300_000);
        new.incomes.push(Income {
            year: 2026,
            transfer_dibao: Money::from_fen(50_000),
            ..Income::default()
        });
        let c = household_changes(&old, &new);
        let text: Vec<String> = c
            .iter()
            .map(|c| format!("{}:{}→{}", c.field, c.old, c.new))
            .collect();
        assert!(
            text.contains(&"联系电话:138****8000→138****0000".to_string()),
            "{text:?}"
        );
        assert!(text.contains(&"低保户:否→是".to_string()), "{text:?}");
        assert!(
            text.contains(&"李四的健康状况:健康→长期慢性病".to_string()),
            "{text:?}"
        );
        assert!(
            text.contains(&"2025年工资性收入:12000.00→13000.00".to_string()),
            "{text:?}"
        );
        assert!(
            text.contains(&"2026年低保金:→500.00".to_string()),
            "{text:?}"
        );
        // The member left out is not a change, and stays in the merged record.
        assert!(!text.iter().any(|t| t.contains("张三")), "{text:?}");
        let m = merged(&old, &new);
        assert_eq!(m.members.len(), 2);
        assert_eq!(heads_in_household(&m), 1);
        assert_eq!(m.incomes.len(), 2);
        assert_eq!(absent_members(&old, &new).count(), 1);
    }

    #[test]
    fn a_new_member_and_a_same_looking_phone() {
        let old = record();
        let mut new = record();
        new.members
            .push(person("110105201001010010", "张小", Relation::Son));
        new.household.phone = Some("13811118000".into());
        let c = household_changes(&old, &new);
        assert_eq!(c[0].new, "138****8000（已更换）");
        assert_eq!(c[1].field, "新增成员");
        assert!(c[1].new.starts_with("张小（1101*"), "{:?}", c[1]);
    }
}
