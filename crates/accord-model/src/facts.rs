//! Facts: the typed questions a rule can ask about a system.
//!
//! The built-in facts are the fields of `profile/v1`; rulepacks declare more
//! (read from the profile's `facts:` map). [`FactRegistry::read_profile`]
//! checks a parsed profile against the registry — types, vocabularies, market
//! codes, dates — and returns the value of every fact, `None` meaning unknown.

use jiff::civil::Date;
use serde_json::Value;

use crate::doc::{Diagnostic, Document, did_you_mean, escape_pointer, quote_list};
use crate::markets;
use crate::profile::Profile;

/// The type of a fact.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FactType {
    Bool,
    Number,
    Date,
    String,
    /// One value from `values`.
    Enum,
    /// Several values from `values`.
    Set,
    /// Market codes, with the hierarchy of [`crate::markets`].
    Markets,
}

impl FactType {
    pub fn as_str(self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Number => "number",
            FactType::Date => "date",
            FactType::String => "string",
            FactType::Enum => "enum",
            FactType::Set => "set",
            FactType::Markets => "markets",
        }
    }
}

/// How a fact's value is found in a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The value at a JSON pointer of the profile.
    Pointer(String),
    /// A pack-declared fact under `facts:`.
    Custom,
    /// The sum of a numeric field over `personal_data.exports` entries from one country.
    ExportSum {
        from: &'static str,
        field: &'static str,
    },
}

/// One fact: its id, type, allowed values and the question that asks for it.
#[derive(Clone, Debug, PartialEq)]
pub struct FactDef {
    pub id: String,
    pub kind: FactType,
    pub values: Vec<String>,
    pub question: String,
    pub question_zh: Option<String>,
    pub source: Source,
    /// The pack that declared it; `None` for built-in facts.
    pub declared_by: Option<String>,
}

/// A known fact value.
#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    Bool(bool),
    Number(f64),
    Date(Date),
    Text(String),
    Set(Vec<String>),
}

impl std::fmt::Display for FactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactValue::Bool(b) => write!(f, "{b}"),
            FactValue::Number(n) => write!(f, "{}", format_number(*n)),
            FactValue::Date(d) => write!(f, "{d}"),
            FactValue::Text(t) => write!(f, "{t}"),
            FactValue::Set(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

/// Formats a number the way a reader expects: integers without a fraction,
/// large values in scientific notation (`3e25`).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else if n.abs() >= 1e15 {
        format!("{n:e}")
    } else {
        format!("{n}")
    }
}

/// All facts known to an assessment: built-in plus those rulepacks declare.
#[derive(Clone, Debug)]
pub struct FactRegistry {
    facts: Vec<FactDef>,
}

/// Operator roles (docs/profile.md).
pub const ROLES: &[&str] = &[
    "provider",
    "deployer",
    "importer",
    "distributor",
    "product-manufacturer",
    "authorised-representative",
    "platform",
    "app-store",
];

/// The fixed purpose ids (docs/profile.md, "Purposes").
pub const PURPOSES: &[&str] = &[
    "biometric.remote-identification",
    "biometric.categorisation",
    "biometric.emotion-recognition",
    "critical-infrastructure.safety-component",
    "education.admission",
    "education.evaluation",
    "education.level-assignment",
    "education.proctoring",
    "employment.recruitment",
    "employment.management",
    "essential-services.public-benefits",
    "essential-services.credit-scoring",
    "essential-services.insurance-pricing",
    "essential-services.emergency-triage",
    "law-enforcement",
    "migration",
    "justice",
    "democracy.elections",
    "product.safety-component",
    "social-scoring",
    "manipulation",
    "predictive-policing-profiling",
    "facial-scraping",
    "housing",
    "healthcare",
    "legal-services",
    "content.recommendation",
    "content.generation",
    "content.face-swap",
    "content.voice-cloning",
    "chat.general",
    "chat.customer-service",
    "chat.companion",
    "gig.dispatch",
];

