//! A request's query string: percent-encoded once by the harness, built as sent and as shown
//! (secret values redacted), and set on an endpoint URL that was parsed once for the run.
//!
//! The URL parser reads a query a character at a time, and every query carries a UserSig of a
//! few hundred bytes that stays the same for hours. So the parsed URL of a query's head (all
//! but its short trailing parameters, `random` among them) is kept, and a request only appends
//! its tail to a copy.

use std::cell::RefCell;

use reqwest::Url;

/// A request's query string, as sent (percent-encoded) and as shown (secret values replaced
/// by `<redacted>`), in the order the parameters are pushed.
#[derive(Default)]
pub struct Query {
    sent: String,
    shown: String,
    /// Where the trailing run of short parameters that need no escape starts in `sent` (at
    /// its `&`, or 0): they can be appended to a parsed URL as they are.
    tail: Option<usize>,
}

/// A tail parameter's value is at most this long; a longer one goes into the cached head.
const MAX_TAIL_VALUE: usize = 32;

impl Query {
    /// A UserSig is a few hundred bytes: room for it and the other parameters from the start.
    const CAPACITY: usize = 512;

    pub fn push(&mut self, name: &str, value: &str, secret: bool) {
        let plain = value.len() <= MAX_TAIL_VALUE && form_plain(name) && form_plain(value);
        self.tail = match self.tail {
            _ if !plain => None,
            Some(start) => Some(start),
            None => Some(self.sent.len()),
        };
        if self.sent.is_empty() {
            self.sent.reserve(Self::CAPACITY);
            self.shown.reserve(Self::CAPACITY);
        } else {
            self.sent.push('&');
            self.shown.push('&');
        }
        let start = self.sent.len();
        percent_encode_into(&mut self.sent, name);
        self.sent.push('=');
        self.shown.push_str(&self.sent[start..]);
        let start = self.sent.len();
        percent_encode_into(&mut self.sent, value);
        if secret && !value.is_empty() {
            self.shown.push_str("<redacted>");
        } else {
            self.shown.push_str(&self.sent[start..]);
        }
    }

    /// `endpoint` with this query, as sent and as shown.
    pub fn urls(self, endpoint: &Url) -> (Url, String) {
        let (head, tail) = match self.tail {
            Some(start) if endpoint.query().is_none() => {
                let tail = self.sent[start..].trim_start_matches('&');
                (&self.sent[..start], tail)
            }
            _ => (self.sent.as_str(), ""),
        };
        let mut url = HEADS.with(|heads| heads.borrow_mut().with_query(endpoint, head));
        if !tail.is_empty() {
            // The same text `set_query` would make: these bytes are alike under form encoding
            // and under the harness's own percent-encoding.
            let mut pairs = url.query_pairs_mut();
            for pair in tail.split('&') {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                pairs.append_pair(name, value);
            }
        }
        let base = endpoint.as_str();
        // The shown URL stays in the run's report: it is allocated at its final size.
        let mut shown = String::with_capacity(base.len() + 1 + self.shown.len());
        shown.push_str(base);
        if !self.shown.is_empty() {
            shown.push('?');
            shown.push_str(&self.shown);
        }
        (url, shown)
    }
}

thread_local! {
    /// Per thread, so that requests on different cores share no lock and no cache line.
    static HEADS: RefCell<UrlHeads> = RefCell::default();
}

/// Parsed endpoint URLs with a query head, most recent first. A run has a handful of heads
/// (one per endpoint, UserSig and identifier); each is kept whole, so an entry matches only
/// the very same text.
#[derive(Default)]
struct UrlHeads {
    entries: Vec<Url>,
}

impl UrlHeads {
    const CAPACITY: usize = 16;

