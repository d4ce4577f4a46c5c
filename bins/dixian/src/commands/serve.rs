//! `dixian serve`: the web server (HTTP or HTTPS), until a signal stops it.

use super::{DEFAULT_DATA_DIR, DEFAULT_LISTEN, open_store};
use crate::cli::DataArgs;
use crate::config::Config;
use anyhow::Context;
use anyhow::Result;
use anyhow::{anyhow, bail};
use dixian_app::accounts::Argon2id;
use dixian_store::SystemStore;
use dixian_store_sql::SqlStore;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub(crate) async fn run(
    config: Option<&Path>,
    data: DataArgs,
    listen: Option<String>,
) -> Result<ExitCode> {
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    let store = open_store(&cfg, false).await?;
    let listen = listen.or(cfg.listen.clone());
    serve(
        store,
        listen.as_deref().unwrap_or(DEFAULT_LISTEN),
        None,
        &cfg,
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn serve(
    store: Arc<SqlStore>,
    listen: &str,
    banner: Option<String>,
    cfg: &Config,
) -> Result<()> {
    // Cookies over HTTPS are always `Secure`.
    let secure_cookies = cfg.secure_cookies || cfg.tls.is_some();
    let tls = match &cfg.tls {
        Some((cert, key)) => Some(tls_config(cert, key).await?),
        None => None,
    };
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| anyhow!("监听地址“{listen}”无效：应为 IP:端口，如 127.0.0.1:8080"))?;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "端口{addr}已被占用：可能已有一个 dixian 或其他程序在运行。请停止它，或用 --listen 指定其他端口"
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            bail!("没有权限监听{addr}：1024以下的端口需要管理员权限，请换一个端口")
        }
        Err(e) => bail!("无法监听{addr}：{e}"),
    };
    let local = listener.local_addr()?;
    let shutdown = shutdown_signal().context("无法注册停止信号")?;
    // Tells `dixian restore` that this data directory is in use.
    let pid_file = cfg.data_dir.join("dixian.pid");
    if cfg.database_url.is_none() {
        std::fs::write(&pid_file, std::process::id().to_string())
            .with_context(|| format!("无法写入{}", pid_file.display()))?;
    }
    if let Some(b) = banner {
        println!("{b}");
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "底线已启动：{scheme}://{local}/  （数据库：{}）",
        store.kind().as_str()
    );
    println!("按 Ctrl-C 停止。");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let state = dixian_web::AppState {
        store: store.clone(),
        hashing: Arc::new(Argon2id::recommended()),
        policy: Arc::new(dixian_app::accounts::auth::SecurityPolicy::default()),
        secure_cookies,
        limiter: Arc::new(dixian_web::RateLimiter::new(cfg.rate_limit_per_minute)),
        trusted_proxies: Arc::new(cfg.trusted_proxies.clone()),
        clock: dixian_app::Clock::system(),
    };
    let app = dixian_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .context("网页服务异常退出")?,
        Some(tls) => {
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let std_listener = listener.into_std().context("无法接管监听端口")?;
            axum_server::from_tcp_rustls(std_listener, tls)
                .context("无法在该端口上启用HTTPS")?
                .handle(handle)
                .serve(app)
                .await
                .context("网页服务异常退出")?
        }
    }
    store.close().await;
    if cfg.database_url.is_none() {
        let _ = std::fs::remove_file(&pid_file);
    }
    println!("已停止。");
    Ok(())
}

/// The TLS configuration from PEM files, with Chinese messages for the usual mistakes.
pub(crate) async fn tls_config(
    cert: &Path,
    key: &Path,
) -> Result<axum_server::tls_rustls::RustlsConfig> {
    // One process-wide provider: ring, which builds without cmake or system OpenSSL.
    let _ = rustls::crypto::ring::default_provider().install_default();
    for (path, what) in [(cert, "证书"), (key, "私钥")] {
        if !path.exists() {
            bail!("找不到HTTPS{what}文件{}", path.display());
        }
    }
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            anyhow!(
                "无法加载HTTPS证书{}和私钥{}：{e}（应为PEM格式，私钥须与证书匹配）",
                cert.display(),
                key.display()
            )
        })
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are registered when this is *called*, not
/// when first polled, so a stop request right after start-up is never lost.
pub(crate) fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
            tracing::info!("收到停止信号，正在关闭");
            // A file being checked stops at its next row instead of holding the stop.
            dixian_app::sheet::guard::stop_reading();
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("收到停止信号，正在关闭");
            dixian_app::sheet::guard::stop_reading();
        })
    }
}
