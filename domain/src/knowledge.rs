//! The knowledge base's rules: what an article holds, and how a search by words ranks the
//! published articles (every word must be found; the title counts most, then tags, then
//! the body).

use std::collections::BTreeSet;

use crate::Invalid;
use crate::Message;

/// The most words a search looks for.
pub const MAX_TERMS: usize = 10;

/// An article's title: 1 to 200 characters, one line.
pub fn parse_title(raw: &str) -> Result<String, Invalid> {
    crate::accounts::parse_name("title", raw, 200)
}

/// An article's Markdown body: 1 to 50,000 characters.
pub fn parse_body(raw: &str) -> Result<String, Invalid> {
    let body = raw.trim();
    if body.is_empty() || body.chars().count() > 50_000 {
        return Err(Invalid::new(
            "body",
            Message::new("invalid-must-1-50000-characters"),
        ));
    }
    Ok(body.to_owned())
}

/// Tags: lower case, 1 to 40 letters (of any alphabet: `färg`, `pappersstopp`), digits and
/// `-` — any character but whitespace, control characters and ASCII punctuation other than
/// `-` — at most 20, each once, sorted.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, Invalid> {
    let tags: BTreeSet<String> = raw.iter().map(|t| t.trim().to_lowercase()).collect();
    if tags.len() > 20 {
        return Err(Invalid::new("tags", Message::new("invalid-most-20-tags")));
    }
    for tag in &tags {
        let ok = (1..=40).contains(&tag.chars().count())
            && tag.chars().all(|c| {
                !c.is_whitespace() && !c.is_control() && (c == '-' || !c.is_ascii_punctuation())
            });
        if !ok {
            return Err(Invalid::new(
                "tags",
                Message::new("invalid-each-tag-must-1-40-letters"),
            ));
        }
    }
    Ok(tags.into_iter().collect())
}

crate::label!(
    /// A language the portal is written in.
    pub enum Language as "Language", "language" {
        Sv = "sv",
        En = "en",
    }
);

/// The language an `Accept-Language` header (RFC 9110 §12.5.4) prefers among the portal's:
/// the one with the highest weight (`q`), the earlier one on a tie; `None` when it names
/// neither (or only with `q=0`).
pub fn accepted_language(header: &str) -> Option<Language> {
    let mut best: Option<(Language, u32)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or_default();
        let Some(language) = Language::parse(primary) else {
            continue;
        };
        // Weights in thousandths: q=0.8 is 800, no q is 1000.
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .map(|q| (q.trim().parse::<f64>().unwrap_or(0.0).clamp(0.0, 1.0) * 1000.0) as u32)
            .next()
            .unwrap_or(1000);
        if weight > 0 && best.is_none_or(|(_, w)| weight > w) {
            best = Some((language, weight));
        }
    }
    best.map(|(language, _)| language)
}

/// The words of a text, lower case: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The words a search looks for: lower case, each once, in order, at most `MAX_TERMS`.
pub fn search_terms(query: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    words(query)
        .filter(|w| seen.insert(w.clone()))
        .take(MAX_TERMS)
        .collect()
}

/// What a search ranks.
#[derive(Debug, Clone, Copy)]
pub struct Searchable<'a> {
    pub title: &'a str,
    pub tags: &'a [String],
    pub body: &'a str,
}

