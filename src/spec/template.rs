//! Values in spec files that are filled in at run time: `${name}` variables and the value
//! generators `$str`, `$list` and `$chunks` that boundary cases are built from.
//!
//! A string that is exactly one `${name}` takes the variable's JSON type (a number stays a
//! number); a variable inside a longer string is spliced in as text. `$${` writes a literal `${`.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// Holds no variable and no generator.
    Literal(Value),
    /// The whole string is one variable: substituted with its type.
    Var(String),
    /// A string with variables spliced in.
    Text(Vec<Part>),
    Array(Vec<Template>),
    Object(Vec<(String, Template)>),
    /// An object with at least one `${name}` in a key (`{"${n}": name}`): each key renders to
    /// text, a number as its decimal digits.
    KeyedObject(Vec<(Template, Template)>),
    Gen(Box<Generator>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Generator {
    /// `{$str: {bytes: N, fill: "中"}}`: a string of exactly N UTF-8 bytes, made of `fill`
    /// and padded with `a` where `fill` does not divide N.
    Str { bytes: Template, fill: Template },
    /// `{$list: {count: N, item: ...}}`: N items; `${i}` is the index (0-based) inside `item`.
    List { count: Template, item: Template },
    /// `{$chunks: {total: N, max: M, fill: "中", item: ...}}`: items whose `${chunk}` strings
    /// (made of `fill`, padded with `a`) are at most M bytes and add up to N bytes; `${i}` is
    /// the index.
    Chunks {
        total: Template,
        max: Template,
        fill: Template,
        item: Template,
    },
}

/// Variables bound inside generator items.
pub const GENERATOR_LOCALS: [&str; 2] = ["i", "chunk"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unclosed `${{` in {0:?}")]
    Unclosed(String),
    #[error("empty variable name `${{}}` in {0:?}")]
    EmptyName(String),
    #[error("generator {0} must be an object with {1}")]
    BadGenerator(&'static str, &'static str),
    #[error("unknown generator {0:?} (expected $str, $list or $chunks)")]
    UnknownGenerator(String),
    #[error("variable {0:?} is not defined")]
    Undefined(String),
    #[error("{what} must be a non-negative integer, got {got}")]
    NotCount { what: &'static str, got: String },
    #[error("generated value too large: {0} (limit 10 MiB)")]
    TooLarge(u64),
}

const MAX_GENERATED: u64 = 10 * 1024 * 1024;

impl Template {
    pub fn parse(value: &Value) -> Result<Template, TemplateError> {
        let t = match value {
            Value::String(s) => parse_text(s)?,
            Value::Array(items) => Template::Array(
                items
                    .iter()
                    .map(Template::parse)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                if map.len() == 1
                    && let Some((k, v)) = map.iter().next()
                    && k.starts_with('$')
                    && !k.starts_with("$$")
                    && !k.starts_with("${")
                {
                    return Ok(Template::Gen(Box::new(parse_generator(k, v)?)));
                }
                if map.keys().any(|k| k.contains("${")) {
                    let mut fields = Vec::with_capacity(map.len());
                    for (k, v) in map {
                        fields.push((parse_text(k)?, Template::parse(v)?));
                    }
                    return Ok(Template::KeyedObject(fields));
                }
                let mut fields = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let key = k
                        .strip_prefix('$')
                        .filter(|r| r.starts_with('$'))
                        .unwrap_or(k);
                    fields.push((key.to_owned(), Template::parse(v)?));
                }
                Template::Object(fields)
            }
            other => Template::Literal(other.clone()),
        };
        Ok(t.collapse())
    }

    /// Folds subtrees without variables back into literals, so rendering them is a clone.
    fn collapse(self) -> Template {
        match self {
            Template::Array(items) if items.iter().all(|t| matches!(t, Template::Literal(_))) => {
                Template::Literal(Value::Array(
                    items
                        .into_iter()
                        .map(|t| {
                            if let Template::Literal(v) = t {
                                v
                            } else {
                                unreachable!()
                            }
                        })
                        .collect(),
                ))
            }
            Template::Object(fields)
                if fields
                    .iter()
                    .all(|(_, t)| matches!(t, Template::Literal(_))) =>
            {
                let mut map = Map::new();
                for (k, t) in fields {
                    if let Template::Literal(v) = t {
                        map.insert(k, v);
                    }
                }
                Template::Literal(Value::Object(map))
            }
            other => other,
        }
    }

    /// Every variable this template reads, in order, without generator locals.
    pub fn variables(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_variables(&mut out, false);
        out
    }

    fn collect_variables(&self, out: &mut Vec<String>, in_generator: bool) {
        let mut push = |name: &str| {
            let generator_local = in_generator && GENERATOR_LOCALS.contains(&name);
            if !generator_local && !out.iter().any(|n| n == name) {
                out.push(name.to_owned());
            }
        };
        match self {
            Template::Literal(_) => {}
            Template::Var(name) => push(name),
            Template::Text(parts) => {
                for p in parts {
                    if let Part::Var(name) = p {
                        push(name);
                    }
                }
            }
            Template::Array(items) => items
                .iter()
                .for_each(|t| t.collect_variables(out, in_generator)),
            Template::Object(fields) => fields
                .iter()
                .for_each(|(_, t)| t.collect_variables(out, in_generator)),
            Template::KeyedObject(fields) => fields.iter().for_each(|(k, t)| {
                k.collect_variables(out, in_generator);
                t.collect_variables(out, in_generator);
            }),
            Template::Gen(g) => match g.as_ref() {
                Generator::Str { bytes, fill } => {
                    bytes.collect_variables(out, in_generator);
                    fill.collect_variables(out, in_generator);
                }
                Generator::List { count, item } => {
                    count.collect_variables(out, in_generator);
                    item.collect_variables(out, true);
                }
                Generator::Chunks {
                    total,
                    max,
                    fill,
                    item,
                } => {
                    total.collect_variables(out, in_generator);
                    max.collect_variables(out, in_generator);
                    fill.collect_variables(out, in_generator);
                    item.collect_variables(out, true);
                }
            },
        }
    }

    /// Fills in variables and runs generators.
    pub fn render(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<Value, TemplateError> {
        match self {
            Template::Literal(v) => Ok(v.clone()),
            Template::Var(name) => {
                lookup(name).ok_or_else(|| TemplateError::Undefined(name.clone()))
            }
            Template::Text(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        Part::Lit(l) => s.push_str(l),
                        Part::Var(name) => match lookup(name) {
                            Some(Value::String(v)) => s.push_str(&v),
                            Some(other) => s.push_str(&other.to_string()),
                            None => return Err(TemplateError::Undefined(name.clone())),
                        },
                    }
                }
                Ok(Value::String(s))
            }
            Template::Array(items) => Ok(Value::Array(
                items
                    .iter()
                    .map(|t| t.render(lookup))
                    .collect::<Result<_, _>>()?,
            )),
            Template::Object(fields) => {
                let mut map = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    map.insert(k.clone(), t.render(lookup)?);
                }
                Ok(Value::Object(map))
            }
            Template::KeyedObject(fields) => {
                let mut map = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    let key = match k.render(lookup)? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    map.insert(key, t.render(lookup)?);
                }
                Ok(Value::Object(map))
            }
            Template::Gen(g) => g.render(lookup),
        }
    }
}

