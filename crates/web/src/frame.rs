//! The page frame every page is drawn in (header, menu by permission, version), rendering,
//! downloads and the error page. A leaf: no capability module is imported here.

use crate::{AppState, VERSION, session};
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use dixian_domain::access::Permission;

/// What every page shows around its content.
pub(crate) struct Frame {
    pub version: &'static str,
    pub database: &'static str,
    /// The signed-in user's display name and role.
    pub user: Option<String>,
    /// For the logout button in the header.
    pub csrf_token: String,
    /// The sections this user may open, as (address, name).
    pub nav: Vec<(&'static str, &'static str)>,
    /// The same, grouped by task for the menu: (group, [(address, name)]).
    pub menu: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
}

/// The menu's groups, by task, in the order a person looks for them.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "办理",
        &["/work", "/leads", "/cases", "/problems", "/visits"],
    ),
    ("资金项目", &["/funds", "/projects", "/assets"]),
    (
        "村级",
        &[
            "/villages",
            "/villages/weak",
            "/teams",
            "/rectification",
            "/pairings",
            "/tours",
            "/grid",
        ],
    ),
    (
        "查询",
        &["/households", "/people", "/households/import", "/screening"],
    ),
    (
        "统计",
        &[
            "/",
            "/dashboard",
            "/sla",
            "/quality",
            "/bulletin",
            "/ledgers",
        ],
    ),
    (
        "管理",
        &[
            "/admin/users",
            "/admin/tokens",
            "/admin/security",
            "/audit",
            "/policy",
            "/complaints",
        ],
    ),
];

/// Sections of the site and the permission each needs; the header shows only those the
/// user holds, and the store refuses the rest anyway.
const SECTIONS: &[(&str, &str, Permission)] = &[
    ("/", "辖区概况", Permission::ViewRegistry),
    ("/dashboard", "工作看板", Permission::ViewRegistry),
    ("/work", "我的待办", Permission::HandleCases),
    ("/leads", "监测线索", Permission::HandleCases),
    ("/cases", "监测案件", Permission::ViewRegistry),
    ("/sla", "办理时效", Permission::HandleCases),
    ("/problems", "三保障问题", Permission::ViewRegistry),
    ("/visits", "走访记录", Permission::ViewRegistry),
    ("/funds", "资金", Permission::ViewRegistry),
    ("/projects", "项目库", Permission::ViewRegistry),
    ("/projects", "项目库", Permission::ProposeProjects),
    ("/assets", "项目资产", Permission::ViewRegistry),
    ("/villages", "村级工作", Permission::ViewRegistry),
    ("/villages/weak", "经济薄弱村", Permission::ViewRegistry),
    ("/teams", "驻村工作队", Permission::ViewRegistry),
    ("/rectification", "整改台账", Permission::ViewRegistry),
    ("/pairings", "干部包联", Permission::ViewRegistry),
    ("/tours", "书记遍访", Permission::ViewRegistry),
    ("/grid", "监测信息员", Permission::ViewRegistry),
    ("/quality", "数据质量", Permission::HandleCases),
    ("/screening", "部门筛查", Permission::HandleCases),
    ("/screening", "部门数据", Permission::UploadFeed),
    ("/bulletin", "月通报", Permission::ExportLedger),
    ("/ledgers", "标准台账", Permission::ExportLedger),
    ("/households", "农户查询", Permission::ViewRegistry),
    ("/people", "人员查询", Permission::ViewRegistry),
    ("/households/import", "农户导入", Permission::EditRegistry),
    ("/admin/users", "账号管理", Permission::ManageUsers),
    ("/admin/tokens", "系统接入", Permission::ManageUsers),
    ("/admin/users", "账号状态", Permission::ManageSecurity),
    ("/admin/security", "安全策略", Permission::ManageSecurity),
    ("/audit", "审计记录", Permission::ReadAudit),
];

impl Frame {
    pub(crate) fn new(state: &AppState, session: Option<&session::Session>) -> Frame {
        let nav: Vec<(&'static str, &'static str)> = session
            .map(|s| {
                let mut nav: Vec<(&'static str, &'static str)> = SECTIONS
                    .iter()
                    .filter(|(_, _, p)| s.auth.actor.may(*p))
                    .map(|(href, name, _)| (*href, *name))
                    .collect();
                nav.dedup_by_key(|(href, _)| *href);
                nav.push(("/policy", "政策参数"));
                // Every account may complain or suggest (国办函〔2026〕12号).
                nav.push(("/complaints", "投诉建议"));
                nav
            })
            .unwrap_or_default();
        let menu = GROUPS
            .iter()
            .map(|(group, hrefs)| {
                let links: Vec<(&'static str, &'static str)> = hrefs
                    .iter()
                    .filter_map(|h| nav.iter().find(|(href, _)| href == h).copied())
                    .collect();
                (*group, links)
            })
            .filter(|(_, links)| !links.is_empty())
            .collect();
        Frame {
            version: VERSION,
            database: state.store.kind().as_str(),
            user: session.map(|s| {
                format!(
                    "{}（{}）",
                    s.auth.user.display_name,
                    s.auth.user.role.label()
                )
            }),
            csrf_token: session.map(|s| s.auth.csrf.clone()).unwrap_or_default(),
            nav,
            menu,
        }
    }
}

/// A file to download: `ascii_name` for old browsers, `name` (Chinese) for the rest.
pub(crate) fn download(
    body: impl IntoResponse,
    mime: &'static str,
    ascii_name: &str,
    name: &str,
) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let disposition = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        session::url_escape(name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// CSV for spreadsheets, as every download of the site sends it.
pub(crate) const CSV: &str = "text/csv; charset=utf-8";

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "页面渲染失败");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "页面渲染失败，请联系管理员",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    frame: Frame,
    heading: &'a str,
    message: String,
}

pub(crate) fn error_response(
    state: &AppState,
    session: Option<&session::Session>,
    status: StatusCode,
    heading: &str,
    message: String,
) -> Response {
    render(
        status,
        &ErrorPage {
            frame: Frame::new(state, session),
            heading,
            message,
        },
    )
}
