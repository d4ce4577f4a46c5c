//! Monitoring cases of the demo county (演示案件): every household the demo registered as a
//! 监测对象 gets its case file, and a spread of cases sits in every step — some overdue — so
//! the workflow shows on first start. Cases are made by the state machine itself, step by
//! step, with the dates the steps would have had; each case's history is then written at
//! once (`Store::record_histories`), a town's cases in a few statements.

use super::Rng;
use crate::AppError;
use chrono::{Datelike, Days, NaiveDate};
use dixian_domain::access::{Actor, Role, Scope};
use dixian_domain::assurance::{Assurance, HousingRating};
use dixian_domain::calendar::WorkCalendar;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::money::Money;
use dixian_domain::monitoring::{
    Action, AttachmentKind, Case, CaseState, Channel, Context, Deliberation, HouseholdFacts,
    Measure, MeasureStatus, Verification, can_work, fitting_categories, income_check,
    measure_type_name, open, transition,
};
use dixian_domain::policy::Policy;
use dixian_domain::registry::{HouseholdCode, HouseholdRecord, Income, LivingStatus};
use dixian_store::{
    Applicant, CaseFilter, CaseHistory, HistoryStep, HouseholdFilter, NewAttachment, NewLead,
    StepEffect, Store,
};
use std::collections::BTreeMap;

/// What was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseReport {
    pub leads: usize,
    pub cases: usize,
    pub visits: usize,
    pub by_state: BTreeMap<&'static str, usize>,
}

/// A demo account acting county-wide in `role`, as the demo's own steps are recorded.
pub(crate) fn demo_actor(name: &str, role: Role) -> Actor {
    Actor {
        user_id: None,
        name: name.to_string(),
        scope: Scope::Everything,
        source: None,
        role: Some(role),
    }
}

