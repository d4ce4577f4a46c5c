//! Whole case histories written at once (案件历史): the state machine has already made every
//! step, so instead of one transaction per step (a dozen statements each) a batch of cases
//! goes in as a handful of multi-row statements. The demo county's tens of thousands of
//! cases are made this way; the checks are those of the step-by-step path.

use super::{ATTACHMENT_COLUMNS, CASE_FIELDS, F_ATTACHMENT};
use super::{PreparedLead, text};
use crate::registry::{ASSURANCE_COLUMNS, AssuranceRow};
use crate::{BATCH_ROWS, Db, SqlStore, audit, backend, corrupt, crypto};
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Role};
use dixian_domain::changes::{assurance_changes, income_changes};
use dixian_domain::monitoring::{Case, Event, LeadStatus};
use dixian_store::files::MAX_ATTACHMENT_BYTES;
use dixian_store::prelude::*;
use dixian_store::{CaseHistory, FieldChange, StepEffect, StoreError, StoreResult};
use std::collections::{BTreeMap, HashMap};

/// Rows of one statement: the bind limit is 32,766 on SQLite and 65,535 on PostgreSQL, and
/// the widest row here has 24 columns.
const ROWS: usize = BATCH_ROWS;

/// A history checked and ready to write.
pub(super) struct Checked<'a> {
    history: &'a CaseHistory,
    lead: PreparedLead,
    pub(super) hid: i64,
    /// Account id, username and start day of each 帮扶责任人 assigned on the way.
    cadres: Vec<(i64, String, NaiveDate)>,
    attachment_names: Vec<String>,
    assurance_reason: Option<String>,
    income_reason: Option<String>,
}

impl Checked<'_> {
    pub(super) fn last(&self) -> &Case {
        // Checked histories have at least one step.
        &self.history.steps[self.history.steps.len() - 1]
            .outcome
            .case
    }
}

/// The reason a household's 监测对象 flag moved: the last step that moved it.
fn flag_reason(h: &CaseHistory, case_id: i64) -> String {
    let moved = h
        .steps
        .windows(2)
        .rev()
        .find(|w| w[0].outcome.case.state.is_included() != w[1].outcome.case.state.is_included())
        .map_or(&h.steps[0], |w| &w[1]);
    format!("{}（案件#{case_id}）", moved.outcome.event.action.label())
}

/// What the case's one audit record says about it.
fn audit_detail(c: &Checked<'_>, case_id: i64, lead_id: i64, flag: Option<bool>) -> String {
    let h = c.history;
    let measures = h
        .steps
        .iter()
        .filter(|s| matches!(s.effect, StepEffect::PutMeasure(_)))
        .count();
    serde_json::json!({
        "case": case_id,
        "lead": lead_id,
        "household": c.last().household.as_str(),
        "state": c.last().state.code(),
        "steps": h.steps.iter().map(|s| s.outcome.event.action.code()).collect::<Vec<_>>(),
        "measures": measures,
        "cadres": c.cadres.iter().map(|(_, u, _)| u.as_str()).collect::<Vec<_>>(),
        "attachments": c.attachment_names,
        "assurance": c.assurance_reason,
        "income": c.history.income.as_ref().map(|(i, _)| i.year),
        "monitored": flag,
    })
    .to_string()
}

/// One row of `case_events`: the case, its seq, who, and the event.
type EventRow<'a> = (i64, i64, &'a str, &'a Event);

