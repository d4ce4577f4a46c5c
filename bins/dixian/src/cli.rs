//! Command-line definition. Help text is Chinese, including clap's own headings and flags.

use clap::{Arg, ArgAction, Args, Command, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "dixian",
    about = "底线：防止返贫致贫动态监测和帮扶系统（服务器与管理命令）",
    long_about = None,
)]
pub struct Cli {
    /// 配置文件（TOML）；默认读取数据目录下的 dixian.toml（若存在）
    #[arg(long, global = true, env = "DIXIAN_CONFIG", value_name = "文件")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Cmd,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// 数据目录：存放内置 SQLite 数据库 dixian.db 与配置
    #[arg(long, env = "DIXIAN_DATA_DIR", value_name = "目录")]
    pub data_dir: Option<PathBuf>,

    /// 数据库连接串；给出 postgres://… 时使用 PostgreSQL，不给则用数据目录中的 SQLite
    #[arg(long, env = "DIXIAN_DATABASE_URL", value_name = "连接串")]
    pub database_url: Option<String>,

    /// 个人信息加密密钥文件，默认为数据目录下的 dixian.keys（也可用环境变量 DIXIAN_KEYS 直接给出密钥内容）
    #[arg(long, env = "DIXIAN_KEY_FILE", value_name = "文件")]
    pub key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// 创建数据库，导入行政区划、节假日日历和政策包
    Init {
        #[command(flatten)]
        data: DataArgs,
        /// 行政区划 CSV（表头 code,name；可多次给出）
        #[arg(long = "divisions", value_name = "文件")]
        divisions: Vec<PathBuf>,
        /// 额外的政策包 TOML（本省、本县的政策；可多次给出）
        #[arg(long = "policy", value_name = "文件")]
        policy: Vec<PathBuf>,
    },
    /// 启动网页服务
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// 监听地址（IP:端口）
        #[arg(long, env = "DIXIAN_LISTEN", value_name = "地址")]
        listen: Option<String>,
    },
    /// 生成演示县（青山县）的模拟数据，可直接启动服务
    Demo {
        #[command(flatten)]
        data: DataArgs,
        /// 户数
        #[arg(long, default_value_t = 100_000, value_name = "户数")]
        households: u32,
        /// 随机种子：相同种子生成完全相同的数据
        #[arg(long, default_value_t = 20_260_101, value_name = "种子")]
        seed: u64,
        /// 测算日期（年龄、收入年度以此为准），默认今天
        #[arg(long, value_name = "日期")]
        as_of: Option<String>,
        /// 每年的项目数（默认按户数，每1,000户1个；性能测量时可加大）
        #[arg(long, value_name = "个数")]
        projects_per_year: Option<u32>,
        /// 生成后立即启动网页服务
        #[arg(long)]
        serve: bool,
        /// 监听地址（与 --serve 一起使用）
        #[arg(long, env = "DIXIAN_LISTEN", value_name = "地址")]
        listen: Option<String>,
        /// 不建库，只把演示县的农户按导入模板写成 .csv 或 .xlsx 文件（用于试导入和性能测量）
        #[arg(
            long = "out",
            alias = "csv-out",
            value_name = "文件",
            conflicts_with = "serve"
        )]
        file_out: Option<PathBuf>,
    },
    /// 政策包：检查、查看现行参数
    Policy {
        #[command(subcommand)]
        command: PolicyCmd,
    },
    /// 节假日日历：导入新年度安排、计算办理时限
    Calendar {
        #[command(subcommand)]
        command: CalendarCmd,
    },
    /// 个人信息加密密钥：轮换
    Keys {
        #[command(subcommand)]
        command: KeysCmd,
    },
    /// 账号管理：新增、列出、停用、启用、重置密码
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// 导入数据
    Import {
        #[command(subcommand)]
        command: ImportCmd,
    },
    /// 导出数据
    Export {
        #[command(subcommand)]
        command: ExportCmd,
    },
    /// 备份数据库（服务可照常运行）：一致的快照，并做完整性检查
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// 备份文件（不能已存在）
        #[arg(long, value_name = "文件")]
        out: PathBuf,
    },
    /// 从备份恢复数据库（须先停止服务）；原数据库保留为 dixian.db.before-restore-时间
    Restore {
        #[command(flatten)]
        data: DataArgs,
        /// 由 dixian backup 生成的备份文件
        #[arg(value_name = "文件")]
        file: PathBuf,
    },
    /// 审计记录：核验哈希链、查看
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// 部门数据筛查（独立运行）：读目录中的 CSV，写出 warnings.csv 与 summary.csv
    Screen {
        /// 输入目录：households.csv、persons.csv 及各部门数据文件
        #[arg(long, value_name = "目录")]
        input: PathBuf,
        /// 测算日期 YYYY-MM-DD（时间窗口、年龄以此为准）
        #[arg(long, value_name = "日期")]
        as_of: String,
        /// 监测收入线（元/人/年），如 7600；用 --pack 或 --region 时可省略（取政策包的监测范围）
        #[arg(long, value_name = "元")]
        line_yuan: Option<String>,
        /// 筛查规则取自此政策包文件的 [screening] 节（收入线取其 [monitoring_line]，或用 --line-yuan）
        #[arg(long, value_name = "文件", conflicts_with = "region")]
        pack: Option<PathBuf>,
        /// 筛查规则和收入线取自随程序发布的政策包中该地区在测算日期适用的一套（12位区划代码）
        #[arg(long, value_name = "区划代码")]
        region: Option<String>,
        /// 输出目录
        #[arg(long, value_name = "目录")]
        out: PathBuf,
        /// 严格模式：有任何格式错误的行即不出结果、以非零码退出
        #[arg(long)]
        strict: bool,
        /// 另写 explanations.csv：每条预警比较的数字或依据的数据行
        #[arg(long)]
        explain: bool,
        /// 工作线程数，默认为处理器核数
        #[arg(long, value_name = "数量")]
        threads: Option<usize>,
    },
    /// 在数据库中对一个辖区运行部门筛查（可由定时任务每月调用）：新预警生成监测线索
    ScreenArea {
        #[command(flatten)]
        data: DataArgs,
        /// 筛查范围：县、乡镇或村的 12 位区划代码
        #[arg(long, value_name = "区划代码")]
        area: String,
        /// 测算日期 YYYY-MM-DD，默认为上月最后一天
        #[arg(long, value_name = "日期")]
        as_of: Option<String>,
    },
    /// 数据质量检查：列出辖区内不符合帮扶规则的案件（帮扶消除无措施、计划缺项、收入低于监测线等）
    CheckData {
        #[command(flatten)]
        data: DataArgs,
        /// 检查范围：县、乡镇或村的 12 位区划代码
        #[arg(long, value_name = "区划代码")]
        area: String,
        /// 检查日期 YYYY-MM-DD，默认今天
        #[arg(long, value_name = "日期")]
        as_of: Option<String>,
        /// 另把问题清单写成 CSV 文件（Excel 可直接打开）
        #[arg(long, value_name = "文件")]
        out: Option<PathBuf>,
    },
    /// 生成筛查测试数据（规模系数 1 约为一个县：10 万户、30 万人、170 万行）
    ScreenData {
        /// 规模系数，如 1、10、30
        #[arg(long, default_value_t = 1.0, value_name = "系数")]
        sf: f64,
        /// 测算日期 YYYY-MM-DD（数据的时间以此为中心）
        #[arg(long, default_value = "2026-10-31", value_name = "日期")]
        as_of: String,
        /// 随机种子：相同种子生成完全相同的数据
        #[arg(long, default_value_t = 20_261_031, value_name = "种子")]
        seed: u64,
        /// 输出目录
        #[arg(long, value_name = "目录")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// 新增账号：生成初始密码（只显示这一次），首次登录须修改
    Add {
        #[command(flatten)]
        data: DataArgs,
        /// 账号名：2–32位小写字母、数字或“_.-”，以字母开头
        #[arg(long, value_name = "账号名")]
        username: String,
        /// 姓名
        #[arg(long, value_name = "姓名")]
        name: String,
        /// 角色，如 县级管理员、乡镇审核员、村级信息员、帮扶责任人、部门数据员、只读查看
        #[arg(long, value_name = "角色")]
        role: String,
        /// 所属区划代码（12位）：其辖区为该区划及全部下级
        #[arg(long, value_name = "代码")]
        division: String,
        /// 所属部门（仅部门数据员）
        #[arg(long, value_name = "部门")]
        department: Option<String>,
    },
    /// 列出全部账号
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// 停用账号
    Disable {
        #[command(flatten)]
        data: DataArgs,
        #[arg(value_name = "账号名")]
        username: String,
    },
    /// 启用已停用的账号
    Enable {
        #[command(flatten)]
        data: DataArgs,
        #[arg(value_name = "账号名")]
        username: String,
    },
    /// 重置密码：生成新密码（只显示这一次），下次登录须修改
    ResetPassword {
        #[command(flatten)]
        data: DataArgs,
        #[arg(value_name = "账号名")]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// 逐条核验审计记录的哈希链；发现被修改、删除或调换的记录时指出第几条，退出码非零
    Verify {
        #[command(flatten)]
        data: DataArgs,
        /// 审计管理员的SM2公钥（十六进制）：核验签名检查点和清理依据（默认取配置文件的 audit_public_key）
        #[arg(long, value_name = "公钥")]
        public_key: Option<String>,
        /// 记住本次核验到的最新记录的文件（放在数据库以外）：下次核验时，此前的记录少了或改了都会发现
        #[arg(long, value_name = "文件")]
        state: Option<PathBuf>,
    },
    /// 生成审计检查点签名用的SM2密钥：私钥写入文件（权限600，由审计管理员保管，不要放在服务器上），
    /// 公钥打印出来用于核验
    Keygen {
        /// 私钥文件
        #[arg(long, value_name = "文件")]
        out: PathBuf,
    },
    /// 用SM2私钥为当前最新一条审计记录签名，检查点记入审计记录并打印，请另行留存
    Checkpoint {
        #[command(flatten)]
        data: DataArgs,
        /// SM2私钥文件（audit keygen 生成）
        #[arg(long, value_name = "文件")]
        key: PathBuf,
    },
    /// 清理超过保存期的审计记录（保存期按安全策略，至少180天）；清理前先核验哈希链
    Prune {
        #[command(flatten)]
        data: DataArgs,
        /// 保留最近多少天（不能少于安全策略规定的保存期）
        #[arg(long, value_name = "天数")]
        keep_days: Option<i64>,
        /// 审计管理员的SM2公钥：只清理到早于保存期的签名检查点为止（默认取配置文件的 audit_public_key）
        #[arg(long, value_name = "公钥")]
        public_key: Option<String>,
    },
    /// 按顺序列出审计记录
    List {
        #[command(flatten)]
        data: DataArgs,
        /// 从第几条之后开始
        #[arg(long, default_value_t = 0, value_name = "序号")]
        after: i64,
        /// 最多列出多少条
        #[arg(long, default_value_t = 50, value_name = "条数")]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// 导入农户（Excel .xlsx，或 CSV：UTF-8、GBK）：先检查整个文件，有任何问题则一行不写并逐条指出行、列和原因
    Households {
        #[command(flatten)]
        data: DataArgs,
        /// 农户文件（按模板填写）
        #[arg(value_name = "文件")]
        file: PathBuf,
        /// 只检查、报告，不写入
        #[arg(long)]
        dry_run: bool,
        /// 有问题时，把带“问题”列的文件（与上传文件同格式）写到这里
        #[arg(long, value_name = "文件")]
        report: Option<PathBuf>,
    },
    /// 生成农户导入模板（按扩展名 .xlsx 或 .csv，含一户示例）
    Template {
        /// 模板文件
        #[arg(long, value_name = "文件")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// 导出户籍台账（.csv 或 .xlsx，按文件扩展名；身份证号、电话打码）
    Households {
        #[command(flatten)]
        data: DataArgs,
        /// 输出文件（.csv 或 .xlsx）
        #[arg(long, value_name = "文件")]
        out: PathBuf,
        /// 只导出这个区划（12位代码）及其下级
        #[arg(long, value_name = "区划代码")]
        within: Option<String>,
        /// 户类型：脱贫户 或 一般农户
        #[arg(long = "type", value_name = "户类型")]
        household_type: Option<String>,
        /// 只导出监测对象
        #[arg(long)]
        monitored: bool,
        /// 户主身份证号写完整号码，须说明理由（记入审计记录）
        #[arg(long, value_name = "理由")]
        reveal_reason: Option<String>,
    },
    /// 生成月通报（.xlsx，含图表）：标题、通报内容、各乡镇、每月趋势、办理时效、三保障问题、逾期清单
    Bulletin {
        #[command(flatten)]
        data: DataArgs,
        /// 月份，如 2026-11；默认为上月
        #[arg(long, value_name = "月份")]
        month: Option<String>,
        /// 输出文件（.xlsx）
        #[arg(long, value_name = "文件")]
        out: PathBuf,
        /// 区划（12位代码），默认为全县
        #[arg(long, value_name = "区划代码")]
        area: Option<String>,
    },
    /// 导出标准台账（.xlsx）：monitored 监测对象、measures 帮扶措施、visits 走访、eliminated 风险消除、problems 三保障问题
    Ledger {
        #[command(flatten)]
        data: DataArgs,
        /// 台账：monitored、measures、visits、eliminated、problems（或中文名）
        #[arg(value_name = "台账")]
        kind: String,
        /// 输出文件（.xlsx）
        #[arg(long, value_name = "文件")]
        out: PathBuf,
        /// 区划（12位代码），默认为演示县或第一个县
        #[arg(long, value_name = "区划代码")]
        area: Option<String>,
        /// 户主身份证号写完整号码，须说明理由（记入审计记录）
        #[arg(long, value_name = "理由")]
        reveal_reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// 生成新的加密密钥并用它重新加密全部身份证号、电话（分批进行，服务可照常运行）
    Rotate {
        #[command(flatten)]
        data: DataArgs,
        /// 每批处理的记录数
        #[arg(long, default_value_t = 1_000, value_name = "条数")]
        batch: usize,
        /// 不生成新密钥，只把尚未使用当前密钥的数据重新加密（如中途中断后继续）
        #[arg(long)]
        no_new_key: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// 检查政策包文件，列出每个错误的文件、行号和字段；有错误时退出码非零
    Check {
        /// 政策包文件（TOML）
        #[arg(required = true, value_name = "文件")]
        files: Vec<PathBuf>,
    },
    /// 比较两个政策包：逐项列出改变、新增和删去的数值及各自的来源
    Diff {
        /// 原政策包：文件路径，或随程序发布的包编号（如 yunnan-2023）
        #[arg(value_name = "包A")]
        from: String,
        /// 新政策包：文件路径或包编号
        #[arg(value_name = "包B")]
        to: String,
    },
    /// 显示某县（或乡镇、村）某日现行的政策参数及其来源
    Show {
        #[command(flatten)]
        data: DataArgs,
        /// 12位区划代码（县级或以下）
        #[arg(long, value_name = "代码")]
        region: String,
        /// 日期，默认今天
        #[arg(long, value_name = "日期")]
        date: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// 导入节假日安排 CSV（表头 date,kind,festival,notice_year），新增或覆盖
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// 日历 CSV 文件
        #[arg(value_name = "文件")]
        file: PathBuf,
    },
    /// 计算办理时限：自某日起若干个工作日（或自然日）后的日期
    Deadline {
        #[command(flatten)]
        data: DataArgs,
        /// 起算日期
        #[arg(long, value_name = "日期")]
        from: String,
        /// 天数
        #[arg(long, value_name = "天数")]
        days: u32,
        /// 按自然日计算（默认按工作日）
        #[arg(long)]
        natural: bool,
    },
}

/// Replaces clap's English headings and built-in flags with Chinese ones, recursively.
/// `path` is the full command name (`dixian policy check`) for the usage line.
fn localise(cmd: Command, path: &str, root: bool) -> Command {
    let mut cmd = cmd
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助"),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本"),
        );
    }
    // Environment variables and defaults go into the Chinese help text itself.
    cmd = cmd.mut_args(|a| {
        let mut extra = Vec::new();
        if let Some(env) = a.get_env() {
            extra.push(format!("环境变量 {}", env.to_string_lossy()));
        }
        let takes_values = a.get_action().takes_values();
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() && takes_values {
            extra.push(format!("默认 {}", defaults.join(",")));
        }
        let help = a.get_help().map(ToString::to_string).unwrap_or_default();
        let heading = if a.is_positional() {
            "参数"
        } else {
            "选项"
        };
        let a = a
            .hide_env(true)
            .hide_default_value(takes_values)
            .help_heading(heading);
        let suffix = format!("（{}）", extra.join("；"));
        if extra.is_empty() || help.ends_with(&suffix) {
            a
        } else {
            a.help(format!("{help}{suffix}"))
        }
    });
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let sub_path = format!("{path} {name}");
        cmd = cmd.mut_subcommand(&name, |s| localise(s, &sub_path, false));
    }
    // Rendering builds a command, so it is done on a copy: the original stays unbuilt.
    let usage = cmd
        .clone()
        .bin_name(path)
        .render_usage()
        .to_string()
        .trim_start_matches("Usage: ")
        .replace("[OPTIONS]", "[选项]")
        .replace("<COMMAND>", "<命令>");
    cmd.override_usage(usage)
}

fn localised() -> Command {
    localise(
        Cli::command().version(env!("CARGO_PKG_VERSION")),
        "dixian",
        true,
    )
}

/// Parses the process arguments; on a usage error prints a Chinese hint and exits with 2.
pub fn parse() -> Cli {
    let cmd = localised();
    let matches = match cmd.try_get_matches() {
        Ok(m) => m,
        Err(e) => exit_with(e),
    };
    match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => exit_with(e),
    }
}

