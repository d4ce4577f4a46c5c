//! The household registry as users read it (户籍查询): the list with filters as typed into
//! a form, and the household page with net income per head set against the monitoring line
//! in force for that county and year.

pub mod import;
pub mod ledger;
pub mod people;

use crate::{AppError, policy};
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::Actor;
use dixian_domain::assurance::{Assurance, Finding, HousingRating, MemberFacts, assess};
use dixian_domain::changes::income_components;
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::money::Money;
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::registry::{
    DisabilityCategory, Health, HouseholdCode, HouseholdType, Income, LabourCapacity, LivingStatus,
    MemberArrival, MemberDetails, Person, Relation, Schooling,
};
use dixian_store::{HouseholdDetail, HouseholdFilter, HouseholdPage, PhoneChange, Store};
use serde::Serialize;

/// Rows per page of the household list.
pub const PAGE_SIZE: i64 = 30;

/// The list form as typed; empty fields mean "any".
#[derive(Debug, Clone, Default)]
pub struct HouseholdQuery {
    pub within: String,
    pub household_type: String,
    /// Each flag: "" any, "1" yes, "0" no.
    pub relocated: String,
    pub dibao: String,
    pub tekun: String,
    pub monitored: String,
    pub name: String,
    pub id_number: String,
    /// A designation code (认定类别) of the village, its town or county; empty: any.
    pub designation: String,
    /// The server's day (the app clock), on which the designation must hold and an ID number
    /// is checked; `None`: the real date.
    pub today: Option<NaiveDate>,
    /// 1-based.
    pub page: i64,
}

fn flag(text: &str, label: &str, problems: &mut Vec<String>) -> Option<bool> {
    match text.trim() {
        "" => None,
        "1" | "是" | "true" => Some(true),
        "0" | "否" | "false" => Some(false),
        other => {
            problems.push(format!("{label}应为“是”或“否”（填写的是“{other}”）"));
            None
        }
    }
}

impl HouseholdQuery {
    /// The store filter, or every problem with the form named.
    pub fn filter(&self, page_size: i64) -> Result<HouseholdFilter, AppError> {
        let today = self.today.unwrap_or_else(crate::today);
        let mut problems = Vec::new();
        let within = match self.within.trim() {
            "" => None,
            t => DivisionCode::parse(t)
                .map_err(|e| problems.push(format!("区划：{e}")))
                .ok(),
        };
        let household_type = match self.household_type.trim() {
            "" => None,
            t => {
                let parsed = HouseholdType::parse(t);
                if parsed.is_none() {
                    problems.push(format!("户类型“{t}”无效，可选：脱贫户、一般农户"));
                }
                parsed
            }
        };
        let id_number = match self.id_number.trim() {
            "" => None,
            t => IdNumber::parse(t, today)
                .map_err(|e| problems.push(format!("身份证号有误：{e}")))
                .ok(),
        };
        let filter = HouseholdFilter {
            within,
            household_type,
            relocated: flag(&self.relocated, "易地扶贫搬迁", &mut problems),
            dibao: flag(&self.dibao, "低保", &mut problems),
            tekun: flag(&self.tekun, "特困", &mut problems),
            monitored: flag(&self.monitored, "监测对象", &mut problems),
            head_name: Some(self.name.trim().to_string()).filter(|n| !n.is_empty()),
            id_number,
            after_code: None,
            designation: match dixian_domain::villages::designation_code(&self.designation) {
                Ok(code) => code.map(|c| (c, today)),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
            offset: (self.page.max(1) - 1) * page_size,
            limit: page_size,
        };
        if problems.is_empty() {
            Ok(filter)
        } else {
            Err(AppError::Invalid(problems))
        }
    }
}

/// One page of households matching the form.
pub async fn search(
    store: &dyn Store,
    actor: &Actor,
    q: &HouseholdQuery,
) -> Result<HouseholdPage, AppError> {
    Ok(store.households(actor, &q.filter(PAGE_SIZE)?).await?)
}

/// One assessment year of a household, with the figures the policy compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearFigures {
    pub year: i32,
    /// 纯收入, yuan with two decimals.
    pub net: String,
    /// 人均纯收入.
    pub per_capita: String,
    /// The monitoring line in force for the county at the end of that year (or today).
    pub line: Option<String>,
    pub below_line: bool,
    /// 合规自付医疗支出, for the 因病 risk check.
    pub medical_self_pay: String,
}

