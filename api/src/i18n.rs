//! The texts people read — problem titles and details, validation messages, mails — in
//! Swedish and English: one Fluent catalogue per language (`api/locales/{en,sv}.ftl`), read
//! once. A text is chosen by the reader's saved language, else the request's
//! `Accept-Language`, else English.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub use fleetdesk_domain::knowledge::Language;

const ENGLISH: &str = include_str!("../locales/en.ftl");
const SWEDISH: &str = include_str!("../locales/sv.ftl");

/// A catalogue's source, for the test that compares the two.
pub fn source(lang: Language) -> &'static str {
    match lang {
        Language::En => ENGLISH,
        Language::Sv => SWEDISH,
    }
}

struct Catalogue {
    en: FluentBundle<FluentResource>,
    sv: FluentBundle<FluentResource>,
}

fn bundle(lang: Language) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source(lang).to_owned()).unwrap_or_else(|(r, e)| {
        log::error!("the {} catalogue has syntax errors: {e:?}", lang.as_str());
        r
    });
    let id = match lang {
        Language::En => unic_langid::langid!("en"),
        Language::Sv => unic_langid::langid!("sv"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Plain text (mails, JSON): no Unicode isolation marks around the values put in.
    bundle.set_use_isolating(false);
    if let Err(e) = bundle.add_resource(resource) {
        log::error!("the {} catalogue repeats a key: {e:?}", lang.as_str());
    }
    bundle
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        en: bundle(Language::En),
        sv: bundle(Language::Sv),
    })
}

/// The values a text is given, by name.
pub type Args<'a> = [(&'a str, FluentValue<'a>)];

/// The text `key` in `lang` with `args` put in. A key the catalogue lacks (a test keeps them
/// in step) falls back to English, then to the key itself.
pub fn text(lang: Language, key: &str, args: &Args<'_>) -> String {
    let catalogue = catalogue();
    let bundle = match lang {
        Language::En => &catalogue.en,
        Language::Sv => &catalogue.sv,
    };
    let found = bundle
        .get_message(key)
        .map(|m| (bundle, m))
        .or_else(|| catalogue.en.get_message(key).map(|m| (&catalogue.en, m)));
    let Some((bundle, pattern)) = found.and_then(|(b, m)| m.value().map(|p| (b, p))) else {
        log::error!("no text {key:?} in the catalogue");
        return key.to_owned();
    };
    let mut values = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        values.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, Some(&values), &mut errors);
    if !errors.is_empty() {
        log::error!("text {key:?} in {}: {errors:?}", lang.as_str());
    }
    out.into_owned()
}

/// Whether the catalogue has `key` (in English, which every key has).
pub fn has(key: &str) -> bool {
    catalogue().en.has_message(key)
}

/// The signed-in caller's saved language, learnt when the request reads the caller (on a
/// worker thread) and read when the answer's texts are written.
#[derive(Debug, Clone, Default)]
pub struct CallerLanguage(std::sync::Arc<OnceLock<Language>>);

impl CallerLanguage {
    pub fn set(&self, language: Language) {
        // Read once per request: a second read finds the same language.
        let _ = self.0.set(language);
    }

    pub fn get(&self) -> Option<Language> {
        self.0.get().copied()
    }
}

/// The language to answer a request in: the signed-in caller's saved language once the
/// caller has been read, else `Accept-Language`'s, else English. For answers (not problems)
/// that carry sentences.
#[derive(Debug, Clone)]
pub struct Reader {
    caller: CallerLanguage,
    accepted: Option<Language>,
}

impl Reader {
    pub fn language(&self) -> Language {
        self.caller.get().or(self.accepted).unwrap_or(Language::En)
    }
}

impl actix_web::FromRequest for Reader {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        use actix_web::HttpMessage;
        std::future::ready(Ok(Self {
            caller: req
                .extensions()
                .get::<CallerLanguage>()
                .cloned()
                .unwrap_or_default(),
            accepted: AcceptLanguage::of(req).0,
        }))
    }
}

/// The language a request's `Accept-Language` prefers among the portal's, if it names one.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptLanguage(pub Option<Language>);

impl AcceptLanguage {
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        Self(
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(fleetdesk_domain::knowledge::accepted_language),
        )
    }
}

impl actix_web::FromRequest for AcceptLanguage {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}

