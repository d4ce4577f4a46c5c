//! The storage API of dixian, one trait per capability (`RegistryStore`, `MonitoringStore`,
//! `ProblemStore` …), each in the module of its noun with the types it speaks, joined by
//! [`Store`]. Every feature talks to storage only through these traits; the SQLite and
//! PostgreSQL backends both pass the [`contract`] suite.
//!
//! A `&dyn Store` offers every trait's methods as it is; code that holds a concrete store
//! (`SqlStore` in tests and the binary) brings them into scope with
//! `use dixian_store::prelude::*`.

#[cfg(feature = "contract")]
pub mod contract;

pub mod accounts;
pub mod assets;
pub mod audit;
pub mod cadres;
pub mod calendar;
pub mod complaints;
pub mod divisions;
pub mod feeds;
pub mod files;
pub mod funds;
pub mod monitoring;
pub mod policy;
pub mod problems;
pub mod rectification;
pub mod registry;
pub mod screening;
pub mod system;
pub mod teams;
pub mod villages;
pub mod visits;

pub use accounts::{
    AccountChange, AccountDecision, AccountRequest, AccountStore, FailureCount, LoginAttempt,
    LoginKey, NewServiceToken, NewSession, NewUser, ServiceTokenRecord, SessionRecord, UserRecord,
};
pub use assets::AssetStore;
pub use audit::{
    AuditFilter, AuditRecord, AuditStore, AuditVerification, PruneReport, PruneThrough,
};
pub use cadres::CadreStore;
pub use calendar::CalendarStore;
pub use complaints::{
    ComplaintFilter, ComplaintRecord, ComplaintStore, NewComplaint, PublicComplaint,
};
pub use divisions::DivisionStore;
pub use dixian_domain::changes::FieldChange;
pub use feeds::{Delivered, DeliveryRecord, DeliveryRow, FeedStore, HouseholdFeedRow, NewDelivery};
pub use files::{NewAttachment, PhotoMeta};
pub use funds::{
    Beneficiary, FundFile, FundStore, FundSummary, HouseholdProject, NewFund, NewPayment,
    NewProject, PaymentRecord, PlanLine, ProjectEventRecord, ProjectFile, ProjectFilter,
    ProjectStep, ProjectSummary,
};
pub use monitoring::{
    Applicant, AttachmentMeta, CadreAccount, CaseEventRecord, CaseFact, CaseFile, CaseFilter,
    CaseHistory, CaseSummary, HistoryStep, LeadCreated, LeadFilter, LeadRecord, MonitoringStore,
    NewLead, PublicLeadStatus, StepEffect, StepTimeliness, search_words,
};
pub use policy::PolicyStore;
pub use problems::{
    NewProblem, ProblemEventRecord, ProblemFile, ProblemRecord, ProblemStep, ProblemStore,
};
pub use rectification::RectificationStore;
pub use registry::{
    HouseholdDetail, HouseholdEdit, HouseholdEvent, HouseholdFilter, HouseholdPage,
    HouseholdSummary, HouseholdUpdate, MemberView, PersonFilter, PersonLine, PersonLocation,
    PersonPage, PhoneChange, RegistryCounts, RegistryStore,
};
pub use screening::{
    NewScreeningRun, RuleRates, ScreeningHousehold, ScreeningInput, ScreeningOutcome,
    ScreeningPerson, ScreeningRunRecord, ScreeningStore, ScreeningWarning, StoredFeedRow,
};
pub use system::{DbKind, RotationReport, SystemStore};
pub use teams::TeamStore;
pub use villages::VillageStore;
pub use visits::{NewVisit, VisitFilter, VisitLine, VisitPage, VisitRecord, VisitStore};

/// Storage errors. Messages are Chinese because they reach users and operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or opened.
    #[error("数据库不可用：{0}")]
    Unavailable(String),
    /// A uniqueness rule was broken; nothing was written.
    #[error("数据冲突：{0}")]
    Conflict(String),
    /// Stored data could not be read back into domain values.
    #[error("数据库中的数据无效：{0}")]
    Corrupt(String),
    /// The actor may not do this. Says nothing about what exists; the refusal is audited.
    #[error("无权访问")]
    Forbidden,
    /// A request the store will not carry out as given (a reveal without a reason …).
    #[error("{0}")]
    Invalid(String),
    /// The schema is newer than this program.
    #[error("数据库结构版本为{found}，本程序只支持到{supported}，请升级程序")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("数据库错误：{0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The whole storage API: every capability's trait. Every call names its
/// [`Actor`](dixian_domain::access::Actor): reads of registry data are limited to the actor's
/// scope, writes outside it are refused, and every write and every refusal is appended to the
/// audit trail in the same transaction as the write. Writes are transactional: a call either
/// writes everything it was given or nothing.
pub trait Store:
    SystemStore
    + DivisionStore
    + CalendarStore
    + PolicyStore
    + RegistryStore
    + MonitoringStore
    + VisitStore
    + FeedStore
    + ScreeningStore
    + ProblemStore
    + AccountStore
    + AuditStore
    + ComplaintStore
    + FundStore
    + AssetStore
    + VillageStore
    + RectificationStore
    + TeamStore
    + CadreStore
{
}

impl<T> Store for T where
    T: SystemStore
        + DivisionStore
        + CalendarStore
        + PolicyStore
        + RegistryStore
        + MonitoringStore
        + VisitStore
        + FeedStore
        + ScreeningStore
        + ProblemStore
        + AccountStore
        + AuditStore
        + ComplaintStore
        + FundStore
        + AssetStore
        + VillageStore
        + RectificationStore
        + TeamStore
        + CadreStore
{
}

/// The capability traits, so that their methods can be called on a `&dyn Store`.
pub mod prelude {
    pub use crate::{
        AccountStore, AssetStore, AuditStore, CadreStore, CalendarStore, ComplaintStore,
        DivisionStore, FeedStore, FundStore, MonitoringStore, PolicyStore, ProblemStore,
        RectificationStore, RegistryStore, ScreeningStore, Store, SystemStore, TeamStore,
        VillageStore, VisitStore,
    };
}
