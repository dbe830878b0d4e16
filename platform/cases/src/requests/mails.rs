//! The e-mails of requests: their values; their words are in `mails/`.
//! Every e-mail to a requester names where they follow the request: the
//! parts `follow` (the sentence with the link, on a line of its own) and
//! `space` (where to answer, within a sentence).

use serde::Serialize;

use super::follow::Followed;
use crate::mail::Email;

/// The wordings shared by every e-mail that carries a [`Followed`].
pub const FOLLOW_PARTS: &[(&str, &str)] = &[
    ("follow", include_str!("mails/follow.hbs")),
    ("space", include_str!("mails/space.hbs")),
];

/// To the requester: the request arrived (first, completed or modified).
#[derive(Serialize)]
pub struct Receipt<'a> {
    pub site: &'a str,
    pub number: i64,
    pub teleservice: &'a str,
    pub submitted_at: &'a str,
    pub completed: bool,
    pub modified: bool,
    /// The filing fee to pay, formatted.
    pub fee: Option<String>,
    pub base_url: &'a str,
    pub followed: &'a Followed,
}

impl Email for Receipt<'_> {
    const NAME: &'static str = "requests/mails/receipt.hbs";
    const TEMPLATE: &'static str = include_str!("mails/receipt.hbs");
    const PARTS: &'static [(&'static str, &'static str)] = FOLLOW_PARTS;
}

/// To the agents of the category: a new request.
#[derive(Serialize)]
pub struct NewRequest<'a> {
    pub site: &'a str,
    pub number: i64,
    pub teleservice: &'a str,
    pub link: String,
}

impl Email for NewRequest<'_> {
    const NAME: &'static str = "requests/mails/new_request.hbs";
    const TEMPLATE: &'static str = include_str!("mails/new_request.hbs");
}

/// To the agents: the foyer modified or completed its request.
#[derive(Serialize)]
pub struct ChangedByFoyer<'a> {
    pub site: &'a str,
    pub number: i64,
    pub completed: bool,
    pub teleservice: &'a str,
    pub note: &'a str,
    pub link: String,
}

impl Email for ChangedByFoyer<'_> {
    const NAME: &'static str = "requests/mails/changed_by_foyer.hbs";
    const TEMPLATE: &'static str = include_str!("mails/changed_by_foyer.hbs");
}

/// To whoever saved a draft without an account: the link to resume it.
#[derive(Serialize)]
pub struct ResumeLink<'a> {
    pub site: &'a str,
    pub teleservice: &'a str,
    pub link: String,
    pub days: i64,
}

impl Email for ResumeLink<'_> {
    const NAME: &'static str = "requests/mails/resume_link.hbs";
    const TEMPLATE: &'static str = include_str!("mails/resume_link.hbs");
}

/// To the owner of a draft soon deleted.
#[derive(Serialize)]
pub struct DraftExpiring<'a> {
    pub site: &'a str,
    pub teleservice: &'a str,
    pub started: String,
    pub on: &'a str,
    pub link: String,
}

impl Email for DraftExpiring<'_> {
    const NAME: &'static str = "requests/mails/draft_expiring.hbs";
    const TEMPLATE: &'static str = include_str!("mails/draft_expiring.hbs");
}

/// To the requester: their request changed state.
#[derive(Serialize)]
pub struct StateChanged<'a> {
    pub site: &'a str,
    pub number: i64,
    /// The state's code (`Validated`…), and its label for the subject.
    pub state: &'static str,
    pub state_label: String,
    /// The mairie's message, if any.
    pub reason: &'a str,
    /// Where the certificate is, once the request is done.
    pub attestation: Option<String>,
    pub followed: &'a Followed,
}

impl Email for StateChanged<'_> {
    const NAME: &'static str = "requests/mails/state_changed.hbs";
    const TEMPLATE: &'static str = include_str!("mails/state_changed.hbs");
    const PARTS: &'static [(&'static str, &'static str)] = FOLLOW_PARTS;
}

/// To the requester who asks again for the link of a request.
#[derive(Serialize)]
pub struct FollowAgain<'a> {
    pub site: &'a str,
    pub number: i64,
    pub followed: &'a Followed,
}

impl Email for FollowAgain<'_> {
    const NAME: &'static str = "requests/mails/follow_again.hbs";
    const TEMPLATE: &'static str = include_str!("mails/follow_again.hbs");
    const PARTS: &'static [(&'static str, &'static str)] = FOLLOW_PARTS;
}

/// A request filed without an account, with its follow-up link.
#[derive(Serialize)]
pub struct Filed<'a> {
    pub number: i64,
    pub url: &'a str,
}

/// To someone without an account who asked for a new password: the links
/// of the requests they filed.
#[derive(Serialize)]
pub struct WithoutAccount<'a> {
    pub site: &'a str,
    pub days: i64,
    pub requests: Vec<Filed<'a>>,
}