impl Generator {
    fn render(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<Value, TemplateError> {
        match self {
            Generator::Str { bytes, fill } => {
                let n = count(bytes, lookup, "$str.bytes")?;
                Ok(Value::String(string_of_bytes(n, &fill_text(fill, lookup)?)))
            }
            Generator::List { count: c, item } => {
                let n = count(c, lookup, "$list.count")?;
                let mut out = Vec::with_capacity(n as usize);
                for i in 0..n {
                    let local = |name: &str| {
                        if name == "i" {
                            Some(Value::from(i))
                        } else {
                            lookup(name)
                        }
                    };
                    out.push(item.render(&local)?);
                }
                Ok(Value::Array(out))
            }
            Generator::Chunks {
                total,
                max,
                fill,
                item,
            } => {
                let total = count(total, lookup, "$chunks.total")?;
                let max = count(max, lookup, "$chunks.max")?.max(1);
                let fill = fill_text(fill, lookup)?;
                let mut out = Vec::new();
                let mut left = total;
                let mut i = 0u64;
                while left > 0 {
                    let size = left.min(max);
                    let chunk = Value::String(string_of_bytes(size, &fill));
                    let local = |name: &str| match name {
                        "i" => Some(Value::from(i)),
                        "chunk" => Some(chunk.clone()),
                        _ => lookup(name),
                    };
                    out.push(item.render(&local)?);
                    left -= size;
                    i += 1;
                }
                Ok(Value::Array(out))
            }
        }
    }
}

/// The fill text of a generator; an empty or non-string fill falls back to `a`.
fn fill_text(
    fill: &Template,
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<String, TemplateError> {
    Ok(match fill.render(lookup)? {
        Value::String(s) if !s.is_empty() => s,
        _ => "a".to_owned(),
    })
}

/// A string of exactly `n` UTF-8 bytes: as many `fill` as fit, then `a` padding.
pub fn string_of_bytes(n: u64, fill: &str) -> String {
    let n = n as usize;
    let per = fill.len().max(1);
    let mut s = fill.repeat(n / per);
    s.push_str(&"a".repeat(n - s.len()));
    s
}

fn count(
    t: &Template,
    lookup: &dyn Fn(&str) -> Option<Value>,
    what: &'static str,
) -> Result<u64, TemplateError> {
    let v = t.render(lookup)?;
    let n = match &v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| TemplateError::NotCount {
        what,
        got: v.to_string(),
    })?;
    if n > MAX_GENERATED {
        return Err(TemplateError::TooLarge(n));
    }
    Ok(n)
}

fn parse_text(s: &str) -> Result<Template, TemplateError> {
    if !s.contains("${") {
        return Ok(Template::Literal(Value::String(s.to_owned())));
    }
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        lit.push_str(&rest[..pos]);
        let after = &rest[pos..];
        if let Some(escaped) = after.strip_prefix("$${") {
            lit.push_str("${");
            rest = escaped;
        } else if let Some(open) = after.strip_prefix("${") {
            let end = open
                .find('}')
                .ok_or_else(|| TemplateError::Unclosed(s.to_owned()))?;
            let name = open[..end].trim();
            if name.is_empty() {
                return Err(TemplateError::EmptyName(s.to_owned()));
            }
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            parts.push(Part::Var(name.to_owned()));
            rest = &open[end + 1..];
        } else {
            lit.push('$');
            rest = &after[1..];
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(match parts.as_slice() {
        [Part::Var(name)] => Template::Var(name.clone()),
        [Part::Lit(l)] => Template::Literal(Value::String(l.clone())),
        _ => Template::Text(parts),
    })
}

fn parse_generator(name: &str, args: &Value) -> Result<Generator, TemplateError> {
    let field = |obj: &Map<String, Value>, key: &str| -> Result<Option<Template>, TemplateError> {
        obj.get(key).map(Template::parse).transpose()
    };
    match name {
        "$str" => {
            let obj = args.as_object().ok_or(TemplateError::BadGenerator(
                "$str",
                "`bytes` (and optional `fill`)",
            ))?;
            Ok(Generator::Str {
                bytes: field(obj, "bytes")?
                    .ok_or(TemplateError::BadGenerator("$str", "`bytes`"))?,
                fill: field(obj, "fill")?.unwrap_or(Template::Literal(Value::from("a"))),
            })
        }
        "$list" => {
            let obj = args
                .as_object()
                .ok_or(TemplateError::BadGenerator("$list", "`count` and `item`"))?;
            Ok(Generator::List {
                count: field(obj, "count")?
                    .ok_or(TemplateError::BadGenerator("$list", "`count`"))?,
                item: field(obj, "item")?.ok_or(TemplateError::BadGenerator("$list", "`item`"))?,
            })
        }
        "$chunks" => {
            let obj = args.as_object().ok_or(TemplateError::BadGenerator(
                "$chunks",
                "`total`, `max` and `item`",
            ))?;
            Ok(Generator::Chunks {
                total: field(obj, "total")?
                    .ok_or(TemplateError::BadGenerator("$chunks", "`total`"))?,
                max: field(obj, "max")?.ok_or(TemplateError::BadGenerator("$chunks", "`max`"))?,
                fill: field(obj, "fill")?.unwrap_or(Template::Literal(Value::from("a"))),
                item: field(obj, "item")?
                    .ok_or(TemplateError::BadGenerator("$chunks", "`item`"))?,
            })
        }
        other => Err(TemplateError::UnknownGenerator(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(name: &str) -> Option<Value> {
        match name {
            "n" => Some(json!(5)),
            "g.GroupId" => Some(json!("@TGS#x")),
            _ => None,
        }
    }

    #[test]
    fn whole_string_variable_keeps_its_type() {
        let t =
            Template::parse(&json!({"a": "${n}", "b": "id=${g.GroupId}!", "c": "$${n}"})).unwrap();
        assert_eq!(
            t.render(&vars).unwrap(),
            json!({"a": 5, "b": "id=@TGS#x!", "c": "${n}"})
        );
        assert_eq!(t.variables(), vec!["n", "g.GroupId"]);
    }

    #[test]
    fn keys_may_hold_variables() {
        let t = Template::parse(&json!({"${n}": "five", "k${n}": "${n}", "plain": 1})).unwrap();
        assert_eq!(
            t.render(&vars).unwrap(),
            json!({"5": "five", "k5": 5, "plain": 1})
        );
        assert_eq!(t.variables(), vec!["n"]);
        let missing = Template::parse(&json!({"${nope}": 1})).unwrap();
        assert_eq!(
            missing.render(&vars),
            Err(TemplateError::Undefined("nope".into()))
        );
    }

    #[test]
    fn generators_make_exact_sizes() {
        let t = Template::parse(&json!({"$str": {"bytes": 7, "fill": "中"}})).unwrap();
        let s = t.render(&vars).unwrap();
        assert_eq!(s.as_str().unwrap().len(), 7);
        assert_eq!(s, json!("中中a"));
        let t = Template::parse(&json!({"$list": {"count": "${n}", "item": {"key": "k${i}"}}}))
            .unwrap();
        assert_eq!(t.render(&vars).unwrap().as_array().unwrap().len(), 5);
        assert_eq!(t.variables(), vec!["n"]);
        let t =
            Template::parse(&json!({"$chunks": {"total": 9, "max": 4, "item": {"v": "${chunk}"}}}))
                .unwrap();
        assert_eq!(
            t.render(&vars).unwrap(),
            json!([{"v": "aaaa"}, {"v": "aaaa"}, {"v": "a"}])
        );
        let multi = json!({"$chunks": {"total": 9, "max": 4, "fill": "中", "item": "${chunk}"}});
        let multi = Template::parse(&multi).unwrap();
        assert_eq!(multi.render(&vars).unwrap(), json!(["中a", "中a", "a"]));
    }

    #[test]
    fn undefined_and_malformed_variables_are_errors() {
        assert_eq!(
            Template::parse(&json!("${nope}")).unwrap().render(&vars),
            Err(TemplateError::Undefined("nope".into()))
        );
        assert!(matches!(
            Template::parse(&json!("${open")),
            Err(TemplateError::Unclosed(_))
        ));
        assert!(matches!(
            Template::parse(&json!({"$bogus": 1})),
            Err(TemplateError::UnknownGenerator(_))
        ));
        let huge = Template::parse(&json!({"$str": {"bytes": 1u64 << 40}})).unwrap();
        assert!(matches!(
            huge.render(&vars),
            Err(TemplateError::TooLarge(_))
        ));
    }
}
