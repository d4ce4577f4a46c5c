//! The policy pack in force (政策参数), shown to every signed-in user.

use crate::AppState;
use crate::error::{Page, status_of};
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Router};
use dixian_app::{AppError, areas, policy};
use dixian_domain::policy::Policy;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PolicyQuery {
    region: Option<String>,
    date: Option<String>,
}

/// A resolved policy, flattened for display.
struct PolicyView {
    area: String,
    on: String,
    layers: Vec<String>,
    line: String,
    line_basis: String,
    line_source: String,
    /// What a reader should know (a yearly line not adjusted this year).
    warnings: Vec<String>,
    formula: Option<String>,
    monitored_object: String,
    funds: String,
    naming_source: String,
    /// 监督电话 as the notices print it, and its source.
    contacts: String,
    contacts_source: String,
    /// (what, value, source)
    deadlines: Vec<(&'static str, String, String)>,
    rules: Vec<(&'static str, String, String)>,
    /// Screening rules: (name, department, condition, code, source).
    screening: Vec<(String, &'static str, String, String, String)>,
    /// Exclusions (原则上不纳入): (name, where it is found, who may admit, source).
    exclusions: Vec<(String, String, &'static str, String)>,
    /// (table, items, source)
    tables: Vec<(&'static str, Vec<String>, String)>,
}

/// The source of a value as a reader sees it: the document (or county default) and the
/// pack it came from.
fn source_text(p: &Policy, path: &str) -> String {
    match p.source_of(path) {
        Some((pack, source)) => format!("{source}（政策包 {pack}）"),
        None => "未注明来源：该政策包入库时尚不要求注明来源".to_string(),
    }
}

/// A category with the households it is for, as the identification check applies it.
fn category_text(c: &dixian_domain::policy::ObjectCategory) -> String {
    let mut fits = Vec::new();
    if !c.household_types.is_empty() {
        fits.push(c.household_types.join("或"));
    }
    if c.dibao {
        fits.push("低保户".to_string());
    }
    if let Some(i) = c.income {
        fits.push(i.label().to_string());
    }
    if fits.is_empty() {
        format!("{} {}", c.code, c.name)
    } else {
        format!("{} {}：{}", c.code, c.name, fits.join("，"))
    }
}

fn view_of(p: &Policy, area: String) -> PolicyView {
    let d = &p.deadlines;
    let formula = p.monitoring_line.formula.as_ref().map(|f| {
        let adj: Vec<String> = f
            .adjustment
            .iter()
            .map(|a| {
                format!(
                    "{} {}.{:02}%",
                    a.name,
                    a.basis_points / 100,
                    a.basis_points % 100
                )
            })
            .collect();
        let adj_text = if adj.is_empty() {
            String::new()
        } else {
            format!("，按{}的平均增幅上调", adj.join("、"))
        };
        format!(
            "{}元 × {}%{}，向上取整到{}元",
            f.base_standard, f.multiplier_percent, adj_text, f.round_up_to
        )
    });
    let months = if p.visits.poverty_alleviated_months.is_empty() {
        "未规定".to_string()
    } else {
        p.visits
            .poverty_alleviated_months
            .iter()
            .map(|m| format!("{m}月"))
            .collect::<Vec<_>>()
            .join("、")
    };
    PolicyView {
        area,
        on: p.on.to_string(),
        layers: p
            .layers
            .iter()
            .map(|l| {
                format!(
                    "{}（{}级，{}起施行，编号 {}）",
                    l.title,
                    l.level.label(),
                    l.effective_from,
                    l.id
                )
            })
            .collect(),
        line: p.monitoring_line.amount.grouped(),
        line_basis: p.monitoring_line.basis.clone(),
        line_source: source_text(p, "monitoring_line.amount"),
        warnings: p.warnings(),
        naming_source: source_text(p, "naming.monitored_object"),
        contacts: if p.contacts.supervision_phone.is_empty() {
            "未规定（公示单不印监督电话）".to_string()
        } else {
            format!(
                "{}（{}）",
                p.contacts.supervision_phone, p.contacts.supervision_unit
            )
        },
        contacts_source: source_text(p, "contacts"),
        formula,
        monitored_object: p.naming.monitored_object.clone(),
        funds: p.naming.assistance_funds.clone(),
        deadlines: vec![
            (
                "识别认定（自发现起）",
                d.identification.to_string(),
                source_text(p, "deadlines.identification"),
            ),
            (
                "线上申报受理",
                d.application_acceptance.to_string(),
                source_text(p, "deadlines.application_acceptance"),
            ),
            (
                "入户核实",
                d.verification.to_string(),
                source_text(p, "deadlines.verification"),
            ),
            (
                "村内公示（不少于）",
                d.village_notice_min.to_string(),
                source_text(p, "deadlines.village_notice_min"),
            ),
            (
                "明确帮扶责任人（自纳入起）",
                d.cadre_assignment.to_string(),
                source_text(p, "deadlines.cadre_assignment"),
            ),
            (
                "制定一户一策（自纳入起）",
                d.assistance_plan.to_string(),
                source_text(p, "deadlines.assistance_plan"),
            ),
            (
                "投诉建议答复（自收到起）",
                p.complaints.map_or_else(
                    || "政策包未规定".to_string(),
                    |c| c.reply_within.to_string(),
                ),
                if p.complaints.is_some() {
                    source_text(p, "complaints.reply_within")
                } else {
                    "—".to_string()
                },
            ),
        ],
        rules: vec![
            (
                "监测户走访",
                format!("每{}个月至少1次", p.visits.monitored_every_months),
                source_text(p, "visits.monitored_every_months"),
            ),
            (
                "脱贫户定期走访月份",
                months,
                source_text(p, "visits.poverty_alleviated_months"),
            ),
            (
                "风险类型上限",
                format!("每户最多{}项", p.identification.max_risk_types),
                source_text(p, "identification.max_risk_types"),
            ),
            (
                "入户核实人数",
                format!("不少于{}人", p.identification.min_verifiers),
                source_text(p, "identification.min_verifiers"),
            ),
            (
                "风险消除：监测时长",
                format!("不少于{}个月", p.elimination.min_monitored_months),
                source_text(p, "elimination.min_monitored_months"),
            ),
            (
                "风险消除：收入稳定",
                format!("不少于{}个月", p.elimination.min_stable_income_months),
                source_text(p, "elimination.min_stable_income_months"),
            ),
            (
                "纳入后过早消除需复核",
                format!("{}个月内", p.elimination.early_review_months),
                source_text(p, "elimination.early_review_months"),
            ),
        ],
        screening: p
            .screening
            .rule
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.kind.department(),
                    r.describe(),
                    r.code.clone(),
                    source_text(p, &format!("screening.rule.{}", r.code)),
                )
            })
            .collect(),
        exclusions: p
            .exclusions
            .rule
            .iter()
            .map(|r| {
                let mut found = Vec::new();
                if let Some(d) = r.department() {
                    if r.kinds.is_empty() {
                        found.push(format!("{}数据", d.label()));
                    } else {
                        // The kinds are often a county's reading of the document: say so.
                        found.push(format!(
                            "{}数据（{}；依据：{}）",
                            d.label(),
                            r.kinds.join("、"),
                            source_text(p, &format!("exclusions.rule.{}.kinds", r.code))
                        ));
                    }
                }
                if r.registry.is_some() {
                    found.push("农户信息中的财政供养人员".to_string());
                }
                if r.found_at_visit {
                    found.push("入户核实时勾选".to_string());
                }
                (
                    r.name.clone(),
                    found.join("；"),
                    if r.assembly_may_override {
                        "特殊情况可由村民代表大会评议认定纳入"
                    } else {
                        "不得纳入"
                    },
                    source_text(p, &format!("exclusions.rule.{}", r.code)),
                )
            })
            .collect(),
        tables: vec![
            (
                "对象类别",
                p.object_categories.iter().map(category_text).collect(),
                source_text(p, "codes.object_category"),
            ),
            (
                "风险类型",
                p.risk_types
                    .iter()
                    .map(|r| {
                        if r.subtypes.is_empty() {
                            format!("{} {}", r.code, r.name)
                        } else {
                            let subs: Vec<&str> =
                                r.subtypes.iter().map(|s| s.name.as_str()).collect();
                            format!("{} {}（{}）", r.code, r.name, subs.join("、"))
                        }
                    })
                    .collect(),
                source_text(p, "codes.risk_type"),
            ),
            (
                "帮扶措施类型",
                p.measure_types
                    .iter()
                    .map(|m| {
                        let dev = if m.developmental { "·开发式" } else { "" };
                        format!("{} {}{dev}", m.code, m.name)
                    })
                    .collect(),
                source_text(p, "codes.measure_type"),
            ),
            (
                "风险消除方式",
                p.elimination_modes
                    .iter()
                    .map(|c| format!("{} {}", c.code, c.name))
                    .collect(),
                source_text(p, "codes.elimination_mode"),
            ),
        ],
    }
}

#[derive(Template)]
#[template(path = "policy/policy.html")]
struct PolicyPage {
    frame: Frame,
    region: String,
    date: String,
    error: Option<String>,
    policy: Option<PolicyView>,
}

pub async fn policy(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<PolicyQuery>,
) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let mut page = PolicyPage {
        frame: session.frame(&state),
        region: q.region.clone().unwrap_or_default(),
        date: q.date.clone().unwrap_or_else(|| state.today().to_string()),
        error: None,
        policy: None,
    };
    // Without a region, the user's own division (or, county-wide, the demo county).
    if page.region.is_empty() {
        match &actor.scope {
            dixian_domain::access::Scope::Within(c) => page.region = c.to_string(),
            dixian_domain::access::Scope::Everything => {
                if let Ok(Some(c)) = store.setting("demo.county").await {
                    page.region = c;
                } else {
                    return Ok(render(StatusCode::OK, &page));
                }
            }
        }
    }
    let result = async {
        let on = policy::parse_date(&page.date)?;
        let p = policy::policy_in_force(store, &page.region, on).await?;
        let name = areas::full_name(store, &page.region).await?;
        Ok::<_, AppError>(view_of(&p, name))
    }
    .await;
    let status = match result {
        Ok(v) => {
            page.policy = Some(v);
            StatusCode::OK
        }
        Err(e) => {
            let (status, _) = status_of(&e);
            tracing::info!(error = %e, "政策参数查询失败");
            page.error = Some(e.to_string());
            status
        }
    };
    Ok(render(status, &page))
}

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/policy", get(policy))
}
