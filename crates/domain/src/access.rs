//! Who is acting (操作人) and what they may reach. Every store call carries an [`Actor`]: the
//! store filters reads and refuses writes outside the actor's [`Scope`], and audits both.

use crate::division::DivisionCode;

/// The part of the division tree an actor may see and change (辖区).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything: the system itself and county-wide maintenance commands.
    Everything,
    /// A division and everything below it.
    Within(DivisionCode),
}

impl Scope {
    /// Whether `code` lies inside this scope.
    pub fn covers(&self, code: &DivisionCode) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Within(root) => code.is_within(root),
        }
    }

    /// Bounds of the 12-digit codes inside the scope, for range scans in storage.
    pub fn code_range(&self) -> (String, String) {
        match self {
            Scope::Everything => ("000000000000".into(), "999999999999".into()),
            Scope::Within(root) => {
                let p = root.prefix();
                (format!("{p:0<12}"), format!("{p:9<12}"))
            }
        }
    }
}

/// A user, or the system acting for an administrator's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account id; `None` for the system.
    pub user_id: Option<i64>,
    /// Shown in the audit trail: account name, or `系统：` and the task.
    pub name: String,
    pub scope: Scope,
    /// Where the request came from (IP address), if over the network.
    pub source: Option<String>,
}

impl Actor {
    /// The system itself, running `task` (e.g. `dixian init`).
    pub fn system(task: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("系统：{task}"),
            scope: Scope::Everything,
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_covers_subtree_only() {
        let town = DivisionCode::parse("500299101000").unwrap();
        let s = Scope::Within(town);
        assert!(s.covers(&DivisionCode::parse("500299101201").unwrap()));
        assert!(s.covers(&town));
        assert!(!s.covers(&DivisionCode::parse("500299102201").unwrap()));
        assert!(!s.covers(&DivisionCode::parse("500299000000").unwrap()));
        assert!(Scope::Everything.covers(&town));
        assert_eq!(
            s.code_range(),
            ("500299101000".to_string(), "500299101999".to_string())
        );
    }
}
