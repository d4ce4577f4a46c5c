//! Areas (辖区): a division with its ancestors, children and registry counts, for drill-down.

use crate::AppError;
use dixian_domain::access::{Actor, Scope};
use dixian_domain::division::{Division, DivisionCode};
use dixian_store::{RegistryCounts, Store};

/// A division with its registry counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaFigures {
    pub division: Division,
    pub counts: RegistryCounts,
}

/// Everything the drill-down page of one division shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaView {
    pub area: AreaFigures,
    /// Province first.
    pub ancestors: Vec<Division>,
    pub children: Vec<AreaFigures>,
    pub groups: Vec<String>,
}

async fn figures(
    store: &dyn Store,
    actor: &Actor,
    division: Division,
) -> Result<AreaFigures, AppError> {
    let counts = store.registry_counts(actor, &division.code).await?;
    Ok(AreaFigures { division, counts })
}

/// The starting points of drill-down: the actor's own division, or for county-wide actors
/// the tops of the loaded division tree, with their counts.
pub async fn overview(store: &dyn Store, actor: &Actor) -> Result<Vec<AreaFigures>, AppError> {
    let tops = match &actor.scope {
        Scope::Everything => store.root_divisions().await?,
        Scope::Within(code) => store.division(code).await?.into_iter().collect(),
    };
    let mut out = Vec::new();
    for d in tops {
        out.push(figures(store, actor, d).await?);
    }
    Ok(out)
}

/// One division for drill-down; `code_text` as typed in the address.
pub async fn area(store: &dyn Store, actor: &Actor, code_text: &str) -> Result<AreaView, AppError> {
    let code =
        DivisionCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    // Scope before existence: outside the scope, a real code and a made-up one get the same
    // refusal, so nobody learns which divisions exist by probing.
    if !actor.scope.covers(&code) {
        store.registry_counts(actor, &code).await?;
    }
    let division = store
        .division(&code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("区划代码{code}不存在")))?;
    let mut ancestors = Vec::new();
    for a in code.ancestors().into_iter().rev() {
        if let Some(d) = store.division(&a).await? {
            ancestors.push(d);
        }
    }
    let mut children = Vec::new();
    for c in store.child_divisions(&code).await? {
        children.push(figures(store, actor, c).await?);
    }
    let groups = store
        .village_groups(&code)
        .await?
        .into_iter()
        .map(|g| g.name)
        .collect();
    Ok(AreaView {
        area: figures(store, actor, division).await?,
        ancestors,
        children,
        groups,
    })
}

const PLACEHOLDERS: [&str; 3] = ["县", "市辖区", "省直辖县级行政区划"];

/// The full name of a division, province first (重庆市青山县石桥镇), from public reference
/// data only: no registry figures, so every role may see it.
pub async fn full_name(store: &dyn Store, code_text: &str) -> Result<String, AppError> {
    let code =
        DivisionCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut names = Vec::new();
    for a in code.ancestors().into_iter().rev().chain([code]) {
        // Statistical placeholders (重庆市“县”, “市辖区”) are not part of a place's name.
        if let Some(d) = store.division(&a).await?
            && !PLACEHOLDERS.contains(&d.name.as_str())
        {
            names.push(d.name);
        }
    }
    if names.is_empty() {
        return Err(AppError::NotFound(format!("区划代码{code}不存在")));
    }
    Ok(names.join(""))
}

/// The county an actor works for: the county of their area (the system names none).
pub fn actor_county(actor: &Actor) -> Option<DivisionCode> {
    match &actor.scope {
        Scope::Everything => None,
        Scope::Within(root) => root.ancestor_at(dixian_domain::division::DivisionLevel::County),
    }
}
