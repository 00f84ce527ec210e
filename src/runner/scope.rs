//! The variables a step can read, and which of their values belong to this run (so snapshots
//! can replace them by name).

use std::collections::HashMap;

use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct Scope {
    values: HashMap<String, Value>,
    /// (value, name) of run-specific strings: fixture names, captured IDs.
    run_values: Vec<(String, String)>,
}

impl Scope {
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.values.insert(name.into(), value);
    }

    /// Sets a variable whose value is specific to this run.
    pub fn set_volatile(&mut self, name: impl Into<String>, value: Value) {
        let name = name.into();
        if let Value::String(s) = &value
            && s.len() >= 3
            && !self.run_values.iter().any(|(v, _)| v == s)
        {
            self.run_values.push((s.clone(), name.clone()));
            // Longer values first, so a value containing another is replaced whole.
            self.run_values
                .sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        }
        self.values.insert(name, value);
    }

    /// Every variable, for recording a fixture in the ledger.
    pub fn values(&self) -> &HashMap<String, Value> {
        &self.values
    }

    pub fn from_values(values: HashMap<String, Value>) -> Scope {
        Scope {
            values,
            run_values: Vec::new(),
        }
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.values.get(name).cloned()
    }

    pub fn run_values(&self) -> &[(String, String)] {
        &self.run_values
    }

    pub fn lookup(&self) -> impl Fn(&str) -> Option<Value> + '_ {
        move |name| self.get(name)
    }
}
