//! Leads, cases, case history and attachments (防止返贫动态监测). The domain's state machine
//! decides every step; here each outcome is written with its history entry and audit record
//! in one transaction, scoped to the actor and guarded by the case's version.

use crate::{SqlStore, audit, backend, corrupt, crypto, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::money::Money;
use dixian_domain::monitoring::{
    ActionKind, AttachmentKind, Case, CaseState, Channel, Event, LeadStatus, Measure,
    MeasureStatus, Outcome,
};
use dixian_domain::registry::{HouseholdCode, mask_phone};
use dixian_store::CaseHistory;
use dixian_store::MonitoringStore;
use dixian_store::files::MAX_ATTACHMENT_BYTES;
use dixian_store::prelude::*;
use dixian_store::{
    Applicant, AttachmentMeta, CadreAccount, CaseEventRecord, CaseFact, CaseFile, CaseFilter,
    CaseSummary, FieldChange, LeadCreated, LeadFilter, LeadRecord, NewAttachment, NewLead,
    PublicLeadStatus, StepEffect, StepTimeliness, StoreError, StoreResult,
};
use std::collections::HashMap;
use std::collections::HashSet;

/// Field names of the sealed monitoring data (part of each ciphertext's associated data).
pub(crate) const F_APPLICANT_ID: &str = "lead.applicant_id";
pub(crate) const F_APPLICANT_PHONE: &str = "lead.applicant_phone";
pub(crate) const F_ATTACHMENT: &str = "case.attachment";

/// The case columns a step writes, in bind order.
const CASE_FIELDS: [&str; 24] = [
    "state",
    "version",
    "discovered_on",
    "opened_on",
    "identification_due",
    "step_since",
    "due_on",
    "paused_on",
    "notice_from",
    "notice_until",
    "category",
    "risk_types",
    "exclusion_hits",
    "exclusions_admitted",
    "green_channel_proposed_on",
    "green_channel_on",
    "approved_on",
    "elimination_mode",
    "eliminated_on",
    "closed_reason",
    "cadre_due",
    "plan_due",
    "cadre_on",
    "plan_on",
];

/// Binds `$case`'s fields to `$q` in the order of [`CASE_FIELDS`], with `$q`'s method `$m`
/// (`bind` on a query, `push_bind` on a row of a multi-row insert).
macro_rules! bind_case {
    ($q:expr, $case:expr) => {
        bind_case!($q, $case, bind)
    };
    ($q:expr, $case:expr, $m:ident) => {{
        let c: &Case = $case;
        $q.$m(c.state.code())
            .$m(c.version)
            .$m(c.discovered_on)
            .$m(c.opened_on)
            .$m(c.identification_due)
            .$m(c.step_since)
            .$m(c.due_on)
            .$m(c.paused_on)
            .$m(c.notice_from)
            .$m(c.notice_until)
            .$m(c.category.clone())
            .$m(c.risk_types.join(","))
            .$m(c.exclusion_hits.join(","))
            .$m(c.exclusions_admitted.join(","))
            .$m(c.green_channel_proposed_on)
            .$m(c.green_channel_on)
            .$m(c.approved_on)
            .$m(c.elimination_mode.clone())
            .$m(c.eliminated_on)
            .$m(c.closed_reason.clone())
            .$m(c.cadre_due)
            .$m(c.plan_due)
            .$m(c.cadre_on)
            .$m(c.plan_on)
    }};
}

/// Appends `$event` to case `$case_id`'s history inside `$tx`, as entry `$seq`.
macro_rules! case_event_in {
    ($tx:ident, $case_id:expr, $seq:expr, $actor:expr, $event:expr) => {{
        let e: &Event = $event;
        let details = serde_json::to_string(&e.details).map_err(|x| corrupt("案件记录", x))?;
        let flags = serde_json::to_string(&e.flags).map_err(|x| corrupt("案件记录", x))?;
        sqlx::query(
            "INSERT INTO case_events (case_id, seq, action, from_state, to_state, on_date, at,
               actor, comment, due_on, details, flags)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind($case_id)
        .bind($seq)
        .bind(e.action.code())
        .bind(e.from.map(|s| s.code()))
        .bind(e.to.code())
        .bind(e.on)
        .bind(audit::timestamp(Utc::now()))
        .bind(&$actor.name)
        .bind(&e.comment)
        .bind(e.due_on)
        .bind(details)
        .bind(flags)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
    }};
}

/// Inserts a new case from `$outcome` for household `$hid` inside `$tx`; gives its id.
macro_rules! open_case_in {
    ($tx:ident, $actor:expr, $hid:expr, $village:expr, $outcome:expr) => {{
        let o: &Outcome = $outcome;
        let id: i64 = allocate!($tx, "monitoring_cases", 1i64);
        let sql = format!(
            "INSERT INTO monitoring_cases (id, household_id, village, household_code, {})
             VALUES ($1, $2, $3, $4, {})",
            CASE_FIELDS.join(", "),
            (5..5 + CASE_FIELDS.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind($hid)
            .bind($village)
            .bind(o.case.household.as_str());
        bind_case!(q, &o.case)
            .execute(&mut *$tx)
            .await
            .map_err(backend)?;
        case_event_in!($tx, id, 1i64, $actor, &o.event);
        id
    }};
}

/// Writes prepared lead `$p` inside transaction `$tx` (with its attach event and audit
/// record); gives its id.
macro_rules! lead_in {
    ($tx:ident, $self:ident, $actor:expr, $p:expr, $now:expr) => {{
        let (actor, p, now): (&Actor, &PreparedLead, &str) = ($actor, $p, $now);
        let id: i64 = allocate!($tx, "monitoring_leads", 1i64);
        let (id_enc, id_bidx, phone_enc) = $self.seal_applicant(id, p.lead.applicant.as_ref())?;
        sqlx::query(
            "INSERT INTO monitoring_leads (id, village, household_id, channel, source, reason,
                   evidence, hardships, received_on, received_at, applicant_name,
                   applicant_id_enc, applicant_id_bidx, applicant_phone_enc, tracking_code,
                   status, case_id, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                   $17, $18)",
        )
        .bind(id)
        .bind(p.village.to_string())
        .bind(p.hid)
        .bind(p.lead.channel.code())
        .bind(&p.source)
        .bind(&p.reason)
        .bind(&p.evidence)
        .bind(p.lead.hardships.join(","))
        .bind(p.lead.received_on)
        .bind(now)
        .bind(p.lead.applicant.as_ref().map(|a| a.name.trim().to_string()))
        .bind(id_enc)
        .bind(id_bidx)
        .bind(phone_enc)
        .bind(p.lead.tracking_code.as_deref())
        .bind(p.status.code())
        .bind(p.open)
        .bind(&actor.name)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
        if let Some(case_id) = p.open {
            // The open case hears of it in its own history.
            let (seq, state): (i64, String) = sqlx::query_as(
                "SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = $1),
                       state FROM monitoring_cases WHERE id = $1",
            )
            .bind(case_id)
            .fetch_one(&mut *$tx)
            .await
            .map_err(backend)?;
            let state = CaseState::parse(&state).ok_or_else(|| corrupt("案件状态", &state))?;
            let event = attach_event(state, p.lead.received_on, &p.reason, p.lead.channel, id);
            case_event_in!($tx, case_id, seq, actor, &event);
        }
        let target = format!("线索#{id}");
        audit_in!($tx, actor, "p.lead.create", &target, &p.detail);
        id
    }};
}

/// A lead checked and ready to write.
pub(crate) struct PreparedLead {
    pub(crate) lead: NewLead,
    pub(crate) village: DivisionCode,
    pub(crate) hid: Option<i64>,
    pub(crate) open: Option<i64>,
    pub(crate) household: Option<HouseholdCode>,
    pub(crate) reason: String,
    pub(crate) source: String,
    pub(crate) evidence: String,
    pub(crate) status: LeadStatus,
    pub(crate) detail: String,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct CaseRow {
    id: i64,
    code: String,
    village: String,
    village_name: Option<String>,
    head_name: Option<String>,
    #[serde(deserialize_with = "crate::flex_bool")]
    has_cadre: bool,
    measures: i64,
    people: i64,
    state: String,
    version: i64,
    discovered_on: NaiveDate,
    opened_on: NaiveDate,
    identification_due: NaiveDate,
    step_since: NaiveDate,
    due_on: Option<NaiveDate>,
    paused_on: Option<NaiveDate>,
    notice_from: Option<NaiveDate>,
    notice_until: Option<NaiveDate>,
    category: Option<String>,
    risk_types: String,
    exclusion_hits: String,
    exclusions_admitted: String,
    green_channel_proposed_on: Option<NaiveDate>,
    green_channel_on: Option<NaiveDate>,
    approved_on: Option<NaiveDate>,
    elimination_mode: Option<String>,
    eliminated_on: Option<NaiveDate>,
    closed_reason: Option<String>,
    cadre_due: Option<NaiveDate>,
    plan_due: Option<NaiveDate>,
    cadre_on: Option<NaiveDate>,
    plan_on: Option<NaiveDate>,
}

/// Living members of the case's household: the one definition of a case's people.
/// A case's household's living members (在户人数), kept on the case by triggers (migration 13).
const PEOPLE: &str = "c.people";

/// The columns of a [`CaseRow`], for `json_rows!`.
fn case_row_columns() -> Vec<&'static str> {
    let mut columns = vec![
        "id",
        "code",
        "village",
        "village_name",
        "head_name",
        "has_cadre",
        "measures",
        "people",
    ];
    columns.extend(CASE_FIELDS);
    columns
}

fn case_select() -> String {
    format!(
        "SELECT c.id, h.code, c.village, d.name AS village_name, hp.name AS head_name,
           EXISTS (SELECT 1 FROM cadre_assignments a WHERE a.household_id = h.id) AS has_cadre,
           (SELECT COUNT(*) FROM assistance_measures m WHERE m.case_id = c.id
              AND m.status IN ('ongoing', 'done')) AS measures,
           {PEOPLE} AS people,
           {}
         FROM monitoring_cases c
         JOIN households h ON h.id = c.household_id
         LEFT JOIN divisions d ON d.code = c.village
         LEFT JOIN persons hp ON hp.household_id = h.id AND hp.relation = 'head'
             AND hp.status = 'in_household'",
        CASE_FIELDS
            .iter()
            .map(|f| format!("c.{f}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// One case's facts as the facts query packs them: `id|code|state|category|risks|approved|
/// eliminated|due|people`, empty for none.
fn unpack_fact(village: DivisionCode, packed: &str) -> StoreResult<CaseFact> {
    let bad = || corrupt("案件统计", packed);
    let f: Vec<&str> = packed.split('|').collect();
    let [
        id,
        code,
        state,
        category,
        risks,
        approved,
        eliminated,
        due,
        people,
    ] = f[..]
    else {
        return Err(bad());
    };
    // `YYYY-MM-DD` by hand: chrono's format parser was a tenth of a county's dashboard.
    let date = |t: &str| -> StoreResult<Option<NaiveDate>> {
        if t.is_empty() {
            return Ok(None);
        }
        let part = |r: std::ops::Range<usize>| t.get(r).and_then(|p| p.parse::<u32>().ok());
        match (t.len(), part(0..4), part(5..7), part(8..10)) {
            (10, Some(y), Some(m), Some(d)) => i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
                .map(Some)
                .ok_or_else(bad),
            _ => Err(bad()),
        }
    };
    Ok(CaseFact {
        id: id.parse().map_err(|_| bad())?,
        household: HouseholdCode::parse(code).map_err(|e| corrupt("户编号", e))?,
        village,
        state: CaseState::parse(state).ok_or_else(|| corrupt("案件状态", state))?,
        category: (!category.is_empty()).then(|| category.to_string()),
        risk_types: split_codes(risks),
        approved_on: date(approved)?,
        eliminated_on: date(eliminated)?,
        due_on: date(due)?,
        people: people.parse().map_err(|_| bad())?,
    })
}

fn split_codes(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl CaseRow {
    fn into_summary(self) -> StoreResult<CaseSummary> {
        let village = DivisionCode::parse(&self.village).map_err(|e| corrupt("区划代码", e))?;
        let case = Case {
            id: self.id,
            household: HouseholdCode::parse(&self.code).map_err(|e| corrupt("户编号", e))?,
            state: CaseState::parse(&self.state).ok_or_else(|| corrupt("案件状态", &self.state))?,
            version: self.version,
            discovered_on: self.discovered_on,
            opened_on: self.opened_on,
            identification_due: self.identification_due,
            step_since: self.step_since,
            due_on: self.due_on,
            paused_on: self.paused_on,
            notice_from: self.notice_from,
            notice_until: self.notice_until,
            category: self.category,
            risk_types: split_codes(&self.risk_types),
            exclusion_hits: split_codes(&self.exclusion_hits),
            exclusions_admitted: split_codes(&self.exclusions_admitted),
            green_channel_proposed_on: self.green_channel_proposed_on,
            green_channel_on: self.green_channel_on,
            approved_on: self.approved_on,
            elimination_mode: self.elimination_mode,
            eliminated_on: self.eliminated_on,
            closed_reason: self.closed_reason,
            cadre_due: self.cadre_due,
            plan_due: self.plan_due,
            cadre_on: self.cadre_on,
            plan_on: self.plan_on,
        };
        Ok(CaseSummary {
            case,
            village,
            village_name: self.village_name.unwrap_or_default(),
            head_name: self.head_name.unwrap_or_default(),
            has_cadre: self.has_cadre,
            measures: self.measures,
            people: self.people,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct MeasureRow {
    id: i64,
    type_code: String,
    content: String,
    unit: String,
    start_on: NaiveDate,
    end_on: Option<NaiveDate>,
    amount: i64,
    status: String,
    effect: String,
}

impl MeasureRow {
    fn into_measure(self) -> StoreResult<Measure> {
        Ok(Measure {
            id: self.id,
            type_code: self.type_code,
            content: self.content,
            unit: self.unit,
            start_on: self.start_on,
            end_on: self.end_on,
            amount: Money::from_fen(self.amount),
            status: MeasureStatus::parse(&self.status)
                .ok_or_else(|| corrupt("措施状态", &self.status))?,
            effect: self.effect,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct AreaMeasureRow {
    case_id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    measure: MeasureRow,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    action: String,
    from_state: Option<String>,
    to_state: String,
    on_date: NaiveDate,
    at: String,
    actor: String,
    comment: String,
    due_on: Option<NaiveDate>,
    details: String,
    flags: String,
}

impl EventRow {
    fn into_record(self) -> StoreResult<CaseEventRecord> {
        let state = |s: &str| CaseState::parse(s).ok_or_else(|| corrupt("案件状态", s));
        Ok(CaseEventRecord {
            seq: self.seq,
            at: parse_time("案件记录时间", &self.at)?,
            actor: self.actor,
            event: Event {
                action: ActionKind::parse(&self.action)
                    .ok_or_else(|| corrupt("案件操作", &self.action))?,
                from: self.from_state.as_deref().map(state).transpose()?,
                to: state(&self.to_state)?,
                on: self.on_date,
                comment: self.comment,
                due_on: self.due_on,
                details: serde_json::from_str(&self.details).map_err(|e| corrupt("案件记录", e))?,
                flags: serde_json::from_str(&self.flags).map_err(|e| corrupt("案件记录", e))?,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    id: i64,
    village: String,
    code: Option<String>,
    channel: String,
    source: String,
    reason: String,
    evidence: String,
    hardships: String,
    received_on: NaiveDate,
    received_at: String,
    applicant_name: Option<String>,
    applicant_id_enc: Option<Vec<u8>>,
    applicant_phone_enc: Option<Vec<u8>>,
    tracking_code: Option<String>,
    status: String,
    case_id: Option<i64>,
    decided_on: Option<NaiveDate>,
    decision_note: Option<String>,
    created_by: String,
}

/// The conditions of a lead list: the area ($1, $2), status ($3), a cadre's households
/// ($4), channel ($5), dates ($6, $7), words ($8, as a LIKE pattern $9) and an ID number's
/// blind indexes: as a member's ($10) and as an applicant's ($11), which are keyed apart.
/// Bound by [`bind_lead_where!`].
const LEAD_WHERE: &str = "l.village BETWEEN $1 AND $2 AND ($3 = '' OR l.status = $3)
    AND ($4 = 0 OR h.id IN (SELECT household_id FROM cadre_assignments WHERE user_id = $4))
    AND ($5 = '' OR l.channel = $5)
    AND ($6 IS NULL OR l.received_on >= $6) AND ($7 IS NULL OR l.received_on <= $7)
    AND (($8 = '' AND $10 IS NULL AND $11 IS NULL)
         OR ($8 <> '' AND (l.reason LIKE $9 OR l.source LIKE $9 OR l.applicant_name LIKE $9
             OR h.code LIKE $9
             OR EXISTS (SELECT 1 FROM persons p WHERE p.household_id = l.household_id
                        AND p.name LIKE $9)))
         OR l.household_id IN (SELECT p.household_id FROM persons p WHERE p.id_number_bidx = $10)
         OR l.applicant_id_bidx = $11)";

/// [`LEAD_WHERE`] with the designation filter, its two parameters `$12` and `$13`.
fn lead_where_sql() -> String {
    format!(
        "{LEAD_WHERE} AND {}",
        crate::designated_sql("l.village", "$12", "$13")
    )
}

/// Searched words ([`dixian_store::search_words`]) and their LIKE pattern; empty words when
/// nothing is searched.
fn like_words(typed: &str) -> (String, String) {
    let words = dixian_store::search_words(typed);
    let pattern = format!("%{words}%");
    (words, pattern)
}

/// The bound values of [`LEAD_WHERE`].
struct LeadWhere {
    lo: String,
    hi: String,
    status: &'static str,
    cadre: i64,
    channel: &'static str,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    text: String,
    pattern: String,
    bidx: Option<Vec<u8>>,
    applicant_bidx: Option<Vec<u8>>,
    designation: (String, NaiveDate),
}

/// Binds a [`LeadWhere`] to a query of [`LEAD_WHERE`] (a macro: the query is of either
/// database).
macro_rules! bind_lead_where {
    ($q:expr, $w:expr) => {
        $q.bind(&$w.lo)
            .bind(&$w.hi)
            .bind($w.status)
            .bind($w.cadre)
            .bind($w.channel)
            .bind($w.from)
            .bind($w.until)
            .bind(&$w.text)
            .bind(&$w.pattern)
            .bind(&$w.bidx)
            .bind(&$w.applicant_bidx)
            .bind(&$w.designation.0)
            .bind($w.designation.1)
    };
}

const LEAD_SELECT: &str = "SELECT l.id, l.village, h.code, l.channel, l.source, l.reason,
    l.evidence, l.hardships, l.received_on, l.received_at, l.applicant_name,
    l.applicant_id_enc, l.applicant_phone_enc, l.tracking_code, l.status, l.case_id,
    l.decided_on, l.decision_note, l.created_by
  FROM monitoring_leads l LEFT JOIN households h ON h.id = l.household_id";

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    case_id: i64,
    kind: String,
    name: String,
    content_type: String,
    size: i64,
    uploaded_at: String,
    uploaded_by: String,
}

impl AttachmentRow {
    fn into_meta(self) -> StoreResult<AttachmentMeta> {
        Ok(AttachmentMeta {
            id: self.id,
            case_id: self.case_id,
            kind: AttachmentKind::parse(&self.kind)
                .ok_or_else(|| corrupt("附件类别", &self.kind))?,
            name: self.name,
            content_type: self.content_type,
            size: self.size,
            uploaded_at: parse_time("附件时间", &self.uploaded_at)?,
            uploaded_by: self.uploaded_by,
        })
    }
}

const ATTACHMENT_COLUMNS: &str =
    "id, case_id, kind, name, content_type, size, uploaded_at, uploaded_by";

fn text(value: &str, what: &str, max: usize) -> StoreResult<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(StoreError::Invalid(format!("{what}不能超过{max}个字")));
    }
    Ok(v.to_string())
}

/// The history entry of a lead that joins an open case.
pub(crate) fn attach_event(
    state: CaseState,
    on: NaiveDate,
    comment: &str,
    channel: Channel,
    lead: i64,
) -> Event {
    Event {
        action: ActionKind::Attach,
        from: Some(state),
        to: state,
        on,
        comment: comment.to_string(),
        due_on: None,
        details: vec![
            ("发现渠道".into(), channel.label().into()),
            ("线索编号".into(), lead.to_string()),
        ],
        flags: Vec::new(),
    }
}

/// A lead's applicant's ID number and phone sealed for lead `id`, with the number's blind
/// index: (ID number, index, phone).
type SealedApplicant = (Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>);

impl SqlStore {
    pub(crate) fn seal_applicant(
        &self,
        id: i64,
        applicant: Option<&Applicant>,
    ) -> StoreResult<SealedApplicant> {
        let Some(a) = applicant else {
            return Ok((None, None, None));
        };
        let record = id.to_string();
        Ok((
            Some(
                self.cipher
                    .encrypt(F_APPLICANT_ID, &record, a.id_number.as_str())
                    .map_err(crypto)?,
            ),
            Some(
                self.cipher
                    .blind_index(F_APPLICANT_ID, a.id_number.as_str()),
            ),
            a.phone
                .as_deref()
                .map(|ph| self.cipher.encrypt(F_APPLICANT_PHONE, &record, ph))
                .transpose()
                .map_err(crypto)?,
        ))
    }

    fn lead_record(&self, r: LeadRow) -> StoreResult<LeadRecord> {
        let id_masked = r
            .applicant_id_enc
            .as_ref()
            .map(|blob| {
                let plain = self
                    .cipher
                    .decrypt(F_APPLICANT_ID, &r.id.to_string(), blob)
                    .map_err(crypto)?;
                IdNumber::parse(&plain, NaiveDate::MAX)
                    .map(|id| id.masked())
                    .map_err(|e| corrupt("申报人身份证号", e))
            })
            .transpose()?;
        let phone_masked =
            self.masked_field(F_APPLICANT_PHONE, r.id, &r.applicant_phone_enc, mask_phone)?;
        Ok(LeadRecord {
            id: r.id,
            village: DivisionCode::parse(&r.village).map_err(|e| corrupt("区划代码", e))?,
            household: r
                .code
                .as_deref()
                .map(HouseholdCode::parse)
                .transpose()
                .map_err(|e| corrupt("户编号", e))?,
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("线索渠道", &r.channel))?,
            source: r.source,
            reason: r.reason,
            evidence: r.evidence,
            hardships: split_codes(&r.hardships),
            received_on: r.received_on,
            received_at: parse_time("线索时间", &r.received_at)?,
            applicant_name: r.applicant_name,
            applicant_id_masked: id_masked,
            applicant_phone_masked: phone_masked,
            tracking_code: r.tracking_code,
            status: LeadStatus::parse(&r.status).ok_or_else(|| corrupt("线索状态", &r.status))?,
            case_id: r.case_id,
            decided_on: r.decided_on,
            decision_note: r.decision_note,
            created_by: r.created_by,
        })
    }

    /// Refuses (audited) an actor without `p` or whose scope does not cover `village`.
    async fn village_in_scope(
        &self,
        actor: &Actor,
        village: &DivisionCode,
        p: Permission,
        target: &str,
    ) -> StoreResult<()> {
        self.permit(actor, p, target).await?;
        if !actor.scope.covers(village) {
            return Err(self.deny(actor, target).await);
        }
        Ok(())
    }

    /// The household id and open case (id, version) of `code`, if registered.
    async fn open_case_of(&self, code: &HouseholdCode) -> StoreResult<Option<(i64, Option<i64>)>> {
        read!(self, |pool| {
            sqlx::query_as(
                "SELECT h.id, (SELECT c.id FROM monitoring_cases c WHERE c.household_id = h.id
                   AND c.state NOT IN ('not_included', 'eliminated')) FROM households h
                 WHERE h.code = $1",
            )
            .bind(code.as_str())
            .fetch_optional(pool)
            .await
            .map_err(backend)
        })
    }

    /// Checks a lead and reads what writing it needs: its household and that household's open
    /// case. Refusals and mistakes come back before anything is written.
    pub(crate) async fn prepare_lead(
        &self,
        actor: &Actor,
        lead: &NewLead,
    ) -> StoreResult<PreparedLead> {
        let target = format!("线索：{}", lead.village);
        self.village_in_scope(actor, &lead.village, Permission::HandleCases, &target)
            .await?;
        let reason = text(&lead.reason, "线索内容", 2000)?;
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "请填写线索内容（发现的困难或风险）".into(),
            ));
        }
        let source = text(&lead.source, "线索来源", 100)?;
        let evidence = text(&lead.evidence, "佐证情况", 2000)?;
        // The household: named, or found by the applicant's ID number.
        let household = match (&lead.household, &lead.applicant) {
            (Some(code), _) => {
                if code.village() != Some(lead.village) {
                    return Err(StoreError::Invalid(format!(
                        "户编号{code}不属于所选村{}",
                        lead.village
                    )));
                }
                Some(code.clone())
            }
            (None, Some(a)) => {
                let bidx = self
                    .cipher
                    .blind_index(crate::F_ID_NUMBER, a.id_number.as_str());
                let code: Option<String> = read!(self, |pool| {
                    sqlx::query_scalar(
                        "SELECT h.code FROM persons p JOIN households h ON h.id = p.household_id
                         WHERE p.id_number_bidx = $1",
                    )
                    .bind(&bidx)
                    .fetch_optional(pool)
                    .await
                    .map_err(backend)?
                });
                let code = code
                    .map(|c| HouseholdCode::parse(&c))
                    .transpose()
                    .map_err(|e| corrupt("户编号", e))?;
                // Registered elsewhere, outside the reporter's reach: the town of the
                // village named matches it by hand.
                code.filter(|c| c.village().is_some_and(|v| actor.scope.covers(&v)))
            }
            (None, None) => None,
        };
        let village = household
            .as_ref()
            .and_then(HouseholdCode::village)
            .unwrap_or(lead.village);
        let (hid, open) = match &household {
            Some(code) => match self.open_case_of(code).await? {
                Some((hid, open)) => (Some(hid), open),
                None => return Err(StoreError::Invalid(format!("户编号{code}不存在"))),
            },
            None => (None, None),
        };
        // A public submission waits for an officer whatever the household's state: joining
        // an open case at once would tell anyone with an ID number that the household is
        // monitored, and let them add to its case. Accepting it joins the case then.
        let open = open.filter(|_| lead.applicant.is_none());
        let status = if open.is_some() {
            LeadStatus::Attached
        } else {
            LeadStatus::Pending
        };
        let detail = serde_json::json!({
            "channel": lead.channel.code(),
            "household": household.as_ref().map(HouseholdCode::as_str),
            "attached_to": open,
        })
        .to_string();
        Ok(PreparedLead {
            lead: lead.clone(),
            village,
            hid,
            open,
            household,
            reason,
            source,
            evidence,
            status,
            detail,
        })
    }

    /// A pending lead in the actor's scope, or the reason it cannot be decided.
    async fn pending_lead(&self, actor: &Actor, id: i64) -> StoreResult<LeadRecord> {
        let lead = self
            .lead(actor, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("线索#{id}不存在")))?;
        if lead.status != LeadStatus::Pending {
            return Err(StoreError::Conflict(format!(
                "线索#{id}当前为“{}”，不能再次办理",
                lead.status.label()
            )));
        }
        Ok(lead)
    }

    /// Case `id` if the actor may see it: unknown is `None`, out of scope refused (audited).
    async fn visible_case(
        &self,
        actor: &Actor,
        id: i64,
        p: Permission,
    ) -> StoreResult<Option<CaseSummary>> {
        self.permit(actor, p, &format!("案件#{id}")).await?;
        let row: Option<CaseRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE c.id = $1",
                case_select()
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(row) = row else { return Ok(None) };
        let summary = row.into_summary()?;
        let code = summary.case.household.clone();
        // The household's scope and a cadre's assignment decide, as for the household itself.
        if !crate::out_of_sight(self.household_visible(actor, &code, p).await)? {
            return Ok(None);
        }
        Ok(Some(summary))
    }

    /// Refuses (audited) an actor without `p`, outside the household's scope, or a
    /// 帮扶责任人 the household is not assigned to.
    /// The checked conditions of a lead list: permission, the area (a `within` outside the
    /// actor's scope refused, audited), and the filter's values as bound.
    async fn lead_where(&self, actor: &Actor, filter: &LeadFilter) -> StoreResult<LeadWhere> {
        self.permit(actor, Permission::HandleCases, "线索").await?;
        let (lo, hi) = match &filter.within {
            Some(w) => {
                if !actor.scope.covers(w) {
                    return Err(self.deny(actor, w.as_str()).await);
                }
                w.code_range()
            }
            None => actor.scope.code_range(),
        };
        let (words, pattern) = like_words(&filter.text);
        let bidx = filter
            .id_number
            .as_ref()
            .map(|id| self.cipher.blind_index(crate::F_ID_NUMBER, id.as_str()));
        let applicant_bidx = filter
            .id_number
            .as_ref()
            .map(|id| self.cipher.blind_index(F_APPLICANT_ID, id.as_str()));
        Ok(LeadWhere {
            designation: crate::designation_binds(filter.designation.as_ref()),
            lo,
            hi,
            status: filter.status.map_or("", |s| s.code()),
            cadre: crate::assigned_to(actor),
            channel: filter.channel.map_or("", |c| c.code()),
            from: filter.from,
            until: filter.until,
            pattern,
            // An ID number is searched by its index alone, never as words.
            text: if bidx.is_some() { String::new() } else { words },
            bidx,
            applicant_bidx,
        })
    }

    pub(crate) async fn household_visible(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        p: Permission,
    ) -> StoreResult<()> {
        self.household_in_scope(actor, code, p).await?;
        if crate::assigned_to(actor) != 0 && !self.is_assigned(actor, code).await? {
            return Err(self.deny(actor, code.as_str()).await);
        }
        Ok(())
    }

    pub(crate) async fn is_assigned(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<bool> {
        let n: i64 = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM cadre_assignments a JOIN households h ON h.id = a.household_id
                 WHERE h.code = $1 AND a.user_id = $2",
            )
            .bind(code.as_str())
            .bind(crate::assigned_to(actor))
            .fetch_one(pool)
            .await
            .map_err(backend)?
        });
        Ok(n > 0)
    }
}

#[async_trait]
impl MonitoringStore for SqlStore {
    async fn create_lead(&self, actor: &Actor, lead: &NewLead) -> StoreResult<LeadCreated> {
        let p = self.prepare_lead(actor, lead).await?;
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| { lead_in!(tx, self, actor, &p, &now) });
        Ok(LeadCreated {
            id,
            household: p.household,
            attached_to: p.open,
        })
    }

    /// Records many leads (a 集中排查 file) in one transaction: all or none.
    async fn create_leads(
        &self,
        actor: &Actor,
        leads: &[NewLead],
    ) -> StoreResult<Vec<LeadCreated>> {
        let mut prepared = Vec::with_capacity(leads.len());
        for (i, lead) in leads.iter().enumerate() {
            prepared.push(self.prepare_lead(actor, lead).await.map_err(|e| match e {
                StoreError::Invalid(m) => StoreError::Invalid(format!("第{}条线索：{m}", i + 1)),
                other => other,
            })?);
        }
        let now = audit::timestamp(Utc::now());
        let ids = write_tx!(self, |tx| {
            let mut ids = Vec::with_capacity(prepared.len());
            for p in &prepared {
                ids.push(lead_in!(tx, self, actor, p, &now));
            }
            ids
        });
        Ok(ids
            .into_iter()
            .zip(prepared)
            .map(|(id, p)| LeadCreated {
                id,
                household: p.household,
                attached_to: p.open,
            })
            .collect())
    }

    async fn leads(&self, actor: &Actor, filter: &LeadFilter) -> StoreResult<Vec<LeadRecord>> {
        let w = self.lead_where(actor, filter).await?;
        let limit = if filter.limit > 0 { filter.limit } else { 500 };
        let rows: Vec<LeadRow> = read!(self, |pool| {
            bind_lead_where!(
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{LEAD_SELECT} WHERE {}
                     ORDER BY l.received_on DESC, l.id DESC LIMIT $14 OFFSET $15",
                    lead_where_sql()
                ))),
                w
            )
            .bind(limit)
            .bind(filter.offset.max(0))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(|r| self.lead_record(r)).collect()
    }

    async fn count_leads(&self, actor: &Actor, filter: &LeadFilter) -> StoreResult<i64> {
        let w = self.lead_where(actor, filter).await?;
        Ok(read!(self, |pool| {
            bind_lead_where!(
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM monitoring_leads l
                     LEFT JOIN households h ON h.id = l.household_id WHERE {}",
                    lead_where_sql()
                ))),
                w
            )
            .fetch_one(pool)
            .await
            .map_err(backend)?
        }))
    }

    async fn lead(&self, actor: &Actor, id: i64) -> StoreResult<Option<LeadRecord>> {
        self.permit(actor, Permission::HandleCases, "线索").await?;
        let row: Option<LeadRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{LEAD_SELECT} WHERE l.id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(row) = row else { return Ok(None) };
        let village = DivisionCode::parse(&row.village).map_err(|e| corrupt("区划代码", e))?;
        let seen = if !actor.scope.covers(&village) {
            false
        } else if let (true, Some(code)) = (crate::assigned_to(actor) != 0, &row.code) {
            // A cadre sees the leads of the households assigned to it, as their cases.
            let code = HouseholdCode::parse(code).map_err(|e| corrupt("户编号", e))?;
            self.is_assigned(actor, &code).await?
        } else {
            crate::assigned_to(actor) == 0
        };
        if !seen {
            self.deny(actor, &format!("线索#{id}")).await;
            return Ok(None);
        }
        self.lead_record(row).map(Some)
    }

    async fn public_lead_status(
        &self,
        tracking_code: &str,
        id_number: &IdNumber,
    ) -> StoreResult<Option<PublicLeadStatus>> {
        let bidx = self.cipher.blind_index(F_APPLICANT_ID, id_number.as_str());
        type Row = (
            NaiveDate,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<NaiveDate>,
            String,
            Option<NaiveDate>,
        );
        let row: Option<Row> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT l.received_on, l.status, l.decision_note, c.state, c.closed_reason,
                   c.approved_on, l.village, c.due_on
                 FROM monitoring_leads l LEFT JOIN monitoring_cases c ON c.id = l.case_id
                 WHERE l.tracking_code = $1 AND l.applicant_id_bidx = $2",
            )
            .bind(tracking_code.trim())
            .bind(&bidx)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(
            |(received_on, status, note, state, closed, approved, village, due_on)| {
                Ok(PublicLeadStatus {
                    village: DivisionCode::parse(&village).map_err(|e| corrupt("区划代码", e))?,
                    received_on,
                    due_on,
                    status: LeadStatus::parse(&status)
                        .ok_or_else(|| corrupt("线索状态", &status))?,
                    decision_note: note,
                    case_state: state
                        .as_deref()
                        .map(|s| CaseState::parse(s).ok_or_else(|| corrupt("案件状态", s)))
                        .transpose()?,
                    closed_reason: closed,
                    approved_on: approved,
                })
            },
        )
        .transpose()
    }

    async fn accept_lead(
        &self,
        actor: &Actor,
        id: i64,
        household: &HouseholdCode,
        opened: &Outcome,
    ) -> StoreResult<i64> {
        // A cadre accepts only for households assigned to it: joining a case it cannot read
        // would both change and reveal it.
        self.household_visible(actor, household, Permission::HandleCases)
            .await?;
        let lead = self.pending_lead(actor, id).await?;
        if opened.case.household != *household {
            return Err(StoreError::Invalid("立案的户与受理的户不一致".into()));
        }
        let village = household
            .village()
            .ok_or_else(|| StoreError::Invalid(format!("户编号{household}无效")))?;
        let (hid, open) = self
            .open_case_of(household)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("户编号{household}不存在")))?;
        let detail = serde_json::json!({ "lead": id, "household": household.as_str() }).to_string();
        let case_id = write_tx!(self, |tx| {
            let (case_id, status) = match open {
                Some(case_id) => {
                    let seq: i64 = sqlx::query_scalar(
                        "SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = $1",
                    )
                    .bind(case_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
                    let state: String =
                        sqlx::query_scalar("SELECT state FROM monitoring_cases WHERE id = $1")
                            .bind(case_id)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(backend)?;
                    let state =
                        CaseState::parse(&state).ok_or_else(|| corrupt("案件状态", &state))?;
                    let event =
                        attach_event(state, opened.event.on, &lead.reason, lead.channel, id);
                    case_event_in!(tx, case_id, seq, actor, &event);
                    (case_id, LeadStatus::Attached)
                }
                None => (
                    open_case_in!(tx, actor, hid, village.to_string(), opened),
                    LeadStatus::Accepted,
                ),
            };
            let done = sqlx::query(
                "UPDATE monitoring_leads SET status = $1, case_id = $2, household_id = $3,
                   decided_on = $4 WHERE id = $5 AND status = 'pending'",
            )
            .bind(status.code())
            .bind(case_id)
            .bind(hid)
            .bind(opened.event.on)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("线索#{id}已被他人办理")));
            }
            let target = format!("线索#{id}");
            audit_in!(tx, actor, "lead.accept", &target, &detail);
            case_id
        });
        Ok(case_id)
    }

    async fn decline_lead(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        self.permit(actor, Permission::HandleCases, "线索").await?;
        let reason = crate::stated_reason(
            reason,
            2,
            "请填写不予受理的理由（2到200个字），申报人可以看到",
        )?;
        self.pending_lead(actor, id).await?;
        let detail = serde_json::json!({ "lead": id, "reason": reason }).to_string();
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE monitoring_leads SET status = 'declined', decided_on = $1,
                   decision_note = $2 WHERE id = $3 AND status = 'pending'",
            )
            .bind(on)
            .bind(&reason)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("线索#{id}已被他人办理")));
            }
            let target = format!("线索#{id}");
            audit_in!(tx, actor, "lead.decline", &target, &detail);
        });
        Ok(())
    }

    async fn cases(&self, actor: &Actor, filter: &CaseFilter) -> StoreResult<Vec<CaseSummary>> {
        self.permit(actor, Permission::ViewRegistry, "监测案件")
            .await?;
        let scope = match &filter.within {
            Some(w) => {
                if !actor.scope.covers(w) {
                    return Err(self.deny(actor, w.as_str()).await);
                }
                w.code_range()
            }
            None => actor.scope.code_range(),
        };
        let states: Vec<&str> = filter.states.iter().map(|s| s.code()).collect();
        let limit = if filter.limit > 0 { filter.limit } else { 1000 };
        let state_list = if states.is_empty() {
            String::new()
        } else {
            // Codes come from the enum, never from input.
            format!(
                " AND c.state IN ({})",
                states
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let (from_a, to_a) = filter.approved_between.unzip();
        let (from_e, to_e) = filter.eliminated_between.unzip();
        let search = like_words(&filter.text);
        let bidx = filter
            .id_number
            .as_ref()
            .map(|id| self.cipher.blind_index(crate::F_ID_NUMBER, id.as_str()));
        // A county's list of thousands of cases read the fastest way on each database (see
        // `json_rows!`).
        let columns = case_row_columns();
        let designation = crate::designation_binds(filter.designation.as_ref());
        let inner = format!(
                    "{} WHERE c.village BETWEEN $1 AND $2 {} {state_list}
                   AND ($4 = '' OR h.code = $4)
                   AND ($5 = '' OR c.due_on < $6)
                   AND ($8 = '' OR c.category = $8)
                   AND ($9 = '' OR (',' || c.risk_types || ',') LIKE $9)
                   AND ($10 = '' OR c.approved_on BETWEEN $11 AND $12)
                   AND ($13 = '' OR c.eliminated_on BETWEEN $14 AND $15)
                   AND ($17 = '' OR h.code LIKE $18
                        OR EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id
                                   AND p.name LIKE $18))
                   AND ($19 IS NULL
                        OR h.id IN (SELECT p.household_id FROM persons p WHERE p.id_number_bidx = $19))
                   AND {designated}
                 ORDER BY c.due_on IS NULL, c.due_on, c.id LIMIT $7 OFFSET $16",
            case_select(),
            crate::assigned_only(3),
            designated = crate::designated_sql("c.village", "$20", "$21"),
        );
        let mut rows: Vec<CaseRow> =
            json_rows!(self, CaseRow, "监测案件", inner, columns, |q| q
                .bind(&scope.0)
                .bind(&scope.1)
                .bind(crate::assigned_to(actor))
                .bind(filter.household.as_ref().map_or("", |h| h.as_str()))
                .bind(if filter.overdue_on.is_some() { "y" } else { "" })
                .bind(filter.overdue_on.unwrap_or_default())
                .bind(limit)
                .bind(filter.category.as_deref().unwrap_or(""))
                .bind(filter.risk_type.as_ref().map_or(String::new(), |r| {
                    // A bound value: a stray `%` or `_` from a caller could only widen the
                    // match, and callers accept only the pack's codes.
                    format!("%,{r},%")
                }))
                .bind(if from_a.is_some() { "y" } else { "" })
                .bind(from_a.unwrap_or_default())
                .bind(to_a.unwrap_or_default())
                .bind(if from_e.is_some() { "y" } else { "" })
                .bind(from_e.unwrap_or_default())
                .bind(to_e.unwrap_or_default())
                .bind(filter.offset.max(0))
                .bind(&search.0)
                .bind(&search.1)
                .bind(&bidx)
                .bind(&designation.0)
                .bind(designation.1));
        // The order of the inner query, whatever the aggregate kept of it.
        rows.sort_by(|a, b| {
            (a.due_on.is_none(), a.due_on, a.id).cmp(&(b.due_on.is_none(), b.due_on, b.id))
        });
        rows.into_iter().map(CaseRow::into_summary).collect()
    }

    async fn area_cases(&self, actor: &Actor, area: &DivisionCode) -> StoreResult<Vec<Case>> {
        self.permit(actor, Permission::ViewRegistry, "监测案件")
            .await?;
        if !actor.scope.covers(area) {
            return Err(self.deny(actor, area.as_str()).await);
        }
        let (lo, hi) = area.code_range();
        let columns = case_row_columns();
        // The list's row with its names and counts left empty: no join to members, no count
        // of measures per case (a county's 5,000 cases read in a third of the time).
        let inner = format!(
            "SELECT c.id, h.code, c.village, CAST(NULL AS TEXT) AS village_name,
                    CAST(NULL AS TEXT) AS head_name, FALSE AS has_cadre,
                    CAST(0 AS BIGINT) AS measures, c.people AS people, {}
               FROM monitoring_cases c JOIN households h ON h.id = c.household_id
              WHERE c.village BETWEEN $1 AND $2 {}",
            CASE_FIELDS
                .iter()
                .map(|f| format!("c.{f}"))
                .collect::<Vec<_>>()
                .join(", "),
            crate::assigned_only(3)
        );
        let mut rows: Vec<CaseRow> =
            json_rows!(self, CaseRow, "监测案件", inner, columns, |q| q
                .bind(&lo)
                .bind(&hi)
                .bind(crate::assigned_to(actor)));
        rows.sort_by_key(|r| r.id);
        rows.into_iter()
            .map(|r| r.into_summary().map(|s| s.case))
            .collect()
    }

    async fn case_facts(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<CaseFact>> {
        self.permit(actor, Permission::ViewRegistry, "监测案件统计")
            .await?;
        let scope = self.area_range(actor, within).await?;
        // One row per village with its cases packed in a text: a county's tens of thousands
        // of cases cross from the database as a few hundred values instead of half a
        // million (per-value decoding, not the query, was four fifths of the time).
        let (text, concat) = match self.kind() {
            dixian_store::DbKind::Sqlite => ("", "group_concat"),
            dixian_store::DbKind::Postgres => ("::text", "string_agg"),
        };
        let packed = format!(
            "c.id{text} || '|' || c.household_code || '|' || c.state || '|' || COALESCE(c.category, '')
             || '|' || c.risk_types || '|' || COALESCE(c.approved_on{text}, '') || '|'
             || COALESCE(c.eliminated_on{text}, '') || '|' || COALESCE(c.due_on{text}, '')
             || '|' || {PEOPLE}{text}"
        );
        let rows: Vec<(String, String)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT c.village, {concat}({packed}, ';')
                   FROM monitoring_cases c
                  WHERE c.village BETWEEN $1 AND $2
                    AND ($3 = 0 OR c.household_id IN
                         (SELECT household_id FROM cadre_assignments WHERE user_id = $3))
                  GROUP BY c.village"
            )))
            .bind(&scope.0)
            .bind(&scope.1)
            .bind(crate::assigned_to(actor))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut facts = Vec::new();
        for (village, cases) in rows {
            let village = DivisionCode::parse(&village).map_err(|e| corrupt("区划代码", e))?;
            for case in cases.split(';') {
                facts.push(unpack_fact(village, case)?);
            }
        }
        facts.sort_unstable_by_key(|f| f.id);
        Ok(facts)
    }

    async fn case_file(&self, actor: &Actor, id: i64) -> StoreResult<Option<CaseFile>> {
        let Some(summary) = self
            .visible_case(actor, id, Permission::ViewRegistry)
            .await?
        else {
            return Ok(None);
        };
        let measures: Vec<MeasureRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, type_code, content, unit, start_on, end_on, amount, status, effect
                 FROM assistance_measures WHERE case_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let (events, leads, attachments): (Vec<EventRow>, Vec<LeadRow>, Vec<AttachmentRow>) = read!(
            self,
            |pool| {
                let events = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT seq, action, from_state, to_state, on_date, at, {} AS actor, comment,
                       due_on, details, flags FROM case_events WHERE case_id = $1 ORDER BY seq",
                    crate::shown_name("case_events.actor")
                )))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let leads = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{LEAD_SELECT} WHERE l.case_id = $1 ORDER BY l.received_on, l.id"
                )))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let attachments = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT id, case_id, kind, name, content_type, size, uploaded_at, {} AS uploaded_by
                     FROM case_attachments WHERE case_id = $1 ORDER BY id",
                    crate::shown_name("case_attachments.uploaded_by")
                )))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                (events, leads, attachments)
            }
        );
        Ok(Some(CaseFile {
            summary,
            events: events
                .into_iter()
                .map(EventRow::into_record)
                .collect::<StoreResult<_>>()?,
            leads: leads
                .into_iter()
                .map(|l| self.lead_record(l))
                .collect::<StoreResult<_>>()?,
            attachments: attachments
                .into_iter()
                .map(AttachmentRow::into_meta)
                .collect::<StoreResult<_>>()?,
            measures: measures
                .into_iter()
                .map(MeasureRow::into_measure)
                .collect::<StoreResult<_>>()?,
        }))
    }

    async fn record_step_with(
        &self,
        actor: &Actor,
        outcome: &Outcome,
        effect: &StepEffect,
    ) -> StoreResult<Option<i64>> {
        let case = &outcome.case;
        // An account made 帮扶责任人 must be one, in use.
        let cadre = match effect {
            StepEffect::AssignCadre { user_id } => {
                let user = self.user_by_id(*user_id).await?;
                match user.filter(|u| u.role == Role::AssistanceCadre && !u.disabled) {
                    // A cadre can only be given households it can see: its own account's area.
                    Some(u)
                        if !case
                            .household
                            .village()
                            .is_some_and(|v| v.is_within(&u.division)) =>
                    {
                        return Err(StoreError::Invalid(format!(
                            "所选帮扶责任人的管辖范围不包括农户{}所在村：请选本村的帮扶责任人",
                            case.household
                        )));
                    }
                    Some(u) => Some((u.id, u.username)),
                    None => {
                        return Err(StoreError::Invalid(format!(
                            "账号#{user_id}不是在用的帮扶责任人账号"
                        )));
                    }
                }
            }
            _ => None,
        };
        let before = self
            .visible_case(actor, case.id, Permission::HandleCases)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("案件#{}不存在", case.id)))?;
        if before.case.household != case.household {
            return Err(StoreError::Invalid("案件的户不能更改".into()));
        }
        let flag_moves = before.case.state.is_included() != case.state.is_included();
        let now_included = case.state.is_included();
        let e = &outcome.event;
        let target = format!("案件#{}", case.id);
        let detail = serde_json::json!({
            "household": case.household.as_str(),
            "action": e.action.code(),
            "from": e.from.map(|s| s.code()),
            "to": e.to.code(),
            "on": e.on.to_string(),
            "comment": e.comment,
        })
        .to_string();
        let sql = format!(
            "UPDATE monitoring_cases SET {} WHERE id = ${} AND version = ${}",
            CASE_FIELDS
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{f} = ${}", i + 1))
                .collect::<Vec<_>>()
                .join(", "),
            CASE_FIELDS.len() + 1,
            CASE_FIELDS.len() + 2
        );
        let saved = write_tx!(self, |tx| {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql));
            let done = bind_case!(q, case)
                .bind(case.id)
                .bind(case.version - 1)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "案件#{}已被他人办理，请刷新后重试",
                    case.id
                )));
            }
            let seq: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = $1",
            )
            .bind(case.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            case_event_in!(tx, case.id, seq, actor, e);
            let action = format!("case.{}", e.action.code());
            audit_in!(tx, actor, &action, &target, &detail);
            let mut saved = None;
            if let Some((uid, username)) = &cadre {
                // The pairing starts on the day the form gave (帮扶开始日期), not when typed,
                // but not before an earlier period of the same cadre with the household ended:
                // the household's history holds no two periods of one cadre at once.
                let ended: Option<NaiveDate> = sqlx::query_scalar(
                    "SELECT MAX(p.to_on) FROM cadre_periods p
                       JOIN households h ON h.id = p.household_id
                      WHERE h.code = $1 AND p.user_id = $2",
                )
                .bind(case.household.as_str())
                .bind(uid)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
                let start = ended.map_or(e.on, |end| end.max(e.on));
                let added = sqlx::query(
                    "INSERT INTO cadre_assignments (household_id, user_id, assigned_at)
                     SELECT id, $1, $2 FROM households WHERE code = $3
                     ON CONFLICT (household_id, user_id) DO NOTHING",
                )
                .bind(uid)
                .bind(audit::timestamp(crate::beijing_midnight(start)))
                .bind(case.household.as_str())
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .rows_affected();
                // The start written, if any: a cadre already caring for the household keeps
                // the start it has.
                let detail = serde_json::json!({
                    "cadre": username,
                    "from": (added == 1).then(|| start.to_string()),
                    "asked_from": (added == 1 && start != e.on).then(|| e.on.to_string()),
                })
                .to_string();
                audit_in!(tx, actor, "cadre.assign", case.household.as_str(), &detail);
            }
            if let StepEffect::PutMeasure(m) = effect {
                let now = audit::timestamp(Utc::now());
                let id = if m.id == 0 {
                    let id: i64 = allocate!(tx, "assistance_measures", 1i64);
                    sqlx::query(
                        "INSERT INTO assistance_measures (id, case_id, type_code, content, unit,
                           start_on, end_on, amount, status, effect, updated_at, updated_by)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(id)
                    .bind(case.id)
                    .bind(&m.type_code)
                    .bind(m.content.trim())
                    .bind(m.unit.trim())
                    .bind(m.start_on)
                    .bind(m.end_on)
                    .bind(m.amount.fen())
                    .bind(m.status.code())
                    .bind(m.effect.trim())
                    .bind(&now)
                    .bind(&actor.name)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    id
                } else {
                    let done = sqlx::query(
                        "UPDATE assistance_measures SET type_code = $1, content = $2, unit = $3,
                           start_on = $4, end_on = $5, amount = $6, status = $7, effect = $8,
                           updated_at = $9, updated_by = $10
                         WHERE id = $11 AND case_id = $12",
                    )
                    .bind(&m.type_code)
                    .bind(m.content.trim())
                    .bind(m.unit.trim())
                    .bind(m.start_on)
                    .bind(m.end_on)
                    .bind(m.amount.fen())
                    .bind(m.status.code())
                    .bind(m.effect.trim())
                    .bind(&now)
                    .bind(&actor.name)
                    .bind(m.id)
                    .bind(case.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Invalid(format!(
                            "案件#{}没有措施#{}",
                            case.id, m.id
                        )));
                    }
                    m.id
                };
                let detail = serde_json::json!({
                    "measure": id, "type": m.type_code, "status": m.status.code(),
                    "amount_fen": m.amount.fen(),
                })
                .to_string();
                audit_in!(tx, actor, "measure.put", &target, &detail);
                saved = Some(id);
            }
            if flag_moves {
                let (hid, was): (i64, bool) =
                    sqlx::query_as("SELECT id, monitored FROM households WHERE code = $1")
                        .bind(case.household.as_str())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(backend)?;
                // The registry may already say so (an import, a hand edit): then nothing
                // changes and no history is written.
                if was != now_included {
                    sqlx::query("UPDATE households SET monitored = $1 WHERE id = $2")
                        .bind(now_included)
                        .bind(hid)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    let yes = |b: bool| if b { "是" } else { "否" }.to_string();
                    let changes = [FieldChange {
                        field: "监测对象".into(),
                        old: yes(was),
                        new: yes(now_included),
                    }];
                    let reason = format!("{}（案件#{}）", e.action.label(), case.id);
                    changed_in!(
                        tx,
                        hid,
                        actor,
                        "household.update",
                        case.household.as_str(),
                        &changes,
                        &reason
                    );
                }
            }
            saved
        });
        Ok(saved)
    }

    async fn record_histories(
        &self,
        actor: &Actor,
        histories: &[CaseHistory],
    ) -> StoreResult<Vec<i64>> {
        self.permit(actor, Permission::HandleCases, "案件历史")
            .await?;
        let mut checked = Vec::with_capacity(histories.len());
        let mut seen = HashSet::new();
        let mut cadre_accounts: HashMap<i64, Option<String>> = HashMap::new();
        for (i, h) in histories.iter().enumerate() {
            let at = |e: StoreError| match e {
                StoreError::Invalid(m) => StoreError::Invalid(format!("第{}件案件：{m}", i + 1)),
                other => other,
            };
            let c = self
                .check_history(actor, h, &mut cadre_accounts)
                .await
                .map_err(at)?;
            if !seen.insert(c.hid) {
                return Err(at(StoreError::Invalid(format!(
                    "户{}在本批中出现了两次",
                    c.last().household
                ))));
            }
            checked.push(c);
        }
        if checked.is_empty() {
            return Ok(Vec::new());
        }
        self.write_checked(actor, &checked).await
    }

    async fn step_timeliness(
        &self,
        actor: &Actor,
        from: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<StepTimeliness>> {
        self.permit(actor, Permission::ViewRegistry, "办理时效")
            .await?;
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<(String, String, Option<String>, i64, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT c.village, e.action, e.from_state, COUNT(*),
                   SUM(CASE WHEN e.on_date <= e.due_on THEN 1 ELSE 0 END)
                 FROM case_events e JOIN monitoring_cases c ON c.id = e.case_id
                 WHERE e.due_on IS NOT NULL AND c.village BETWEEN $1 AND $2
                   AND e.on_date BETWEEN $3 AND $4
                   AND ($5 = 0 OR c.household_id IN
                        (SELECT household_id FROM cadre_assignments WHERE user_id = $5))
                 GROUP BY c.village, e.action, e.from_state
                 ORDER BY c.village, e.action, e.from_state",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(from)
            .bind(until)
            .bind(crate::assigned_to(actor))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(village, action, from_state, done, on_time)| {
                Ok(StepTimeliness {
                    village: DivisionCode::parse(&village).map_err(|e| corrupt("区划代码", e))?,
                    action: ActionKind::parse(&action)
                        .ok_or_else(|| corrupt("案件操作", &action))?,
                    from: from_state
                        .as_deref()
                        .map(|s| CaseState::parse(s).ok_or_else(|| corrupt("案件状态", s)))
                        .transpose()?,
                    done,
                    on_time,
                })
            })
            .collect()
    }

    async fn measures_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<(i64, Measure)>> {
        self.permit(actor, Permission::ViewRegistry, "帮扶措施")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let columns = [
            "case_id",
            "id",
            "type_code",
            "content",
            "unit",
            "start_on",
            "end_on",
            "amount",
            "status",
            "effect",
        ];
        let inner = format!(
            "SELECT m.case_id, m.id, m.type_code, m.content, m.unit, m.start_on,
                    m.end_on, m.amount, m.status, m.effect
               FROM assistance_measures m
               JOIN monitoring_cases c ON c.id = m.case_id
              WHERE c.village BETWEEN $1 AND $2 {}",
            crate::assigned_only_on(3, "c.household_id")
        );
        let mut rows: Vec<AreaMeasureRow> =
            json_rows!(self, AreaMeasureRow, "帮扶措施", inner, columns, |q| q
                .bind(&lo)
                .bind(&hi)
                .bind(crate::assigned_to(actor)));
        rows.sort_by_key(|r| (r.case_id, r.measure.id));
        rows.into_iter()
            .map(|r| Ok((r.case_id, r.measure.into_measure()?)))
            .collect()
    }

    async fn assistance_cadres(&self, actor: &Actor) -> StoreResult<Vec<CadreAccount>> {
        self.permit(actor, Permission::HandleCases, "帮扶责任人")
            .await?;
        let rows: Vec<(i64, String, String, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, username, display_name, division_code FROM users
                 WHERE role = 'assistance_cadre' AND disabled = $1 ORDER BY display_name, id",
            )
            .bind(false)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut out = Vec::new();
        for (id, username, display_name, division) in rows {
            let division = DivisionCode::parse(&division).map_err(|e| corrupt("区划代码", e))?;
            let above = match &actor.scope {
                dixian_domain::access::Scope::Everything => false,
                dixian_domain::access::Scope::Within(root) => root.is_within(&division),
            };
            if actor.scope.covers(&division) || above {
                out.push(CadreAccount {
                    id,
                    username,
                    display_name,
                    division,
                });
            }
        }
        Ok(out)
    }

    async fn add_attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        file: &NewAttachment,
    ) -> StoreResult<i64> {
        self.visible_case(actor, case_id, Permission::HandleCases)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("案件#{case_id}不存在")))?;
        if file.bytes.is_empty() {
            return Err(StoreError::Invalid(format!("附件“{}”是空文件", file.name)));
        }
        if file.bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::Invalid(format!(
                "附件“{}”有{:.1} MB，超过{} MB上限",
                file.name,
                file.bytes.len() as f64 / 1_048_576.0,
                MAX_ATTACHMENT_BYTES / 1_048_576
            )));
        }
        let name = text(&file.name, "附件名", 200)?;
        let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
        let detail = serde_json::json!({
            "case": case_id, "kind": file.kind.code(), "name": name, "size": size,
        })
        .to_string();
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "case_attachments", 1i64);
            let sealed = self
                .cipher
                .encrypt_bytes(F_ATTACHMENT, &id.to_string(), &file.bytes)
                .map_err(crypto)?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO case_attachments ({ATTACHMENT_COLUMNS}, body_enc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            )))
            .bind(id)
            .bind(case_id)
            .bind(file.kind.code())
            .bind(&name)
            .bind(&file.content_type)
            .bind(size)
            .bind(audit::timestamp(Utc::now()))
            .bind(&actor.name)
            .bind(sealed)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let target = format!("案件#{case_id}");
            audit_in!(tx, actor, "case.attach", &target, &detail);
            id
        });
        Ok(id)
    }

    async fn attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        id: i64,
    ) -> StoreResult<Option<(AttachmentMeta, Vec<u8>)>> {
        // Opening a file is handling the case: a viewer sees that files exist, not them.
        if self
            .visible_case(actor, case_id, Permission::HandleCases)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        #[derive(sqlx::FromRow)]
        struct Full {
            #[sqlx(flatten)]
            meta: AttachmentRow,
            body_enc: Vec<u8>,
        }
        let row: Option<Full> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {ATTACHMENT_COLUMNS}, body_enc FROM case_attachments
                 WHERE id = $1 AND case_id = $2"
            )))
            .bind(id)
            .bind(case_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(row) = row else { return Ok(None) };
        let body = self
            .cipher
            .decrypt_bytes(F_ATTACHMENT, &id.to_string(), &row.body_enc)
            .map_err(crypto)?;
        let meta = row.meta.into_meta()?;
        self.audit(
            actor,
            "case.attachment.read",
            &format!("案件#{case_id}"),
            &serde_json::json!({ "attachment": id, "name": meta.name }).to_string(),
        )
        .await?;
        Ok(Some((meta, body)))
    }
}

mod histories;
