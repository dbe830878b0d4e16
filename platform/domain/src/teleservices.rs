//! The téléservices every new collectivité starts with: CapDémat's request
//! types, by code, with their French labels. Each collectivité then groups
//! them into its own categories; those with a shipped form (`crate::forms`)
//! can be filed online.

pub const TELESERVICES: &[(&str, &str)] = &[
    ("birth-details", "Demande d’acte de naissance"),
    ("marriage-details", "Demande d’acte de mariage"),
    ("death-details", "Demande d’acte de décès"),
    (
        "electoral-roll-registration",
        "Inscription sur les listes électorales",
    ),
    (
        "standard-electoral-roll-registration",
        "Inscription électorale (formulaire Cerfa)",
    ),
    ("home-folder-modification", "Modification du compte foyer"),
    ("vo-card", "Création du compte foyer"),
    ("school-registration", "Inscription scolaire"),
    (
        "school-canteen-registration",
        "Inscription à la restauration scolaire",
    ),
    (
        "perischool-activity-registration",
        "Inscription aux activités périscolaires",
    ),
    (
        "recreation-activity-registration",
        "Inscription aux activités de loisirs",
    ),
    (
        "leisure-center-registration",
        "Inscription au centre de loisirs",
    ),
    ("day-care-center-registration", "Inscription en crèche"),
    (
        "holiday-camp-registration",
        "Inscription en séjour de vacances",
    ),
    (
        "school-transport-registration",
        "Inscription au transport scolaire",
    ),
    ("study-grant", "Demande de bourse d’études"),
    (
        "global-school-registration",
        "Inscription scolaire et périscolaire",
    ),
    (
        "learning-activities-discovery-registration",
        "Inscription aux ateliers de découverte",
    ),
    (
        "home-emergency-registration",
        "Inscription au registre des personnes vulnérables",
    ),
    (
        "renewal-perischool-activities",
        "Renouvellement des activités périscolaires",
    ),
    ("domestic-help", "Demande d’aide à domicile"),
    (
        "handicap-compensation-adult",
        "Prestation de compensation du handicap (adulte)",
    ),
    (
        "handicap-compensation-child",
        "Prestation de compensation du handicap (enfant)",
    ),
    ("remote-support", "Téléassistance"),
    ("bafa-grant", "Aide au BAFA"),
    (
        "sports-associations-grant",
        "Subvention aux associations sportives",
    ),
    ("sewer-connection", "Raccordement à l’égout"),
    ("alignment-certificate", "Certificat d’alignement"),
    (
        "alignment-numbering-connection",
        "Alignement, numérotage et raccordement",
    ),
    ("technical-intervention", "Demande d’intervention technique"),
    ("bulky-waste-collection", "Collecte des encombrants"),
    ("compostable-waste-collection", "Collecte des déchets verts"),
    ("holiday-security", "Opération tranquillité vacances"),
    ("military-census", "Recensement citoyen"),
    ("ticket-booking", "Billetterie"),
    ("sms-notification", "Alertes par SMS"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_and_url_safe() {
        let mut codes: Vec<&str> = super::TELESERVICES.iter().map(|(c, _)| *c).collect();
        assert!(codes
            .iter()
            .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), super::TELESERVICES.len());
    }
}
