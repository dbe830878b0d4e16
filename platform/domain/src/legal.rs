//! The pages every public service online must have: its legal notice
//! (loi pour la confiance dans l'économie numérique, art. 6), what it does
//! with personal data (RGPD, art. 13) and its accessibility statement
//! (loi du 11 février 2005, art. 47; RGAA). Each collectivité has them from
//! the start, written from its settings; it may write its own text, in the
//! courriers' markup, with `## ` starting a section's title.

use crate::courriers::{Block, Body};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    LegalNotice,
    PersonalData,
    Accessibility,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::LegalNotice, Kind::PersonalData, Kind::Accessibility];

    /// Its address on the portal, and its key in the store.
    pub fn code(self) -> &'static str {
        match self {
            Kind::LegalNotice => "mentions-legales",
            Kind::PersonalData => "donnees-personnelles",
            Kind::Accessibility => "accessibilite",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::LegalNotice => "Mentions légales",
            Kind::PersonalData => "Données personnelles",
            Kind::Accessibility => "Accessibilité",
        }
    }
}

/// What the default texts are written from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub name: String,
    /// Its lines.
    pub postal_address: String,
    pub siret: Option<String>,
    pub contact_email: String,
    /// The portal's address (`https://demarches.arles.fr`).
    pub site: String,
    /// Who hosts the platform, as its operator said it (name, address,
    /// phone), if they did.
    pub hosting: Option<String>,
    /// Days an unsent draft is kept.
    pub draft_keep_days: i64,
    /// Days an account never confirmed is kept.
    pub unconfirmed_days: i64,
}

impl Facts {
    fn address_line(&self) -> String {
        self.postal_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn contact(&self) -> String {
        if self.contact_email.trim().is_empty() {
            format!("l’accueil de {}", self.name)
        } else {
            format!("{} ({})", self.contact_email.trim(), self.name)
        }
    }
}

/// The text a page says when the collectivité has not written its own.
pub fn default_text(kind: Kind, f: &Facts) -> String {
    let name = &f.name;
    let address = f.address_line();
    let contact = f.contact();
    match kind {
        Kind::LegalNotice => {
            let siret = f
                .siret
                .as_deref()
                .map(|s| format!("\n- SIRET : {s}"))
                .unwrap_or_default();
            let hosting = f.hosting.clone().unwrap_or_else(|| {
                format!("L’hébergeur n’est pas encore indiqué : {name} le précise en modifiant cette page.")
            });
            format!(
                "## Éditeur\n\n\
                 Le portail {site} est édité par {name}.\n\n\
                 - Adresse : {address}{siret}\n\
                 - Contact : {contact}\n\n\
                 ## Directeur de la publication\n\n\
                 Le représentant légal de {name} (le maire ou le président).\n\n\
                 ## Hébergement\n\n\
                 {hosting}\n\n\
                 ## Logiciel\n\n\
                 Le portail fonctionne avec Guichet, logiciel libre de démarches en ligne des collectivités.",
                site = f.site,
            )
        }
        Kind::PersonalData => format!(
            "## Responsable du traitement\n\n\
             {name}, {address}, traite les données que vous confiez à ce portail.\n\n\
             ## Pourquoi\n\n\
             - instruire les demandes que vous faites en ligne ou au guichet, et vous en tenir informé ;\n\
             - gérer votre compte et les informations de votre foyer ;\n\
             - encaisser les paiements de vos factures.\n\n\
             Ces traitements relèvent de l’exécution des missions de service public de {name} (article 6.1.e du RGPD) et, pour certaines démarches, d’une obligation légale (article 6.1.c).\n\n\
             ## Quelles données\n\n\
             Votre identité et vos coordonnées, celles des membres de votre foyer, vos réponses aux formulaires, les justificatifs que vous joignez, vos paiements. Ne sont demandées que les informations nécessaires à chaque démarche.\n\n\
             ## Qui les reçoit\n\n\
             - les agents de {name} habilités à traiter chaque démarche, selon leur service ;\n\
             - la Direction générale des finances publiques (PayFiP) pour un paiement en ligne ;\n\
             - FranceConnect, si vous l’utilisez pour vous connecter.\n\n\
             Elles ne sont ni vendues ni utilisées à des fins commerciales.\n\n\
             ## Combien de temps\n\n\
             - un compte jamais confirmé est supprimé après {unconfirmed} jours ;\n\
             - une demande commencée et jamais envoyée est supprimée après {drafts} jours ;\n\
             - une demande envoyée est conservée le temps de son instruction, puis selon les règles d’archivage des administrations.\n\n\
             ## Cookies\n\n\
             Le portail ne dépose que les cookies nécessaires à son fonctionnement (votre session, la sécurité de la connexion). Il ne mesure pas l’audience et ne contient aucun traceur publicitaire : aucun consentement ne vous est donc demandé.\n\n\
             ## Vos droits\n\n\
             Vous pouvez accéder à vos données, les faire rectifier ou effacer, en limiter le traitement ou vous y opposer (articles 15 à 21 du RGPD). Écrivez à {contact}, ou par courrier à {name}, {address}.\n\n\
             Si vous estimez, après nous avoir contactés, que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL (www.cnil.fr).",
            unconfirmed = f.unconfirmed_days,
            drafts = f.draft_keep_days,
        ),
        Kind::Accessibility => format!(
            "## Déclaration d’accessibilité\n\n\
             {name} s’engage à rendre ses services en ligne accessibles, conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration s’applique au portail {site}.\n\n\
             ## État de conformité\n\n\
             Le portail {site} n’est pas en conformité avec le référentiel général d’amélioration de l’accessibilité (RGAA 4.1.2) : il n’a pas encore été audité. Chacune de ses pages est vérifiée automatiquement (axe-core, critères WCAG 2.1 A et AA) et s’utilise au clavier seul, ce qu’un audit ne remplace pas.\n\n\
             ## Établissement de cette déclaration\n\n\
             - technologies utilisées : HTML, CSS (aucun script n’est nécessaire pour faire une démarche) ;\n\
             - vérifications : axe-core dans le navigateur Chromium, navigation au clavier, affichage sur un écran de 320 pixels de large.\n\n\
             ## Amélioration et contact\n\n\
             Si vous n’arrivez pas à accéder à un contenu ou à un service, écrivez à {contact} : nous vous orienterons vers une autre façon de faire votre démarche ou vous donnerons le contenu sous une autre forme.\n\n\
             ## Voies de recours\n\n\
             Si vous nous avez signalé un défaut d’accessibilité qui vous empêche d’accéder à un contenu ou à un service et n’avez pas obtenu de réponse satisfaisante, vous pouvez :\n\
             - écrire un message au Défenseur des droits (formulaire sur www.defenseurdesdroits.fr) ;\n\
             - contacter le délégué du Défenseur des droits dans votre région ;\n\
             - appeler le 09 69 39 00 00 ;\n\
             - envoyer un courrier, gratuitement, sans mettre de timbre, à : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.",
            site = f.site,
        ),
    }
}

/// A section of a page: its title, if the text gives one, and its blocks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    pub title: Option<String>,
    pub blocks: Vec<Block>,
}

