//! Leads in bulk (集中排查): the yearly concentrated survey brings a file of households with
//! what was found. Every row is checked, each problem named by row and column; the file is
//! written whole, in one transaction, or not at all.

use crate::AppError;
use crate::policy::parse_date;
use crate::sheet::{FileKind, Mark, for_each_row};
use crate::sheet::{Problem, Problems};
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::monitoring::Channel;
use dixian_domain::policy::Policy;
use dixian_domain::registry::HouseholdCode;
use dixian_store::{NewLead, Store};

/// The columns of a lead file, and whether each must be filled.
pub const LEAD_COLUMNS: [(&str, bool); 8] = [
    ("村代码", false),
    ("户编号", false),
    ("发现渠道", false),
    ("来源", false),
    ("发现的困难或风险", true),
    ("风险类型", false),
    ("发现日期", false),
    ("佐证情况", false),
];

/// The most rows one file may hold: a county's survey fits many times over.
const MAX_ROWS: usize = 100_000;

/// A lead file template: no example row (it would be imported as a lead like any other),
/// the columns explained on a sheet of their own in the Excel file.
pub fn template(kind: FileKind) -> std::io::Result<Vec<u8>> {
    let note = |name: &str| -> String {
        match name {
            "村代码" => {
                "12位村级区划代码，如 500299101201（也可用户编号前12位）；本列已设为“文本”"
            }
            "户编号" => "16位户编号；知道是哪一户时填写，受理立案时也可再对应",
            "发现渠道" => {
                let staff: Vec<&str> = Channel::ALL
                    .iter()
                    .filter(|c| **c != Channel::SelfDeclared)
                    .map(|c| c.label())
                    .collect();
                return format!(
                    "填写其中之一：{}；不填为“{}”（农户自主申报请走“困难申报”）",
                    staff.join("、"),
                    Channel::CadreSurvey.label()
                );
            }
            "来源" => "谁发现的，如“石桥村驻村工作队”，最多100个字",
            "发现的困难或风险" => "具体写明困难或风险，最多2000个字",
            "风险类型" => {
                "风险类型的代码或名称（如“因病”），多个用顿号分隔；按本县政策包的风险类型代码表"
            }
            "发现日期" => "年-月-日，如 2026-11-02；不填为导入当天，不能晚于今天",
            _ => "如实填写，最多2000个字",
        }
        .to_string()
    };
    let notes: Vec<crate::sheet::ColumnNote> = LEAD_COLUMNS
        .iter()
        .map(|(name, required)| crate::sheet::ColumnNote {
            name,
            required: *required,
            note: note(name),
        })
        .collect();
    crate::sheet::template_book(
        kind,
        "集中排查线索",
        "集中排查线索导入模板填写说明",
        &notes,
        &[(0, 16.0), (1, 20.0), (4, 40.0)],
        &[
            "每条线索一行，从第2行起填写；不改动表头的列名（带*的必填）。",
            "模板中没有示例行：上传的每一行都会当作一条真实线索登记。",
            "可先“只检查，不导入”：有问题时逐行逐列列出，有任何问题时整个文件都不导入。",
        ],
    )
}

/// What an import found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadImportReport {
    pub rows: usize,
    /// Leads written (0 on a dry run or when any row has a problem).
    pub created: usize,
    /// Of those, how many joined a household's open case.
    pub attached: usize,
    pub problems: Vec<Problem>,
}

fn problem(row: usize, column: &str, message: impl Into<String>) -> Problem {
    Problem {
        row,
        column: Some(column.to_string()),
        message: message.into(),
    }
}

