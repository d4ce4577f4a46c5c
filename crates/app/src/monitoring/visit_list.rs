//! The visit list (走访记录): every visit in the officer's area, found by household, head,
//! visitor, village and dates, a page at a time with the total, and the same list as a file
//! for those who may export ledgers (audited, no ID number, no photo).

use crate::AppError;
use crate::csv_text::{cell, defused};
use crate::policy::parse_date;
use dixian_domain::access::{Actor, Permission};
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::FieldProblem;
use dixian_store::{Store, VisitFilter, VisitPage};

/// Visits on one page of the list.
pub const VISIT_PAGE: i64 = 50;
/// More than this many rows is a job for the 走访台账, not a list export.
pub const MAX_EXPORTED_VISITS: i64 = 20_000;

/// The list's conditions as typed (the page's query string).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct VisitQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Words of the head's name, a visitor's name or the household code.
    #[serde(default)]
    pub q: String,
    /// `case`, `household` (outside any case) or empty for both.
    #[serde(default)]
    pub kind: String,
    /// A designation code (认定类别) of the village, its town or county; empty: any.
    #[serde(default)]
    pub designation: String,
    /// 1-based.
    #[serde(default)]
    pub page: String,
}

impl VisitQuery {
    /// The filter this query asks for on `today` (the day a designation must hold), every
    /// wrong condition named by its field.
    pub fn filter(&self, today: chrono::NaiveDate) -> Result<VisitFilter, AppError> {
        let mut problems: Vec<FieldProblem> = Vec::new();
        let within = match self.area.trim() {
            "" => None,
            text => match DivisionCode::parse(text) {
                Ok(code) => Some(code),
                Err(_) => {
                    problems.push(("area", format!("区域“{text}”不是区划代码")));
                    None
                }
            },
        };
        let mut day = |field: &'static str, text: &str, what: &str| match text.trim() {
            "" => None,
            t => match parse_date(t) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push((field, format!("{what}：{e}")));
                    None
                }
            },
        };
        let from = day("from", &self.from, "走访日期从");
        let to = day("to", &self.to, "走访日期到");
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            problems.push(("to", format!("走访日期到{t}早于开始日期{f}")));
        }
        let in_case = match self.kind.trim() {
            "" => None,
            "case" => Some(true),
            "household" => Some(false),
            other => {
                problems.push(("kind", format!("走访类别“{other}”无效")));
                None
            }
        };
        let text = dixian_store::search_words(&self.q);
        if text.chars().count() > 30 {
            problems.push(("q", "查找的文字不超过30个字".into()));
        }
        let designation = dixian_domain::villages::designation_code(&self.designation)
            .map_err(|e| problems.push(("designation", e)))
            .ok()
            .flatten();
        let page = match self.page.trim() {
            "" => 1,
            t => match t.parse::<i64>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    problems.push(("page", format!("页码“{t}”无效")));
                    1
                }
            },
        };
        if !problems.is_empty() {
            return Err(AppError::Fields(problems));
        }
        Ok(VisitFilter {
            within,
            from,
            to,
            text,
            in_case,
            household: None,
            designation: designation.map(|d| (d, today)),
            offset: (page - 1).saturating_mul(VISIT_PAGE),
            limit: VISIT_PAGE,
        })
    }
}

/// One page of the visits the query finds.
pub async fn visit_list(
    store: &dyn Store,
    actor: &Actor,
    query: &VisitQuery,
    today: chrono::NaiveDate,
) -> Result<VisitPage, AppError> {
    let filter = query.filter(today)?;
    Ok(store.visit_list(actor, &filter).await?)
}

/// The visits of the household of the member with the ID number as typed (the lookup
/// audited like any); a number not registered in the area lists nothing.
pub async fn visits_of_member(
    store: &dyn Store,
    actor: &Actor,
    typed: &str,
    today: chrono::NaiveDate,
) -> Result<(Option<dixian_store::PersonLocation>, VisitPage), AppError> {
    let id = dixian_domain::id_number::IdNumber::parse(typed.trim(), today)
        .map_err(|e| AppError::Fields(vec![("id_number", format!("身份证号有误：{e}"))]))?;
    let Some(found) = store.find_person_by_id_number(actor, &id).await? else {
        return Ok((None, VisitPage::default()));
    };
    let filter = VisitFilter {
        household: Some(found.household.clone()),
        limit: 1_000,
        ..VisitFilter::default()
    };
    let page = store.visit_list(actor, &filter).await?;
    Ok((Some(found), page))
}

