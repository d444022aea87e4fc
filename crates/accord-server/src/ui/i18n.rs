//! The UI's languages: English and Simplified Chinese. The page language comes
//! from `?lang=en|zh` (remembered in the `accord_lang` cookie), else that
//! cookie, else the browser's `Accept-Language`, else English. Every fixed
//! string is in [`STRINGS`] in both languages; templates ask for them with
//! `t("key")`, and `{name}` in a string is filled from `t("key", name=…)`.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, Uri, header};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// `en` or `zh`, as in `?lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The BCP 47 tag for `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    /// `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`… (case-insensitive).
    pub fn parse(text: &str) -> Option<Lang> {
        let primary = text.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }
}

/// The preferred of English and Chinese in an `Accept-Language` header.
pub fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::parse) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// The page language, and whether it was chosen with `?lang=` (to be remembered).
pub fn negotiate(uri: &Uri, headers: &HeaderMap) -> (Lang, bool) {
    let query = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("lang="))
        .and_then(Lang::parse);
    if let Some(lang) = query {
        return (lang, true);
    }
    if let Some(lang) = cookie(headers, super::LANG_COOKIE).and_then(Lang::parse) {
        return (lang, false);
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(from_accept_language);
    (accept.unwrap_or(Lang::En), false)
}

/// A fixed string in a language; `None` for an unknown key.
pub fn text(lang: Lang, key: &str) -> Option<&'static str> {
    static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
        LazyLock::new(|| STRINGS.iter().map(|(k, en, zh)| (*k, (*en, *zh))).collect());
    INDEX.get(key).map(|(en, zh)| match lang {
        Lang::En => *en,
        Lang::Zh => *zh,
    })
}