fn builtin(
    id: &str,
    kind: FactType,
    values: &[&str],
    question: &str,
    question_zh: &str,
) -> FactDef {
    let pointer = format!("/{}", id.replace('.', "/"));
    FactDef {
        id: id.to_string(),
        kind,
        values: values.iter().map(|v| v.to_string()).collect(),
        question: question.to_string(),
        question_zh: Some(question_zh.to_string()),
        source: Source::Pointer(pointer),
        declared_by: None,
    }
}

impl Default for FactRegistry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl FactRegistry {
    /// The facts of `profile/v1`.
    pub fn builtin() -> FactRegistry {
        use FactType::*;
        let mut facts = vec![
            builtin(
                "operator.roles",
                Set,
                ROLES,
                "Which roles does the operator have for this system (provider, deployer, importer, distributor, product-manufacturer, authorised-representative, platform, app-store)?",
                "运营者对该系统承担哪些角色（提供者、部署者、进口者、分销者、产品制造商、授权代表、平台、应用商店）？",
            ),
            builtin(
                "operator.established_in",
                String,
                &[],
                "Where is the operator established (ISO 3166 code, e.g. GB or US-CA)?",
                "运营者设立于哪个国家或地区（ISO 3166 代码，例如 GB 或 US-CA）？",
            ),
            builtin(
                "operator.annual_revenue_usd",
                Number,
                &[],
                "What was the operator's (with affiliates) annual gross revenue in the prior year, in USD?",
                "运营者（含关联方）上一年度的年总收入是多少（美元）？",
            ),
            builtin(
                "operator.public_body",
                Bool,
                &[],
                "Is the operator a public authority, or a private body providing public services?",
                "运营者是否为公共机关，或提供公共服务的私营主体？",
            ),
            builtin(
                "operator.financial_institution",
                Bool,
                &[],
                "Is the operator a financial institution?",
                "运营者是否为金融机构？",
            ),
            builtin(
                "operator.critical_information_infrastructure",
                Bool,
                &[],
                "Is the operator a critical information infrastructure operator (CIIO) in China?",
                "运营者是否为关键信息基础设施运营者？",
            ),
            builtin(
                "markets",
                Markets,
                &[],
                "Where is the system placed on the market, put into service, or its output used (EU, CN, US-CA, US-NY-NYC, KR, ...)?",
                "该系统在哪些市场投放、投入使用或其输出在哪些地区被使用（EU、CN、US-CA、US-NY-NYC、KR 等）？",
            ),
            builtin(
                "ai_system",
                Bool,
                &[],
                "Does the system infer from its inputs how to generate outputs (predictions, content, recommendations, decisions) with some autonomy, rather than follow only rules written by people?",
                "该系统是否能以一定自主性从输入推断如何生成输出（预测、内容、推荐、决定），而非仅执行人为编写的规则？",
            ),
            builtin(
                "purposes",
                Set,
                PURPOSES,
                "What are the system's intended purposes?",
                "该系统的预期用途是什么？",
            ),
            builtin(
                "contexts",
                Set,
                &[
                    "workplace",
                    "education",
                    "public-space",
                    "law-enforcement",
                    "migration",
                    "justice",
                    "elections",
                    "consumer",
                    "internal",
                ],
                "In which settings is it used (workplace, education, public-space, law-enforcement, migration, justice, elections, consumer, internal)?",
                "该系统在哪些场景中使用（工作场所、教育、公共场所、执法、移民、司法、选举、消费者、内部）？",
            ),
            builtin(
                "interacts_with_people",
                Bool,
                &[],
                "Does the system talk or act directly with natural persons (chat, voice, agent)?",
                "该系统是否直接与自然人交互（对话、语音、智能体）？",
            ),
            builtin(
                "generates",
                Set,
                &["text", "image", "audio", "video", "virtual-scene", "code"],
                "Which kinds of synthetic content does it generate (text, image, audio, video, virtual-scene, code)?",
                "该系统生成哪些类型的合成内容（文本、图像、音频、视频、虚拟场景、代码）？",
            ),
            builtin(
                "deepfake",
                Bool,
                &[],
                "Does its output resemble real persons, objects, places or events so that it could falsely appear authentic, or does it edit faces or voices?",
                "其输出是否与真实的人、物、地点或事件相似而可能被误认为真实，或是否编辑人脸或声音？",
            ),
            builtin(
                "biometrics",
                Set,
                &[
                    "remote-identification",
                    "verification",
                    "categorisation",
                    "emotion-recognition",
                ],
                "Which biometric functions does it perform (remote-identification, verification, categorisation, emotion-recognition)?",
                "该系统执行哪些生物识别功能（远程识别、验证、分类、情绪识别）？",
            ),
            builtin(
                "profiling",
                Bool,
                &[],
                "Does the system evaluate personal aspects of individuals (profiling in the sense of GDPR Art. 4(4))?",
                "该系统是否对个人的个人特征进行评估（即 GDPR 第 4(4) 条意义上的画像）？",
            ),
            builtin(
                "decision_role",
                Enum,
                &[
                    "none",
                    "preparatory",
                    "assists",
                    "substantially-assists",
                    "materially-influences",
                    "decides",
                ],
                "What role does its output play in decisions about individuals (none, preparatory, assists, substantially-assists, materially-influences, decides)?",
                "其输出在针对个人的决定中起什么作用（无、准备性、辅助、实质辅助、实质影响、决定）？",
            ),
            builtin(
                "minors",
                Bool,
                &[],
                "Is the system directed at, or knowingly used by, minors?",
                "该系统是否面向未成年人，或明知被未成年人使用？",
            ),
            builtin(
                "monthly_users",
                Number,
                &[],
                "How many monthly users or visitors does the system have?",
                "该系统每月有多少用户或访问者？",
            ),
            builtin(
                "model.general_purpose",
                Bool,
                &[],
                "Is the underlying model a general-purpose AI model (displays significant generality, competent at a wide range of distinct tasks)?",
                "底层模型是否为通用人工智能模型？",
            ),
            builtin(
                "model.training_compute_flop",
                Number,
                &[],
                "What was the cumulative training compute of the model in FLOP, including fine-tuning?",
                "模型累计训练算力是多少（FLOP，含微调）？",
            ),
            builtin(
                "model.open_weights",
                Bool,
                &[],
                "Is the model released under a free and open-source licence with its weights public?",
                "模型是否以自由开源许可发布并公开权重？",
            ),
            builtin(
                "model.base_model",
                String,
                &[],
                "Which third-party model, if any, is the system built on?",
                "该系统基于哪个第三方模型构建（如有）？",
            ),
            builtin(
                "china.public_service",
                Bool,
                &[],
                "Is the service offered to the public in mainland China, including through an API?",
                "该服务是否向中国境内公众提供（包括通过应用程序编程接口）？",
            ),
            builtin(
                "china.public_opinion_attributes",
                Bool,
                &[],
                "Does the service have public-opinion attributes or social-mobilisation capacity (forum, blog, chat room, public accounts, short video, live streaming, information sharing, ...)?",
                "该服务是否具有舆论属性或社会动员能力（论坛、博客、聊天室、公众账号、短视频、网络直播、信息分享等）？",
            ),
            builtin(
                "china.algorithm_types",
                Set,
                &[
                    "generation-synthesis",
                    "personalised-push",
                    "ranking-selection",
                    "search-filtering",
                    "dispatch-decision",
                ],
                "Which algorithm types does the service use to provide information (generation-synthesis, personalised-push, ranking-selection, search-filtering, dispatch-decision)?",
                "该服务使用哪些类型的算法提供信息（生成合成、个性化推送、排序精选、检索过滤、调度决策）？",
            ),
            builtin(
                "personal_data.processed",
                Bool,
                &[],
                "Does the system process personal data?",
                "该系统是否处理个人信息？",
            ),
            builtin(
                "personal_data.sensitive",
                Bool,
                &[],
                "Does it process sensitive personal data (biometrics, health, finance, location, minors' data, ...)?",
                "是否处理敏感个人信息（生物识别、健康、金融、行踪、未成年人信息等）？",
            ),
            builtin(
                "personal_data.important_data",
                Bool,
                &[],
                "Does it process data identified as \"important data\" under Chinese law?",
                "是否处理按中国法律认定的重要数据？",
            ),
            builtin(
                "placed_on_market",
                Date,
                &[],
                "When was the system first placed on the market or put into service (YYYY-MM-DD)?",
                "该系统首次投放市场或投入使用的日期是（YYYY-MM-DD）？",
            ),
            builtin(
                "exclusions",
                Set,
                &[
                    "military",
                    "national-security",
                    "scientific-research",
                    "personal-use",
                ],
                "Is the system used exclusively for any of: military, national-security, scientific-research, personal-use?",
                "该系统是否专门用于以下任一用途：军事、国家安全、科学研究、个人用途？",
            ),
        ];
        for (id, field, question, question_zh) in [
            (
                "personal_data.exports_from_cn.individuals",
                "individuals",
                "How many individuals' (non-sensitive) personal information has been exported from China since 1 January this year?",
                "自当年 1 月 1 日起累计向境外提供了多少人的（非敏感）个人信息？",
            ),
            (
                "personal_data.exports_from_cn.sensitive_individuals",
                "sensitive_individuals",
                "How many individuals' sensitive personal information has been exported from China since 1 January this year?",
                "自当年 1 月 1 日起累计向境外提供了多少人的敏感个人信息？",
            ),
        ] {
            facts.push(FactDef {
                id: id.to_string(),
                kind: Number,
                values: Vec::new(),
                question: question.to_string(),
                question_zh: Some(question_zh.to_string()),
                source: Source::ExportSum { from: "CN", field },
                declared_by: None,
            });
        }
        FactRegistry { facts }
    }

