//! The e-mails of case work: their values; their words are in `mails/`.

use serde::Serialize;

use crate::mail::Email;
use crate::requests::follow::Followed;
use crate::requests::mails::FOLLOW_PARTS;

/// To the requester: a message the mairie wrote on the request's page.
#[derive(Serialize)]
pub struct Message<'a> {
    pub site: &'a str,
    pub number: i64,
    pub message: &'a str,
    pub followed: &'a Followed,
}

impl Email for Message<'_> {
    const NAME: &'static str = "casework/mails/message.hbs";
    const TEMPLATE: &'static str = include_str!("mails/message.hbs");
    const PARTS: &'static [(&'static str, &'static str)] = FOLLOW_PARTS;
}

/// A request that turned urgent or late, as an alert lists it.
#[derive(Debug, Serialize)]
pub struct AlertLine {
    pub number: i64,
    pub teleservice: String,
    /// The subject of the request, or its requester.
    pub who: String,
    pub quality: &'static str,
    pub link: String,
}

/// To an agent: the requests of their categories that turned urgent or
/// late, one line each (`lines`), or counted.
#[derive(Serialize)]
pub struct Alerts<'a> {
    pub site: &'a str,
    pub lines: Vec<&'a AlertLine>,
    pub late: String,
    pub urgent: String,
    pub base_url: &'a str,
}

impl Email for Alerts<'_> {
    const NAME: &'static str = "casework/mails/alerts.hbs";
    const TEMPLATE: &'static str = include_str!("mails/alerts.hbs");
}

/// To a person whose account the counter opened: choose a password.
#[derive(Serialize)]
pub struct CounterAccount<'a> {
    pub site: &'a str,
    pub link: String,
    pub days: i64,
}

impl Email for CounterAccount<'_> {
    const NAME: &'static str = "casework/mails/counter_account.hbs";
    const TEMPLATE: &'static str = include_str!("mails/counter_account.hbs");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::template::check;

    #[test]
    fn case_work_emails_say_what_and_where() {
        let followed = Followed {
            url: "https://arles.example/suivi/s3cr3t".into(),
            secret: true,
            days: 30,
        };
        let message = check(&Message {
            site: "Arles",
            number: 42,
            message: "Merci d’apporter l’original.",
            followed: &followed,
        });
        assert_eq!(
            message.subject,
            "Arles : un message sur votre demande n° 42"
        );
        assert!(message.body.contains(":\n\nMerci d’apporter l’original.\n\nVous lui répondez depuis la page de la demande.\nPour suivre votre demande, ouvrez ce lien (il fonctionne une fois, pendant 30 jours ; le dernier reçu seulement) : https://arles.example/suivi/s3cr3t\n"));
        let line = AlertLine {
            number: 42,
            teleservice: "Inscription scolaire".into(),
            who: "Léa Martin".into(),
            quality: "en retard",
            link: "https://arles.example/backoffice/demandes/7".into(),
        };
        let mut alerts = Alerts {
            site: "Arles",
            lines: vec![&line],
            late: "1 demande en retard".into(),
            urgent: "0 demande urgente".into(),
            base_url: "https://arles.example",
        };
        let detailed = check(&alerts);
        assert_eq!(detailed.subject, "Arles : demandes urgentes et en retard");
        assert_eq!(detailed.body, "Bonjour,\n\nCes demandes deviennent urgentes ou en retard :\n\nn° 42 — Inscription scolaire — Léa Martin — en retard : https://arles.example/backoffice/demandes/7\n");
        alerts.lines.clear();
        assert_eq!(check(&alerts).body, "Bonjour,\n\n1 demande en retard et 0 demande urgente de plus dans vos catégories.\n\nEn retard : https://arles.example/backoffice/demandes?qualite=late\nUrgentes : https://arles.example/backoffice/demandes?qualite=urgent\n");
        let welcome = check(&CounterAccount {
            site: "Arles",
            link: "https://arles.example/mot-de-passe/s3cr3t".into(),
            days: 14,
        });
        assert!(welcome.body.contains("\n\nhttps://arles.example/mot-de-passe/s3cr3t\n\nLe lien fonctionne une fois, pendant 14 jours."));
    }
}