/// The longest text accepted, in characters.
pub const MAX_TEXT: usize = 40_000;

/// Reads a page's text: sections at `## `, each in the courriers' markup,
/// without variables. The errors say what to change, every one at once.
pub fn parse(raw: &str) -> Result<Vec<Section>, Vec<String>> {
    let raw = raw.replace("\r\n", "\n");
    if raw.trim().is_empty() {
        return Err(vec!["écrivez le texte de la page".into()]);
    }
    if raw.chars().count() > MAX_TEXT {
        return Err(vec![format!(
            "le texte est trop long : {MAX_TEXT} caractères au plus"
        )]);
    }
    let mut chunks: Vec<(Option<String>, String)> = vec![(None, String::new())];
    for line in raw.lines() {
        match line.trim_start().strip_prefix("## ") {
            Some(title) => chunks.push((Some(title.trim().to_owned()), String::new())),
            None => {
                let body = &mut chunks.last_mut().expect("one chunk at least").1;
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    let mut errors = Vec::new();
    let mut sections = Vec::new();
    for (title, body) in chunks {
        if title.is_none() && body.trim().is_empty() {
            continue;
        }
        if title.as_deref().is_some_and(str::is_empty) {
            errors.push("un titre de partie est vide : écrivez-le après « ## »".into());
        }
        let blocks = if body.trim().is_empty() {
            Vec::new()
        } else {
            match Body::parse(&body, &[]) {
                Ok(b) if !b.variables().is_empty() => {
                    errors.push("les variables ({{…}}) servent aux courriers, pas à cette page : écrivez le texte lui-même".into());
                    Vec::new()
                }
                Ok(b) => b.resolve(&|_| String::new()),
                Err(e) => {
                    errors.extend(e);
                    Vec::new()
                }
            }
        };
        sections.push(Section { title, blocks });
    }
    if errors.is_empty() {
        Ok(sections)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arles() -> Facts {
        Facts {
            name: "Ville d’Arles".into(),
            postal_address: "Hôtel de ville\n13200 Arles".into(),
            siret: Some("21130004600019".into()),
            contact_email: "mairie@arles.example".into(),
            site: "https://demarches.arles.example".into(),
            hosting: None,
            draft_keep_days: 20,
            unconfirmed_days: 30,
        }
    }

    #[test]
    fn every_default_text_reads_and_says_the_collectivite() {
        for kind in Kind::ALL {
            let text = default_text(kind, &arles());
            let sections = parse(&text).unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
            assert!(sections.len() >= 3, "{kind:?}");
            assert!(sections.iter().all(|s| s.title.is_some()), "{kind:?}");
            assert!(text.contains("Ville d’Arles"), "{kind:?}");
            assert_eq!(Kind::parse(kind.code()), Some(kind));
        }
        let notice = default_text(Kind::LegalNotice, &arles());
        assert!(
            notice.contains("SIRET : 21130004600019")
                && notice.contains("Hôtel de ville, 13200 Arles")
        );
        assert!(notice.contains("L’hébergeur n’est pas encore indiqué"));
        let data = default_text(Kind::PersonalData, &arles());
        assert!(data.contains("après 30 jours") && data.contains("après 20 jours"));
        let a11y = default_text(Kind::Accessibility, &arles());
        assert!(a11y.contains("n’est pas en conformité") && a11y.contains("Défenseur des droits"));
    }

    #[test]
    fn a_text_of_its_own_is_checked_as_a_courrier_is() {
        let s = parse("Intro\n\n## Éditeur\n\nLa **mairie**.\n- un\n- deux").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].title, None);
        assert_eq!(s[1].title.as_deref(), Some("Éditeur"));
        assert_eq!(s[1].blocks.len(), 2);
        let all = parse("## \n\n<b>gras</b> {{RQ_ID}}").unwrap_err();
        assert!(
            all.iter().any(|e| e.contains("titre de partie est vide")),
            "{all:?}"
        );
        assert!(all.iter().any(|e| e.contains("balise HTML")), "{all:?}");
        assert!(parse("Texte {{RQ_ID}}").unwrap_err()[0].contains("servent aux courriers"));
        assert!(parse("  ").is_err());
    }
}
