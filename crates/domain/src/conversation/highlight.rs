//! Search highlights: the fragments of a message's content around the words a search
//! matched, the matches wrapped in `<mark>` and everything else HTML-escaped. Computed
//! here from the query's words, the same way whichever database found the message.

/// Characters of context kept on each side of a match.
const CONTEXT: usize = 40;
/// Fragments per message at most.
const MAX_FRAGMENTS: usize = 3;

/// The query's words as the databases read them: runs of letters and digits, compared
/// without regard to case.
fn terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for term in query.split(|c: char| !c.is_alphanumeric()) {
        let term = term.to_lowercase();
        if !term.is_empty() && !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

/// The byte ranges of the content's words that are query terms.
fn matches(content: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut start = None;
    let mut check = |from: usize, to: usize| {
        if terms.contains(&content[from..to].to_lowercase()) {
            found.push((from, to));
        }
    };
    for (index, c) in content.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(index),
            (false, Some(from)) => {
                check(from, index);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        check(from, content.len());
    }
    found
}

/// The byte offset `chars` characters before `at` (or 0).
fn back(content: &str, at: usize, chars: usize) -> usize {
    content[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(index, _)| index)
}

/// The byte offset `chars` characters after `at` (or the end).
fn forward(content: &str, at: usize, chars: usize) -> usize {
    content[at..]
        .char_indices()
        .nth(chars)
        .map_or(content.len(), |(index, _)| at + index)
}

pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

/// Up to three fragments of `content` around the words of `query`, matches in `<mark>`,
/// the rest HTML-escaped, `…` where a fragment cuts the content. When no word matches as
/// written (the database may have matched a form this reading does not see), the start of
/// the content, escaped.
pub fn highlights(content: &str, query: &str) -> Vec<String> {
    let found = matches(content, &terms(query));
    if found.is_empty() {
        let end = forward(content, 0, 2 * CONTEXT);
        let mut fragment = String::new();
        escape_html(&content[..end], &mut fragment);
        if end < content.len() {
            fragment.push('…');
        }
        return vec![fragment];
    }
    // Windows around the matches (start, end, the matches in it), merged where they touch.
    type Window = (usize, usize, Vec<(usize, usize)>);
    let mut windows: Vec<Window> = Vec::new();
    for (from, to) in found {
        let (start, end) = (back(content, from, CONTEXT), forward(content, to, CONTEXT));
        match windows.last_mut() {
            Some(last) if start <= last.1 => {
                last.1 = last.1.max(end);
                last.2.push((from, to));
            }
            _ => windows.push((start, end, vec![(from, to)])),
        }
    }
    windows
        .into_iter()
        .take(MAX_FRAGMENTS)
        .map(|(start, end, marks)| {
            let mut fragment = String::new();
            if start > 0 {
                fragment.push('…');
            }
            let mut at = start;
            for (from, to) in marks {
                escape_html(&content[at..from], &mut fragment);
                fragment.push_str("<mark>");
                escape_html(&content[from..to], &mut fragment);
                fragment.push_str("</mark>");
                at = to;
            }
            escape_html(&content[at..end], &mut fragment);
            if end < content.len() {
                fragment.push('…');
            }
            fragment
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::highlights;

    #[test]
    fn matches_are_marked_and_the_rest_escaped() {
        assert_eq!(
            highlights("<script>alert('Mango')</script> & mango", "MANGO"),
            vec![
                "&lt;script&gt;alert(&#x27;<mark>Mango</mark>&#x27;)&lt;/script&gt; &amp; \
                 <mark>mango</mark>"
            ]
        );
        assert_eq!(
            highlights("pineapple smoothie", "pine"),
            vec!["pineapple smoothie"]
        );
    }

    #[test]
    fn long_content_is_cut_into_fragments_around_matches() {
        let content = format!("{} kiwi {} kiwi", "x ".repeat(100), "y ".repeat(100));
        let found = highlights(&content, "kiwi");
        assert_eq!(found.len(), 2);
        assert!(found[0].starts_with('…') && found[0].ends_with('…'));
        assert!(found[0].contains("<mark>kiwi</mark>"));
        assert!(found[1].ends_with("<mark>kiwi</mark>"));
        assert!(found.iter().all(|f| f.chars().count() < 100));
    }

    #[test]
    fn words_are_whole_and_unicode_aware() {
        assert_eq!(
            highlights("Crème brûlée!", "brûlée"),
            vec!["Crème <mark>brûlée</mark>!"]
        );
        assert_eq!(highlights("éé", "x"), vec!["éé"]);
    }
}
