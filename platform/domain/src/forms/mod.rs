//! Request types as data. Each shipped form is a TOML file under
//! `platform/domain/forms/`, named `{code}.v{version}.toml`; every version
//! ever published stays there, so that a request filed with it can be read
//! and checked again. `forms/published.txt` holds each version's SHA-256: a
//! test refuses a published version that changed (make a new version).

mod definition;
mod import;
mod lint;
mod revision;
mod scenario;
mod summary;
mod validate;

use std::sync::LazyLock;

pub use definition::*;
pub use import::IMPORT_MAX_BYTES;
pub use revision::{carry, Move, Moved};
pub use scenario::{scenario_context, scenario_day, Outcome, Scenario, Scenarios, Typed};
pub use summary::{summarize, text_of, Answer, StepSummary};
pub use validate::{
    parse_date, to_input, validate_data, validate_step, Context, FieldError, Input,
};

macro_rules! shipped {
    ($($file:literal),* $(,)?) => {
        /// The shipped forms' files: name and text.
        pub const SHIPPED_FILES: &[(&str, &str)] = &[
            $(($file, include_str!(concat!("../../forms/", $file)))),*
        ];
    };
}

shipped!(
    "school-registration.v1.toml",
    "school-registration.v2.toml",
    "school-canteen-registration.v1.toml",
    "school-canteen-registration.v2.toml",
    "perischool-activity-registration.v1.toml",
    "leisure-center-registration.v1.toml",
    "holiday-camp-registration.v1.toml",
    "school-transport-registration.v1.toml",
    "birth-details.v1.toml",
    "marriage-details.v1.toml",
    "death-details.v1.toml",
    "electoral-roll-registration.v1.toml",
    "bulky-waste-collection.v1.toml",
    "technical-intervention.v1.toml",
    "holiday-security.v1.toml",
    "military-census.v1.toml",
);

macro_rules! scenarios {
    ($($file:literal),* $(,)?) => {
        /// The shipped forms' scenarios: one file per code, name and text.
        pub const SCENARIO_FILES: &[(&str, &str)] = &[
            $(($file, include_str!(concat!("../../forms/scenarios/", $file)))),*
        ];
    };
}

scenarios!(
    "birth-details.toml",
    "bulky-waste-collection.toml",
    "death-details.toml",
    "electoral-roll-registration.toml",
    "holiday-camp-registration.toml",
    "holiday-security.toml",
    "leisure-center-registration.toml",
    "marriage-details.toml",
    "military-census.toml",
    "perischool-activity-registration.toml",
    "school-canteen-registration.toml",
    "school-registration.toml",
    "school-transport-registration.toml",
    "technical-intervention.toml",
);

/// The digests of the published versions (`{file} {sha256}` per line).
pub const PUBLISHED: &str = include_str!("../../forms/published.txt");

static SHIPPED: LazyLock<Vec<FormDefinition>> = LazyLock::new(|| {
    SHIPPED_FILES
        .iter()
        .map(|(name, text)| {
            toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e} (checked by the tests)"))
        })
        .collect()
});

/// The scenarios shipped with form `code` (none for an unknown code).
pub fn shipped_scenarios(code: &str) -> Vec<Scenario> {
    SCENARIO_FILES
        .iter()
        .find(|(file, _)| file.strip_suffix(".toml") == Some(code))
        .and_then(|(_, text)| toml::from_str::<Scenarios>(text).ok())
        .map(|s| s.scenario)
        .unwrap_or_default()
}

/// Every shipped version of every form.
pub fn shipped() -> &'static [FormDefinition] {
    &SHIPPED
}

/// One version of a form.
pub fn find(code: &str, version: u32) -> Option<&'static FormDefinition> {
    SHIPPED
        .iter()
        .find(|d| d.code == code && d.version == version)
}

/// The version new requests of `code` are filed with.
pub fn latest(code: &str) -> Option<&'static FormDefinition> {
    SHIPPED
        .iter()
        .filter(|d| d.code == code)
        .max_by_key(|d| d.version)
}

#[cfg(test)]
mod studio_tests;
#[cfg(test)]
mod tests;