    /// `endpoint` with `head` as its query (none when empty), parsed once per distinct head.
    fn with_query(&mut self, endpoint: &Url, head: &str) -> Url {
        if head.is_empty() {
            return endpoint.clone();
        }
        let base = endpoint.as_str();
        let matches = |url: &Url| {
            let text = url.as_str();
            text.len() == base.len() + 1 + head.len()
                && text.starts_with(base)
                && url.query() == Some(head)
        };
        let entries = &mut self.entries;
        if let Some(url) = entries.iter().find(|u| matches(u)) {
            return url.clone();
        }
        let mut url = endpoint.clone();
        url.set_query(Some(head));
        if !matches(&url) {
            // The parser changed the text (it never does for what `push` writes): not cached.
            return url;
        }
        if entries.len() == Self::CAPACITY {
            entries.pop();
        }
        entries.insert(0, url.clone());
        url
    }
}

/// Bytes that neither percent-encoding nor form encoding changes: the kept bytes but `~`,
/// which form encoding escapes.
fn form_plain(s: &str) -> bool {
    s.bytes().all(|b| kept(b) && b != b'~')
}

/// Percent-encodes a query value: everything but the unreserved characters and `*` (the
/// UserSig alphabet keeps `*`, `-` and `_` as they are).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    percent_encode_into(&mut out, s);
    out
}

/// `percent_encode`, appending to `out`: a URL is built without a string per parameter.
pub fn percent_encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    const KEEP: [bool; 256] = {
        let mut keep = [false; 256];
        let mut b = 0;
        while b < 256 {
            keep[b] = kept(b as u8);
            b += 1;
        }
        keep
    };
    // Every request's URL carries a UserSig of a few hundred bytes that needs no escape: a
    // branch-free test of whole blocks (which the compiler vectorizes) lets it through in one
    // copy. Short names and values go straight to the loop below.
    if s.len() >= 32
        && s.as_bytes()
            .chunks(32)
            .all(|block| block.iter().fold(true, |all, &b| all & kept(b)))
    {
        out.push_str(s);
        return;
    }
    // Runs of kept bytes are copied whole; kept bytes are ASCII, so every run starts and ends
    // on a character boundary.
    let mut run_start = 0;
    for (i, b) in s.bytes().enumerate() {
        if KEEP[usize::from(b)] {
            continue;
        }
        if run_start < i {
            out.push_str(&s[run_start..i]);
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
        run_start = i + 1;
    }
    if run_start < s.len() {
        out.push_str(&s[run_start..]);
    }
}