/// Every visit the query finds (all pages) as CSV (UTF-8 with BOM, for Excel).
pub async fn export_visits(
    store: &dyn Store,
    actor: &Actor,
    query: &VisitQuery,
    today: chrono::NaiveDate,
) -> Result<String, AppError> {
    crate::accounts::require(store, actor, Permission::ExportLedger, "走访记录导出").await?;
    let first = query.filter(today)?;
    let too_many = |total| {
        AppError::Invalid(vec![format!(
            "符合条件的走访记录有{total}条，超过一次导出的上限{MAX_EXPORTED_VISITS}条：请按区域或日期缩小范围，或导出走访台账"
        )])
    };
    let rows = crate::every_page(MAX_EXPORTED_VISITS, too_many, |offset, limit| {
        let filter = VisitFilter {
            offset,
            limit,
            ..first.clone()
        };
        async move {
            let page = store.visit_list(actor, &filter).await?;
            Ok((page.rows, page.total))
        }
    })
    .await?;
    let mut out = String::from(
        "\u{feff}走访日期,户编号,户主,行政村,走访人员,发现的情况,后续措施,照片（张）,所属案件,记录人\r\n",
    );
    for line in &rows {
        let v = &line.visit;
        let row = [
            v.visited_on.to_string(),
            v.household.to_string(),
            line.head_name.clone(),
            line.village_name.clone(),
            v.visitors.join("、"),
            v.findings.clone(),
            v.follow_ups.clone(),
            v.photos.len().to_string(),
            v.case_id.map(|c| format!("#{c}")).unwrap_or_default(),
            v.created_by.clone(),
        ];
        let cells: Vec<String> = row.iter().map(|c| cell(&defused(c))).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let detail = serde_json::json!({
        "rows": rows.len(),
        "area": first.within.map(|a| a.to_string()),
        "from": first.from.map(|d| d.to_string()),
        "to": first.to.map(|d| d.to_string()),
        "text": first.text,
        "in_case": first.in_case,
    })
    .to_string();
    store
        .audit(actor, "visit.export", "走访记录", &detail)
        .await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(area: &str, from: &str, to: &str, kind: &str, page: &str) -> VisitQuery {
        VisitQuery {
            area: area.into(),
            from: from.into(),
            to: to.into(),
            kind: kind.into(),
            page: page.into(),
            q: " 张%_ ".into(),
            designation: String::new(),
        }
    }

    #[test]
    fn a_query_becomes_a_filter_or_names_every_wrong_field() {
        let f = query("500299101000", "2026-01-01", "2026/03/31", "case", "3")
            .filter(chrono::NaiveDate::MIN)
            .unwrap();
        assert_eq!(f.within.unwrap().as_str(), "500299101000");
        assert_eq!(f.from.unwrap().to_string(), "2026-01-01");
        assert_eq!(f.to.unwrap().to_string(), "2026-03-31");
        assert_eq!(f.in_case, Some(true));
        assert_eq!(f.offset, 2 * VISIT_PAGE);
        assert_eq!(f.text, "张");
        let Err(AppError::Fields(problems)) =
            query("桂花村", "2026-13-01", "2026-01-01", "all", "0").filter(chrono::NaiveDate::MIN)
        else {
            panic!("a wrong query must be refused field by field");
        };
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["area", "from", "kind", "page"]);
        let Err(AppError::Fields(problems)) =
            query("", "2026-03-01", "2026-01-01", "", "").filter(chrono::NaiveDate::MIN)
        else {
            panic!("an end before the start must be refused");
        };
        assert_eq!(problems[0].0, "to");
        assert!(problems[0].1.contains("早于"), "{}", problems[0].1);
        let designated = VisitQuery {
            designation: " key_village ".into(),
            ..query("", "", "", "", "")
        };
        let f = designated.filter(chrono::NaiveDate::MIN).unwrap();
        assert_eq!(f.designation.map(|d| d.0).as_deref(), Some("key_village"));
        let Err(AppError::Fields(problems)) = VisitQuery {
            designation: "重点村'--".into(),
            ..designated
        }
        .filter(chrono::NaiveDate::MIN) else {
            panic!("a designation that cannot be a code must be refused");
        };
        assert_eq!(problems[0].0, "designation");
        assert!(problems[0].1.contains("认定类别代码"), "{}", problems[0].1);
    }
}