/// The household page.
#[derive(Debug, Clone)]
pub struct HouseholdView {
    pub detail: HouseholdDetail,
    /// 重庆市青山县石桥镇石桥村.
    pub place: String,
    pub years: Vec<YearFigures>,
    /// 两不愁三保障 and drinking water as of today.
    pub findings: Vec<Finding>,
}

/// A household by its code as typed, with incomes set against the monitoring line.
pub async fn household(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    today: NaiveDate,
) -> Result<HouseholdView, AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let detail = store
        .household(actor, &code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("户编号{code}不存在")))?;
    let village = detail.summary.village;
    let place = crate::areas::full_name(store, village.as_str()).await?;
    let living = detail
        .members
        .iter()
        .filter(|m| m.status == LivingStatus::InHousehold)
        .count();
    let living = u32::try_from(living).unwrap_or(0);
    let mut years = Vec::new();
    for i in &detail.incomes {
        let on = NaiveDate::from_ymd_opt(i.year, 12, 31)
            .map(|d| d.min(today))
            .unwrap_or(today);
        // A county without a pack in force for that date still shows its figures.
        let line = policy::policy_in_force(store, village.as_str(), on)
            .await
            .ok()
            .map(|p| p.monitoring_line.amount);
        let net = i
            .net()
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let per_capita = if living == 0 {
            None
        } else {
            Some(
                i.net_per_capita(living)
                    .map_err(|e| AppError::Invalid(vec![e.to_string()]))?,
            )
        };
        years.push(YearFigures {
            year: i.year,
            net: net.grouped(),
            per_capita: per_capita.map(Money::grouped).unwrap_or_else(|| "—".into()),
            line: line.map(Money::grouped),
            below_line: matches!((per_capita, line), (Some(p), Some(l)) if p < l),
            medical_self_pay: i.medical_self_pay.grouped(),
        });
    }
    let findings = assess(
        detail.members.iter().map(|m| MemberFacts {
            name: &m.name,
            birth_date: m.birth_date,
            status: m.status,
            schooling: m.schooling,
            medical_insurance: m.medical_insurance,
        }),
        detail.assurance.as_ref(),
        today,
    );
    Ok(HouseholdView {
        detail,
        place,
        years,
        findings,
    })
}

/// The household edit form as typed.
#[derive(Debug, Clone, Default)]
pub struct EditForm {
    pub group_no: String,
    pub address: String,
    pub phone: String,
    pub household_type: String,
    /// Checkboxes: present means yes.
    pub relocated: bool,
    pub dibao: bool,
    pub tekun: bool,
    pub monitored: bool,
    pub reason: String,
}

impl EditForm {
    /// The form filled with the household as it is.
    pub fn of(d: &HouseholdDetail) -> EditForm {
        let s = &d.summary;
        EditForm {
            group_no: s.group_no.map(|g| g.to_string()).unwrap_or_default(),
            address: d.address.clone(),
            // The stored number is never put back into a page; leaving it empty keeps it.
            phone: String::new(),
            household_type: s.household_type.code().into(),
            relocated: s.relocated,
            dibao: s.dibao,
            tekun: s.tekun,
            monitored: s.monitored,
            reason: String::new(),
        }
    }
}

/// Applies an edit form to a household; every problem is named. An empty phone field keeps
/// the number on record; "无" removes it.
pub async fn edit(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    f: &EditForm,
) -> Result<Vec<dixian_store::FieldChange>, AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut problems: Vec<FieldProblem> = Vec::new();
    let group_no = group_field(&f.group_no, &mut problems);
    let address = address_field(&f.address, &mut problems);
    let phone = match f.phone.trim() {
        "" => PhoneChange::Keep,
        "无" => PhoneChange::Clear,
        p if is_phone(p) => PhoneChange::Set(p.to_string()),
        p => {
            problems.push(("phone", format!("联系电话“{p}”无效")));
            PhoneChange::Keep
        }
    };
    let household_type = HouseholdType::parse(f.household_type.trim());
    if household_type.is_none() {
        problems.push(("household_type", "请选择户类型".into()));
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let Some(household_type) = household_type else {
        return Err(AppError::Invalid(vec!["请选择户类型".into()]));
    };
    let edit = dixian_store::HouseholdEdit {
        group_no,
        address,
        phone,
        household_type,
        relocated: f.relocated,
        dibao: f.dibao,
        tekun: f.tekun,
        monitored: f.monitored,
    };
    Ok(store
        .update_household(actor, &code, &edit, &f.reason)
        .await?)
}