/// Key, English, Chinese.
pub const STRINGS: &[(&str, &str, &str)] = &[
    // Layout
    ("site", "Accord registry", "Accord 登记平台"),
    ("skip", "Skip to content", "跳到正文"),
    ("nav.label", "Main", "主导航"),
    ("nav.dashboard", "Dashboard", "概览"),
    ("nav.register", "Public register", "公开登记册"),
    ("nav.filings", "Filings", "备案"),
    ("nav.new_system", "Register a system", "登记系统"),
    ("nav.crosswalk", "Crosswalk", "法域对照"),
    ("nav.impact", "Law-change impact", "法规变化影响"),
    ("session.signed_in_as", "Signed in as", "当前用户"),
    ("session.login", "Sign in", "登录"),
    ("session.logout", "Sign out", "退出"),
    (
        "footer.note",
        "Assessments are computed from rulepacks and are not legal advice",
        "评估结果由规则包计算得出，不构成法律意见",
    ),
    ("footer.api", "API (OpenAPI)", "API（OpenAPI）"),
    ("yes", "yes", "是"),
    ("no", "no", "否"),
    ("pager.older", "Older entries", "更早的条目"),
    // Roles
    ("role.provider", "provider", "提供者"),
    ("role.reviewer", "reviewer", "审核人"),
    ("role.admin", "administrator", "管理员"),
    // Assessment statuses
    ("status.applies", "applies", "适用"),
    ("status.upcoming", "upcoming", "即将适用"),
    ("status.undetermined", "undetermined", "待确定"),
    ("status.not-applicable", "not applicable", "不适用"),
    // Filing statuses
    ("filing.submitted", "submitted", "已提交"),
    ("filing.under-review", "under review", "审核中"),
    ("filing.approved", "approved", "已批准"),
    ("filing.rejected", "rejected", "已驳回"),
    ("filing.changes-requested", "changes requested", "需修改"),
    // Moves through review
    ("move.submitted", "Resubmit", "重新提交"),
    ("move.under-review", "Start review", "开始审核"),
    ("move.approved", "Approve", "批准"),
    ("move.rejected", "Reject", "驳回"),
    ("move.changes-requested", "Request changes", "要求修改"),
    // Evidence
    ("evidence.satisfied", "evidence satisfied", "证据已满足"),
    ("evidence.partial", "evidence partial", "证据部分满足"),
    ("evidence.missing", "evidence missing", "缺少证据"),
    ("evidence.failed", "evidence failed", "证据未通过"),
    ("evidence.stale", "evidence out of date", "证据已过期"),
    ("evidence.not-required", "no evidence required", "无需证据"),
    // Recognition and relations
    ("recognition.full", "recognised in full", "完全互认"),
    ("recognition.partial", "recognised in part", "部分互认"),
    ("recognition.not-covered", "not covered", "未覆盖"),
    ("relation.equal", "equal", "等同"),
    ("relation.subset-of", "subset of", "被包含"),
    ("relation.superset-of", "superset of", "包含"),
    ("relation.intersects-with", "intersects with", "部分重叠"),
    // Table columns
    ("col.system", "System", "系统"),
    ("col.organisation", "Organisation", "机构"),
    ("col.jurisdiction", "Jurisdiction", "法域"),
    ("col.status", "Status", "状态"),
    ("col.version", "Version", "版本"),
    ("col.updated", "Updated", "更新时间"),
    ("col.submitted", "Submitted", "提交时间"),
    ("col.count", "Count", "数量"),
    ("col.changes", "Changes", "变化数"),
    ("col.recorded", "Recorded", "记录时间"),
    ("col.published", "Published", "已公开"),
    ("col.rulepack", "Rulepack", "规则包"),
    ("col.classification", "Classification", "分类"),
    ("col.classifications", "Classifications", "分类"),
    ("col.from", "From", "起始日期"),
    ("col.citation", "Citation", "出处"),
    ("col.control", "Control", "控制措施"),
    ("col.evidence", "Evidence", "证据"),
    ("col.needed_from", "Needed from", "需要自"),
    ("col.fact", "Fact", "事实"),
    ("col.question", "Question", "问题"),
    ("col.filing", "Filing", "备案"),
    ("col.name", "Name", "名称"),
    ("col.kind", "Kind", "类型"),
    ("col.size", "Size (bytes)", "大小（字节）"),
    ("col.uploaded", "Uploaded", "上传时间"),
    ("col.result", "Result", "结果"),
    ("evidence.passed", "passed", "通过"),
    ("evidence.no_result", "no result stated", "未说明结果"),
    ("evidence.unbound", "not bound to a system", "未绑定到系统"),
    ("col.issuer", "Issuer", "签发方"),
    ("col.key", "Key", "密钥"),
    ("col.checks", "Checks", "校验"),
    ("col.purposes", "Purposes", "用途"),
    ("col.approved", "Approved", "批准时间"),
    ("col.recognition", "Recognition", "互认程度"),
    ("col.obligation", "Obligation", "义务"),
    ("col.before", "Before", "变化前"),
    ("col.after", "After", "变化后"),
    // Filters
    ("filter.any_status", "Any status", "全部状态"),
    ("filter.any_jurisdiction", "All jurisdictions", "全部法域"),
    ("filter.apply", "Show", "显示"),
    // Errors
    ("error.401", "Please sign in", "请先登录"),
    ("error.403", "Not allowed", "无权操作"),
    ("error.404", "Not found", "未找到"),
    ("error.409", "Conflict", "状态冲突"),
    ("error.413", "Too large", "内容过大"),
    ("error.422", "Cannot be accepted", "无法接受"),
    ("error.429", "Too many requests", "请求过于频繁"),
    ("error.500", "Server error", "服务器错误"),
    (
        "error.login_link",
        "Sign in with your token",
        "使用令牌登录",
    ),
    ("error.home_link", "Back to the dashboard", "返回概览"),
    ("problems.title", "Problems found", "发现的问题"),
    ("problems.at", "Line:column", "行:列"),
    ("problems.hint", "Hint", "提示"),
    // Login and logout
    ("login.title", "Sign in", "登录"),
    (
        "login.intro",
        "Sign in with the API token your registry administrator gave you. The token is kept in a cookie that only this site can read.",
        "请使用登记平台管理员发放的 API 令牌登录。令牌保存在仅本站可读取的 Cookie 中。",
    ),
    ("login.token", "API token", "API 令牌"),
    (
        "login.token_help",
        "An administrator creates tokens with",
        "管理员可用以下命令创建令牌：",
    ),
    ("login.submit", "Sign in", "登录"),
    (
        "login.failed",
        "This token is unknown or has been revoked.",
        "该令牌不存在或已被吊销。",
    ),
    (
        "login.already",
        "You are signed in as {name}.",
        "您已作为 {name} 登录。",
    ),
    ("logout.title", "Sign out", "退出登录"),
    (
        "logout.intro",
        "Sign out {name} from this browser.",
        "在此浏览器上退出 {name}。",
    ),
    (
        "logout.not_signed_in",
        "You are not signed in.",
        "您尚未登录。",
    ),
    // Dashboard
    ("dashboard.title", "Dashboard", "概览"),
    (
        "dashboard.public_intro",
        "Providers file their AI systems once; reviewers for each jurisdiction review them; approved filings are published here.",
        "提供者一次性登记其人工智能系统，各法域审核人分别审核，获批的备案在此公开。",
    ),
    (
        "dashboard.provider_intro",
        "Your organisation's systems and filings ({organisation}).",
        "贵机构的系统与备案（{organisation}）。",
    ),
    (
        "dashboard.reviewer_intro",
        "Filings for {jurisdiction} waiting for your review.",
        "等待您审核的 {jurisdiction} 备案。",
    ),
    (
        "dashboard.admin_intro",
        "Every system, filing and law-change impact in the registry.",
        "登记平台中的全部系统、备案与法规变化影响。",
    ),
    ("dashboard.systems", "Systems", "系统"),
    (
        "dashboard.no_systems",
        "No systems registered yet.",
        "尚未登记任何系统。",
    ),
    (
        "dashboard.register_system",
        "Register a system",
        "登记新系统",
    ),
    ("dashboard.queue", "Review queue", "审核队列"),
    ("dashboard.filings", "Filings", "备案"),
    (
        "dashboard.open_queue",
        "Open the review queue",
        "打开审核队列",
    ),
    ("dashboard.all_filings", "All filings", "全部备案"),
    (
        "dashboard.impacts",
        "Recent law-change impact",
        "近期法规变化影响",
    ),
    (
        "dashboard.register_summary",
        "The public register",
        "公开登记册",
    ),
    (
        "dashboard.published",
        "Approved filings on the public register: {n}.",
        "公开登记册中的获批备案：{n} 项。",
    ),
    (
        "dashboard.published_capped",
        "Approved filings on the public register: more than {n}; the counts below are for the latest {n}.",
        "公开登记册中的获批备案超过 {n} 项；以下统计为最近 {n} 项。",
    ),
    ("dashboard.latest", "Latest approvals", "最新批准"),
    (
        "dashboard.see_register",
        "See the whole register",
        "查看完整登记册",
    ),
    ("dashboard.rulepacks", "Rulepacks in force", "当前规则包"),
    ("dashboard.links", "Where to go", "快速链接"),
    (
        "dashboard.link_register",
        "approved filings, published fields only",
        "获批备案，仅含公开字段",
    ),
    (
        "dashboard.link_crosswalk",
        "how two jurisdictions' obligations meet on shared controls",
        "两个法域的义务如何对应到共享控制措施",
    ),
    (
        "dashboard.link_filings",
        "filings and their review",
        "备案及其审核",
    ),
    (
        "dashboard.link_impact",
        "what changed for systems when the law changed",
        "法规变化后系统受到的影响",
    ),
    (
        "dashboard.link_login",
        "providers and reviewers sign in with their token",
        "提供者与审核人使用令牌登录",
    ),
    (
        "dashboard.link_api",
        "the JSON API behind these pages",
        "本页面所用的 JSON API",
    ),
    // Registering a system
    ("new.title", "Register a system", "登记系统"),
    (
        "new.intro",
        "Paste the system's profile (profile/v1, as YAML or JSON). It is checked and assessed at once; problems are shown with their line and column.",
        "粘贴系统档案（profile/v1，YAML 或 JSON 格式）。提交后立即校验并评估；问题将标明所在行和列。",
    ),
    (
        "new.profile",
        "Profile (YAML or JSON)",
        "系统档案（YAML 或 JSON）",
    ),
    (
        "new.profile_help",
        "The whole document, from its first line (Accord's examples/ folder holds complete profiles):",
        "请粘贴完整文档，从第一行开始（Accord 的 examples/ 目录中有完整示例）：",
    ),
    ("new.submit", "Register and assess", "登记并评估"),
    // The system page
    ("system.as_of", "Assessed as of", "评估基准日"),
    (
        "system.assessment_json",
        "Assessment (JSON)",
        "评估结果（JSON）",
    ),
    ("system.profile_json", "Profile (JSON)", "系统档案（JSON）"),
    (
        "system.no_assessment",
        "This system's assessment could not be read.",
        "无法读取该系统的评估结果。",
    ),
    (
        "system.prohibited",
        "A prohibition applies to this system in at least one jurisdiction.",
        "该系统在至少一个法域中属于禁止情形。",
    ),
    ("system.summary", "Summary", "摘要"),
    ("summary.applicable", "Obligations in force", "现行义务"),
    ("summary.upcoming", "Upcoming obligations", "即将适用的义务"),
    ("summary.undetermined", "Undetermined", "待确定"),
    ("summary.controls", "Controls planned", "计划控制措施"),
    ("summary.gaps", "Gaps (no evidence)", "缺口（无证据）"),
    ("summary.questions", "Open questions", "待回答问题"),
    (
        "system.classifications",
        "Classifications by jurisdiction",
        "各法域分类",
    ),
    (
        "system.no_classification",
        "No classification holds.",
        "无适用分类。",
    ),
    ("system.effect", "Effect", "效力"),
    (
        "system.matrix",
        "Jurisdiction × control matrix",
        "法域 × 控制措施矩阵",
    ),
    (
        "system.matrix_help",
        "Rows are the controls of the consolidated plan; each cell lists that jurisdiction's obligations the control serves. Legend:",
        "行为合并控制计划中的控制措施；每个单元格列出该控制措施所对应的该法域义务。图例：",
    ),
    ("matrix.satisfies", "satisfies in full", "完全满足"),
    ("matrix.contributes", "contributes in part", "部分满足"),
    (
        "system.no_controls",
        "No control is needed: no obligation applies.",
        "无需控制措施：没有适用的义务。",
    ),
    ("system.timeline", "Obligation timeline", "义务时间线"),
    (
        "system.timeline_help",
        "Obligations by the date they apply from; those after today are upcoming.",
        "按起始适用日期排列的义务；今天之后的为即将适用。",
    ),
    ("timeline.today", "Today", "今天"),
    ("timeline.upcoming", "starts later", "尚未开始"),
    ("timeline.guidance", "guidance, not binding", "指引，非强制"),
    (
        "system.undated",
        "Obligations without a start date",
        "无起始日期的义务",
    ),
    ("system.questions", "Open questions", "待回答问题"),
    ("system.filings", "Filings", "备案"),
    (
        "system.no_filings",
        "Not filed with any jurisdiction yet.",
        "尚未向任何法域备案。",
    ),
    ("file.title", "File with a jurisdiction", "向法域备案"),
    ("file.jurisdiction", "Jurisdiction", "法域"),
    ("file.submit", "File", "提交备案"),
    (
        "file.help",
        "The latest profile version is filed; reviewers for that jurisdiction receive it.",
        "将提交最新版本的系统档案，由该法域的审核人接收。",
    ),
    ("system.evidence", "Evidence", "证据"),
    (
        "system.no_evidence",
        "No evidence uploaded.",
        "尚未上传证据。",
    ),
    (
        "system.evidence_help",
        "Upload evidence/v1 files through the API:",
        "请通过 API 上传 evidence/v1 文件：",
    ),
    ("system.attestations", "Attestations", "证明"),
    (
        "system.no_attestations",
        "No attestations uploaded.",
        "尚未上传证明。",
    ),
    (
        "attestation.checks",
        "{passed} of {total} checks passed on upload",
        "上传时通过 {passed}/{total} 项校验",
    ),
    ("attestation.details", "Checks", "校验明细"),
    ("check.passed", "passed", "通过"),
    ("check.failed", "failed", "未通过"),
    // Filings
    (
        "filings.reviewer_title",
        "Review queue — {jurisdiction}",
        "审核队列 — {jurisdiction}",
    ),
    ("filings.provider_title", "Your filings", "我的备案"),
    ("filings.admin_title", "All filings", "全部备案"),
    (
        "filings.reviewer_intro",
        "Filings for {jurisdiction}, newest first. Open one to review it.",
        "{jurisdiction} 的备案，按时间倒序。打开备案即可审核。",
    ),
    (
        "filings.provider_intro",
        "Your organisation's filings, newest first.",
        "贵机构的备案，按时间倒序。",
    ),
    (
        "filings.admin_intro",
        "Every filing, newest first.",
        "全部备案，按时间倒序。",
    ),
    ("filings.caption", "{n} filings shown", "显示 {n} 项备案"),
    ("filings.none", "No filings.", "暂无备案。"),
    ("filing.heading", "Filing #{id}", "备案 #{id}"),
    (
        "filing.classifications",
        "Classifications in {jurisdiction}",
        "在 {jurisdiction} 的分类",
    ),
    ("filing.history", "History", "处理记录"),
    ("filing.to", "to", "变为"),
    ("filing.review", "Review", "审核"),
    (
        "filing.comment_required",
        "Comment (required: say why)",
        "意见（必填：请说明理由）",
    ),
    (
        "filing.comment_optional",
        "Comment (optional)",
        "意见（可选）",
    ),
    (
        "filing.awaiting",
        "Waiting for a reviewer for {jurisdiction}.",
        "等待 {jurisdiction} 的审核人处理。",
    ),
    // The register
    ("register.title", "Public register", "公开登记册"),
    (
        "register.intro",
        "Approved filings. Only the fields meant for the public are shown: the system, its provider, where it is filed, its classifications and purposes.",
        "获批的备案。仅显示公开字段：系统、提供者、备案法域、分类与用途。",
    ),
    ("register.caption", "{n} entries shown", "显示 {n} 条记录"),
    (
        "register.none",
        "Nothing has been published yet.",
        "尚无公开内容。",
    ),
    (
        "register.api",
        "The same data as JSON:",
        "相同数据的 JSON 版本：",
    ),
    // The crosswalk
    ("crosswalk.title", "Crosswalk", "法域对照"),
    ("crosswalk.and", "and", "与"),
    (
        "crosswalk.intro",
        "Choose two jurisdictions to see how their obligations meet on shared controls, and what evidence made for one is recognised by the other.",
        "选择两个法域，查看其义务如何对应到共享控制措施，以及为一方准备的证据能否被另一方认可。",
    ),
    ("crosswalk.left", "First jurisdiction", "第一个法域"),
    ("crosswalk.right", "Second jurisdiction", "第二个法域"),
    ("crosswalk.compare", "Compare", "对照"),
    ("crosswalk.summary", "Summary", "摘要"),
    (
        "crosswalk.shared_controls",
        "Shared controls",
        "共享控制措施",
    ),
    (
        "crosswalk.met_full",
        "{target} obligations met in full by {source} evidence",
        "{source} 证据完全满足的 {target} 义务",
    ),
    (
        "crosswalk.met_part",
        "{target} obligations met in part by {source} evidence",
        "{source} 证据部分满足的 {target} 义务",
    ),
    (
        "crosswalk.relations_help",
        "Relations follow NIST IR 8477, read as “obligation relation control”: equal; subset of (the control does all the obligation asks); superset of and intersects with (the control covers part of it).",
        "关系采用 NIST IR 8477，读作“义务 关系 控制措施”：等同；被包含（控制措施完全覆盖义务要求）；包含与部分重叠（控制措施覆盖义务的一部分）。",
    ),
    ("crosswalk.controls", "Controls", "控制措施"),
    (
        "crosswalk.no_controls",
        "These jurisdictions share no control.",
        "这两个法域没有共享的控制措施。",
    ),
    (
        "crosswalk.recognises",
        "What {target} recognises from {source} evidence",
        "{target} 对 {source} 证据的认可",
    ),
    (
        "crosswalk.obligation",
        "{target} obligation",
        "{target} 义务",
    ),
    ("crosswalk.via", "Via", "依据"),
    ("crosswalk.through", "through", "经由"),
    ("crosswalk.supplement", "Still to supplement", "仍需补充"),
    ("crosswalk.more", "and {n} more", "另有 {n} 项"),
    (
        "crosswalk.no_obligations",
        "{target} has no obligations in the loaded rulepacks.",
        "已加载的规则包中 {target} 没有义务。",
    ),
    // Law-change impact
    ("impact.title", "Law-change impact", "法规变化影响"),
    (
        "impact.intro",
        "When the rulepacks change, every registered system is re-assessed; what newly applies, what no longer applies and what moved dates is recorded here per system.",
        "规则包变更时，所有已登记系统都会重新评估；每个系统新适用、不再适用及日期变动的义务记录于此。",
    ),
    (
        "impact.none",
        "No law-change impact recorded yet.",
        "尚无法规变化影响记录。",
    ),
    (
        "impact.rules",
        "Rules {from} → {to}",
        "规则集 {from} → {to}",
    ),
    ("impact.count", "{n} changes", "{n} 项变化"),
    (
        "impact.unreadable",
        "The recorded changes could not be read.",
        "无法读取所记录的变化。",
    ),
    ("impact.newly_applies", "Newly applies", "新适用"),
    ("impact.no_longer_applies", "No longer applies", "不再适用"),
    ("impact.moved", "Moved dates", "日期变动"),
    ("impact.classifications", "Classifications", "分类变化"),
    ("impact.gained", "gained", "新增"),
    ("impact.lost", "lost", "失去"),
    (
        "impact.nothing",
        "Nothing changed for this system.",
        "该系统没有变化。",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_once_and_both_languages_filled_with_the_same_placeholders() {
        let mut seen = std::collections::HashSet::new();
        for (key, en, zh) in STRINGS {
            assert!(seen.insert(*key), "`{key}` twice");
            assert!(!en.trim().is_empty() && !zh.trim().is_empty(), "`{key}`");
            let holes = |s: &str| -> Vec<String> {
                let mut v: Vec<String> = s
                    .split('{')
                    .skip(1)
                    .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(holes(en), holes(zh), "placeholders of `{key}`");
        }
    }

    #[test]
    fn every_key_a_template_asks_for_exists() {
        for (name, source) in super::super::TEMPLATES {
            let pieces = source
                .split("t(\"")
                .skip(1)
                .chain(source.split("t('").skip(1));
            for piece in pieces {
                let Some((key, _)) = piece.split_once(['"', '\'']) else {
                    continue;
                };
                // `t("status." ~ x)` builds keys; those are checked by kind elsewhere.
                if key.ends_with('.') {
                    continue;
                }
                assert!(text(Lang::En, key).is_some(), "{name}: `{key}` missing");
            }
        }
    }

    #[test]
    fn dynamic_keys_exist() {
        let mut keys: Vec<String> = Vec::new();
        for s in accord_store::FilingStatus::ALL {
            keys.push(format!("filing.{}", s.as_str()));
            keys.push(format!("move.{}", s.as_str()));
        }
        for r in ["provider", "reviewer", "admin"] {
            keys.push(format!("role.{r}"));
        }
        for r in [
            accord_model::Relation::Equal,
            accord_model::Relation::SubsetOf,
            accord_model::Relation::SupersetOf,
            accord_model::Relation::IntersectsWith,
        ] {
            keys.push(format!("relation.{}", r.as_str()));
        }
        for s in [
            accord_model::Status::Applies,
            accord_model::Status::Upcoming,
            accord_model::Status::Undetermined,
            accord_model::Status::NotApplicable,
        ] {
            keys.push(format!("status.{}", s.as_str()));
        }
        for code in [401, 403, 404, 409, 413, 422, 429, 500] {
            keys.push(format!("error.{code}"));
        }
        for k in [
            "newly_applies",
            "no_longer_applies",
            "moved",
            "gained",
            "lost",
        ] {
            keys.push(format!("impact.{k}"));
        }
        for key in keys {
            assert!(text(Lang::Zh, &key).is_some(), "`{key}` missing");
        }
    }

    #[test]
    fn language_comes_from_query_then_cookie_then_accept_language() {
        let uri: Uri = "/register?lang=zh".parse().unwrap();
        assert_eq!(negotiate(&uri, &HeaderMap::new()), (Lang::Zh, true));
        let plain: Uri = "/register".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            "fr-FR, zh-CN;q=0.8, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(negotiate(&plain, &h), (Lang::Zh, false));
        h.insert(header::COOKIE, "a=b; accord_lang=en".parse().unwrap());
        assert_eq!(negotiate(&plain, &h), (Lang::En, false));
        assert_eq!(negotiate(&plain, &HeaderMap::new()), (Lang::En, false));
        assert_eq!(from_accept_language("de, fr;q=0.9"), None);
        assert_eq!(from_accept_language("zh;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(from_accept_language("en-GB;q=0.7, zh-Hans"), Some(Lang::Zh));
    }
}
