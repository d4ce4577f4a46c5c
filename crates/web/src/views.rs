//! Rows shown by the pages of more than one capability: a due date against today, a work
//! item, a visit. A leaf.

use chrono::NaiveDate;
use dixian_app::monitoring::WorkList;

/// A date with how it stands against today: 逾期N个工作日, 今日到期, or nothing.
pub(crate) struct Due {
    pub date: String,
    pub late: bool,
    pub note: String,
}

pub(crate) fn due_of(date: Option<NaiveDate>, overdue_working_days: i64, today: NaiveDate) -> Due {
    match date {
        None => Due {
            date: String::new(),
            late: false,
            note: String::new(),
        },
        Some(d) => Due {
            date: d.to_string(),
            late: overdue_working_days > 0,
            note: if overdue_working_days > 0 {
                format!("逾期{overdue_working_days}个工作日")
            } else if d == today {
                "今日到期".into()
            } else {
                String::new()
            },
        },
    }
}

pub(crate) struct HouseholdRow {
    pub code: String,
    pub head: String,
    pub task: String,
    pub due: Due,
}

pub(crate) struct ItemRow {
    pub case_id: i64,
    pub household: String,
    pub head: String,
    pub village: String,
    pub task: String,
    pub due: Due,
}

pub(crate) fn item_rows(list: &WorkList, today: NaiveDate) -> Vec<ItemRow> {
    list.items
        .iter()
        .map(|i| ItemRow {
            case_id: i.case.case.id,
            household: i.case.case.household.as_str().to_string(),
            head: i.case.head_name.clone(),
            village: i.case.village_name.clone(),
            task: i.task.clone(),
            due: due_of(i.due, i.overdue_working_days, today),
        })
        .collect()
}

pub(crate) struct VisitView {
    pub id: i64,
    pub on: String,
    pub visitors: String,
    pub findings: String,
    pub follow_ups: String,
    /// (photo id, file name, whether it shows as a picture: JPEG or PNG).
    pub photos: Vec<(i64, String, bool)>,
    pub by: String,
}

pub(crate) fn visit_view(v: &dixian_store::VisitRecord) -> VisitView {
    VisitView {
        id: v.id,
        on: v.visited_on.to_string(),
        visitors: v.visitors.join("、"),
        findings: v.findings.clone(),
        follow_ups: v.follow_ups.clone(),
        photos: v
            .photos
            .iter()
            .map(|p| {
                let picture = matches!(p.content_type.as_str(), "image/jpeg" | "image/png");
                (p.id, p.name.clone(), picture)
            })
            .collect(),
        by: v.created_by.clone(),
    }
}

/// Photos kept from a refused visit form, as the form lists them: (id, name).
pub(crate) fn kept_of(kept: Vec<dixian_store::PhotoMeta>) -> Vec<(i64, String)> {
    kept.into_iter().map(|p| (p.id, p.name)).collect()
}

/// The visit form as posted (the case page's and the household page's alike).
pub(crate) fn visit_form(fields: &[(String, String)]) -> dixian_app::monitoring::VisitForm {
    dixian_app::monitoring::VisitForm {
        visited_on: crate::forms::field(fields, "visited_on"),
        visitors: crate::forms::field(fields, "visitors"),
        findings: crate::forms::field(fields, "findings"),
        follow_ups: crate::forms::field(fields, "follow_ups"),
        kept: kept_ids(fields),
        keep_refused_photos: true,
    }
}

/// The kept files a form's boxes still tick (`kept`), by id.
pub(crate) fn kept_ids(fields: &[(String, String)]) -> Vec<i64> {
    fields
        .iter()
        .filter(|(k, _)| k == "kept")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}
