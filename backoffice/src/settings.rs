//! The collectivité's settings page, for its back office's administrators.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::collectivite::legal::{self, LegalPage};
use guichet_core::collectivite::settings::Settings;
use guichet_core::collectivite::settings::{self, SettingsInput};
use guichet_core::domain::legal::Kind;
use guichet_core::domain::requests::MeansOfContact;
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{form_page, sealed, Field, Form, Pairs, Section};
use guichet_web::legal::Hosting;
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Layout};
use serde::Serialize;

use crate::desk::{Office, Section as Nav};

const TITLE: &str = "Paramètres de la collectivité";

fn form(csrf_token: String, v: &SettingsInput) -> Form {
    let means = MeansOfContact::ALL
        .into_iter()
        .map(|m| {
            let code = m.code().to_owned();
            let on = v.means_of_contact.contains(&code);
            (code, m.label().to_owned(), on)
        })
        .collect();
    Form::new(
        "/backoffice/parametres",
        csrf_token,
        "Enregistrer les paramètres",
        vec![
            Section::titled(
                "Les brouillons des foyers",
                None,
                vec![
                    Field::number("draft_keep_days", "Conservation d’un brouillon, en jours", &v.draft_keep_days),
                    Field::number("draft_notice_days", "Rappel avant sa suppression, en jours", &v.draft_notice_days)
                        .hint("Le foyer reçoit un courriel ce nombre de jours avant que son brouillon soit supprimé."),
                ],
            ),
            Section::titled(
                "Le contact avec les foyers",
                None,
                vec![
                    Field::checkboxes("means_of_contact", "Moyens de contact proposés aux foyers", means),
                    Field::text("help_contact", "Qui contacter pour un compte désactivé", &v.help_contact),
                    Field::checkbox("notify_agents", "Prévenir les agents par courriel de chaque nouvelle demande", v.notify_agents),
                ],
            ),
            Section::titled(
                "La qualité de service",
                Some("Pour les téléservices qui n’ont pas leurs propres délais, comptés depuis le dépôt."),
                vec![
                    Field::number("max_delay_days", "Délai maximal de traitement, en jours", &v.max_delay_days),
                    Field::number("alert_delay_days", "Alerte avant ce délai, en jours", &v.alert_delay_days)
                        .hint("Une demande devient urgente ce nombre de jours avant son délai maximal, en retard après."),
                    Field::checkbox("alerts_enabled", "Prévenir les agents par courriel des demandes urgentes et en retard", v.alerts_enabled),
                    Field::checkbox("alerts_detailed", "Une ligne par demande dans ces courriels (sinon, leur nombre)", v.alerts_detailed),
                ],
            ),
            Section::titled(
                "Le verrou des demandes",
                None,
                vec![Field::number("lock_minutes", "Durée du verrou d’une demande ouverte, en minutes", &v.lock_minutes)
                    .hint("Un agent qui ouvre une demande la tient pendant ce temps ; les autres la lisent seulement.")],
            ),
        ],
    )
}

fn input_of(s: &Settings) -> SettingsInput {
    SettingsInput {
        draft_keep_days: s.draft_keep_days.to_string(),
        draft_notice_days: s.draft_notice_days.to_string(),
        means_of_contact: s
            .means_of_contact
            .iter()
            .map(|m| m.code().to_owned())
            .collect(),
        notify_agents: s.notify_agents,
        help_contact: s.help_contact.clone(),
        max_delay_days: s.max_delay_days.to_string(),
        alert_delay_days: s.alert_delay_days.to_string(),
        alerts_enabled: s.alerts_enabled,
        alerts_detailed: s.alerts_detailed,
        lock_minutes: s.lock_minutes.to_string(),
    }
}

pub(crate) async fn page(
    office: Office,
    hosting: web::Data<Hosting>,
) -> Result<HttpResponse, AppError> {
    let cx = hosting.context(office.agent.tenant.base_url().to_owned());
    let (desk, (current, legal_pages)) = office
        .read(move |t, desk| {
            let current = settings::settings(t, desk)?;
            let legal_pages = Kind::ALL
                .into_iter()
                .map(|k| legal::page(t, k, &cx))
                .collect::<Result<Vec<_>, Error>>()?;
            Ok((current, legal_pages))
        })
        .await?;
    office.page(
        "backoffice/settings",
        &SettingsPage {
            layout: office.layout(&desk, TITLE, Nav::Settings)?,
            form: sealed(form(office.csrf()?, &input_of(&current))),
            legal_pages,
        },
    )
}

#[derive(Serialize)]
struct SettingsPage {
    layout: Layout,
    form: Form,
    legal_pages: Vec<LegalPage>,
}