/// Writes checked histories `$checked` inside transaction `$tx`; gives the case ids.
macro_rules! write_histories_in {
    ($self:ident, $tx:ident, $actor:expr, $checked:expr) => {{
        let actor: &Actor = $actor;
        let checked: &[Checked<'_>] = $checked;
        let n = i64::try_from(checked.len()).unwrap_or(i64::MAX);
        let now = audit::timestamp(Utc::now());
        let count = |f: &dyn Fn(&Checked<'_>) -> usize| -> i64 {
            i64::try_from(checked.iter().map(f).sum::<usize>()).unwrap_or(i64::MAX)
        };
        let first_lead: i64 = allocate!($tx, "monitoring_leads", n);
        let first_case: i64 = allocate!($tx, "monitoring_cases", n);
        let n_attachments = count(&|c| c.history.attachments.len());
        let n_measures = count(&|c| {
            c.history
                .steps
                .iter()
                .filter(|s| matches!(s.effect, StepEffect::PutMeasure(_)))
                .count()
        });
        let first_attachment: i64 = if n_attachments > 0 {
            allocate!($tx, "case_attachments", n_attachments)
        } else {
            0
        };
        let first_measure: i64 = if n_measures > 0 {
            allocate!($tx, "assistance_measures", n_measures)
        } else {
            0
        };
        let case_ids: Vec<i64> = (first_case..first_case + n).collect();

        // The households' flags and checks as they stand, for their history entries.
        let mut monitored: HashMap<i64, bool> = HashMap::new();
        let mut old_checks = HashMap::new();
        for chunk in checked.chunks(ROWS) {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, monitored FROM households WHERE id IN (");
            let mut list = qb.separated(", ");
            for c in chunk {
                list.push_bind(c.hid);
            }
            qb.push(")");
            let rows: Vec<(i64, bool)> = qb
                .build_query_as()
                .fetch_all(&mut *$tx)
                .await
                .map_err(backend)?;
            monitored.extend(rows);
            let checking: Vec<i64> = chunk
                .iter()
                .filter(|c| c.history.assurance.is_some())
                .map(|c| c.hid)
                .collect();
            if !checking.is_empty() {
                let mut qb = sqlx::QueryBuilder::new(format!(
                    "SELECT {ASSURANCE_COLUMNS} FROM household_assurance WHERE household_id IN ("
                ));
                let mut list = qb.separated(", ");
                for hid in checking {
                    list.push_bind(hid);
                }
                qb.push(")");
                let rows: Vec<AssuranceRow> = qb
                    .build_query_as()
                    .fetch_all(&mut *$tx)
                    .await
                    .map_err(backend)?;
                for r in rows {
                    let hid = r.household_id;
                    old_checks.insert(hid, r.into_domain()?);
                }
            }
        }

        // The cases as their last step left them.
        for (k, chunk) in checked.chunks(ROWS).enumerate() {
            let base = i64::try_from(k * ROWS).unwrap_or(i64::MAX);
            let mut qb = sqlx::QueryBuilder::new(format!(
                "INSERT INTO monitoring_cases (id, household_id, village, household_code, {}) ",
                CASE_FIELDS.join(", ")
            ));
            qb.push_values((base..).zip(chunk), |mut b, (i, c)| {
                b.push_bind(first_case + i)
                    .push_bind(c.hid)
                    .push_bind(c.lead.village.to_string())
                    .push_bind(c.last().household.as_str().to_string());
                bind_case!(b, c.last(), push_bind);
            });
            qb.build().execute(&mut *$tx).await.map_err(backend)?;
        }

        // Leads, accepted into their cases.
        for (k, chunk) in checked.chunks(ROWS).enumerate() {
            let base = i64::try_from(k * ROWS).unwrap_or(i64::MAX);
            let mut rows = Vec::with_capacity(chunk.len());
            for (i, c) in (base..).zip(chunk) {
                let id = first_lead + i;
                let p = &c.lead;
                let (id_enc, id_bidx, phone_enc) =
                    $self.seal_applicant(id, p.lead.applicant.as_ref())?;
                rows.push((id, first_case + i, c, id_enc, id_bidx, phone_enc));
            }
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO monitoring_leads (id, village, household_id, channel, source, reason,
                   evidence, hardships, received_on, received_at, applicant_name,
                   applicant_id_enc, applicant_id_bidx, applicant_phone_enc, tracking_code,
                   status, case_id, created_by, decided_on) ",
            );
            qb.push_values(rows, |mut b, (id, case_id, c, id_enc, id_bidx, phone_enc)| {
                let p = &c.lead;
                b.push_bind(id)
                    .push_bind(p.village.to_string())
                    .push_bind(c.hid)
                    .push_bind(p.lead.channel.code())
                    .push_bind(p.source.clone())
                    .push_bind(p.reason.clone())
                    .push_bind(p.evidence.clone())
                    .push_bind(p.lead.hardships.join(","))
                    .push_bind(p.lead.received_on)
                    .push_bind(now.clone())
                    .push_bind(p.lead.applicant.as_ref().map(|a| a.name.trim().to_string()))
                    .push_bind(id_enc)
                    .push_bind(id_bidx)
                    .push_bind(phone_enc)
                    .push_bind(p.lead.tracking_code.clone())
                    .push_bind(LeadStatus::Accepted.code())
                    .push_bind(case_id)
                    .push_bind(c.history.steps[0].by.clone())
                    .push_bind(c.history.steps[0].outcome.event.on);
            });
            qb.build().execute(&mut *$tx).await.map_err(backend)?;
        }

        // Their histories.
        let events: Vec<EventRow<'_>> = checked
            .iter()
            .zip(&case_ids)
            .flat_map(|(c, id)| {
                (1i64..)
                    .zip(&c.history.steps)
                    .map(move |(seq, s)| (*id, seq, s.by.as_str(), &s.outcome.event))
            })
            .collect();
        for chunk in events.chunks(ROWS) {
            let mut rows = Vec::with_capacity(chunk.len());
            for (case_id, seq, by, e) in chunk {
                let details =
                    serde_json::to_string(&e.details).map_err(|x| corrupt("案件记录", x))?;
                let flags = serde_json::to_string(&e.flags).map_err(|x| corrupt("案件记录", x))?;
                rows.push((*case_id, *seq, *by, *e, details, flags));
            }
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO case_events (case_id, seq, action, from_state, to_state, on_date, at,
                   actor, comment, due_on, details, flags) ",
            );
            qb.push_values(rows, |mut b, (case_id, seq, by, e, details, flags)| {
                b.push_bind(case_id)
                    .push_bind(seq)
                    .push_bind(e.action.code())
                    .push_bind(e.from.map(|s| s.code()))
                    .push_bind(e.to.code())
                    .push_bind(e.on)
                    .push_bind(now.clone())
                    .push_bind(by.to_string())
                    .push_bind(e.comment.clone())
                    .push_bind(e.due_on)
                    .push_bind(details)
                    .push_bind(flags);
            });
            qb.build().execute(&mut *$tx).await.map_err(backend)?;
        }

        // Measures, cadres and files.
        let mut measures = Vec::new();
        let mut cadres = Vec::new();
        let mut files = Vec::new();
        for (c, case_id) in checked.iter().zip(&case_ids) {
            for s in &c.history.steps {
                if let StepEffect::PutMeasure(m) = &s.effect {
                    measures.push((first_measure + i64::try_from(measures.len()).unwrap_or(0), *case_id, s.by.as_str(), m));
                }
            }
            for (uid, _, since) in &c.cadres {
                cadres.push((c.hid, *uid, audit::timestamp(crate::beijing_midnight(*since))));
            }
            for (file, name) in c.history.attachments.iter().zip(&c.attachment_names) {
                let by = c.history.steps[0].by.as_str();
                files.push((first_attachment + i64::try_from(files.len()).unwrap_or(0), *case_id, file, name, by));
            }
        }
        for chunk in measures.chunks(ROWS) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO assistance_measures (id, case_id, type_code, content, unit,
                   start_on, end_on, amount, status, effect, updated_at, updated_by) ",
            );
            qb.push_values(chunk, |mut b, (id, case_id, by, m)| {
                b.push_bind(*id)
                    .push_bind(*case_id)
                    .push_bind(m.type_code.clone())
                    .push_bind(m.content.trim().to_string())
                    .push_bind(m.unit.trim().to_string())
                    .push_bind(m.start_on)
                    .push_bind(m.end_on)
                    .push_bind(m.amount.fen())
                    .push_bind(m.status.code())
                    .push_bind(m.effect.trim().to_string())
                    .push_bind(now.clone())
                    .push_bind(by.to_string());
            });
            qb.build().execute(&mut *$tx).await.map_err(backend)?;
        }
        for chunk in cadres.chunks(ROWS) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO cadre_assignments (household_id, user_id, assigned_at) ",
            );
            qb.push_values(chunk, |mut b, (hid, uid, since)| {
                b.push_bind(*hid).push_bind(*uid).push_bind(since.clone());
            });
            qb.push(" ON CONFLICT (household_id, user_id) DO NOTHING");
            qb.build().execute(&mut *$tx).await.map_err(backend)?;
        }
        // Sealed files are large: a few per statement.
        for chunk in files.chunks(64) {
            let mut rows = Vec::with_capacity(chunk.len());
            for (id, case_id, file, name, by) in chunk {
                let sealed = $self
                    .cipher
                    .encrypt_bytes(F_ATTACHMENT, &id.to_string(), &file.bytes)
                    .map_err(crypto)?;
                rows.push((*id, *case_id, *file, *name, *by, sealed));
            }
            let mut qb = sqlx::QueryBuilder::new(format!(
                "INSERT INTO case_attachments ({ATTACHMENT_COLUMNS}, body_enc) "
            ));
            qb.push_values(rows, |mut b, (id, case_id, file, name, by, sealed)| {
                b.push_bind(id)
                    .push_bind(case_id)
                    .push_bind(file.kind.code())
                    .push_bind(name.clone())
                    .push_bind(file.content_type.clone())
                    .push_bind(i64::try_from(file.bytes.len()).unwrap_or(i64::MAX))
                    .push_bind(now.clone())
                    .push_bind(by.to_string())
                    .push_bind(sealed);
            });
            qb.build().execute(&mut *$tx).await.map_err(backend)?;
        }

        // The households: checks recorded, flags brought to the cases' states, each change
        // in the household's history.
        let mut history: Vec<(i64, String, &'static str, Vec<FieldChange>, String)> = Vec::new();
        let mut checks = Vec::new();
        let mut flags: BTreeMap<bool, Vec<i64>> = BTreeMap::new();
        let mut flag_moves = Vec::with_capacity(checked.len());
        for (c, case_id) in checked.iter().zip(&case_ids) {
            let by = c.history.steps[c.history.steps.len() - 1].by.clone();
            if let (Some((a, _)), Some(reason)) = (&c.history.assurance, &c.assurance_reason) {
                let changes = assurance_changes(old_checks.get(&c.hid), a);
                if !changes.is_empty() {
                    checks.push((c.hid, a));
                    history.push((c.hid, by.clone(), "assurance.update", changes, reason.clone()));
                }
            }
            // As step by step: the flag follows the steps that move a case in or out of
            // monitoring, and stays as the registry has it when none did.
            let moved = c.history.steps.windows(2).any(|w| {
                w[0].outcome.case.state.is_included() != w[1].outcome.case.state.is_included()
            });
            if let (Some((income, _)), Some(reason)) = (&c.history.income, &c.income_reason) {
                let old: Option<crate::registry::IncomeRow> = sqlx::query_as(
                    "SELECT year, wage, business, property, transfer_pension, transfer_dibao,
                            transfer_tekun, transfer_eco, transfer_other, business_expense,
                            medical_self_pay, insurance_claims
                     FROM household_incomes WHERE household_id = $1 AND year = $2",
                )
                .bind(c.hid)
                .bind(income.year)
                .fetch_optional(&mut *$tx)
                .await
                .map_err(backend)?;
                let old = old.map(crate::registry::IncomeRow::into_domain);
                let changes = income_changes(old.as_ref(), income);
                if !changes.is_empty() {
                    upsert_income!($tx, c.hid, income);
                    history.push((c.hid, by.clone(), "income.update", changes, reason.clone()));
                }
            }
            let now_included = c.last().state.is_included();
            let was = monitored.get(&c.hid).copied().unwrap_or(now_included);
            if !moved || was == now_included {
                flag_moves.push(None);
                continue;
            }
            flags.entry(now_included).or_default().push(c.hid);
            let yes = |b: bool| if b { "是" } else { "否" }.to_string();
            let changes = vec![FieldChange {
                field: "监测对象".into(),
                old: yes(was),
                new: yes(now_included),
            }];
            history.push((c.hid, by, "household.update", changes, flag_reason(c.history, *case_id)));
            flag_moves.push(Some(now_included));
        }
        for chunk in checks.chunks(ROWS) {
            let mut qb = sqlx::QueryBuilder::new(crate::INSERT_ASSURANCE);
            qb.push_values(chunk, |mut b, (hid, a)| {
                assurance_values!(b, *hid, *a);
            });
            qb.push(crate::ASSURANCE_REPLACES);
            qb.build().execute(&mut *$tx).await.map_err(backend)?;
        }
        for (value, hids) in &flags {
            for chunk in hids.chunks(ROWS) {
                let mut qb = sqlx::QueryBuilder::new("UPDATE households SET monitored = ");
                qb.push_bind(*value).push(" WHERE id IN (");
                let mut list = qb.separated(", ");
                for hid in chunk {
                    list.push_bind(*hid);
                }
                qb.push(")");
                qb.build().execute(&mut *$tx).await.map_err(backend)?;
            }
        }
        if !history.is_empty() {
            let first: i64 = allocate!(
                $tx,
                "household_events",
                i64::try_from(history.len()).unwrap_or(i64::MAX)
            );
            let mut rows = Vec::with_capacity(history.len());
            for (id, (hid, by, action, changes, reason)) in (first..).zip(&history) {
                let json = serde_json::to_string(changes).map_err(|e| corrupt("变更", e))?;
                rows.push((id, *hid, by, *action, json, reason));
            }
            for chunk in rows.chunks(ROWS) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO household_events (id, household_id, at, actor, action, changes, reason) ",
                );
                qb.push_values(chunk, |mut b, (id, hid, by, action, json, reason)| {
                    b.push_bind(*id)
                        .push_bind(*hid)
                        .push_bind(now.clone())
                        .push_bind((*by).clone())
                        .push_bind(*action)
                        .push_bind(json.clone())
                        .push_bind((*reason).clone());
                });
                qb.build().execute(&mut *$tx).await.map_err(backend)?;
            }
        }

        let entries: Vec<(String, String, String)> = checked
            .iter()
            .zip(&case_ids)
            .zip(flag_moves)
            .enumerate()
            .map(|(i, ((c, case_id), flag))| {
                let lead = first_lead + i64::try_from(i).unwrap_or(0);
                (
                    "case.history".to_string(),
                    format!("案件#{case_id}"),
                    audit_detail(c, *case_id, lead, flag),
                )
            })
            .collect();
        audit_many_in!($tx, actor, &entries);
        case_ids
    }};
}
impl SqlStore {
    /// The refusals of the step-by-step path, before anything is written.
    pub(super) async fn check_history<'a>(
        &self,
        actor: &Actor,
        h: &'a CaseHistory,
        cadre_accounts: &mut HashMap<i64, Option<String>>,
    ) -> StoreResult<Checked<'a>> {
        let Some(first) = h.steps.first() else {
            return Err(StoreError::Invalid("案件历史没有任何步骤".into()));
        };
        let code = &first.outcome.case.household;
        if first.outcome.event.from.is_some() {
            return Err(StoreError::Invalid(
                "案件历史的第一步须是立案（受理线索）".into(),
            ));
        }
        let mut cadres = Vec::new();
        for (k, s) in h.steps.iter().enumerate() {
            let case = &s.outcome.case;
            if case.household != *code {
                return Err(StoreError::Invalid(format!(
                    "第{}步的户编号{}与立案的{code}不一致",
                    k + 1,
                    case.household
                )));
            }
            if k > 0 {
                let before = &h.steps[k - 1].outcome.case;
                if case.version != before.version + 1 || s.outcome.event.from != Some(before.state)
                {
                    return Err(StoreError::Invalid(format!(
                        "第{}步不是接着上一步办理的（版本或状态不连续）",
                        k + 1
                    )));
                }
            }
            if s.by.trim().is_empty() {
                return Err(StoreError::Invalid(format!("第{}步没有办理人", k + 1)));
            }
            match &s.effect {
                StepEffect::None => {}
                StepEffect::PutMeasure(m) if m.id == 0 => {}
                StepEffect::PutMeasure(m) => {
                    return Err(StoreError::Invalid(format!(
                        "第{}步修改了不存在的措施#{}",
                        k + 1,
                        m.id
                    )));
                }
                StepEffect::AssignCadre { user_id } => {
                    let account = match cadre_accounts.get(user_id) {
                        Some(a) => a.clone(),
                        None => {
                            let a = self
                                .user_by_id(*user_id)
                                .await?
                                .filter(|u| u.role == Role::AssistanceCadre && !u.disabled)
                                .map(|u| u.username);
                            cadre_accounts.insert(*user_id, a.clone());
                            a
                        }
                    };
                    let Some(username) = account else {
                        return Err(StoreError::Invalid(format!(
                            "账号#{user_id}不是在用的帮扶责任人账号"
                        )));
                    };
                    cadres.push((*user_id, username, s.outcome.event.on));
                }
            }
        }
        let lead = self.prepare_lead(actor, &h.lead).await?;
        // A self-declaration finds its household by the applicant's ID number.
        let (Some(hid), Some(household)) = (lead.hid, &lead.household) else {
            return Err(StoreError::Invalid(format!(
                "线索找不到户{code}：请指明户编号，或申报人须是该户成员"
            )));
        };
        if household != code {
            return Err(StoreError::Invalid(format!(
                "线索的户{household}与案件的户{code}不一致"
            )));
        }
        if let Some(open) = lead.open {
            return Err(StoreError::Invalid(format!(
                "户{code}已有未结案件#{open}，不能再立案"
            )));
        }
        let mut attachment_names = Vec::with_capacity(h.attachments.len());
        for file in &h.attachments {
            if file.bytes.is_empty() {
                return Err(StoreError::Invalid(format!("附件“{}”是空文件", file.name)));
            }
            if file.bytes.len() > MAX_ATTACHMENT_BYTES {
                return Err(StoreError::Invalid(format!(
                    "附件“{}”超过{} MB上限",
                    file.name,
                    MAX_ATTACHMENT_BYTES / 1_048_576
                )));
            }
            attachment_names.push(text(&file.name, "附件名", 200)?);
        }
        let assurance_reason = match &h.assurance {
            Some((_, reason)) => Some(crate::registry::history::check_reason(reason)?),
            None => None,
        };
        let income_reason = match &h.income {
            Some((_, reason)) => Some(crate::registry::history::check_reason(reason)?),
            None => None,
        };
        Ok(Checked {
            history: h,
            lead,
            hid,
            cadres,
            attachment_names,
            assurance_reason,
            income_reason,
        })
    }
}

impl SqlStore {
    /// Writes histories that passed [`SqlStore::check_history`] in one transaction.
    pub(super) async fn write_checked(
        &self,
        actor: &Actor,
        checked: &[Checked<'_>],
    ) -> StoreResult<Vec<i64>> {
        let ids = match &self.db {
            Db::Sqlite { write, .. } => {
                let mut tx = write.begin_with("BEGIN IMMEDIATE").await.map_err(backend)?;
                let ids = write_histories_in!(self, tx, actor, checked);
                tx.commit().await.map_err(backend)?;
                ids
            }
            Db::Postgres(pg) => {
                let mut tx = pg.begin().await.map_err(backend)?;
                let ids = write_histories_in!(self, tx, actor, checked);
                tx.commit().await.map_err(backend)?;
                ids
            }
        };
        Ok(ids)
    }
}
