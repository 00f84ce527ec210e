//! A `curl` command that sends a failing step's exact request again, for a bug report. The
//! recorded URL has its secret parameters redacted; the command puts a `<NAME>` placeholder
//! there (`usersig=<usersig>`) and a comment says how to make a sig.

use crate::auth::usersig::USERSIG_PLACEHOLDER;
use crate::result::RequestRecord;

/// The redaction mark the runner records for secret query values.
const REDACTED: &str = "<redacted>";

/// Shell text that reproduces the request: comment lines (`# ...`) on making a UserSig and on
/// anything inexact, then one `curl` line. `None` when no request was built.
pub fn reproducer(request: &RequestRecord) -> Option<String> {
    let curl = curl_command(request)?;
    let mut out = String::new();
    if let Some(note) = usersig_note(request) {
        out.push_str(&format!("# {note}\n"));
    }
    if request.body.ends_with(" bytes in all]") && request.body.contains("… [") {
        out.push_str(
            "# the recorded body was cut at 64 KiB: this sends the cut body, not the original\n",
        );
    }
    out.push_str(&curl);
    Some(out)
}

/// The `curl` line alone; `None` when no request was built.
pub fn curl_command(request: &RequestRecord) -> Option<String> {
    if request.url.is_empty() {
        return None;
    }
    Some(format!(
        "curl -X {} {} -H 'Content-Type: application/json' --data-raw {}",
        shell_word(&request.method),
        shell_quote(&with_placeholders(&request.url)),
        shell_quote(&request.body)
    ))
}

/// How to make the sig the command's placeholder stands for, when it has one.
pub fn usersig_note(request: &RequestRecord) -> Option<String> {
    let url = with_placeholders(&request.url);
    if !url.contains(&format!("usersig={USERSIG_PLACEHOLDER}")) {
        return None;
    }
    let sdkappid = query_value(&url, "sdkappid").unwrap_or_else(|| "SDKAPPID".into());
    let identifier = query_value(&url, "identifier").unwrap_or_else(|| "ADMIN".into());
    Some(format!(
        "replace {USERSIG_PLACEHOLDER} with a UserSig: imconform usersig --sdkappid {} --identifier {} \
         (reads the key from IMCONFORM_SECRET_KEY); a step that signs differently in its spec \
         (usersig: ...) needs that sig instead",
        shell_word(&sdkappid),
        shell_word(&identifier)
    ))
}

/// `k=<redacted>` becomes `k=<k>` in the query.
fn with_placeholders(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, REDACTED)) => format!("{k}=<{k}>"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

/// The percent-decoded value of a query parameter.
fn query_value(url: &str, name: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Single-quoted for a POSIX shell: `'` becomes `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A word left bare when it is safe bare, quoted otherwise.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@/:=+,".contains(&b))
    {
        s.to_owned()
    } else {
        shell_quote(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str, body: &str) -> RequestRecord {
        RequestRecord {
            method: "POST".into(),
            url: url.into(),
            body: body.into(),
        }
    }

    #[test]
    fn curl_of_the_exact_request_with_a_sig_placeholder() {
        let r = request(
            "https://h/v4/group_open_http_svc/get_group_attr?sdkappid=1400000000&identifier=administrator&usersig=<redacted>&random=42&contenttype=json",
            r#"{"GroupId":"it's"}"#,
        );
        let text = reproducer(&r).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(
            lines[0],
            "# replace <usersig> with a UserSig: imconform usersig --sdkappid 1400000000 --identifier administrator (reads the key from IMCONFORM_SECRET_KEY); a step that signs differently in its spec (usersig: ...) needs that sig instead"
        );
        assert_eq!(
            lines[1],
            r#"curl -X POST 'https://h/v4/group_open_http_svc/get_group_attr?sdkappid=1400000000&identifier=administrator&usersig=<usersig>&random=42&contenttype=json' -H 'Content-Type: application/json' --data-raw '{"GroupId":"it'\''s"}'"#
        );
    }

    #[test]
    fn an_empty_sig_stays_empty_and_odd_identifiers_are_quoted() {
        let r = request("http://h/v4/a?identifier=a%20b&usersig=", "{}");
        let text = reproducer(&r).unwrap();
        assert_eq!(
            text,
            "curl -X POST 'http://h/v4/a?identifier=a%20b&usersig=' -H 'Content-Type: application/json' --data-raw '{}'"
        );
        let r = request("http://h/v4/a?identifier=a%20b&usersig=<redacted>", "{}");
        assert!(reproducer(&r).unwrap().contains("--identifier 'a b' "));
        assert_eq!(reproducer(&request("", "")), None);
    }

    #[test]
    fn a_cut_body_is_flagged() {
        let r = request("http://h/v4/a", "{\"a\":\"xxx… [70000 bytes in all]");
        assert!(
            reproducer(&r)
                .unwrap()
                .starts_with("# the recorded body was cut at 64 KiB")
        );
    }

    #[test]
    fn quoting_survives_a_shell() {
        let body = r#"{"k":"a'b\"c $HOME `x`"}"#;
        let quoted = shell_quote(body);
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {quoted}"))
            .output()
            .expect("sh runs");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), body);
    }
}