/// `t!(lang, "key", name = value, …)`: [`text`] with named values.
#[macro_export]
macro_rules! t {
    ($lang:expr, $key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::text(
            $lang,
            $key,
            &[$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),*],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast;
    use std::collections::{BTreeMap, BTreeSet};

    /// Every message of a catalogue with the variables it uses.
    fn messages(lang: Language) -> BTreeMap<String, BTreeSet<String>> {
        let resource = match fluent_syntax::parser::parse(source(lang)) {
            Ok(r) => r,
            Err((_, errors)) => panic!("{} does not parse: {errors:?}", lang.as_str()),
        };
        let mut out = BTreeMap::new();
        for entry in resource.body {
            match entry {
                ast::Entry::Message(m) => {
                    let mut vars = BTreeSet::new();
                    let value = m.value.as_ref();
                    assert!(value.is_some(), "{} has no value", m.id.name);
                    value.into_iter().for_each(|p| pattern_vars(p, &mut vars));
                    let fresh = out.insert(m.id.name.to_owned(), vars).is_none();
                    assert!(fresh, "{} twice in {}", m.id.name, lang.as_str());
                }
                ast::Entry::Junk { content } => panic!("junk in {}: {content}", lang.as_str()),
                _ => {}
            }
        }
        out
    }

    fn pattern_vars(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &p.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_vars(expression, out);
            }
        }
    }

    fn expression_vars(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Inline(i) => inline_vars(i, out),
            ast::Expression::Select { selector, variants } => {
                inline_vars(selector, out);
                variants.iter().for_each(|v| pattern_vars(&v.value, out));
            }
        }
    }

    fn inline_vars(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_owned());
            }
            ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                arguments
                    .positional
                    .iter()
                    .for_each(|a| inline_vars(a, out));
            }
            _ => {}
        }
    }

    #[test]
    fn every_key_exists_in_both_languages_with_the_same_values() {
        let (en, sv) = (messages(Language::En), messages(Language::Sv));
        let only_en: Vec<_> = en.keys().filter(|k| !sv.contains_key(*k)).collect();
        let only_sv: Vec<_> = sv.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(only_en.is_empty(), "missing in Swedish: {only_en:?}");
        assert!(only_sv.is_empty(), "missing in English: {only_sv:?}");
        for (key, vars) in &en {
            assert_eq!(Some(vars), sv.get(key), "the values {key} takes differ");
        }
        assert!(en.len() > 100, "{} texts", en.len());
    }

    /// The catalogue's families of keys.
    const FAMILIES: [&str; 19] = [
        "step-",
        "sla-",
        "weekday-",
        "title-",
        "detail-",
        "invalid-",
        "mail-",
        "notification-",
        "role-",
        "case-",
        "verdict-",
        "webhook-",
        "unsubscribe-",
        "reading-",
        "correction-",
        "clock-",
        "membership-",
        "labour-",
        "accepted-",
    ];

    /// Every key the code names (a string literal of one of the catalogue's families) is in
    /// the catalogue, and every text of the catalogue is used: literally, or by a prefix the
    /// code completes (a problem code, a role, a status, a mail's subject and body).
    #[test]
    fn the_code_and_the_catalogue_name_the_same_texts() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut named = BTreeSet::new();
        for dir in [root.join("src"), root.join("../domain/src")] {
            let mut stack = vec![dir];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    let code = std::fs::read_to_string(&path).unwrap();
                    for (at, _) in code.match_indices('"') {
                        let rest = &code[at + 1..];
                        let Some(end) = rest.find('"') else { continue };
                        let literal = &rest[..end];
                        let is_key = FAMILIES.iter().any(|f| literal.starts_with(f))
                            && literal.chars().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c)
                            });
                        if is_key && !literal.ends_with('-') {
                            named.insert(literal.to_owned());
                        }
                    }
                }
            }
        }
        let catalogue = messages(Language::En);
        let missing: Vec<_> = named
            .iter()
            .filter(|k| !catalogue.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty(),
            "named in the code, not in the catalogue: {missing:?}"
        );
        let completed = [
            "weekday-",
            "title-",
            "notification-",
            "role-",
            "case-status-",
            "verdict-",
            "mail-",
            "unsubscribe-",
        ];
        let unused: Vec<_> = catalogue
            .keys()
            .filter(|k| !named.contains(*k) && !completed.iter().any(|p| k.starts_with(p)))
            .collect();
        assert!(
            unused.is_empty(),
            "in the catalogue, used nowhere: {unused:?}"
        );
        assert!(named.len() > 200, "{} keys found in the code", named.len());
    }

    #[test]
    fn texts_put_their_values_in_without_marks() {
        let en = t!(Language::En, "mail-password_reset-subject");
        assert_eq!(en, "Reset your fleetdesk password");
        let sv = t!(
            Language::Sv,
            "mail-join_request_decided-approved-subject",
            account = "Acme AB"
        );
        assert_eq!(sv, "Du är nu med i Acme AB på fleetdesk");
        assert_eq!(text(Language::Sv, "no-such-key", &[]), "no-such-key");
    }
}