impl Email for WithoutAccount<'_> {
    const NAME: &'static str = "requests/mails/without_account.hbs";
    const TEMPLATE: &'static str = include_str!("mails/without_account.hbs");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::template::check;

    fn followed(secret: bool) -> Followed {
        Followed {
            url: if secret {
                "https://arles.example/suivi/s3cr3t".into()
            } else {
                "https://arles.example/mes-demandes/7".into()
            },
            secret,
            days: super::super::follow::FOLLOW_DAYS,
        }
    }

    #[test]
    fn the_receipt_says_where_to_follow_and_what_to_pay() {
        let f = followed(false);
        let mut email = Receipt {
            site: "Arles",
            number: 42,
            teleservice: "Inscription scolaire",
            submitted_at: "7 décembre 2026 à 14 h 05",
            completed: false,
            modified: false,
            fee: None,
            base_url: "https://arles.example",
            followed: &f,
        };
        let written = check(&email);
        assert_eq!(
            written.subject,
            "Arles : votre demande n° 42 est bien arrivée"
        );
        assert_eq!(
            written.body,
            "Bonjour,\n\nVotre demande « Inscription scolaire » n° 42 a bien été reçue le 7 décembre 2026 à 14 h 05.\n\nVous pouvez la suivre dans « Mes demandes » : https://arles.example/mes-demandes/7\nLe reçu est joint à ce message.\n\nCe message est envoyé automatiquement ; pour toute question, écrivez à la mairie depuis votre espace.\n"
        );
        let f = followed(true);
        email.followed = &f;
        email.completed = true;
        email.fee = Some("5,00 €".into());
        let written = check(&email);
        assert_eq!(
            written.subject,
            "Arles : votre demande n° 42 complétée est renvoyée à la mairie"
        );
        assert!(written.body.contains("n° 42, complétée, a bien été reçue"));
        assert!(written.body.contains("pendant 30 jours ; le dernier reçu seulement) : https://arles.example/suivi/s3cr3t\nDes frais de dossier de 5,00 € sont à payer dans « Mes paiements » : https://arles.example/paiements\nLe reçu est joint"));
        assert!(written.body.ends_with("depuis le lien de suivi.\n"));
    }

    #[test]
    fn a_change_of_state_says_what_happens_next() {
        let f = followed(false);
        let email = StateChanged {
            site: "Arles",
            number: 42,
            state: "Uncomplete",
            state_label: "incomplète".into(),
            reason: "Il manque le justificatif de domicile.",
            attestation: None,
            followed: &f,
        };
        let written = check(&email);
        assert_eq!(written.subject, "Arles : votre demande n° 42 incomplète");
        assert_eq!(
            written.body,
            "Bonjour,\n\nVotre demande n° 42 est incomplète : il manque des informations ou des documents.\n\nMessage de la mairie : Il manque le justificatif de domicile.\n\nComplétez-la puis renvoyez-la depuis votre espace.\n\nVous pouvez la suivre dans « Mes demandes » : https://arles.example/mes-demandes/7\n"
        );
        let done = StateChanged {
            state: "Validated",
            state_label: "acceptée".into(),
            reason: "",
            attestation: Some("https://arles.example/mes-demandes/7/attestation.pdf".into()),
            ..email
        };
        assert_eq!(
            check(&done).body,
            "Bonjour,\n\nVotre demande n° 42 est acceptée.\n\nSon attestation (PDF) est dans votre espace : https://arles.example/mes-demandes/7/attestation.pdf\n\nVous pouvez la suivre dans « Mes demandes » : https://arles.example/mes-demandes/7\n"
        );
    }

    #[test]
    fn the_agents_and_draft_emails_carry_their_links() {
        let new = check(&NewRequest {
            site: "Arles",
            number: 42,
            teleservice: "Inscription scolaire",
            link: "https://arles.example/backoffice/demandes/7".into(),
        });
        assert_eq!(new.subject, "Arles : nouvelle demande n° 42");
        assert!(new
            .body
            .ends_with("Pour la traiter : https://arles.example/backoffice/demandes/7\n"));
        let changed = check(&ChangedByFoyer {
            site: "Arles",
            number: 42,
            completed: true,
            teleservice: "Inscription scolaire",
            note: "Adresse : 1 rue Haute",
            link: "https://arles.example/backoffice/demandes/7".into(),
        });
        assert_eq!(
            changed.subject,
            "Arles : demande n° 42 complétée par le foyer"
        );
        assert!(changed.body.contains("Le foyer a complété sa demande « Inscription scolaire » n° 42 :\n\nAdresse : 1 rue Haute\n\nSes données"));
        let resume = check(&ResumeLink {
            site: "Arles",
            teleservice: "Inscription scolaire",
            link: "https://arles.example/reprendre/s3cr3t".into(),
            days: 30,
        });
        assert!(resume.body.contains("ouvrez ce lien :\n\nhttps://arles.example/reprendre/s3cr3t\n\nSeul le dernier lien reçu fonctionne, pendant 30 jours"));
        let expiring = check(&DraftExpiring {
            site: "Arles",
            teleservice: "Inscription scolaire",
            started: "1er décembre 2026".into(),
            on: "31 décembre 2026",
            link: "https://arles.example/mes-demandes/7".into(),
        });
        assert_eq!(
            expiring.subject,
            "Arles : votre brouillon sera supprimé le 31 décembre 2026"
        );
        assert!(expiring
            .body
            .contains("commencée le 1er décembre 2026 n’a pas été envoyée"));
        let f = followed(true);
        let again = check(&FollowAgain {
            site: "Arles",
            number: 42,
            followed: &f,
        });
        assert_eq!(again.subject, "Arles : suivre votre demande n° 42");
        assert!(again.body.contains("n° 42.\n\nPour suivre votre demande, ouvrez ce lien (il fonctionne une fois, pendant 30 jours ; le dernier reçu seulement) : https://arles.example/suivi/s3cr3t\n\nSi vous"));
        let without = check(&WithoutAccount {
            site: "Arles",
            days: 30,
            requests: vec![
                Filed {
                    number: 42,
                    url: "https://arles.example/suivi/a",
                },
                Filed {
                    number: 43,
                    url: "https://arles.example/suivi/b",
                },
            ],
        });
        assert!(without.body.contains("pendant 30 jours) :\n\n- demande n° 42 : https://arles.example/suivi/a\n- demande n° 43 : https://arles.example/suivi/b\n\nDepuis la page"));
    }
}