/// Bytes a query value keeps as they are: the unreserved characters and `*`. Written as
/// comparisons joined without branches, so that a loop over it compiles to vector code.
#[inline(always)]
const fn kept(b: u8) -> bool {
    let lower = b | 0x20;
    (b.wrapping_sub(b'0') < 10)
        | (lower.wrapping_sub(b'a') < 26)
        | (b == b'-')
        | (b == b'_')
        | (b == b'.')
        | (b == b'~')
        | (b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_the_usersig_alphabet_and_escapes_the_rest() {
        assert_eq!(percent_encode("eJy*ab-_.~Z9"), "eJy*ab-_.~Z9");
        assert_eq!(percent_encode("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(percent_encode("群a组"), "%E7%BE%A4a%E7%BB%84");
        assert_eq!(percent_encode(""), "");
        assert_eq!(percent_encode("%"), "%25");
        // Longer than one block, with the byte to escape in a later block.
        let long = format!("{}/{}", "a".repeat(40), "b".repeat(40));
        assert_eq!(
            percent_encode(&long),
            format!("{}%2F{}", "a".repeat(40), "b".repeat(40))
        );
        assert_eq!(percent_encode(&"Z".repeat(70)), "Z".repeat(70));
    }

    fn urls(params: &[(&str, &str)], secret: &[&str]) -> (String, String) {
        let endpoint = Url::parse("http://h/v4/a/b").unwrap();
        let mut query = Query::default();
        for (k, v) in params {
            query.push(k, v, secret.contains(k));
        }
        let (url, shown) = query.urls(&endpoint);
        (url.to_string(), shown)
    }

    #[test]
    fn a_cached_head_and_an_appended_tail_make_the_url_set_query_makes() {
        let endpoint = Url::parse("https://adminapisgp.im.qcloud.com/v4/x/y").unwrap();
        let sig = "eJw1jUELgjAYhv*KfOfYx0z9HOAHBAA-_-_.0123456789abcdefghijklmnopqrstuvwxyz";
        let cases: Vec<Vec<(&str, &str)>> = vec![
            vec![
                ("sdkappid", "1400000000"),
                ("usersig", sig),
                ("random", "42"),
                ("contenttype", "json"),
            ],
            vec![
                ("sdkappid", "1400000000"),
                ("usersig", sig),
                ("random", "43"),
                ("contenttype", "json"),
            ],
            vec![("identifier", "a b"), ("usersig", sig), ("random", "7")],
            vec![("random", "1"), ("contenttype", "json")],
            vec![("usersig", sig), ("identifier", "x~y"), ("random", "9")],
            vec![("usersig", ""), ("a", ""), ("b", "c")],
            vec![],
        ];
        for params in &cases {
            let mut query = Query::default();
            let mut text = Vec::new();
            for (k, v) in params {
                query.push(k, v, false);
                text.push(format!("{}={}", percent_encode(k), percent_encode(v)));
            }
            let mut parsed = endpoint.clone();
            let text = text.join("&");
            parsed.set_query((!text.is_empty()).then_some(text.as_str()));
            // Twice: once parsing the head, once from the cache.
            for _ in 0..2 {
                let mut again = Query::default();
                for (k, v) in params {
                    again.push(k, v, false);
                }
                assert_eq!(again.urls(&endpoint).0.as_str(), parsed.as_str());
            }
            assert_eq!(query.urls(&endpoint).0.as_str(), parsed.as_str());
        }
        // One head per distinct UserSig and leading parameters, not one per request (each
        // test runs on a thread of its own).
        let heads: Vec<String> = HEADS.with(|h| {
            h.borrow()
                .entries
                .iter()
                .filter_map(|u| u.query().map(str::to_owned))
                .collect()
        });
        assert_eq!(heads.len(), 3, "{heads:?}");
    }

    #[test]
    fn secret_parameters_are_redacted_in_the_shown_url() {
        let params = [("sdkappid", "1"), ("usersig", "eJy*ab-_")];
        assert_eq!(
            urls(&params, &[]),
            (
                "http://h/v4/a/b?sdkappid=1&usersig=eJy*ab-_".to_owned(),
                "http://h/v4/a/b?sdkappid=1&usersig=eJy*ab-_".to_owned()
            )
        );
        assert_eq!(
            urls(&params, &["usersig"]),
            (
                "http://h/v4/a/b?sdkappid=1&usersig=eJy*ab-_".to_owned(),
                "http://h/v4/a/b?sdkappid=1&usersig=<redacted>".to_owned()
            )
        );
        // Values are percent-encoded once, by the harness; an empty secret stays visible.
        assert_eq!(
            urls(&[("identifier", "a b&c=d~"), ("usersig", "")], &["usersig"]),
            (
                "http://h/v4/a/b?identifier=a%20b%26c%3Dd~&usersig=".to_owned(),
                "http://h/v4/a/b?identifier=a%20b%26c%3Dd~&usersig=".to_owned()
            )
        );
        assert_eq!(
            urls(&[], &["usersig"]),
            ("http://h/v4/a/b".to_owned(), "http://h/v4/a/b".to_owned())
        );
    }

    #[test]
    fn kept_bytes_are_the_unreserved_characters_and_star() {
        for b in 0..=255u8 {
            let want = b.is_ascii_alphanumeric() || b"-_.~*".contains(&b);
            assert_eq!(super::kept(b), want, "byte {b}");
        }
    }
}