fn group_field(text: &str, problems: &mut Vec<FieldProblem>) -> Option<u16> {
    match text.trim() {
        "" => None,
        t => match t.trim_end_matches('组').parse::<u16>() {
            Ok(g) if (1..=999).contains(&g) => Some(g),
            _ => {
                problems.push(("group_no", format!("村民小组“{t}”无效，应为1到999的数字")));
                None
            }
        },
    }
}

fn address_field(text: &str, problems: &mut Vec<FieldProblem>) -> String {
    let address = text.trim().to_string();
    if address.is_empty() || address.chars().count() > 100 {
        problems.push(("address", "住址不能为空，最多100个字".into()));
    }
    address
}

fn is_phone(p: &str) -> bool {
    (7..=20).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

/// The form registering a household by hand (新增农户): the household and its 户主; other
/// members join afterwards as arrivals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewHouseholdForm {
    pub village: String,
    /// Empty: the next free code of the village.
    pub code: String,
    pub group_no: String,
    pub address: String,
    pub phone: String,
    pub bank_account: String,
    pub household_type: String,
    pub relocated: bool,
    pub dibao: bool,
    pub tekun: bool,
    pub monitored: bool,
    /// The head's details; its arrival and relation are not used.
    pub head: ArrivalForm,
    pub reason: String,
}

/// The villages a household may be registered in by `actor`: those of its jurisdiction.
pub async fn villages_for(
    store: &dyn Store,
    actor: &Actor,
) -> Result<Vec<dixian_domain::division::Division>, AppError> {
    let roots = match &actor.scope {
        dixian_domain::access::Scope::Within(root) => vec![*root],
        dixian_domain::access::Scope::Everything => store
            .root_divisions()
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect(),
    };
    let mut out = Vec::new();
    for root in roots {
        out.extend(
            store
                .divisions_within(&root)
                .await?
                .into_iter()
                .filter(|d| d.code.level() == dixian_domain::division::DivisionLevel::Village),
        );
    }
    Ok(out)
}

/// Registers a household from the form; every problem is named. Returns its code.
pub async fn create_household(
    store: &dyn Store,
    actor: &Actor,
    f: &NewHouseholdForm,
    today: NaiveDate,
) -> Result<HouseholdCode, AppError> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let village = match DivisionCode::parse(f.village.trim()) {
        Ok(v) if v.level() == dixian_domain::division::DivisionLevel::Village => Some(v),
        _ => {
            problems.push(("village", "请选择村".into()));
            None
        }
    };
    let code = match (f.code.trim(), &village) {
        ("", _) | (_, None) => None,
        (t, Some(v)) => match HouseholdCode::parse(t) {
            Ok(c) if c.village().as_ref() == Some(v) => Some(c),
            Ok(_) => {
                problems.push(("code", format!("户编号{t}不属于所选的村")));
                None
            }
            Err(e) => {
                problems.push(("code", format!("户编号：{e}")));
                None
            }
        },
    };
    let group_no = group_field(&f.group_no, &mut problems);
    let address = address_field(&f.address, &mut problems);
    let phone = match f.phone.trim() {
        "" => None,
        p if is_phone(p) => Some(p.to_string()),
        p => {
            problems.push(("phone", format!("联系电话“{p}”无效")));
            None
        }
    };
    let bank_account = match f.bank_account.trim() {
        "" => None,
        b if (12..=30).contains(&b.len()) && b.bytes().all(|c| c.is_ascii_digit()) => {
            Some(b.to_string())
        }
        b => {
            problems.push(("bank_account", format!("一卡通账号“{b}”应为12到30位数字")));
            None
        }
    };
    let household_type = HouseholdType::parse(f.household_type.trim());
    if household_type.is_none() {
        problems.push(("household_type", "请选择户类型".into()));
    }
    let head = new_person(&f.head, Relation::Head, "户主", today, &mut problems);
    let (Some(village), Some(household_type), Some(head), true) =
        (village, household_type, head, problems.is_empty())
    else {
        return Err(AppError::Fields(problems));
    };
    let code = match code {
        Some(c) => c,
        None => store.next_household_code(actor, &village).await?,
    };
    let record = dixian_domain::registry::HouseholdRecord {
        household: dixian_domain::registry::Household {
            code: code.clone(),
            village,
            group_no,
            address,
            phone,
            bank_account,
            household_type,
            relocated: f.relocated,
            dibao: f.dibao,
            tekun: f.tekun,
            monitored: f.monitored,
        },
        members: vec![head],
        incomes: Vec::new(),
        assurance: None,
    };
    if !store
        .existing_households(actor, std::slice::from_ref(&code))
        .await?
        .is_empty()
    {
        return Err(AppError::Invalid(vec![format!("户编号{code}已登记")]));
    }
    store
        .import_households(actor, &[record], &[], &f.reason, &|_, _| {})
        .await?;
    Ok(code)
}