/// Risk types as written: codes or names (风险类型代码表), separated by 、 , ; or spaces.
fn risk_codes(policy: &Policy, text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for t in text
        .split(|c: char| c.is_whitespace() || "、，,；;".contains(c))
        .filter(|t| !t.is_empty())
    {
        let code = policy
            .risk_types
            .iter()
            .flat_map(|r| {
                std::iter::once((r.code.as_str(), r.name.as_str())).chain(
                    r.subtypes
                        .iter()
                        .map(|s| (s.code.as_str(), s.name.as_str())),
                )
            })
            .find(|(c, n)| *c == t || *n == t)
            .map(|(c, _)| c.to_string())
            .ok_or_else(|| format!("“{t}”不是风险类型代码或名称"))?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// Reads, checks and (unless `dry_run`, and only if every row is right) writes the leads of
/// file `name`.
pub async fn import_leads(
    store: &dyn Store,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
    today: NaiveDate,
) -> Result<LeadImportReport, AppError> {
    // Held until written: one file at a time per account.
    let _work = crate::sheet::guard::start_file_work(actor)?;
    let kind = FileKind::of(name, bytes).map_err(|p| AppError::Invalid(vec![p.to_string()]))?;
    let mut rows = Vec::new();
    let mut problems = Problems::default();
    let mut beyond = false;
    for_each_row(kind, bytes, |r| match r {
        // Past the limit the file is refused below, without holding the rest; the header
        // and title rows count too, so no row is ever dropped from a file taken.
        Ok(row) if !row.is_blank() && rows.len() > MAX_ROWS => beyond = true,
        Ok(row) if !row.is_blank() => rows.push(row),
        Ok(_) => {}
        Err(p) => problems.push(p),
    })
    .map_err(|p| AppError::Invalid(vec![p.to_string()]))?;
    // The header is the first row naming the one required column; title rows may precede it.
    let Some(at) = rows.iter().position(|r| {
        r.cells
            .iter()
            .any(|c| c.trim().trim_end_matches('*') == "发现的困难或风险")
    }) else {
        return Err(AppError::Invalid(vec![format!(
            "文件“{name}”没有表头“发现的困难或风险”：请用线索导入模板"
        )]));
    };
    let header: Vec<String> = rows[at]
        .cells
        .iter()
        .map(|c| c.trim().trim_end_matches('*').to_string())
        .collect();
    let column = |n: &str| header.iter().position(|h| h == n);
    let data = &rows[at + 1..];
    if beyond {
        return Err(AppError::Invalid(vec![format!(
            "文件超过{MAX_ROWS}行上限，请分成几个文件"
        )]));
    }
    // Each row is judged by the pack in force for its village on its own date.
    let packs = crate::policy::stored_set(store).await?;
    let mut leads = Vec::new();
    for row in data {
        let n = row.number;
        let cell = |name: &str| -> (String, Option<&Mark>) {
            match column(name) {
                Some(i) => (
                    row.cells.get(i).unwrap_or("").trim().to_string(),
                    row.mark(i),
                ),
                None => (String::new(), None),
            }
        };
        let before = problems.len();
        let mut code_of = |name: &str| -> Option<String> {
            let (text, mark) = cell(name);
            match mark {
                Some(Mark::Number) => {
                    problems.push(problem(
                        n,
                        name,
                        "Excel 把代码存成了数字，末几位已丢失：请把该列设为“文本”后重新填写",
                    ));
                    None
                }
                Some(Mark::Formula(f)) => {
                    problems.push(problem(n, name, format!("是公式“{f}”，请填写代码本身")));
                    None
                }
                Some(Mark::Error(e)) => {
                    problems.push(problem(n, name, format!("是错误值{e}")));
                    None
                }
                None => Some(text),
            }
        };
        let household_text = code_of("户编号").unwrap_or_default();
        let village_text = code_of("村代码").unwrap_or_default();
        let household = match household_text.as_str() {
            "" => None,
            t => match HouseholdCode::parse(t) {
                Ok(c) => Some(c),
                Err(e) => {
                    problems.push(problem(n, "户编号", e.to_string()));
                    None
                }
            },
        };
        let village = match (village_text.as_str(), &household) {
            ("", Some(h)) => h.village(),
            ("", None) => {
                problems.push(problem(n, "村代码", "请填写村代码或户编号"));
                None
            }
            (t, _) => match DivisionCode::parse(t) {
                Ok(v) if v.level() == DivisionLevel::Village => Some(v),
                Ok(_) | Err(_) => {
                    problems.push(problem(n, "村代码", format!("“{t}”不是村级区划代码")));
                    None
                }
            },
        };
        if let (Some(v), Some(h)) = (village, &household)
            && h.village() != Some(v)
        {
            problems.push(problem(n, "户编号", format!("户编号{h}不属于村{v}")));
        }
        let channel_text = cell("发现渠道").0;
        let channel = match channel_text.as_str() {
            "" => Some(Channel::CadreSurvey),
            t => match Channel::parse(t) {
                Some(Channel::SelfDeclared) => {
                    problems.push(problem(
                        n,
                        "发现渠道",
                        "农户自主申报须由农户本人在申报页面提交",
                    ));
                    None
                }
                Some(c) => Some(c),
                None => {
                    problems.push(problem(n, "发现渠道", format!("“{t}”不是发现渠道")));
                    None
                }
            },
        };
        let reason = cell("发现的困难或风险").0;
        if reason.is_empty() {
            problems.push(problem(n, "发现的困难或风险", "必须填写"));
        }
        let received_on = match cell("发现日期").0.as_str() {
            "" => Some(today),
            t => match parse_date(t) {
                Ok(d) if d > today => {
                    problems.push(problem(n, "发现日期", format!("{d}晚于今天")));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(problem(n, "发现日期", e.to_string()));
                    None
                }
            },
        };
        let mut hardships = Vec::new();
        if let (Some(v), Some(on)) = (village, received_on) {
            match crate::policy::resolve(&packs, &v, on) {
                Ok(p) => match risk_codes(&p, &cell("风险类型").0) {
                    Ok(codes) => hardships = codes,
                    Err(m) => problems.push(problem(n, "风险类型", m)),
                },
                Err(err) => problems.push(problem(n, "村代码", err.to_string())),
            }
        }
        if problems.len() > before {
            continue;
        }
        let (Some(village), Some(channel), Some(received_on)) = (village, channel, received_on)
        else {
            continue;
        };
        leads.push(NewLead {
            village,
            household,
            channel,
            source: cell("来源").0,
            reason,
            evidence: cell("佐证情况").0,
            hardships,
            received_on,
            applicant: None,
            tracking_code: None,
        });
    }
    let mut report = LeadImportReport {
        rows: data.len(),
        problems: problems.into_vec(),
        ..LeadImportReport::default()
    };
    if data.is_empty() {
        report.problems.push(Problem {
            row: 0,
            column: None,
            message: format!("文件“{name}”表头下没有数据行"),
        });
    }
    if dry_run || !report.problems.is_empty() {
        return Ok(report);
    }
    let made = store.create_leads(actor, &leads).await?;
    report.created = made.len();
    report.attached = made.iter().filter(|m| m.attached_to.is_some()).count();
    Ok(report)
}