fn exit_with(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => e.exit(),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            std::process::exit(2)
        }
        kind => {
            let what = match kind {
                ErrorKind::UnknownArgument => "无法识别的参数",
                ErrorKind::InvalidValue | ErrorKind::ValueValidation => "参数取值无效",
                ErrorKind::MissingRequiredArgument => "缺少必需的参数",
                ErrorKind::InvalidSubcommand => "没有这个命令",
                ErrorKind::MissingSubcommand => "缺少命令",
                _ => "命令行参数有误",
            };
            let detail = e.to_string();
            let first = detail
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            eprintln!("错误：{what}（{first}）\n运行 dixian --help 查看用法。");
            std::process::exit(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn localised_command_is_consistent_and_chinese() {
        let mut cmd = super::localised();
        cmd.clone().debug_assert();
        let help = cmd.render_long_help().to_string();
        for english in [
            "Options:",
            "Usage:",
            "Print help",
            "[OPTIONS]",
            "[env:",
            "[default:",
        ] {
            assert!(!help.contains(english), "{english} in {help}");
        }
        let mut demo = super::localised();
        let demo = demo.find_subcommand_mut("demo").unwrap();
        let help = demo.render_long_help().to_string();
        assert!(help.contains("默认 100000"), "{help}");
        assert!(help.contains("环境变量 DIXIAN_DATA_DIR"), "{help}");
        assert!(!help.contains("[default:"), "{help}");
    }
}