/// Records a member's death, moving out or return, as typed on the household page of
/// `code_text`; the person must be a member of that household.
pub async fn change_status(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    person_id: i64,
    status_text: &str,
    date_text: &str,
    reason: &str,
) -> Result<(), AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let household = store
        .household(actor, &code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("户编号{code}不存在")))?;
    if !household.members.iter().any(|m| m.person_id == person_id) {
        return Err(AppError::Invalid(vec![format!("户{code}没有这名成员")]));
    }
    let status = LivingStatus::parse(status_text.trim())
        .ok_or_else(|| AppError::Invalid(vec!["请选择人员状态".into()]))?;
    let on = policy::parse_date(date_text)?;
    Ok(store
        .set_person_status(actor, person_id, status, on, reason)
        .await?)
}

/// The form of a member joining a household (新增成员：出生、婚入、迁入), as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrivalForm {
    pub arrival: String,
    pub id_number: String,
    pub name: String,
    pub relation: String,
    pub labour: String,
    pub health: String,
    pub schooling: String,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    /// Empty for a birth: the birth date from the ID number.
    pub date: String,
    pub reason: String,
}

impl Default for ArrivalForm {
    /// A newborn's usual answers, so a birth needs only the number, name and relation.
    fn default() -> Self {
        ArrivalForm {
            arrival: MemberArrival::Birth.code().into(),
            id_number: String::new(),
            name: String::new(),
            relation: String::new(),
            labour: LabourCapacity::None.code().into(),
            health: Health::Healthy.code().into(),
            schooling: Schooling::Preschool.code().into(),
            medical_insurance: true,
            pension_insurance: false,
            date: String::new(),
            reason: String::new(),
        }
    }
}

/// A choice as typed, or `None` with "请选择…" said beside field `field`.
fn pick_into<T>(
    text: &str,
    parse: fn(&str) -> Option<T>,
    label: &str,
    field: &'static str,
    problems: &mut Vec<FieldProblem>,
) -> Option<T> {
    let v = parse(text.trim());
    if v.is_none() {
        problems.push((field, format!("请选择{label}")));
    }
    v
}

/// Adds a member to household `code_text` from the arrival form; every problem is named.
/// Returns the new person's id.
pub async fn add_member(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    f: &ArrivalForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut problems: Vec<FieldProblem> = Vec::new();
    let arrival = pick_into(
        &f.arrival,
        MemberArrival::parse,
        "增加方式",
        "arrival",
        &mut problems,
    );
    let relation = pick_into(
        &f.relation,
        Relation::parse,
        "与户主关系",
        "relation",
        &mut problems,
    );
    // Every field is checked even when the relation is missing, so all problems are named.
    let person = new_person(
        f,
        relation.unwrap_or(Relation::Other),
        "",
        today,
        &mut problems,
    );
    let on = match (f.date.trim(), arrival, &person) {
        ("", Some(MemberArrival::Birth), Some(p)) => Some(p.birth_date),
        ("", _, _) => {
            problems.push(("date", "请填写日期".into()));
            None
        }
        (t, _, _) => match policy::parse_date(t) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(("date", e.to_string()));
                None
            }
        },
    };
    let (Some(arrival), Some(_), Some(person), Some(on), true) =
        (arrival, relation, person, on, problems.is_empty())
    else {
        return Err(AppError::Fields(problems));
    };
    Ok(store
        .add_member(actor, &code, &person, arrival, on, &f.reason)
        .await?)
}

