//! Setting up a deployment: divisions, the work calendar and policy packs.

use crate::AppError;
use dixian_domain::access::Actor;
use dixian_domain::calendar::{CalendarEntry, WorkCalendar};
use dixian_domain::division::DivisionTable;
use dixian_domain::policy::{BUILTIN_PACKS, Pack, PolicySet};
use dixian_store::Store;

/// A file given to setup: its name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// What `initialize` loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitReport {
    pub divisions: usize,
    pub village_groups: usize,
    pub calendar_days: usize,
    pub policy_packs: Vec<String>,
}

/// Loads the built-in calendar and policy packs, plus the given division tables and extra
/// packs. Every file is validated before anything is written, so a bad file changes nothing.
pub async fn initialize(
    store: &dyn Store,
    actor: &Actor,

    division_files: &[SourceFile],
    extra_packs: &[SourceFile],
) -> Result<InitReport, AppError> {
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    for f in division_files {
        match DivisionTable::from_csv(&f.name, &f.text) {
            Ok(t) => tables.push(t),
            Err(errs) => problems.extend(errs.iter().map(ToString::to_string)),
        }
    }
    let mut packs = Vec::new();
    for (name, text) in BUILTIN_PACKS {
        match Pack::parse(name, text) {
            Ok(p) => packs.push(p),
            Err(issues) => problems.extend(issues.iter().map(ToString::to_string)),
        }
    }
    for f in extra_packs {
        match Pack::parse(&f.name, &f.text) {
            Ok(p) => packs.push(p),
            Err(issues) => problems.extend(issues.iter().map(ToString::to_string)),
        }
    }
    // Packs already stored take part in the uniqueness check, except those being replaced.
    let mut set = PolicySet::new();
    for p in store.policy_packs().await? {
        if !packs.iter().any(|n| n.id() == p.id()) {
            set.add(p)
                .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        }
    }
    for p in &packs {
        if let Err(e) = set.add(p.clone()) {
            problems.push(format!("{}：{e}", p.file));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }

    let mut report = InitReport::default();
    for t in &tables {
        report.divisions += store.put_divisions(actor, t).await?;
        report.village_groups += t.groups.len();
    }
    let entries: Vec<CalendarEntry> = WorkCalendar::builtin().entries().cloned().collect();
    report.calendar_days = store.put_calendar(actor, &entries).await?;
    for p in &packs {
        store.put_policy_pack(actor, p).await?;
        report.policy_packs.push(p.id().to_string());
    }
    tracing::info!(
        divisions = report.divisions,
        calendar_days = report.calendar_days,
        packs = report.policy_packs.len(),
        "初始化完成"
    );
    Ok(report)
}

/// Adds or replaces calendar days from an administrator's CSV (next year's notice).
pub async fn import_calendar(
    store: &dyn Store,
    actor: &Actor,
    file: &SourceFile,
) -> Result<usize, AppError> {
    let cal = WorkCalendar::from_csv(&file.name, &file.text)
        .map_err(|errs| AppError::Invalid(errs.iter().map(ToString::to_string).collect()))?;
    let entries: Vec<CalendarEntry> = cal.entries().cloned().collect();
    Ok(store.put_calendar(actor, &entries).await?)
}
