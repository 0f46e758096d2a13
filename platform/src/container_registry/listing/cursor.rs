//! Keyset cursors: the sort key of a row and its unique tiebreak, as `<key>~<tiebreak>`.
//! Names and paths cannot contain `~` (OCI name and tag grammar), timestamps and ids are
//! digits, so splitting at the last `~` is unambiguous.

/// A position between rows: the sort key and tiebreak of the row it was taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub key: String,
    pub tiebreak: String,
}

impl Cursor {
    pub fn new(key: impl ToString, tiebreak: impl ToString) -> Cursor {
        Cursor { key: key.to_string(), tiebreak: tiebreak.to_string() }
    }

    /// `None` for text that no page ever produced (the caller shows the first page).
    pub fn parse(text: &str) -> Option<Cursor> {
        let text = text.trim();
        if text.is_empty() || text.len() > 512 {
            return None;
        }
        match text.rsplit_once('~') {
            Some((key, tiebreak)) => Some(Cursor::new(key, tiebreak)),
            None => Some(Cursor::new(text, "")),
        }
    }

    pub fn encode(&self) -> String {
        if self.tiebreak.is_empty() {
            self.key.clone()
        } else {
            format!("{}~{}", self.key, self.tiebreak)
        }
    }

    pub fn key_i64(&self) -> Option<i64> {
        self.key.parse().ok()
    }

    pub fn tiebreak_i64(&self) -> Option<i64> {
        self.tiebreak.parse().ok()
    }
}

/// Which page: the first, the one after a cursor, or the one before it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum PageCursor {
    #[default]
    First,
    After(Cursor),
    Before(Cursor),
}

impl PageCursor {
    /// From the `after` and `before` URL parameters (`after` wins; unreadable ones are ignored).
    pub fn from_params(after: Option<&str>, before: Option<&str>) -> PageCursor {
        if let Some(c) = after.and_then(Cursor::parse) {
            return PageCursor::After(c);
        }
        if let Some(c) = before.and_then(Cursor::parse) {
            return PageCursor::Before(c);
        }
        PageCursor::First
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let c = Cursor::new(1732370000000i64, "v1.2-rc");
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        let name_only = Cursor::parse("group/app").unwrap();
        assert_eq!((name_only.key.as_str(), name_only.tiebreak.as_str()), ("group/app", ""));
        assert_eq!(Cursor::parse("  "), None);
        assert_eq!(PageCursor::from_params(Some(""), Some("5~3")), PageCursor::Before(Cursor::new(5, 3)));
    }
}
