//! Full-text search over messages: the statement for each backend and its filters.

use palaver_domain::ports::SearchFilters;
use palaver_domain::user::UserId;
use sea_orm::{DbBackend, Statement, Value};

use super::attachment_filter::has_attachment;

/// The text as an FTS5 query: each term quoted (inner quotes doubled), all of them
/// required. Terms are split at whitespace and at control characters, which FTS5's parser
/// cannot take even quoted (a NUL ends its string). Terms without a letter or digit would
/// match nothing and are dropped, as PostgreSQL and MySQL drop them; `None` when no term
/// is left.
fn fts5_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|term| term.chars().any(char::is_alphanumeric))
        .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// InnoDB's default stopwords: its FULLTEXT index leaves them out, so requiring one would
/// match nothing.
const INNODB_STOPWORDS: &[&str] = &[
    "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how",
    "i", "in", "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "und", "was",
    "what", "when", "where", "who", "will", "with", "www",
];

/// The text as MySQL full-text queries: every term required in boolean mode (all words
/// must match, as on the other backends), and the same terms plain for natural-language
/// relevance. Terms are the runs of letters and digits, so none of boolean mode's
/// operators (`+-<>()~*"@`) ever reaches the server. Words InnoDB does not index (shorter
/// than its minimum token size of 3, longer than its maximum of 84, or stopwords) are
/// left out, as natural-language mode leaves them out, rather than required and never
/// found. `None` when no term is left.
fn mysql_terms(text: &str) -> Option<(String, String)> {
    let terms: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|term| (3..=84).contains(&term.chars().count()))
        .filter(|term| !INNODB_STOPWORDS.contains(&term.to_lowercase().as_str()))
        .collect();
    if terms.is_empty() {
        return None;
    }
    let required: Vec<String> = terms.iter().map(|term| format!("+{term}")).collect();
    Some((required.join(" "), terms.join(" ")))
}

