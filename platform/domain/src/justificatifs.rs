//! Justificatifs: the document types a collectivité may ask for, how long
//! each stays valid, and the states a document goes through.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// How long a document of a type stays valid after it is deposited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Years(u32),
    Months(u32),
    /// Until 31 December of the deposit year (a tax notice).
    EndOfYear,
    /// Until 30 June of the school year (next year's if deposited after June).
    EndOfSchoolYear,
    Unlimited,
}

impl Validity {
    /// The last day of validity of a document deposited on `deposit`.
    pub fn until(self, deposit: NaiveDate) -> Option<NaiveDate> {
        match self {
            Validity::Years(n) => deposit.checked_add_months(Months::new(12 * n)),
            Validity::Months(n) => deposit.checked_add_months(Months::new(n)),
            Validity::EndOfYear => NaiveDate::from_ymd_opt(deposit.year(), 12, 31),
            Validity::EndOfSchoolYear => {
                let year = if deposit.month() > 6 {
                    deposit.year() + 1
                } else {
                    deposit.year()
                };
                NaiveDate::from_ymd_opt(year, 6, 30)
            }
            Validity::Unlimited => None,
        }
    }
}

pub struct DocumentType {
    pub code: &'static str,
    pub label: &'static str,
    pub validity: Validity,
    /// Used once (a medical certificate), not reused across requests.
    pub single_use: bool,
}

const fn t(code: &'static str, label: &'static str, validity: Validity) -> DocumentType {
    DocumentType {
        code,
        label,
        validity,
        single_use: false,
    }
}

use Validity::*;

/// The document types, by CapDémat's codes, each valid as long as French
/// administrations usually accept it, counted from its deposit (an agent
/// who checks it sets the real date): papers that prove a current situation
/// (an address, a CAF quotient, pay) for three months, a photo for six, what
/// covers a school year until its end, what never changes without limit.
pub const DOCUMENT_TYPES: &[DocumentType] = &[
    t("identity-receipt", "Pièce d’identité", Unlimited),
    t("domicile-receipt", "Justificatif de domicile", Months(3)),
    t("family-notebook", "Livret de famille", Unlimited),
    t("birth-certificate", "Acte de naissance", Months(3)),
    t(
        "health-notebook",
        "Carnet de santé (pages des vaccinations)",
        EndOfSchoolYear,
    ),
    t("insurance-certificate", "Attestation d’assurance", Years(1)),
    t("school-insurance", "Assurance scolaire", EndOfSchoolYear),
    t("taxes-notification", "Avis d’imposition", Years(1)),
    t(
        "revenue-taxes-notification",
        "Avis d’impôt sur les revenus",
        Years(1),
    ),
    t(
        "family-help-certificate",
        "Attestation de la CAF",
        Months(3),
    ),
    t("payroll", "Bulletin de salaire", Months(3)),
    t(
        "vital-card-certificate",
        "Attestation de carte Vitale",
        Years(1),
    ),
    t(
        "school-certificate",
        "Certificat de scolarité",
        EndOfSchoolYear,
    ),
    t(
        "vacating-certificate",
        "Certificat de radiation",
        EndOfSchoolYear,
    ),
    DocumentType {
        code: "medical-certificate",
        label: "Certificat médical",
        validity: EndOfSchoolYear,
        single_use: true,
    },
    t(
        "medical-form",
        "Fiche sanitaire de liaison",
        EndOfSchoolYear,
    ),
    t(
        "tutor-appointment",
        "Jugement ou acte d’autorité parentale",
        Unlimited,
    ),
    t(
        "exspouse-permission",
        "Autorisation de l’autre parent",
        Years(1),
    ),
    t("bank-identity-receipt", "RIB", Unlimited),
    t("identity-photo", "Photo d’identité", Months(6)),
    t(
        "handicap-card",
        "Carte d’invalidité ou d’inclusion",
        Unlimited,
    ),
    t("location-receipt", "Quittance de loyer", Months(3)),
    t("swimming-certificate", "Attestation de natation", Unlimited),
    t("specific-receipt", "Justificatif spécifique", Years(1)),
];