    pub fn facts(&self) -> &[FactDef] {
        &self.facts
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.facts.iter().position(|f| f.id == id)
    }

    pub fn get(&self, id: &str) -> Option<&FactDef> {
        self.facts.iter().find(|f| f.id == id)
    }

    /// Adds a pack-declared fact; an id that is taken is refused.
    pub fn declare(&mut self, fact: FactDef) -> Result<(), String> {
        if let Some(existing) = self.get(&fact.id) {
            let by = existing
                .declared_by
                .as_deref()
                .unwrap_or("the profile format");
            return Err(format!("Fact `{}` is already declared by {by}", fact.id));
        }
        self.facts.push(fact);
        Ok(())
    }

    /// Adds values to a set or enum fact's vocabulary (packs extend `purposes`).
    pub fn extend_values(&mut self, id: &str, values: impl IntoIterator<Item = String>) {
        if let Some(fact) = self.facts.iter_mut().find(|f| f.id == id) {
            for value in values {
                if !fact.values.contains(&value) {
                    fact.values.push(value);
                }
            }
        }
    }

    /// Checks a parsed profile and reads every fact. Returns all problems
    /// found, each with its location, rather than stopping at the first.
    pub fn read_profile(
        &self,
        doc: &Document,
    ) -> Result<(Profile, Vec<Option<FactValue>>), Vec<Diagnostic>> {
        let mut problems = Vec::new();
        if !doc.value.is_object() {
            return Err(vec![
                doc.error_at_value("", "A profile must be a mapping of keys to values")
                    .with_hint(
                        "start from one of the files in examples/, or run `accord schema profile`",
                    ),
            ]);
        }
        match doc.value.get("accord").and_then(Value::as_str) {
            Some("profile/v1") | None => {}
            Some(other) => problems.push(
                doc.error_at_value("/accord", format!("Unsupported profile format `{other}`"))
                    .with_hint("this version of accord reads `accord: profile/v1`"),
            ),
        }
        let mut values = Vec::with_capacity(self.facts.len());
        for fact in &self.facts {
            let value = match &fact.source {
                Source::Pointer(pointer) => {
                    // Facts are at most two levels deep; walk the keys rather than re-split the pointer.
                    let mut raw = &doc.value;
                    for key in fact.id.split('.') {
                        raw = raw.get(key).unwrap_or(&Value::Null);
                    }
                    self.read_value(doc, fact, pointer, raw, &mut problems)
                }
                Source::Custom => {
                    let pointer = format!("/facts/{}", escape_pointer(&fact.id));
                    let raw = doc.value.pointer(&pointer).unwrap_or(&Value::Null);
                    self.read_value(doc, fact, &pointer, raw, &mut problems)
                }
                Source::ExportSum { from, field } => export_sum(&doc.value, from, field),
            };
            values.push(value);
        }
        if let Some(custom) = doc.value.get("facts").and_then(Value::as_object) {
            for key in custom.keys() {
                let declared = self.get(key).is_some_and(|f| f.source == Source::Custom);
                if !declared {
                    let pointer = format!("/facts/{}", escape_pointer(key));
                    let customs = self
                        .facts
                        .iter()
                        .filter(|f| f.source == Source::Custom)
                        .map(|f| f.id.as_str());
                    let mut d = doc.error_at(&pointer, format!("Unknown fact `{key}`"));
                    d = match did_you_mean(key, customs) {
                        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                        None => d.with_hint("facts under `facts:` must be declared by a loaded rulepack (see `accord rules list --facts`)"),
                    };
                    problems.push(d);
                }
            }
        }
        let exports = doc
            .value
            .pointer("/personal_data/exports")
            .and_then(Value::as_array);
        for (i, export) in exports.into_iter().flatten().enumerate() {
            for field in ["from", "to"] {
                if let Some(code) = export.get(field).and_then(Value::as_str)
                    && let Err(invalid) = markets::validate(code)
                {
                    problems.push(market_problem(
                        doc,
                        &format!("/personal_data/exports/{i}/{field}"),
                        invalid,
                    ));
                }
            }
            for field in ["individuals", "sensitive_individuals"] {
                let n = export.get(field).and_then(Value::as_f64);
                if n.is_some_and(|n| n < 0.0 || n.fract() != 0.0) {
                    let pointer = format!("/personal_data/exports/{i}/{field}");
                    problems.push(doc.error_at_value(
                        &pointer,
                        format!("`{field}` must be a whole number of people, at least 0"),
                    ));
                }
            }
        }
        // Structure last: the fact checks above give the friendlier message for
        // a wrong value, serde catches unknown keys and the remaining types.
        match doc.deserialize::<Profile>() {
            Ok(profile) if problems.is_empty() => Ok((profile, values)),
            Ok(_) => Err(problems),
            Err(d) => {
                if !problems.iter().any(|p| p.position == d.position) {
                    problems.push(d);
                }
                problems.sort_by_key(|p| p.position.map(|p| (p.line, p.column)));
                Err(problems)
            }
        }
    }

