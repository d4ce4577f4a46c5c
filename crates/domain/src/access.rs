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
            Scope::Within(root) => root.code_range(),
        }
    }
}

/// A user, or the system acting for an administrator's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account id; `None` for the system.
    pub user_id: Option<i64>,
    /// Shown in the audit trail: the username for accounts, or `系统：` and the task.
    pub name: String,
    pub scope: Scope,
    /// Where the request came from (IP address), if over the network.
    pub source: Option<String>,
    /// The account's role; `None` only for the system itself (administrator commands run on
    /// the server), which may do everything.
    pub role: Option<Role>,
}

impl Actor {
    /// The system itself, running `task` (e.g. `dixian init`).
    pub fn system(task: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("系统：{task}"),
            scope: Scope::Everything,
            source: None,
            role: None,
        }
    }

    /// Whether this actor holds permission `p`.
    pub fn may(&self, p: Permission) -> bool {
        self.role.is_none_or(|r| r.permits(p))
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

use crate::codes::coded_enum;

coded_enum!(
    /// Role of an account (角色). Each account has exactly one, which makes the separation of
    /// the three administrators (三员分立) hold by construction.
    Role {
        SystemAdmin => ("system_admin", "系统管理员"),
        SecurityAdmin => ("security_admin", "安全管理员"),
        AuditAdmin => ("audit_admin", "审计管理员"),
        CountyAdmin => ("county_admin", "县级管理员"),
        TownReviewer => ("town_reviewer", "乡镇审核员"),
        VillageOfficer => ("village_officer", "村级信息员"),
        AssistanceCadre => ("assistance_cadre", "帮扶责任人"),
        DepartmentOfficer => ("department_officer", "部门数据员"),
        Viewer => ("viewer", "只读查看"),
    }
);

coded_enum!(
    /// What an account may do (权限). The matrix is in [`Role::permits`] and `docs/security.md`.
    Permission {
        ViewRegistry => ("view_registry", "查看辖区户籍（打码）"),
        EditRegistry => ("edit_registry", "登记、修改户籍"),
        RevealPii => ("reveal_pii", "查看完整身份证号等"),
        ExportLedger => ("export_ledger", "导出台账"),
        HandleCases => ("handle_cases", "办理监测帮扶业务"),
        UploadFeed => ("upload_feed", "上传本部门数据"),
        ProposeProjects => ("propose_projects", "申报项目库项目"),
        ManageReference => ("manage_reference", "维护政策包、日历、区划"),
        ManageUsers => ("manage_users", "管理账号"),
        ManageSecurity => ("manage_security", "设置密码策略、锁定、会话"),
        ReadAudit => ("read_audit", "查看、导出审计记录"),
    }
);

impl Role {
    /// The permission matrix. The system administrator reads no business data and no audit
    /// records; the auditor changes nothing.
    pub fn permits(self, p: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match self {
            R::SystemAdmin => matches!(p, P::ManageReference | P::ManageUsers),
            R::SecurityAdmin => matches!(p, P::ManageSecurity),
            R::AuditAdmin => matches!(p, P::ReadAudit),
            R::CountyAdmin | R::TownReviewer => matches!(
                p,
                P::ViewRegistry
                    | P::EditRegistry
                    | P::RevealPii
                    | P::ExportLedger
                    | P::HandleCases
                    | P::ProposeProjects
            ),
            R::VillageOfficer => {
                matches!(
                    p,
                    P::ViewRegistry | P::EditRegistry | P::HandleCases | P::ProposeProjects
                )
            }
            R::AssistanceCadre => matches!(p, P::ViewRegistry | P::HandleCases),
            R::Viewer => matches!(p, P::ViewRegistry),
            // A sector department (行业部门) proposes cross-village projects of its field to the
            // library and follows them; it sees no household.
            R::DepartmentOfficer => matches!(p, P::UploadFeed | P::ProposeProjects),
        }
    }

    /// The three administrators (三员).
    pub fn is_administrator(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn three_administrators_are_separated() {
        // No permission is shared between two of the three administrators.
        for p in Permission::ALL {
            let holders = [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin]
                .iter()
                .filter(|r| r.permits(*p))
                .count();
            assert!(holders <= 1, "{p:?}");
        }
        assert!(!Role::SystemAdmin.permits(Permission::ReadAudit));
        assert!(!Role::SystemAdmin.permits(Permission::ViewRegistry));
        assert!(!Role::SystemAdmin.permits(Permission::RevealPii));
        // The auditor changes nothing.
        for p in [
            Permission::EditRegistry,
            Permission::ManageReference,
            Permission::ManageUsers,
            Permission::ManageSecurity,
            Permission::UploadFeed,
        ] {
            assert!(!Role::AuditAdmin.permits(p), "{p:?}");
        }
    }

    #[test]
    fn roles_parse_by_code_or_label() {
        assert_eq!(Role::parse("乡镇审核员"), Some(Role::TownReviewer));
        assert_eq!(Role::parse("audit_admin"), Some(Role::AuditAdmin));
        assert_eq!(Role::parse("局长"), None);
        assert!(Role::AuditAdmin.is_administrator());
        assert!(!Role::CountyAdmin.is_administrator());
    }
}