/// A person joining the registry, living in the household, from the fields of an arrival
/// form (its arrival and relation aside); `who` prefixes the messages (“户主”).
fn new_person(
    f: &ArrivalForm,
    relation: Relation,
    who: &str,
    today: NaiveDate,
    problems: &mut Vec<FieldProblem>,
) -> Option<Person> {
    let id = match IdNumber::parse(f.id_number.trim(), today) {
        Ok(id) => Some(id),
        Err(e) => {
            problems.push(("id_number", format!("{who}身份证号：{e}")));
            None
        }
    };
    let name = f.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 30 {
        problems.push(("name", format!("{who}姓名不能为空，最多30个字")));
    }
    let labour = pick_into(
        &f.labour,
        LabourCapacity::parse,
        "劳动能力",
        "labour",
        problems,
    );
    let health = pick_into(&f.health, Health::parse, "健康状况", "health", problems);
    let schooling = pick_into(
        &f.schooling,
        Schooling::parse,
        "在校生状况",
        "schooling",
        problems,
    );
    let id = id?;
    Some(Person {
        sex: id.sex(),
        birth_date: id.birth_date(),
        id_number: id,
        name,
        relation,
        labour: labour?,
        health: health?,
        disability: None,
        schooling: schooling?,
        medical_insurance: f.medical_insurance,
        pension_insurance: f.pension_insurance,
        employment_months: 0,
        employment_place: None,
        public_payroll: false,
        status: LivingStatus::InHousehold,
    })
}

/// The income form's fields of the components, in the order of
/// [`dixian_domain::changes::income_components`]: what its problems are named by.
pub const INCOME_FIELDS: [&str; 11] = [
    "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10",
];

/// The income form: a year and its components as typed (empty is zero).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncomeForm {
    pub year: String,
    /// In the order of [`dixian_domain::changes::income_components`].
    pub amounts: Vec<String>,
    pub reason: String,
}

impl IncomeForm {
    /// The form filled with a recorded year.
    pub fn of(i: &Income) -> IncomeForm {
        IncomeForm {
            year: i.year.to_string(),
            amounts: income_components(i)
                .iter()
                .map(|(_, m)| m.to_string())
                .collect(),
            reason: String::new(),
        }
    }
}

/// Records or corrects one year's income of household `code_text`; every problem is named.
pub async fn set_income(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    f: &IncomeForm,
    today: NaiveDate,
) -> Result<Vec<dixian_store::FieldChange>, AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut problems: Vec<FieldProblem> = Vec::new();
    let last = today.year() + 1;
    let year = match f.year.trim().trim_end_matches('年').parse::<i32>() {
        Ok(y) if (2000..=last).contains(&y) => y,
        _ => {
            problems.push((
                "year",
                format!("年度“{}”无效，应为2000到{last}年", f.year.trim()),
            ));
            0
        }
    };
    let names = income_components(&Income::default()).map(|(n, _)| n);
    let mut amounts = [Money::ZERO; 11];
    for (k, name) in names.iter().enumerate() {
        let text = f.amounts.get(k).map(|s| s.trim()).unwrap_or("");
        if text.is_empty() {
            continue;
        }
        match Money::parse(text) {
            Ok(m) if m >= Money::ZERO => amounts[k] = m,
            Ok(_) => problems.push((INCOME_FIELDS[k], format!("{name}不能为负数"))),
            Err(e) => problems.push((INCOME_FIELDS[k], format!("{name}“{text}”无效：{e}"))),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let [
        wage,
        business,
        property,
        transfer_pension,
        transfer_dibao,
        transfer_tekun,
        transfer_eco,
        transfer_other,
        business_expense,
        medical_self_pay,
        insurance_claims,
    ] = amounts;
    let income = Income {
        year,
        wage,
        business,
        property,
        transfer_pension,
        transfer_dibao,
        transfer_tekun,
        transfer_eco,
        transfer_other,
        business_expense,
        medical_self_pay,
        insurance_claims,
    };
    Ok(store.set_income(actor, &code, &income, &f.reason).await?)
}

/// One member's row of the members form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberRowForm {
    pub person_id: i64,
    pub name: String,
    pub relation: String,
    pub labour: String,
    pub health: String,
    /// A disability category code, or empty for none.
    pub disability: String,
    pub disability_grade: String,
    pub schooling: String,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    pub employment_months: String,
    pub employment_place: String,
    pub public_payroll: bool,
}

