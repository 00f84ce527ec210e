//! Expectations at JSON pointers.

use serde_json::Value;

use crate::spec::{Matcher, PathCheck, TemplateError};

/// Checks one path; `Err` carries what was expected and what came.
pub fn check_path(
    check: &PathCheck,
    body: &Value,
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<(), String> {
    let actual = body.pointer(&check.path);
    let render =
        |t: &crate::spec::Template| t.render(lookup).map_err(|e: TemplateError| e.to_string());
    match &check.matcher {
        Matcher::Equals(t) => {
            let want = render(t)?;
            match actual {
                Some(v) if *v == want => Ok(()),
                Some(v) => Err(format!("expected {}, got {}", short(&want), short(v))),
                None => Err(format!(
                    "expected {}, but the field is absent",
                    short(&want)
                )),
            }
        }
        Matcher::OneOf(ts) => {
            let wants: Vec<Value> = ts.iter().map(render).collect::<Result<_, _>>()?;
            match actual {
                Some(v) if wants.contains(v) => Ok(()),
                other => Err(format!(
                    "expected one of {}, got {}",
                    short(&Value::Array(wants)),
                    show(other)
                )),
            }
        }
        Matcher::Unordered(ts) => {
            let wants: Vec<Value> = ts.iter().map(render).collect::<Result<_, _>>()?;
            let Some(Value::Array(items)) = actual else {
                return Err(format!(
                    "expected an array of {} elements, got {}",
                    wants.len(),
                    show(actual)
                ));
            };
            let mut left: Vec<&Value> = items.iter().collect();
            for w in &wants {
                match left.iter().position(|v| *v == w) {
                    Some(i) => {
                        left.swap_remove(i);
                    }
                    None => {
                        return Err(format!(
                            "expected element {} (in any order), got {}",
                            short(w),
                            short(&Value::Array(items.clone()))
                        ));
                    }
                }
            }
            if left.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "unexpected extra element(s): {}",
                    short(&Value::Array(left.into_iter().cloned().collect()))
                ))
            }
        }
        Matcher::Includes(t) => {
            let want = render(t)?;
            let Some(Value::Array(items)) = actual else {
                return Err(format!(
                    "expected an array including {}, got {}",
                    short(&want),
                    show(actual)
                ));
            };
            if items.iter().any(|v| contains(v, &want)) {
                Ok(())
            } else {
                Err(format!(
                    "expected an element containing {}, got {}",
                    short(&want),
                    short(&Value::Array(items.clone()))
                ))
            }
        }
        Matcher::Excludes(t) => {
            let want = render(t)?;
            match actual {
                Some(Value::Array(items)) => match items.iter().find(|v| contains(v, &want)) {
                    Some(found) => Err(format!(
                        "expected no element containing {}, found {}",
                        short(&want),
                        short(found)
                    )),
                    None => Ok(()),
                },
                None | Some(Value::Null) => Ok(()),
                Some(other) => Err(format!("expected an array, got {}", short(other))),
            }
        }
        Matcher::Exists(true) => actual
            .map(|_| ())
            .ok_or_else(|| "expected the field to be present, it is absent".to_owned()),
        Matcher::Exists(false) => match actual {
            None => Ok(()),
            Some(v) => Err(format!("expected the field to be absent, got {}", short(v))),
        },
        Matcher::EmptyOrAbsent => match actual {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Array(a)) if a.is_empty() => Ok(()),
            Some(Value::Object(o)) if o.is_empty() => Ok(()),
            Some(v) => Err(format!("expected empty or absent, got {}", short(v))),
        },
        Matcher::Length(n) => {
            let len = match actual {
                Some(Value::Array(a)) => Some(a.len()),
                Some(Value::Object(o)) => Some(o.len()),
                Some(Value::String(s)) => Some(s.len()),
                _ => None,
            };
            match len {
                Some(l) if l == *n => Ok(()),
                Some(l) => Err(format!("expected length {n}, got length {l}")),
                None => Err(format!(
                    "expected something of length {n}, got {}",
                    show(actual)
                )),
            }
        }
    }
}

/// `have` contains `want`: objects match on `want`'s keys (recursively), other values exactly.
pub fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| h.get(k).is_some_and(|hv| contains(hv, wv))),
        _ => have == want,
    }
}

fn show(v: Option<&Value>) -> String {
    v.map(short)
        .unwrap_or_else(|| "nothing (absent)".to_owned())
}

/// A value for a message, cut to a readable length.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() <= 200 {
        return s;
    }
    let mut end = 200;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Loc, Template};
    use serde_json::json;

    fn pc(path: &str, matcher: Matcher) -> PathCheck {
        PathCheck {
            path: path.into(),
            matcher,
            loc: Loc {
                file: crate::spec::SpecFile::new("x"),
                line: 1,
                column: 1,
            },
        }
    }
    fn t(v: Value) -> Template {
        Template::parse(&v).unwrap()
    }
    fn none(_: &str) -> Option<Value> {
        None
    }

    #[test]
    fn matchers_pass_and_fail() {
        let body = json!({"A": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}], "E": []});
        let ok = |m| check_path(&pc("/A", m), &body, &none);
        assert!(
            ok(Matcher::Unordered(vec![
                t(json!({"key": "b", "value": "2"})),
                t(json!({"key": "a", "value": "1"}))
            ]))
            .is_ok()
        );
        assert!(
            ok(Matcher::Unordered(vec![t(
                json!({"key": "a", "value": "1"})
            )]))
            .is_err()
        );
        assert!(ok(Matcher::Includes(t(json!({"key": "a"})))).is_ok());
        assert!(ok(Matcher::Includes(t(json!({"key": "c"})))).is_err());
        assert!(ok(Matcher::Excludes(t(json!({"key": "c"})))).is_ok());
        assert!(ok(Matcher::Excludes(t(json!({"key": "a"})))).is_err());
        assert!(ok(Matcher::Length(2)).is_ok());
        assert!(ok(Matcher::Length(3)).is_err());
        assert!(check_path(&pc("/E", Matcher::EmptyOrAbsent), &body, &none).is_ok());
        assert!(check_path(&pc("/Missing", Matcher::EmptyOrAbsent), &body, &none).is_ok());
        assert!(ok(Matcher::EmptyOrAbsent).is_err());
        assert!(check_path(&pc("/Missing", Matcher::Exists(false)), &body, &none).is_ok());
        assert!(
            check_path(
                &pc(
                    "/A/0/key",
                    Matcher::OneOf(vec![t(json!("x")), t(json!("a"))])
                ),
                &body,
                &none
            )
            .is_ok()
        );
        assert!(
            check_path(
                &pc("/A/0/key", Matcher::Equals(t(json!("b")))),
                &body,
                &none
            )
            .is_err()
        );
    }
}
