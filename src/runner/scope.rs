//! The variables a step can read, and which of their values belong to this run (so snapshots
//! can replace them by name).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

/// A case or fixture holds a handful of variables, set and read on every step: they sit in a
/// list searched in order, which costs less than hashing each name, and the fixed names
/// (`run.id`, `self.name`, ...) are not copied.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    values: Vec<(Cow<'static, str>, Value)>,
    /// (value, name) of run-specific strings: fixture names, captured IDs.
    run_values: Vec<(String, String)>,
}

impl Scope {
    pub fn set(&mut self, name: impl Into<Cow<'static, str>>, value: Value) {
        let name = name.into();
        match self.values.iter_mut().find(|(n, _)| *n == name) {
            Some((_, slot)) => *slot = value,
            None => self.values.push((name, value)),
        }
    }

    /// Sets a variable whose value is specific to this run.
    pub fn set_volatile(&mut self, name: impl Into<Cow<'static, str>>, value: Value) {
        let name = name.into();
        if let Value::String(s) = &value
            && s.len() >= 3
            && !self.run_values.iter().any(|(v, _)| v == s)
        {
            self.run_values.push((s.clone(), name.clone().into_owned()));
            // Longer values first, so a value containing another is replaced whole.
            self.run_values
                .sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        }
        self.set(name, value);
    }

    /// Every variable, for recording a fixture in the ledger.
    pub fn values(&self) -> HashMap<String, Value> {
        self.values
            .iter()
            .map(|(n, v)| (n.clone().into_owned(), v.clone()))
            .collect()
    }

    pub fn from_values(values: HashMap<String, Value>) -> Scope {
        Scope {
            values: values.into_iter().map(|(n, v)| (n.into(), v)).collect(),
            run_values: Vec::new(),
        }
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    pub fn run_values(&self) -> &[(String, String)] {
        &self.run_values
    }

    pub fn lookup(&self) -> impl Fn(&str) -> Option<Value> + '_ {
        move |name| self.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_set_again_keeps_the_last_value() {
        let mut scope = Scope::default();
        scope.set("run.id", Value::from("a"));
        scope.set(String::from("g.GroupId"), Value::from("@TGS#1"));
        scope.set("run.id", Value::from("b"));
        assert_eq!(scope.get("run.id"), Some(Value::from("b")));
        assert_eq!(scope.get("g.GroupId"), Some(Value::from("@TGS#1")));
        assert_eq!(scope.get("missing"), None);
        assert_eq!(scope.values().len(), 2);
        let back = Scope::from_values(scope.values());
        assert_eq!(back.get("g.GroupId"), Some(Value::from("@TGS#1")));
    }

    #[test]
    fn run_values_are_named_longest_first() {
        let mut scope = Scope::default();
        scope.set_volatile("run.prefix", Value::from("imc1234"));
        scope.set_volatile("g.GroupId", Value::from("imc1234_0_g"));
        scope.set_volatile("n", Value::from(12));
        assert_eq!(
            scope.run_values(),
            [
                ("imc1234_0_g".to_owned(), "g.GroupId".to_owned()),
                ("imc1234".to_owned(), "run.prefix".to_owned())
            ]
        );
    }
}