pub fn find(code: &str) -> Option<&'static DocumentType> {
    DOCUMENT_TYPES.iter().find(|d| d.code == code)
}

/// A document's state (`DocumentState`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum DocumentState {
    Draft,
    Pending,
    Validated,
    Checked,
    Refused,
    Outdated,
}

impl DocumentState {
    pub const ALL: [DocumentState; 6] = [
        DocumentState::Draft,
        DocumentState::Pending,
        DocumentState::Validated,
        DocumentState::Checked,
        DocumentState::Refused,
        DocumentState::Outdated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocumentState::Draft => "Draft",
            DocumentState::Pending => "Pending",
            DocumentState::Validated => "Validated",
            DocumentState::Checked => "Checked",
            DocumentState::Refused => "Refused",
            DocumentState::Outdated => "Outdated",
        }
    }

    pub fn parse(code: &str) -> Option<DocumentState> {
        DocumentState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// As the household reads it.
    pub fn label(self) -> &'static str {
        match self {
            DocumentState::Draft => "brouillon",
            DocumentState::Pending => "en attente de vérification",
            DocumentState::Validated => "validé",
            DocumentState::Checked => "vérifié",
            DocumentState::Refused => "refusé",
            DocumentState::Outdated => "périmé",
        }
    }

    pub fn may_become(self, to: DocumentState) -> bool {
        use DocumentState::*;
        matches!(
            (self, to),
            (Draft, Pending)
                | (Pending, Validated | Checked | Refused | Outdated)
                | (Validated, Outdated)
                | (Checked, Validated | Refused | Outdated)
                | (Refused | Outdated, Pending)
        )
    }

    /// Whether a request may reuse a document in this state.
    pub fn reusable(self) -> bool {
        matches!(
            self,
            DocumentState::Pending | DocumentState::Validated | DocumentState::Checked
        )
    }
}

/// The kinds of file a page may be, found from the file's first bytes.
pub const PAGE_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/png"];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn papers_of_a_current_situation_hold_three_months() {
        let on = d(2026, 12, 7);
        for code in [
            "domicile-receipt",
            "family-help-certificate",
            "payroll",
            "location-receipt",
        ] {
            assert_eq!(
                find(code).unwrap().validity.until(on),
                Some(d(2027, 3, 7)),
                "{code}"
            );
        }
        assert_eq!(
            find("identity-photo").unwrap().validity.until(on),
            Some(d(2027, 6, 7))
        );
        assert_eq!(find("identity-receipt").unwrap().validity.until(on), None);
    }

    #[test]
    fn validity_periods() {
        assert_eq!(Years(3).until(d(2026, 2, 28)), Some(d(2029, 2, 28)));
        assert_eq!(Months(2).until(d(2026, 12, 31)), Some(d(2027, 2, 28)));
        assert_eq!(EndOfYear.until(d(2026, 3, 1)), Some(d(2026, 12, 31)));
        assert_eq!(EndOfSchoolYear.until(d(2026, 6, 30)), Some(d(2026, 6, 30)));
        assert_eq!(EndOfSchoolYear.until(d(2026, 7, 1)), Some(d(2027, 6, 30)));
        assert_eq!(Unlimited.until(d(2026, 1, 1)), None);
    }

    #[test]
    fn lifecycle() {
        use DocumentState::*;
        assert!(Pending.may_become(Refused) && Refused.may_become(Pending));
        assert!(!Validated.may_become(Refused) && !Outdated.may_become(Validated));
        assert!(Checked.reusable() && !Refused.reusable() && !Outdated.reusable());
        let mut codes: Vec<_> = DOCUMENT_TYPES.iter().map(|t| t.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), DOCUMENT_TYPES.len());
    }
}