    fn read_value(
        &self,
        doc: &Document,
        fact: &FactDef,
        pointer: &str,
        raw: &Value,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<FactValue> {
        if raw.is_null() {
            return None;
        }
        let wrong = |expected: &str| {
            doc.error_at_value(
                pointer,
                format!("`{}` must be {expected}, found {}", fact.id, describe(raw)),
            )
        };
        match fact.kind {
            FactType::Bool => match raw.as_bool() {
                Some(b) => Some(FactValue::Bool(b)),
                None => {
                    let mut d = wrong("true or false");
                    if matches!(raw.as_str(), Some("yes" | "no" | "on" | "off" | "y" | "n")) {
                        d = d.with_hint("YAML 1.2 booleans are `true` and `false`");
                    }
                    problems.push(d);
                    None
                }
            },
            FactType::Number => match raw.as_f64() {
                Some(n) if n >= 0.0 => Some(FactValue::Number(n)),
                Some(_) => {
                    problems.push(
                        doc.error_at_value(pointer, format!("`{}` must not be negative", fact.id)),
                    );
                    None
                }
                None => {
                    problems.push(wrong("a number"));
                    None
                }
            },
            FactType::Date => match raw.as_str() {
                Some(text) => match parse_date(text) {
                    Ok(date) => Some(FactValue::Date(date)),
                    Err(message) => {
                        problems
                            .push(doc.error_at_value(pointer, format!("`{}`: {message}", fact.id)));
                        None
                    }
                },
                None => {
                    problems.push(wrong("a date (YYYY-MM-DD)"));
                    None
                }
            },
            FactType::String => match raw.as_str() {
                Some(text) => {
                    if fact.id == "operator.established_in"
                        && let Err(invalid) = markets::validate(text)
                    {
                        problems.push(market_problem(doc, pointer, invalid));
                    }
                    Some(FactValue::Text(text.to_string()))
                }
                None => {
                    problems.push(wrong("a string"));
                    None
                }
            },
            FactType::Enum => match raw.as_str() {
                Some(text) => {
                    if self.check_vocabulary(doc, fact, pointer, text, problems) {
                        Some(FactValue::Text(text.to_string()))
                    } else {
                        None
                    }
                }
                None => {
                    problems.push(wrong(&format!("one of {}", quote_list(&fact.values))));
                    None
                }
            },
            FactType::Set | FactType::Markets => {
                let Some(items) = raw.as_array() else {
                    problems.push(wrong("a list"));
                    return None;
                };
                let mut out = Vec::with_capacity(items.len());
                let before = problems.len();
                for (i, item) in items.iter().enumerate() {
                    let item_pointer = format!("{pointer}/{i}");
                    let Some(text) = item.as_str() else {
                        problems.push(doc.error_at_value(
                            &item_pointer,
                            format!(
                                "Items of `{}` must be strings, found {}",
                                fact.id,
                                describe(item)
                            ),
                        ));
                        continue;
                    };
                    if fact.kind == FactType::Markets {
                        if let Err(invalid) = markets::validate(text) {
                            problems.push(market_problem(doc, &item_pointer, invalid));
                        }
                    } else {
                        self.check_vocabulary(doc, fact, &item_pointer, text, problems);
                    }
                    out.push(text.to_string());
                }
                (problems.len() == before).then_some(FactValue::Set(out))
            }
        }
    }

    fn check_vocabulary(
        &self,
        doc: &Document,
        fact: &FactDef,
        pointer: &str,
        text: &str,
        problems: &mut Vec<Diagnostic>,
    ) -> bool {
        if fact.values.is_empty() || fact.values.iter().any(|v| v == text) {
            return true;
        }
        let what = match fact.id.as_str() {
            "purposes" => "purpose".to_string(),
            "operator.roles" => "role".to_string(),
            _ => format!("value for `{}`", fact.id),
        };
        let mut d = doc.error_at_value(pointer, format!("Unknown {what} `{text}`"));
        d = match did_you_mean(text, fact.values.iter().map(String::as_str)) {
            Some(best) => d.with_hint(format!("did you mean `{best}`?")),
            None if fact.values.len() <= 12 => {
                d.with_hint(format!("expected one of {}", quote_list(&fact.values)))
            }
            None => d.with_hint(format!(
                "`accord rules list --facts` lists the {} known values",
                fact.values.len()
            )),
        };
        problems.push(d);
        false
    }
}

fn market_problem(doc: &Document, pointer: &str, invalid: markets::InvalidMarket) -> Diagnostic {
    let d = doc.error_at_value(pointer, invalid.message);
    match invalid.suggestion {
        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
        None => d.with_hint("use ISO 3166 codes (`CN`, `KR`), `EU`, US states as `US-CA`, New York City as `US-NY-NYC`"),
    }
}

fn export_sum(profile: &Value, from: &str, field: &str) -> Option<FactValue> {
    let exports = profile.pointer("/personal_data/exports")?.as_array()?;
    let mut total = 0.0;
    for export in exports {
        if export.get("from").and_then(Value::as_str) != Some(from) {
            continue;
        }
        total += export.get(field)?.as_f64()?;
    }
    Some(FactValue::Number(total))
}

/// Parses `YYYY-MM-DD`, refusing impossible dates with a clear message.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!("`{text}` is not a date in the form YYYY-MM-DD"));
    }
    text.parse::<Date>()
        .map_err(|_| format!("`{text}` is not a real date"))
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `{s}`"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(source: &str) -> Result<Vec<Option<FactValue>>, Vec<Diagnostic>> {
        let doc = Document::parse(source, "p.yaml").map_err(|d| vec![d])?;
        FactRegistry::builtin().read_profile(&doc).map(|(_, v)| v)
    }

    fn fact(values: &[Option<FactValue>], id: &str) -> Option<FactValue> {
        values[FactRegistry::builtin().index_of(id).unwrap()].clone()
    }

    #[test]
    fn missing_and_null_are_unknown() {
        let values = read("accord: profile/v1\nname: x\nprofiling: null\n").unwrap();
        assert_eq!(fact(&values, "profiling"), None);
        assert_eq!(fact(&values, "markets"), None);
    }

    #[test]
    fn reads_typed_values() {
        let values = read("accord: profile/v1\nname: x\nmarkets: [EU, US-NY-NYC]\nmodel: {training_compute_flop: 3e25}\nplaced_on_market: 2025-06-01\n").unwrap();
        assert_eq!(
            fact(&values, "markets"),
            Some(FactValue::Set(vec!["EU".into(), "US-NY-NYC".into()]))
        );
        assert_eq!(
            fact(&values, "model.training_compute_flop"),
            Some(FactValue::Number(3e25))
        );
        assert_eq!(
            fact(&values, "placed_on_market"),
            Some(FactValue::Date(jiff::civil::date(2025, 6, 1)))
        );
    }

    #[test]
    fn export_sums_count_only_from_china() {
        let values = read("accord: profile/v1\nname: x\npersonal_data:\n  exports:\n    - {from: CN, to: US, individuals: 250000, sensitive_individuals: 0}\n    - {from: CN, to: SG, individuals: 1000, sensitive_individuals: 5}\n    - {from: DE, to: US, individuals: 9, sensitive_individuals: 9}\n").unwrap();
        assert_eq!(
            fact(&values, "personal_data.exports_from_cn.individuals"),
            Some(FactValue::Number(251000.0))
        );
        assert_eq!(
            fact(
                &values,
                "personal_data.exports_from_cn.sensitive_individuals"
            ),
            Some(FactValue::Number(5.0))
        );
        let none = read("accord: profile/v1\nname: x\npersonal_data: {exports: []}\n").unwrap();
        assert_eq!(
            fact(&none, "personal_data.exports_from_cn.individuals"),
            Some(FactValue::Number(0.0))
        );
    }

    #[test]
    fn bad_values_are_located_with_suggestions() {
        let problems = read("accord: profile/v1\nname: x\npurposes: [employment.recruitmnt]\nmarkets: [EUR]\nplaced_on_market: 2025-02-30\nai_system: yes\n").unwrap_err();
        let text = problems
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            text.contains("p.yaml:3:12: Unknown purpose `employment.recruitmnt`"),
            "{text}"
        );
        assert!(
            text.contains("did you mean `employment.recruitment`?"),
            "{text}"
        );
        assert!(
            text.contains("p.yaml:4:11: Unknown market code `EUR`"),
            "{text}"
        );
        assert!(text.contains("`2025-02-30` is not a real date"), "{text}");
        assert!(text.contains("YAML 1.2 booleans"), "{text}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let problems = read("accord: profile/v1\nname: x\npurpose: [x]\n").unwrap_err();
        assert_eq!(problems[0].message, "Unknown key `purpose`");
        assert_eq!(
            problems[0].hint.as_deref(),
            Some("did you mean `purposes`?")
        );
    }
}
