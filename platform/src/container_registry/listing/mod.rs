//! Repositories and tags listed for people: search, sort, filters and keyset pages, all in
//! SQL so that a repository with half a million tags pages as fast as one with ten (the
//! server never loads a whole tag list to cut a page from it).
//!
//! A page is asked for with an optional cursor: `After(c)` (the page after the row `c` was
//! taken from) or `Before(c)`. Cursors are opaque strings to callers (`<key>~<tiebreak>`)
//! and go into the page URL (`after=` / `before=`).

mod cursor;
pub mod repositories;
pub mod storage;
pub mod tags;

use berth_db::sqlx;

pub use cursor::{Cursor, PageCursor};

/// Rows per page on the registry pages.
pub const PAGE_SIZE: i64 = 20;

/// Ascending or descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortDirection {
    Asc,
    Desc,
}

impl SortDirection {
    pub fn parse(s: &str) -> Option<SortDirection> {
        match s.to_ascii_lowercase().as_str() {
            "asc" => Some(SortDirection::Asc),
            "desc" => Some(SortDirection::Desc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortDirection::Asc => "asc",
            SortDirection::Desc => "desc",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            SortDirection::Asc => "ASC",
            SortDirection::Desc => "DESC",
        }
    }

    fn flip(self) -> SortDirection {
        match self {
            SortDirection::Asc => SortDirection::Desc,
            SortDirection::Desc => SortDirection::Asc,
        }
    }
}

/// One page of rows with the cursors of its neighbours (None: no such page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Total rows matching the search and filters (all pages).
    pub total: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
}

/// A value bound to a `$n` placeholder of a listing query built at run time.
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

pub(crate) fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        query = match b {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.as_str()),
        };
    }
    query
}

/// `%text%` for a LIKE with `\` as escape character, the search text matched literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Cuts a fetched window (`PAGE_SIZE + 1` rows in query order) into a page: the extra row
/// only says whether another page follows in the fetch direction. Rows fetched backwards
/// (for `before`) are turned back into display order here.
pub(crate) fn paginate<T>(mut rows: Vec<T>, total: i64, cursor: &PageCursor, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let backwards = matches!(cursor, PageCursor::Before(_));
    if backwards {
        rows.reverse();
    }
    let first = rows.first().map(&key);
    let last = rows.last().map(&key);
    let (has_previous, has_next) = match cursor {
        PageCursor::First => (false, more),
        PageCursor::After(_) => (true, more),
        PageCursor::Before(_) => (more, true),
    };
    Page { items: rows, total, next: if has_next { last } else { None }, previous: if has_previous { first } else { None } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("v1_2%"), "%v1\\_2\\%%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
    }

    #[test]
    fn pages_know_their_neighbours() {
        let c = |s: &str| Cursor::parse(s).unwrap();
        let first = paginate(vec![1, 2, 3], 9, &PageCursor::First, 2, |n| n.to_string());
        assert_eq!((first.items, first.previous, first.next), (vec![1, 2], None, Some("2".into())));
        let last = paginate(vec![5], 9, &PageCursor::After(c("4")), 2, |n| n.to_string());
        assert_eq!((last.items, last.previous, last.next), (vec![5], Some("5".into()), None));
        // Fetched backwards from 7: 6, 5, 4 -> shows 5, 6 with more before.
        let back = paginate(vec![6, 5, 4], 9, &PageCursor::Before(c("7")), 2, |n| n.to_string());
        assert_eq!((back.items, back.previous, back.next), (vec![5, 6], Some("5".into()), Some("6".into())));
    }
}