/// A small valid one-page PDF standing in for a scanned, signed 承诺授权书.
fn consent_pdf(code: &HouseholdCode) -> Vec<u8> {
    let text = format!("BT /F1 14 Tf 72 760 Td (Demo consent form, household {code}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

struct Maker {
    cal: WorkCalendar,
    packs: dixian_domain::policy::PolicySet,
    village: Actor,
    town: Actor,
    county: Actor,
    cadre: Actor,
    /// The demo's 帮扶责任人 account (id, name), assigned in the demo village.
    cadre_account: Option<(i64, String)>,
    demo_village: DivisionCode,
    /// The case being made, and its applied measures (for the elimination gates).
    current: Option<CaseHistory>,
    applied: usize,
    /// Made and not yet written.
    histories: Vec<CaseHistory>,
    leads: Vec<NewLead>,
    rng: Rng,
    report: CaseReport,
    as_of: NaiveDate,
}

/// Where a demo case is to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Lead,
    Verifying,
    Deliberation,
    Notice,
    TownReview,
    CountyReview,
    Monitored,
    GreenChannel,
    NotIncluded,
    ExitVerifying,
    Eliminated,
}

impl Maker {
    /// The policy for `village` on `on`, from the packs read once at the start.
    fn policy(&self, village: &DivisionCode, on: NaiveDate) -> Result<Policy, AppError> {
        crate::policy::resolve(&self.packs, village, on)
    }

    /// `n` working days after `d` (never past the demo's date).
    fn wd(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.cal
            .add_working_days(d, n)
            .map_or(d, |r| r.value)
            .min(self.as_of)
    }

    /// Takes one step as `who`; `None` if the machine refuses (the case stays where it is).
    fn step(
        &mut self,
        case: &Case,
        record: &HouseholdRecord,
        who: Role,
        on: NaiveDate,
        action: Action,
    ) -> Result<Option<Case>, AppError> {
        self.step_with(case, record, who, on, action, &StepEffect::None)
    }

    /// [`Maker::step`] writing `effect` too; the case's applied measures count for its gates.
    fn step_with(
        &mut self,
        case: &Case,
        record: &HouseholdRecord,
        who: Role,
        on: NaiveDate,
        action: Action,
        effect: &StepEffect,
    ) -> Result<Option<Case>, AppError> {
        let policy = self.policy(&record.household.village, on)?;
        let facts = HouseholdFacts::from(record);
        let ctx = Context {
            policy: &policy,
            calendar: &self.cal,
            on,
            role: Some(who),
            household: &facts,
            measures: self.applied,
        };
        let Ok(o) = transition(case, &action, &ctx) else {
            return Ok(None);
        };
        let actor = match who {
            Role::VillageOfficer => &self.village,
            Role::TownReviewer => &self.town,
            Role::AssistanceCadre => &self.cadre,
            _ => &self.county,
        };
        if let StepEffect::PutMeasure(m) = effect
            && m.applied()
        {
            self.applied += 1;
        }
        let next = o.case.clone();
        if let Some(h) = &mut self.current {
            h.steps.push(HistoryStep {
                by: actor.name.clone(),
                outcome: o,
                effect: effect.clone(),
            });
        }
        Ok(Some(next))
    }

    /// 明确帮扶责任人 and a plan for an included case: in the demo village the demo cadre
    /// account, elsewhere a cadre recorded by name; measures that answer the risk types and,
    /// where someone can work, a developmental one.
    fn assist(&mut self, case: Case, record: &HouseholdRecord) -> Result<Case, AppError> {
        const CADRES: [(&str, &str); 4] = [
            ("王建国", "区农业农村委"),
            ("陈晓燕", "区人力社保局"),
            ("刘志强", "石桥镇人民政府"),
            ("赵丽", "区教委"),
        ];
        let approved = case.approved_on.unwrap_or(case.opened_on);
        let mut case = case;
        let lag = 3 + u32::try_from(self.rng.below(9)).unwrap_or(0);
        let on = self.wd(approved, lag);
        let (name, unit) = *self.rng.pick(&CADRES);
        let (name, effect) = match (
            &self.cadre_account,
            record.household.village == self.demo_village,
        ) {
            (Some((id, display)), true) => {
                (display.clone(), StepEffect::AssignCadre { user_id: *id })
            }
            _ => (name.to_string(), StepEffect::None),
        };
        let assign = Action::AssignCadre {
            cadre: name,
            unit: unit.into(),
            political: "中共党员".into(),
            start: on,
        };
        if let Some(c) = self.step_with(&case, record, Role::TownReviewer, on, assign, &effect)? {
            case = c;
        }
        let policy = self.policy(&record.household.village, on)?;
        let facts = HouseholdFacts::from(record);
        let mut types: Vec<String> = Vec::new();
        for risk in &case.risk_types {
            if let Some(r) = policy.risk_types.iter().find(|r| &r.code == risk)
                && let Some(first) = r.requires_measures.first()
            {
                types.push(first.clone());
            }
        }
        if can_work(&facts) {
            types.push(if self.rng.per_mille(500) { "02" } else { "01" }.into());
        }
        if types.is_empty() {
            types.push("10".into());
        }
        types.dedup();
        let lag = 5 + u32::try_from(self.rng.below(8)).unwrap_or(0);
        let planned = self.wd(approved, lag);
        for t in types {
            let content = match t.as_str() {
                "01" => "发展中药材种植2亩，提供种苗和技术指导",
                "02" => "推荐到区内工业园区企业务工",
                "07" => "落实大病保险和医疗救助，签约家庭医生",
                "08" | "09" => "落实教育资助，减免学杂费",
                "10" => "纳入农村低保，按月发放低保金",
                _ => "落实相应帮扶措施",
            };
            let status = if self.rng.per_mille(300) {
                MeasureStatus::Done
            } else {
                MeasureStatus::Ongoing
            };
            let measure = Measure {
                id: 0,
                type_code: t.clone(),
                content: content.into(),
                unit: unit.into(),
                start_on: planned,
                end_on: None,
                amount: Money::from_fen(i64::try_from(self.rng.below(50)).unwrap_or(0) * 10_000),
                status,
                effect: if status == MeasureStatus::Done {
                    "已落实，家庭收入增加".into()
                } else {
                    String::new()
                },
            };
            let change = format!("新增{}：{content}", measure_type_name(&policy, &t));
            if let Some(c) = self.step_with(
                &case,
                record,
                Role::TownReviewer,
                planned,
                Action::RecordPlan { change },
                &StepEffect::PutMeasure(measure),
            )? {
                case = c;
            }
        }
        Ok(case)
    }

    /// A lead for `record` discovered on `found`.
    fn lead(
        &mut self,
        record: &HouseholdRecord,
        found: NaiveDate,
        channel: Channel,
        reason: &str,
    ) -> Result<NewLead, AppError> {
        let policy = self.policy(&record.household.village, found)?;
        let risk = self.rng.pick(&policy.risk_types).code.clone();
        let head = &record.members[0];
        let self_declared = channel == Channel::SelfDeclared;
        let lead = NewLead {
            village: record.household.village,
            household: (!self_declared).then(|| record.household.code.clone()),
            channel,
            source: if self_declared {
                "农户自主申报（网上）".into()
            } else {
                "驻村工作队入户排查".into()
            },
            reason: reason.to_string(),
            evidence: String::new(),
            hardships: vec![risk],
            received_on: found,
            applicant: self_declared.then(|| Applicant {
                name: head.name.clone(),
                id_number: head.id_number.clone(),
                phone: record.household.phone.clone(),
            }),
            tracking_code: self_declared.then(|| format!("SBDEMO{:06}", self.rng.below(1_000_000))),
        };
        self.report.leads += 1;
        Ok(lead)
    }

    /// Runs a case for `record` from discovery on `found` as far as `target`, and keeps its
    /// history (or, for `Lead`, the lead) to be written.
    fn case(
        &mut self,
        record: &HouseholdRecord,
        found: NaiveDate,
        target: Target,
        channel: Channel,
    ) -> Result<(), AppError> {
        const REASONS: [&str; 5] = [
            "家庭成员患大病住院，医疗支出大",
            "务工收入中断，家庭收入骤减",
            "暴雨导致房屋受损",
            "子女上学支出增加，家庭负担重",
            "家中主要劳动力意外受伤",
        ];
        let reason = *self.rng.pick(&REASONS);
        let lead = self.lead(record, found, channel, reason)?;
        if target == Target::Lead {
            self.leads.push(lead);
            return Ok(());
        }
        let case = self.run(record, found, target, lead, reason)?;
        tally(&case, &mut self.report);
        self.histories.extend(self.current.take());
        Ok(())
    }

    /// The steps of a case opened from `lead`, as far as `target`; gives where it stopped.
    fn run(
        &mut self,
        record: &HouseholdRecord,
        found: NaiveDate,
        target: Target,
        lead: NewLead,
        reason: &str,
    ) -> Result<Case, AppError> {
        let village = record.household.village;
        let accepted = self.wd(found, 1);
        let policy = self.policy(&village, accepted)?;
        let opened = open(
            &policy,
            &self.cal,
            record.household.code.clone(),
            found,
            accepted,
        )
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let mut case = opened.case.clone();
        self.applied = 0;
        self.current = Some(CaseHistory {
            lead,
            steps: vec![HistoryStep {
                by: self.town.name.clone(),
                outcome: opened,
                effect: StepEffect::None,
            }],
            // The signed 承诺授权书 the verification relies on.
            attachments: vec![NewAttachment {
                kind: AttachmentKind::Consent,
                name: "承诺授权书（演示）.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: consent_pdf(&record.household.code),
            }],
            assurance: None,
            income: None,
        });
        self.report.cases += 1;
        if target == Target::Verifying {
            return Ok(case);
        }
        if target == Target::GreenChannel {
            // 经村级研判: the village proposes on the day it accepts, the town agrees.
            let on = accepted;
            let propose = Action::ProposeGreenChannel {
                assessed_on: on,
                reason: "暴雨致房屋倒塌，村两委和驻村工作队研判须先行安置".into(),
            };
            if let Some(c) = self.step(&case, record, Role::VillageOfficer, on, propose)? {
                case = c;
            }
            let action = Action::GreenChannel {
                reason: "同意先行安排临时救助和安置".into(),
            };
            if let Some(c) = self.step(&case, record, Role::TownReviewer, on, action)? {
                case = c;
            }
            return Ok(case);
        }
        let visited = self.wd(accepted, 2);
        // The codes of the pack in force on the visit; a risk that needs someone able to
        // work only where someone can.
        let policy = self.policy(&village, visited)?;
        // A category that fits the household's type and income, as the verification checks.
        let facts = HouseholdFacts::from(record);
        let income = income_check(&facts, &policy, visited, Money::ZERO).ok();
        let fitting: Vec<&str> = fitting_categories(&policy, &facts, income.as_ref())
            .map(|c| c.code.as_str())
            .collect();
        let category = if fitting.is_empty() {
            self.rng.pick(&policy.object_categories).code.clone()
        } else {
            self.rng.pick(&fitting).to_string()
        };
        let able = can_work(&facts);
        let mut risks: Vec<_> = policy
            .risk_types
            .iter()
            .filter(|r| able || !r.needs_labour)
            .collect();
        if risks.is_empty() {
            risks = policy.risk_types.iter().collect();
        }
        let risk = self.rng.pick(&risks).code.clone();
        let verification = Verification {
            visited_on: Some(visited),
            verifiers: vec!["驻村工作队员".into(), "村监测信息员".into()],
            // The form goes in with the history and is numbered then; the machine needs
            // only to know it is there.
            consent_attachment: Some(0),
            risk_types: vec![risk],
            category: Some(category),
            findings: reason.to_string(),
            ..Verification::default()
        };
        let Some(c) = self.step(
            &case,
            record,
            Role::VillageOfficer,
            visited,
            Action::Verify(Box::new(verification)),
        )?
        else {
            return Ok(case);
        };
        case = c;
        if target == Target::NotIncluded {
            let on = self.wd(visited, 1);
            let action = Action::Close {
                reason: "经信息比对，家庭成员有财政供养人员，收入稳定，不符合纳入条件".into(),
            };
            if let Some(c) = self.step(&case, record, Role::TownReviewer, on, action)? {
                case = c;
            }
            return Ok(case);
        }
        if target == Target::Deliberation {
            return Ok(case);
        }
        let held = self.wd(visited, 1);
        let deliberation = Action::Deliberate(Deliberation {
            held_on: held,
            attendees: 18 + u32::try_from(self.rng.below(15)).unwrap_or(0),
            agreed: true,
            note: "村民代表会议评议同意".into(),
            notice_from: held,
            // A household the verification found in an exclusion rule is admitted by the
            // assembly as a special case, as the record says.
            overrides: case.exclusion_hits.clone(),
        });
        let Some(c) = self.step(&case, record, Role::VillageOfficer, held, deliberation)? else {
            return Ok(case);
        };
        case = c;
        if target == Target::Notice {
            return Ok(case);
        }
        let ended = case.notice_until.unwrap_or(held).min(self.as_of);
        let decided = self.wd(ended, 2);
        // A case verified under one pack may be decided under the next (2026 renamed the
        // categories): the county chooses a category of the pack in force on its day.
        let categories = self.policy(&village, decided)?.object_categories;
        let category = case
            .category
            .clone()
            .filter(|c| categories.iter().any(|i| &i.code == c))
            .or_else(|| categories.first().map(|i| i.code.clone()));
        let mut chain = vec![
            (Role::VillageOfficer, ended, Action::EndNotice),
            (Role::TownReviewer, self.wd(ended, 1), approve("同意上报")),
            (
                Role::CountyAdmin,
                decided,
                Action::Approve {
                    comment: "同意纳入".into(),
                    category,
                    risk_types: Vec::new(),
                },
            ),
        ];
        let stop = match target {
            Target::TownReview => 1,
            Target::CountyReview => 2,
            _ => 3,
        };
        chain.truncate(stop);
        for (who, on, action) in chain {
            match self.step(&case, record, who, on, action)? {
                Some(c) => case = c,
                None => break,
            }
        }
        // Most included households have their cadre and plan; a few are still owed them.
        if case.assisting() && (target != Target::Monitored || !self.rng.per_mille(150)) {
            case = self.assist(case, record)?;
        }
        if matches!(target, Target::ExitVerifying | Target::Eliminated)
            && case.state == CaseState::Monitored
        {
            case = self.eliminate(case, record, target)?;
        }
        Ok(case)
    }

    /// `record`'s income of `on`'s year, raised to 1.3–1.8 times the monitoring line per
    /// person if below it; `None` if it is above already.
    fn income_at_exit(
        &mut self,
        record: &HouseholdRecord,
        on: NaiveDate,
    ) -> Result<Option<Income>, AppError> {
        let line = self
            .policy(&record.household.village, on)?
            .monitoring_line
            .amount;
        let year = on.year();
        let members = record
            .members
            .iter()
            .filter(|m| m.status == LivingStatus::InHousehold)
            .count()
            .max(1);
        let base = record
            .incomes
            .iter()
            .filter(|i| i.year <= year)
            .max_by_key(|i| i.year)
            .cloned()
            .unwrap_or_default();
        let net = base
            .net()
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let tenths = 13 + i64::try_from(self.rng.below(6)).unwrap_or(0);
        let target = line
            .fen()
            .saturating_mul(i64::try_from(members).unwrap_or(1))
            .saturating_mul(tenths)
            / 10;
        if net.fen() >= target {
            return Ok(None);
        }
        Ok(Some(Income {
            year,
            wage: Money::from_fen(base.wage.fen().saturating_add(target - net.fen())),
            ..base
        }))
    }

    /// Proposes (and, for `Eliminated`, completes) a 自然消除 half a year after approval.
    fn eliminate(
        &mut self,
        case: Case,
        record: &HouseholdRecord,
        target: Target,
    ) -> Result<Case, AppError> {
        let approved = case.approved_on.unwrap_or(case.opened_on);
        let proposed = approved
            .checked_add_months(chrono::Months::new(7))
            .unwrap_or(approved)
            .min(self.as_of);
        let mut case = case;
        // 帮扶消除 where measures were applied and someone can work; otherwise 自然消除.
        let by_assistance = self.applied > 0 && can_work(&HouseholdFacts::from(record));
        let propose = Action::ProposeElimination {
            mode: if by_assistance { "1" } else { "2" }.into(),
            reason: "家庭成员已稳定就业，收入持续高于监测范围".into(),
        };
        let Some(c) = self.step(&case, record, Role::VillageOfficer, proposed, propose)? else {
            return Ok(case);
        };
        case = c;
        if target == Target::ExitVerifying {
            return Ok(case);
        }
        // The village checks 两不愁三保障 and water before verifying.
        let secure = Assurance {
            food_clothing: true,
            housing: Some(HousingRating::B),
            water_quantity: true,
            water_quality: true,
            water_convenience: true,
            water_guarantee: true,
            note: Some("消除前核查".into()),
        };
        if let Some(h) = &mut self.current {
            h.assurance = Some((secure.clone(), "风险消除前核查".into()));
        }
        let mut checked = record.clone();
        checked.assurance = Some(secure);
        let visited = self.wd(proposed, 2);
        // The year's income as the check finds it: the work and measures of the assistance
        // have lifted it above the monitoring line (why the village proposed elimination).
        if let Some(income) = self.income_at_exit(record, visited)? {
            checked.incomes.retain(|i| i.year != income.year);
            checked.incomes.push(income.clone());
            if let Some(h) = &mut self.current {
                h.income = Some((income, "风险消除核实：帮扶后家庭收入".into()));
            }
        }
        let v = Verification {
            visited_on: Some(visited),
            verifiers: vec!["驻村工作队员".into(), "村监测信息员".into()],
            stable_income_months: 6,
            rigid_expenditure_resolved: true,
            findings: "收入稳定，三保障和饮水安全有保障".into(),
            ..Verification::default()
        };
        let held = self.wd(visited, 1);
        let steps = [
            (Role::VillageOfficer, visited, Action::Verify(Box::new(v))),
            (
                Role::VillageOfficer,
                held,
                Action::Deliberate(Deliberation {
                    held_on: held,
                    attendees: 20,
                    agreed: true,
                    note: "评议同意消除".into(),
                    notice_from: held,
                    overrides: Vec::new(),
                }),
            ),
        ];
        for (who, on, action) in steps {
            match self.step(&case, &checked, who, on, action)? {
                Some(c) => case = c,
                None => return Ok(case),
            }
        }
        let ended = case.notice_until.unwrap_or(held).min(self.as_of);
        for (who, on, action) in [
            (Role::VillageOfficer, ended, Action::EndNotice),
            (Role::TownReviewer, self.wd(ended, 1), approve("同意")),
            (Role::CountyAdmin, self.wd(ended, 2), approve("确认消除")),
        ] {
            match self.step(&case, &checked, who, on, action)? {
                Some(c) => case = c,
                None => break,
            }
        }
        Ok(case)
    }
}

fn tally(c: &Case, report: &mut CaseReport) {
    *report.by_state.entry(c.state.label()).or_default() += 1;
}

fn approve(comment: &str) -> Action {
    Action::Approve {
        comment: comment.into(),
        category: None,
        risk_types: Vec::new(),
    }
}

/// Makes the demo cases of every town in `within` as of `as_of` (after the demo accounts,
/// so the demo cadre can be given households): a case file for each household registered as
/// 监测对象, and in each town a few cases on their way; in `town`, where the demo accounts
/// work, cases in every step, some overdue, mostly in `village`, with its monthly visits.
pub async fn load_cases(
    store: &dyn Store,
    within: &DivisionCode,
    town: &DivisionCode,
    village: &DivisionCode,
    seed: u64,
    as_of: NaiveDate,
) -> Result<CaseReport, AppError> {
    let system = Actor::system("dixian demo");
    let cadre_account = store
        .user_by_username("cadre")
        .await?
        .filter(|u| u.role == Role::AssistanceCadre)
        .map(|u| (u.id, u.display_name));
    let mut maker = Maker {
        cal: store.calendar().await?,
        packs: crate::policy::stored_set(store).await?,
        village: demo_actor("village", Role::VillageOfficer),
        town: demo_actor("town", Role::TownReviewer),
        county: demo_actor("county", Role::CountyAdmin),
        cadre: demo_actor("cadre", Role::AssistanceCadre),
        cadre_account,
        demo_village: *village,
        current: None,
        applied: 0,
        histories: Vec::new(),
        leads: Vec::new(),
        rng: Rng::new(seed ^ 0x5EED_CA5E),
        report: CaseReport::default(),
        as_of,
    };
    let towns: Vec<DivisionCode> = if within.level() == DivisionLevel::Town {
        vec![*within]
    } else {
        store
            .child_divisions(within)
            .await?
            .into_iter()
            .map(|d| d.code)
            .filter(|c| c.level() == DivisionLevel::Town)
            .collect()
    };
    // Identification in the demo starts no earlier than the year its incomes are for.
    let first_day = NaiveDate::from_ymd_opt(as_of.year() - 1, 1, 5).unwrap_or(as_of);
    let span = (as_of - first_day).num_days().max(240) - 210;
    let back = |wd: u32| -> NaiveDate {
        let mut d = as_of;
        for _ in 0..wd {
            d = d.pred_opt().unwrap_or(d);
            while !maker.cal.is_working_day(d).value {
                d = d.pred_opt().unwrap_or(d);
            }
        }
        d
    };
    let plan: [(Target, NaiveDate, Channel); 13] = [
        (Target::Lead, as_of, Channel::SelfDeclared),
        (Target::Lead, back(4), Channel::SelfDeclared),
        (Target::Verifying, back(2), Channel::CadreSurvey),
        (Target::Verifying, back(9), Channel::Hotline),
        (Target::Deliberation, back(5), Channel::CadreSurvey),
        (Target::Notice, back(6), Channel::SelfDeclared),
        (Target::Notice, back(5), Channel::CadreSurvey),
        // Long enough ago that its 15-day identification limit has passed even when it ran
        // to the working day after a weekend or a break.
        (Target::TownReview, back(14), Channel::Petition),
        (Target::CountyReview, back(12), Channel::CadreSurvey),
        (Target::CountyReview, back(16), Channel::Media),
        (Target::GreenChannel, back(3), Channel::CadreSurvey),
        (Target::Monitored, back(25), Channel::SelfDeclared),
        (Target::NotIncluded, back(20), Channel::CadreSurvey),
    ];
    // Every town has a few of its own on the way.
    let elsewhere = [
        (Target::Verifying, back(3), Channel::CadreSurvey),
        (Target::Notice, back(6), Channel::CadreSurvey),
        (Target::TownReview, back(10), Channel::CadreSurvey),
        (Target::Lead, back(1), Channel::CadreSurvey),
    ];
    let usable = |r: &HouseholdRecord| {
        !r.members.is_empty() && r.incomes.iter().any(|i| i.year < as_of.year())
    };
    for t in &towns {
        let monitored = records_of(store, &system, t, true, usize::MAX).await?;
        for (i, r) in monitored.iter().filter(|r| usable(r)).enumerate() {
            let found = first_day + Days::new(maker.rng.below(span.unsigned_abs()));
            // Most households found since the last year have had their risk eliminated, as
            // in the counties' reports (seed 004: 84.8% of identified people).
            let target = match i % 20 {
                0..=15 => Target::Eliminated,
                16 => Target::ExitVerifying,
                _ => Target::Monitored,
            };
            maker.case(r, found, target, Channel::CadreSurvey)?;
        }
        // The cases on their way: in the demo village first, then the rest of the town.
        let mut others = Vec::new();
        let steps: Vec<_> = if t == town {
            others.extend(records_of(store, &system, village, false, plan.len()).await?);
            plan.iter().chain(&elsewhere).collect()
        } else {
            elsewhere.iter().collect()
        };
        others.extend(records_of(store, &system, t, false, steps.len() * 2).await?);
        let mut seen = std::collections::HashSet::new();
        let mut pool = others
            .iter()
            .filter(|r| usable(r) && seen.insert(r.household.code.clone()));
        for (target, found, channel) in steps {
            let Some(r) = pool.next() else { break };
            maker.case(r, *found, *target, *channel)?;
        }
        for batch in maker.histories.chunks(500) {
            store.record_histories(&maker.county, batch).await?;
        }
        maker.histories.clear();
    }
    store.create_leads(&maker.village, &maker.leads).await?;
    flawed_incomes(store, town, as_of).await?;
    maker.report.visits = monthly_visits(store, town, &mut maker.rng, as_of).await?;
    Ok(maker.report)
}

/// Up to `limit` full records of the households in `within` whose 监测对象 flag is
/// `monitored`, in code order.
async fn records_of(
    store: &dyn Store,
    actor: &Actor,
    within: &DivisionCode,
    monitored: bool,
    limit: usize,
) -> Result<Vec<HouseholdRecord>, AppError> {
    let mut codes = Vec::new();
    let mut after = None;
    while codes.len() < limit {
        let page = store
            .households(
                actor,
                &HouseholdFilter {
                    within: Some(*within),
                    monitored: Some(monitored),
                    after_code: after.clone(),
                    limit: i64::try_from((limit - codes.len()).min(1000)).unwrap_or(1000),
                    ..HouseholdFilter::default()
                },
            )
            .await?;
        let Some(last) = page.rows.last() else { break };
        after = Some(last.code.clone());
        codes.extend(page.rows.into_iter().map(|s| s.code));
    }
    Ok(store.household_records(actor, &codes).await?)
}

/// What visitors find, month by month.
const FINDINGS: [(&str, &str); 5] = [
    ("家中生产生活正常，收入来源稳定", ""),
    ("户主身体恢复较好，可从事轻体力劳动", "联系村医每月随访"),
    ("子女按时上学，教育资助已到账", ""),
    ("务工收入有所下降", "推荐参加县里组织的招聘会"),
    ("养殖规模扩大，需技术指导", "联系农技站上门指导"),
];

/// Visits to the town's included households, roughly monthly over the last six months since
/// inclusion (until elimination), with a few months missed, as the 走访台账 would show.
async fn monthly_visits(
    store: &dyn Store,
    town: &DivisionCode,
    rng: &mut Rng,
    as_of: NaiveDate,
) -> Result<usize, AppError> {
    let system = Actor::system("dixian demo");
    let village = demo_actor("village", Role::VillageOfficer);
    let included = store
        .cases(
            &system,
            &CaseFilter {
                states: crate::dashboard::IDENTIFIED.to_vec(),
                within: Some(*town),
                limit: 10_000,
                ..CaseFilter::default()
            },
        )
        .await?;
    let start = as_of
        .checked_sub_months(chrono::Months::new(6))
        .unwrap_or(as_of);
    let mut made = 0;
    for c in &included {
        let Some(approved) = c.case.approved_on else {
            continue;
        };
        let until = c.case.eliminated_on.unwrap_or(as_of).min(as_of);
        let mut month = approved.max(start).with_day(1).unwrap_or(approved);
        while month <= until {
            let day = month + Days::new(rng.below(27) + 1);
            let (findings, follow_up) = FINDINGS[usize::try_from(rng.below(5)).unwrap_or(0)];
            if day >= approved && day <= until && !rng.chance(0.08) {
                store
                    .add_visit(
                        &village,
                        &dixian_store::NewVisit {
                            household: c.case.household.clone(),
                            case_id: Some(c.case.id),
                            visited_on: day,
                            visitors: vec!["村干部".into(), "帮扶责任人".into()],
                            findings: findings.into(),
                            follow_ups: follow_up.into(),
                            photos: Vec::new(),
                            drafts: Vec::new(),
                        },
                    )
                    .await?;
                made += 1;
            }
            month = month
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(until + Days::new(1));
        }
    }
    Ok(made)
}

/// Real data has flaws the consistency checks (数据质量) should find: two households whose
/// risk was eliminated this year get a late-entered income of this year below the line.
async fn flawed_incomes(
    store: &dyn Store,
    town: &DivisionCode,
    as_of: NaiveDate,
) -> Result<(), AppError> {
    let system = Actor::system("dixian demo");
    let eliminated = store
        .cases(
            &system,
            &CaseFilter {
                states: vec![CaseState::Eliminated],
                within: Some(*town),
                ..CaseFilter::default()
            },
        )
        .await?;
    let this_year = eliminated
        .iter()
        .filter(|c| {
            c.case
                .eliminated_on
                .is_some_and(|d| d.year() == as_of.year())
        })
        .take(2);
    for c in this_year {
        let income = Income {
            year: as_of.year(),
            wage: Money::from_fen(150_000 * c.people.max(1)),
            ..Income::default()
        };
        store
            .set_income(
                &system,
                &c.case.household,
                &income,
                "补录本年度收入（演示：待核实）",
            )
            .await?;
    }
    Ok(())
}
