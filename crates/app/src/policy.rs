//! Which policy values are in force for a division on a date.

use crate::AppError;
use chrono::{Datelike, NaiveDate};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::policy::{Policy, PolicySet};
use dixian_store::Store;

/// Resolves the policy for `region_text` (a division code as typed) on `on`.
/// The region must be a stored division at county level or below, because packs may be
/// written per county.
/// What the pack in force for `region_text` on `on` calls the households monitored (监测对象;
/// from 2026 防止返贫致贫对象), for headings and labels; the older name where no pack
/// resolves (the name never changes a figure).
pub async fn object_name(store: &dyn Store, region_text: &str, on: NaiveDate) -> String {
    match policy_in_force(store, region_text, on).await {
        Ok(p) => p.naming.monitored_object,
        Err(_) => "监测对象".to_string(),
    }
}

pub async fn policy_in_force(
    store: &dyn Store,
    region_text: &str,
    on: NaiveDate,
) -> Result<Policy, AppError> {
    let region =
        DivisionCode::parse(region_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let division = store.division(&region).await?;
    let Some(division) = division else {
        return Err(AppError::NotFound(format!(
            "区划代码{region}不存在：请先用 dixian init --divisions 导入区划"
        )));
    };
    if region.level() < DivisionLevel::County {
        return Err(AppError::Invalid(vec![format!(
            "{}（{region}）是{}级区划；政策包可按县区不同，请指定县级或以下区划",
            division.name,
            region.level().label()
        )]));
    }
    resolve(&stored_set(store).await?, &region, on)
}

/// Every stored pack as one set: read once for work over many divisions and dates.
pub async fn stored_set(store: &dyn Store) -> Result<PolicySet, AppError> {
    let mut set = PolicySet::new();
    for p in store.policy_packs().await? {
        set.add_stored(p)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    }
    if let Some(e) = set.line_problem() {
        tracing::warn!(error = %e, "已入库的政策包监测范围低于上级，请更正后重新导入");
    }
    Ok(set)
}

/// The policy of `set` in force for `region` on `on`, with the error as users read it.
pub fn resolve(set: &PolicySet, region: &DivisionCode, on: NaiveDate) -> Result<Policy, AppError> {
    set.resolve(region, on)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

/// The policies in force on one day for many villages, resolved once per county: packs are
/// written for a county at the lowest, so every village of a county has its county's policy.
pub struct Policies {
    set: PolicySet,
    on: NaiveDate,
    by_county: std::collections::BTreeMap<DivisionCode, Policy>,
    /// Packs of earlier days, for names a record keeps from the day it was made.
    earlier: std::collections::BTreeMap<(DivisionCode, NaiveDate), Policy>,
}

impl Policies {
    pub async fn load(store: &dyn Store, on: NaiveDate) -> Result<Policies, AppError> {
        Ok(Policies::from_set(stored_set(store).await?, on))
    }

    pub fn from_set(set: PolicySet, on: NaiveDate) -> Policies {
        Policies {
            set,
            on,
            by_county: std::collections::BTreeMap::new(),
            earlier: std::collections::BTreeMap::new(),
        }
    }

    /// The county whose policy `region` has: its county ancestor, or itself above county
    /// level (where only national, provincial and city packs can apply).
    pub fn county_of(region: &DivisionCode) -> DivisionCode {
        region.ancestor_at(DivisionLevel::County).unwrap_or(*region)
    }

    /// The policy in force for `region` on this day.
    pub fn of(&mut self, region: &DivisionCode) -> Result<&Policy, AppError> {
        let county = Policies::county_of(region);
        if let std::collections::btree_map::Entry::Vacant(e) = self.by_county.entry(county) {
            e.insert(resolve(&self.set, &county, self.on)?);
        }
        self.by_county
            .get(&county)
            .ok_or_else(|| AppError::Invalid(vec![format!("区划{region}没有适用的政策包")]))
    }

    /// The name of object category `code` for a case of `region` approved on `approved_on`:
    /// a case keeps the name of the pack it was identified under, whatever a later pack
    /// calls the code; a case from before any pack (or not yet approved) is named by this
    /// day's.
    pub fn category_name(
        &mut self,
        region: &DivisionCode,
        code: &str,
        approved_on: Option<NaiveDate>,
    ) -> Result<String, AppError> {
        let county = Policies::county_of(region);
        if let Some(on) = approved_on.filter(|d| *d != self.on) {
            if let std::collections::btree_map::Entry::Vacant(e) = self.earlier.entry((county, on))
            {
                match self.set.resolve(&county, on) {
                    Ok(p) => {
                        e.insert(p);
                    }
                    Err(_) => return self.today_category_name(region, code),
                }
            }
            if let Some(p) = self.earlier.get(&(county, on)) {
                return Ok(dixian_domain::monitoring::category_name(p, code).to_string());
            }
        }
        self.today_category_name(region, code)
    }

    fn today_category_name(
        &mut self,
        region: &DivisionCode,
        code: &str,
    ) -> Result<String, AppError> {
        let p = self.of(region)?;
        Ok(dixian_domain::monitoring::category_name(p, code).to_string())
    }
}

/// The earliest date any record of the work can carry: 建档立卡 began in 2014 (国务院扶贫办
/// 《扶贫开发建档立卡工作方案》, 国开办发〔2014〕24号), and monitoring in 2020. A typed date
/// before it is a slip of the keyboard (0000-01-01, 1900-01-01), not history.
pub const EARLIEST_RECORD_DATE: (i32, u32, u32) = (2014, 1, 1);
/// The latest year a typed date may fall in (deadlines and plans lie ahead, not centuries).
pub const LATEST_RECORD_YEAR: i32 = 2099;

/// Parses a date as typed (`2026-10-31`, `2026/10/31`, `20261031`), with a Chinese error; a
/// date outside [`EARLIEST_RECORD_DATE`] ..= [`LATEST_RECORD_YEAR`] is refused.
pub fn parse_date(text: &str) -> Result<NaiveDate, AppError> {
    let t = text.trim();
    let d = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .ok_or_else(|| {
            AppError::Invalid(vec![format!(
                "日期“{t}”无效：应为“年-月-日”的真实日期，如2026-10-31"
            )])
        })?;
    let (y, m, day) = EARLIEST_RECORD_DATE;
    let earliest = NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN);
    if d < earliest || d.year() > LATEST_RECORD_YEAR {
        return Err(AppError::Invalid(vec![format!(
            "日期“{t}”超出范围：应在{earliest}至{LATEST_RECORD_YEAR}-12-31之间（请检查年份）"
        )]));
    }
    Ok(d)
}