impl MemberRowForm {
    /// The row filled with a member as recorded.
    pub fn of(m: &dixian_store::MemberView) -> MemberRowForm {
        MemberRowForm {
            person_id: m.person_id,
            name: m.name.clone(),
            relation: m.relation.code().into(),
            labour: m.labour.code().into(),
            health: m.health.code().into(),
            disability: m
                .disability
                .map(|(c, _)| c.code().to_string())
                .unwrap_or_default(),
            disability_grade: m.disability.map(|(_, g)| g.to_string()).unwrap_or_default(),
            schooling: m.schooling.code().into(),
            medical_insurance: m.medical_insurance,
            pension_insurance: m.pension_insurance,
            employment_months: m.employment_months.to_string(),
            employment_place: m.employment_place.clone().unwrap_or_default(),
            public_payroll: m.public_payroll,
        }
    }

    /// The row's details, or `None` with its problems pushed, each by its field (`name`,
    /// `relation`, `labour`, `health`, `schooling`, `grade`, `months`) and naming the member.
    fn details(&self, problems: &mut Vec<FieldProblem>) -> Option<MemberDetails> {
        let who = if self.name.trim().is_empty() {
            "成员"
        } else {
            self.name.trim()
        };
        if self.name.trim().is_empty() {
            problems.push(("name", "成员姓名不能为空".into()));
        }
        let named = |what: &str| format!("{who}的{what}");
        let relation = pick_into(
            &self.relation,
            Relation::parse,
            &named("与户主关系"),
            "relation",
            problems,
        );
        let labour = pick_into(
            &self.labour,
            LabourCapacity::parse,
            &named("劳动能力"),
            "labour",
            problems,
        );
        let health = pick_into(
            &self.health,
            Health::parse,
            &named("健康状况"),
            "health",
            problems,
        );
        let schooling = pick_into(
            &self.schooling,
            Schooling::parse,
            &named("在校生状况"),
            "schooling",
            problems,
        );
        let disability = match (self.disability.trim(), self.disability_grade.trim()) {
            ("", "") => None,
            (c, g) => match (DisabilityCategory::parse(c), g.parse::<u8>()) {
                (Some(c), Ok(g)) if (1..=4).contains(&g) => Some((c, g)),
                _ => {
                    problems.push((
                        "grade",
                        format!("{who}：残疾类别和残疾等级（1至4级）须同时填写"),
                    ));
                    None
                }
            },
        };
        let months = match self.employment_months.trim() {
            "" => 0,
            t => match t.parse::<u8>() {
                Ok(m) if m <= 12 => m,
                _ => {
                    problems.push(("months", format!("{who}：务工月数“{t}”应为0到12")));
                    0
                }
            },
        };
        let place = self.employment_place.trim();
        Some(MemberDetails {
            name: self.name.trim().to_string(),
            relation: relation?,
            labour: labour?,
            health: health?,
            disability,
            schooling: schooling?,
            medical_insurance: self.medical_insurance,
            pension_insurance: self.pension_insurance,
            employment_months: months,
            employment_place: (!place.is_empty()).then(|| place.to_string()),
            public_payroll: self.public_payroll,
        })
    }
}

/// Every problem of the members form at once, by row (0-based) and field, so each can be
/// said beside its box; empty when every row reads.
pub fn member_form_problems(rows: &[MemberRowForm]) -> Vec<(usize, &'static str, String)> {
    member_edits(rows).1
}