/// The ids of the matching messages, best first, with the database's own full-text index:
/// FTS5 with bm25 on SQLite, a tsvector with ts_rank on PostgreSQL, a FULLTEXT index on
/// MySQL (boolean mode, ranked by natural-language relevance). Every backend requires all
/// the words. Only undeleted messages of conversations `user` belongs to, narrowed by
/// `filters`. `None` when the text has nothing to search for.
pub fn search_statement(
    backend: DbBackend,
    user: UserId,
    text: &str,
    filters: &SearchFilters,
    offset: u64,
    limit: u64,
) -> Option<Statement> {
    if !text.chars().any(char::is_alphanumeric) {
        return None;
    }
    // Literals, not parameters: MySQL wants integers there, and these are integers.
    let (offset, limit) = (offset.min(i64::MAX as u64), limit.min(i64::MAX as u64));
    let mut params = Params::new(backend);
    let sql = match backend {
        DbBackend::Sqlite => {
            let matching = params.bind(fts5_query(text)?);
            let member = params.bind(user.as_uuid());
            let narrowed = narrow(&mut params, filters);
            format!(
                "SELECT m.id AS id FROM messages_fts \
                 JOIN messages_search_keys k ON k.id = messages_fts.rowid \
                 JOIN messages m ON m.id = k.message_id \
                 JOIN conversation_members cm ON cm.conversation_id = m.conversation_id \
                 WHERE messages_fts MATCH {matching} AND cm.user_id = {member} \
                   AND m.deleted_at IS NULL{narrowed} \
                 ORDER BY bm25(messages_fts), m.created_at DESC, m.id DESC \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
        DbBackend::Postgres => {
            let member = params.bind(user.as_uuid());
            let words = params.bind(text);
            let narrowed = narrow(&mut params, filters);
            format!(
                "SELECT m.id AS id FROM messages m \
                 JOIN conversation_members cm \
                   ON cm.conversation_id = m.conversation_id AND cm.user_id = {member} \
                 WHERE m.search @@ plainto_tsquery('simple', {words}) \
                   AND m.deleted_at IS NULL{narrowed} \
                 ORDER BY ts_rank(m.search, plainto_tsquery('simple', {words})) DESC, \
                   m.created_at DESC, m.id DESC \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
        _ => {
            let (required, ranked) = mysql_terms(text)?;
            let member = params.bind(user.as_uuid());
            let required = params.bind(required);
            let narrowed = narrow(&mut params, filters);
            let ranked = params.bind(ranked);
            format!(
                "SELECT m.id AS id FROM messages m \
                 JOIN conversation_members cm \
                   ON cm.conversation_id = m.conversation_id AND cm.user_id = {member} \
                 WHERE MATCH (m.content) AGAINST ({required} IN BOOLEAN MODE) \
                   AND m.deleted_at IS NULL{narrowed} \
                 ORDER BY MATCH (m.content) AGAINST ({ranked} IN NATURAL LANGUAGE MODE) DESC, \
                   m.created_at DESC, m.id DESC \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
    };
    Some(Statement::from_sql_and_values(backend, sql, params.values))
}

/// Parameters in the order the SQL names them, with each backend's placeholders.
struct Params {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Params {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    /// Adds a value; its placeholder. PostgreSQL numbers them, so one bound value may be
    /// named twice; the others take `?` in order, so each use binds anew.
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
}

/// The filters as `AND ...` conditions on `m`, each bound as a parameter.
fn narrow(params: &mut Params, filters: &SearchFilters) -> String {
    let mut sql = String::new();
    if let Some(conversation) = filters.conversation {
        let at = params.bind(conversation.as_uuid());
        sql.push_str(&format!(" AND m.conversation_id = {at}"));
    }
    if let Some(sender) = filters.sender {
        let at = params.bind(sender.as_uuid());
        sql.push_str(&format!(" AND m.sender_id = {at}"));
    }
    if let Some(after) = filters.after {
        let at = params.bind(after);
        sql.push_str(&format!(" AND m.created_at > {at}"));
    }
    if let Some(before) = filters.before {
        let at = params.bind(before);
        sql.push_str(&format!(" AND m.created_at < {at}"));
    }
    if let Some(root) = filters.in_thread {
        let at = params.bind(root.as_uuid());
        sql.push_str(&format!(" AND m.thread_root_id = {at}"));
    }
    if filters.has_attachment {
        sql.push_str(" AND ");
        sql.push_str(&has_attachment("m"));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::{fts5_query, mysql_terms};

    fn terms(required: &str, ranked: &str) -> Option<(String, String)> {
        Some((required.to_owned(), ranked.to_owned()))
    }

    #[test]
    fn mysql_terms_are_required_words_without_operators() {
        assert_eq!(
            mysql_terms("pineapple  smoothie"),
            terms("+pineapple +smoothie", "pineapple smoothie")
        );
        assert_eq!(
            mysql_terms("+foo -bar* \"baz qux\" (quux) ~corge <grault> @3 Crème brûlée"),
            terms(
                "+foo +bar +baz +qux +quux +corge +grault +Crème +brûlée",
                "foo bar baz qux quux corge grault Crème brûlée"
            )
        );
        assert_eq!(
            mysql_terms("The mango is ok, été"),
            terms("+mango +été", "mango été")
        );
        assert_eq!(mysql_terms("the of ok"), None);
        assert_eq!(mysql_terms("!!! +-<>()~*\"@"), None);
        assert_eq!(mysql_terms(""), None);
    }

    #[test]
    fn fts5_terms_are_quoted_and_all_required() {
        assert_eq!(
            fts5_query("  hello   wor\"ld ").as_deref(),
            Some("\"hello\" AND \"wor\"\"ld\"")
        );
        assert_eq!(
            fts5_query("NEAR(a b) OR *").as_deref(),
            Some("\"NEAR(a\" AND \"b)\" AND \"OR\"")
        );
        assert_eq!(fts5_query(" \t\n"), None);
        assert_eq!(
            fts5_query("a\0b \u{1}\"").as_deref(),
            Some("\"a\" AND \"b\"")
        );
        assert_eq!(fts5_query("!!! ..."), None);
    }
}
