//! Signing in and out, changing one's password and the own-account page (我的账号).

use crate::AppState;
use crate::error::Page;
use crate::forms::Posted;
use crate::frame::{Frame, render};
use crate::session::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, Session, clear_session, cookie, same_origin, set_cookie,
    source_of, tokens_equal,
};
use askama::Template;
use axum::Extension;
use axum::extract::FromRequest;
use axum::extract::{Form, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::response::{Redirect, Response};
use chrono::Utc;
use dixian_app::accounts;
use dixian_app::accounts::auth;
use dixian_app::accounts::auth::AuthError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    frame: Frame,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    out: Option<String>,
}

/// Where to go after signing in: a path of this site only. Browsers drop tabs and line
/// breaks inside an address (`/\t/evil.example` becomes `//evil.example`, another site), and a
/// line break in a header cannot be sent at all, so any control character or white space sends
/// the user home instead.
fn safe_next(next: &str) -> String {
    let same_site = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if same_site {
        next.to_string()
    } else {
        "/".into()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        assert_eq!(
            safe_next("/cases?state=verifying"),
            "/cases?state=verifying"
        );
        assert_eq!(safe_next("/households?name=张"), "/households?name=张");
        for bad in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}

fn login_form(
    state: &AppState,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let csrf = dixian_gm::random::<16>()
        .map(|b| dixian_gm::to_hex(&b))
        .unwrap_or_default();
    let mut res = render(
        status,
        &LoginPage {
            frame: Frame::new(state, None),
            csrf: csrf.clone(),
            next: safe_next(next),
            username: username.to_string(),
            error,
            notice,
        },
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, "/login", Some(1800)),
    );
    res
}

pub async fn login_page(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> Page {
    let notice = if q.expired.is_some() {
        Some("登录已超时，请重新登录".to_string())
    } else if q.out.is_some() {
        Some("已退出".to_string())
    } else {
        None
    };
    Ok(login_form(
        &state,
        StatusCode::OK,
        q.next.as_deref().unwrap_or("/"),
        "",
        None,
        notice,
    ))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login_submit(State(state): State<AppState>, req: Request) -> Page {
    let source = source_of(&state, &req);
    let headers = req.headers().clone();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect());
    let Ok(Form(form)) = Form::<LoginForm>::from_request(req, &state).await else {
        return Ok(login_form(
            &state,
            StatusCode::BAD_REQUEST,
            "/",
            "",
            Some("登录表单不完整".into()),
            None,
        ));
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !same_origin(&headers) || expected.is_empty() || !tokens_equal(&form.csrf, &expected) {
        return Ok(login_form(
            &state,
            StatusCode::FORBIDDEN,
            &form.next,
            &form.username,
            Some("登录页面已过期或来源无法验证，请重新登录".into()),
            None,
        ));
    }
    let policy = state.security().await;
    Ok(
        match auth::login(
            state.store.as_ref(),
            state.hashing.as_ref(),
            &policy,
            &form.username,
            &form.password,
            source,
            user_agent,
            Utc::now(),
        )
        .await
        {
            Ok(ok) => {
                let target = if ok.must_change {
                    "/account/password".to_string()
                } else {
                    safe_next(&form.next)
                };
                let mut res = Redirect::to(&target).into_response();
                let age = policy.absolute_lifetime.num_seconds();
                res.headers_mut().append(
                    header::SET_COOKIE,
                    set_cookie(&state, SESSION_COOKIE, &ok.token, "/", Some(age)),
                );
                res.headers_mut().append(
                    header::SET_COOKIE,
                    set_cookie(&state, LOGIN_CSRF_COOKIE, "", "/login", Some(0)),
                );
                res
            }
            Err(AuthError::App(e)) => {
                tracing::error!(error = %e, "登录失败");
                (StatusCode::SERVICE_UNAVAILABLE, "暂时无法登录").into_response()
            }
            Err(e) => login_form(
                &state,
                StatusCode::UNAUTHORIZED,
                &form.next,
                &form.username,
                Some(e.to_string()),
                None,
            ),
        },
    )
}

fn logged_out() -> Response {
    Redirect::to("/login?out=1").into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    _checked: Posted,
) -> Page {
    if let Err(e) = auth::logout(state.store.as_ref(), &session.token).await {
        tracing::error!(error = %e, "退出失败");
    }
    Ok(clear_session(&state, logged_out()))
}

pub async fn logout_all(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    _checked: Posted,
) -> Page {
    if let Err(e) = auth::logout_everywhere(state.store.as_ref(), &session.auth.actor).await {
        tracing::error!(error = %e, "退出全部会话失败");
    }
    Ok(clear_session(&state, logged_out()))
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    frame: Frame,
    csrf: String,
    forced: bool,
    error: Option<String>,
}

pub async fn password_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Page {
    Ok(render(
        StatusCode::OK,
        &PasswordPage {
            frame: session.frame(&state),
            csrf: session.auth.csrf.clone(),
            forced: session.auth.must_change,
            error: None,
        },
    ))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: PasswordForm = posted.parse()?;
    let result = if f.new != f.confirm {
        Err("两次输入的新密码不一致".to_string())
    } else {
        accounts::change_own_password(
            state.store.as_ref(),
            state.hashing.as_ref(),
            &session.auth.actor,
            &state.security().await.password,
            &f.old,
            &f.new,
            Some(&dixian_gm::sm3(session.token.as_bytes())[..]),
        )
        .await
        .map_err(|e| e.to_string())
    };
    Ok(match result {
        Ok(()) => Redirect::to("/account?changed=1").into_response(),
        Err(e) => render(
            StatusCode::BAD_REQUEST,
            &PasswordPage {
                frame: session.frame(&state),
                csrf: session.auth.csrf.clone(),
                forced: session.auth.must_change,
                error: Some(e),
            },
        ),
    })
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    frame: Frame,
    csrf: String,
    notice: Option<String>,
    username: String,
    display_name: String,
    role: &'static str,
    division: String,
    history: Vec<(String, String, &'static str)>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    changed: Option<String>,
}

pub async fn account_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AccountQuery>,
) -> Page {
    let u = &session.auth.user;
    let division = match state.store.division(&u.division).await {
        Ok(Some(d)) => format!("{}（{}）", d.name, d.code),
        _ => u.division.to_string(),
    };
    let history = state
        .store
        .login_history(u.id, 20)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|h| {
            (
                dixian_app::beijing(h.at)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                h.source.unwrap_or_default(),
                if h.success { "成功" } else { "失败" },
            )
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AccountPage {
            frame: session.frame(&state),
            csrf: session.auth.csrf.clone(),
            notice: q.changed.map(|_| "密码已修改".to_string()),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.label(),
            division,
            history,
        },
    ))
}