/// How well an article answers `terms`: `None` unless every term is found in its title,
/// tags or body (a term matches a word it begins); otherwise a score where a title match
/// counts 10, a tag 5, and each body occurrence 1 (at most 5 per term).
pub fn relevance(terms: &[String], article: Searchable<'_>) -> Option<u32> {
    let title: Vec<String> = words(article.title).collect();
    let tags: Vec<String> = article.tags.iter().flat_map(|t| words(t)).collect();
    let body: Vec<String> = words(article.body).collect();
    let count = |ws: &[String], term: &str| -> u32 {
        let n = ws.iter().filter(|w| w.starts_with(term)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let mut score = 0u32;
    for term in terms {
        let term_score = 10 * count(&title, term).min(1)
            + 5 * count(&tags, term).min(1)
            + count(&body, term).min(5);
        if term_score == 0 {
            return None;
        }
        score += term_score;
    }
    Some(score)
}

crate::label!(
    /// Whether an article is visible to customers.
    pub enum ArticleStatus as "ArticleStatus", "article status" {
        Draft = "draft",
        Published = "published",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_of_the_portals_languages() {
        assert_eq!(accepted_language("sv"), Some(Language::Sv));
        assert_eq!(
            accepted_language("sv-SE,sv;q=0.9,en;q=0.8"),
            Some(Language::Sv)
        );
        assert_eq!(
            accepted_language("de-DE, en-GB;q=0.7, sv;q=0.5"),
            Some(Language::En)
        );
        assert_eq!(accepted_language("en;q=0.4, SV;q=0.6"), Some(Language::Sv));
        assert_eq!(
            accepted_language("en, sv"),
            Some(Language::En),
            "a tie: the first"
        );
        assert_eq!(accepted_language("sv;q=0, de"), None);
        assert_eq!(accepted_language("*"), None);
        assert_eq!(accepted_language(""), None);
        assert_eq!(accepted_language("sv;q=abc"), None);
    }
    use proptest::prelude::*;

    fn article<'a>(title: &'a str, tags: &'a [String], body: &'a str) -> Searchable<'a> {
        Searchable { title, tags, body }
    }

    #[test]
    fn terms_are_words_in_lower_case_once() {
        assert_eq!(search_terms("Toner, toner  SMEAR!"), vec!["toner", "smear"]);
        assert!(search_terms(" ,. ").is_empty());
        assert_eq!(search_terms(&"a ".repeat(3)), vec!["a"]);
        let many: String = (0..20).map(|i| format!("w{i} ")).collect();
        assert_eq!(search_terms(&many).len(), MAX_TERMS);
    }

    #[test]
    fn tags_and_texts_are_checked() {
        assert_eq!(
            parse_tags(&[" Toner ".into(), "toner".into(), "paper-jam".into()]).unwrap(),
            vec!["paper-jam", "toner"]
        );
        assert!(parse_tags(&["two words".into()]).is_err());
        assert_eq!(
            parse_tags(&["Färg".into(), "pappersstopp".into(), "toner-byte".into()]).unwrap(),
            ["färg", "pappersstopp", "toner-byte"]
        );
        assert!(
            parse_tags(&["ö".repeat(40)]).is_ok(),
            "40 letters, not 40 bytes"
        );
        assert!(parse_tags(&["ö".repeat(41)]).is_err());
        assert!(parse_tags(&["toner_byte".into()]).is_err());
        assert!(parse_tags(&[String::new()]).is_err());
        assert!(parse_title(" ").is_err());
        assert_eq!(ArticleStatus::parse("draft"), Some(ArticleStatus::Draft));
        assert_eq!(ArticleStatus::parse("live"), None);
        assert!(parse_body("").is_err());
        assert_eq!(parse_body(" # Fix \n").unwrap(), "# Fix");
    }

    #[test]
    fn every_word_must_be_found_and_titles_count_most() {
        let tags = ["toner".to_owned()];
        let terms = search_terms("toner streaks");
        let in_title = article("Streaks after a toner change", &[], "Shake the cartridge.");
        let in_body = article("Print quality", &tags, "Streaks appear when toner is low.");
        let partial = article("Toner", &tags, "Replace it.");
        let a = relevance(&terms, in_title).unwrap();
        let b = relevance(&terms, in_body).unwrap();
        assert!(a > b, "{a} > {b}");
        assert_eq!(relevance(&terms, partial), None);
        // A term matches the words it begins.
        assert!(relevance(&search_terms("cartr"), in_title).is_some());
        assert_eq!(relevance(&[], partial), Some(0));
    }

    proptest! {
        /// Another search word never lets more articles match.
        #[test]
        fn more_words_never_match_more(
            title in "[a-z ]{0,30}",
            body in "[a-z ]{0,80}",
            query in "[a-z ]{0,20}",
            extra in "[a-z]{1,6}",
        ) {
            let terms = search_terms(&query);
            let mut more = terms.clone();
            more.push(extra);
            let a = article(&title, &[], &body);
            if relevance(&more, a).is_some() {
                prop_assert!(relevance(&terms, a).is_some());
            }
        }

        /// Repeating the search words changes nothing: they count once.
        #[test]
        fn repeated_words_count_once(title in "[a-z ]{0,30}", body in "[a-z ]{0,80}", query in "[a-z ]{1,20}") {
            let a = article(&title, &[], &body);
            let twice = format!("{query} {query}");
            prop_assert_eq!(relevance(&search_terms(&query), a), relevance(&search_terms(&twice), a));
        }
    }
}