/// Each row's details by person, and every problem by row and field.
type MemberEdits = (
    Vec<(i64, MemberDetails)>,
    Vec<(usize, &'static str, String)>,
);

fn member_edits(rows: &[MemberRowForm]) -> MemberEdits {
    let mut edits = Vec::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut problems = Vec::new();
        if let Some(d) = r.details(&mut problems) {
            edits.push((r.person_id, d));
        }
        out.extend(problems.into_iter().map(|(f, m)| (i, f, m)));
    }
    (edits, out)
}

/// Saves the members form of household `code_text`: every member's details at once, so
/// the 户主 can pass from one member to another in one change.
pub async fn update_members(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    rows: &[MemberRowForm],
    reason: &str,
) -> Result<Vec<dixian_store::FieldChange>, AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let (edits, problems) = member_edits(rows);
    if !problems.is_empty() {
        return Err(AppError::Invalid(
            problems.into_iter().map(|(_, _, m)| m).collect(),
        ));
    }
    Ok(store.update_members(actor, &code, &edits, reason).await?)
}

/// The form of a check of 两不愁, housing and water, as typed: yes/no fields are checkboxes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssuranceForm {
    pub food_clothing: bool,
    /// A code (a, b, c, d) or empty for not rated.
    pub housing: String,
    pub water_quantity: bool,
    pub water_quality: bool,
    pub water_convenience: bool,
    pub water_guarantee: bool,
    pub note: String,
    pub reason: String,
}

impl AssuranceForm {
    /// The form filled with the recorded check, or all met for a first check.
    pub fn of(a: Option<&Assurance>) -> AssuranceForm {
        match a {
            Some(a) => AssuranceForm {
                food_clothing: a.food_clothing,
                housing: a.housing.map(|h| h.code().to_string()).unwrap_or_default(),
                water_quantity: a.water_quantity,
                water_quality: a.water_quality,
                water_convenience: a.water_convenience,
                water_guarantee: a.water_guarantee,
                note: a.note.clone().unwrap_or_default(),
                reason: String::new(),
            },
            None => AssuranceForm {
                food_clothing: true,
                water_quantity: true,
                water_quality: true,
                water_convenience: true,
                water_guarantee: true,
                ..AssuranceForm::default()
            },
        }
    }
}

/// Records a check of household `code_text`'s 两不愁, housing and water.
pub async fn set_assurance(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    f: &AssuranceForm,
) -> Result<Vec<dixian_store::FieldChange>, AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut problems: Vec<FieldProblem> = Vec::new();
    let housing = match f.housing.trim() {
        "" => None,
        t => {
            let h = HousingRating::parse(t);
            if h.is_none() {
                problems.push(("housing", format!("住房安全等级“{t}”无效")));
            }
            h
        }
    };
    let note = f.note.trim();
    if note.chars().count() > 200 {
        problems.push(("note", "保障情况说明过长（最多200个字）".into()));
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let assurance = Assurance {
        food_clothing: f.food_clothing,
        housing,
        water_quantity: f.water_quantity,
        water_quality: f.water_quality,
        water_convenience: f.water_convenience,
        water_guarantee: f.water_guarantee,
        note: (!note.is_empty()).then(|| note.to_string()),
    };
    Ok(store
        .set_assurance(actor, &code, &assurance, &f.reason)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_field_by_field() {
        let q = HouseholdQuery {
            within: "5002".into(),
            household_type: "富裕户".into(),
            dibao: "也许".into(),
            id_number: "500299199001010010".into(),
            ..Default::default()
        };
        let e = q.filter(30).unwrap_err().to_string();
        assert!(e.contains("区划："), "{e}");
        assert!(e.contains("户类型“富裕户”无效"), "{e}");
        assert!(e.contains("低保应为“是”或“否”"), "{e}");
        assert!(e.contains("身份证号有误"), "{e}");
        let ok = HouseholdQuery {
            household_type: "脱贫户".into(),
            monitored: "1".into(),
            name: " 张 ".into(),
            page: 3,
            ..Default::default()
        }
        .filter(30)
        .unwrap();
        assert_eq!(ok.household_type, Some(HouseholdType::PovertyAlleviated));
        assert_eq!(ok.monitored, Some(true));
        assert_eq!(ok.head_name.as_deref(), Some("张"));
        assert_eq!((ok.offset, ok.limit), (60, 30));
    }
}
