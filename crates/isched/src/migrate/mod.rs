//! Moving from AWS Instance Scheduler: its configuration table's items (read from the
//! table, from a file the table was exported to, or from CloudFormation schedule resources)
//! into isched's definitions, and isched's definitions back into such items.

pub mod attributes;
pub mod cfn;
pub mod upstream;

/// Something an import did not carry over as it was, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// `schedule "office"`, `period "weekdays"`, `item 3`.
    pub what: String,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.message)
    }
}