/// The form of a legal page's own text.
fn page_form(csrf_token: String, page: &LegalPage, text: &str) -> Form {
    let mut f = Form::new(
        &format!("/backoffice/parametres/pages/{}", page.code),
        csrf_token,
        "Enregistrer la page",
        vec![Section::plain(vec![Field::textarea("text", "Texte de la page", text)
            .rows(24)
            .hint("Une ligne qui commence par « ## » est le titre d’une partie. Une ligne vide sépare deux paragraphes ; **texte** met en gras ; « - » en début de ligne fait une liste.")])],
    )
    .cancel("/backoffice/parametres", "Annuler et revenir aux paramètres");
    if page.own {
        f = f.secondary("defaut", "oui", "Revenir au texte fait des paramètres");
    }
    f
}

fn kind_of(code: &str) -> Result<Kind, AppError> {
    Kind::parse(code).ok_or(AppError::NotFound)
}

/// A legal page's text, to write the collectivité's own.
pub(crate) async fn legal_page(
    office: Office,
    hosting: web::Data<Hosting>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let kind = kind_of(&code)?;
    let cx = hosting.context(office.agent.tenant.base_url().to_owned());
    let (desk, page) = office
        .read(move |t, desk| {
            // Administrators only, as the settings.
            settings::settings(t, desk)?;
            legal::page(t, kind, &cx)
        })
        .await?;
    let title = format!("Modifier la page « {} »", page.title);
    let layout = office.layout(&desk, &title, Nav::Settings)?;
    let intro = if page.own {
        "Le texte de la collectivité. Vous pouvez aussi revenir au texte fait de ses paramètres (nom, adresse, SIRET, adresse de contact)."
    } else {
        "Le texte fait des paramètres de la collectivité (nom, adresse, SIRET, adresse de contact) : complétez-le ou remplacez-le."
    };
    let f = page_form(office.csrf()?, &page, &page.text);
    form_page(
        &office.pages,
        StatusCode::OK,
        layout,
        &title,
        Some(intro),
        f,
    )
}

/// Saves the collectivité's own text of a legal page, or goes back to the
/// text its settings make (`defaut=oui`).
pub(crate) async fn save_legal_page(
    office: Office,
    hosting: web::Data<Hosting>,
    code: web::Path<String>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let kind = kind_of(&code)?;
    let p = Pairs(pairs);
    let (text, reset) = (p.get("text"), p.get("defaut") == "oui");
    let given = text.clone();
    let saved = office
        .write(move |t, desk| {
            if reset {
                legal::reset(t, desk, kind)
            } else {
                legal::save(t, desk, kind, &given)
            }
        })
        .await;
    match saved {
        Ok(()) => see_other_with(
            &office.session,
            "/backoffice/parametres",
            if reset {
                "La page reprend le texte fait des paramètres de la collectivité."
            } else {
                "La page est enregistrée ; les usagers la lisent dès maintenant."
            },
        ),
        Err(e @ AppError::Invalid(_)) => {
            let cx = hosting.context(office.agent.tenant.base_url().to_owned());
            let (desk, page) = office.read(move |t, _| legal::page(t, kind, &cx)).await?;
            let title = format!("Modifier la page « {} »", page.title);
            let layout = office.layout(&desk, &title, Nav::Settings)?;
            let mut f = page_form(office.csrf()?, &page, &text);
            let status = f.refused(e)?;
            form_page(&office.pages, status, layout, &title, None, f)
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn save(
    office: Office,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(pairs);
    let input = SettingsInput {
        draft_keep_days: p.get("draft_keep_days"),
        draft_notice_days: p.get("draft_notice_days"),
        means_of_contact: p.all("means_of_contact"),
        notify_agents: p.get("notify_agents") == "oui",
        help_contact: p.get("help_contact"),
        max_delay_days: p.get("max_delay_days"),
        alert_delay_days: p.get("alert_delay_days"),
        alerts_enabled: p.get("alerts_enabled") == "oui",
        alerts_detailed: p.get("alerts_detailed") == "oui",
        lock_minutes: p.get("lock_minutes"),
    };
    let given = input.clone();
    let saved = office
        .write(move |t, desk| settings::save(t, desk, &given).map(|_| ()))
        .await;
    match saved {
        Ok(()) => see_other_with(
            &office.session,
            "/backoffice/parametres",
            "Les paramètres sont enregistrés ; ils valent dès maintenant.",
        ),
        Err(e @ AppError::Invalid(_)) => {
            let (desk, ()) = office.read(|_, _| Ok(())).await?;
            let layout = office.layout(&desk, TITLE, Nav::Settings)?;
            let mut f = form(office.csrf()?, &input);
            let status = f.refused(e)?;
            form_page(&office.pages, status, layout, TITLE, None, f)
        }
        Err(e) => Err(e),
    }
}
