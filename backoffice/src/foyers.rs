//! Foyers in the back office: the search (a GET form, its criteria in the
//! URL), a foyer's page, its state and its account.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_cases::casework::{self, FoyerQuery, FoyerView, FoyersFound};
use guichet_core::agents::Desk;
use guichet_core::domain::foyer::UserState;
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::render::see_other_with;
use guichet_web::{AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::desk::{Office, Section as Nav};

#[derive(Serialize)]
struct SearchPage {
    layout: Layout,
    form: Form,
    found: Option<FoyersFound>,
}

fn choose(all: &str, chosen: &str, items: &[(&str, &str)]) -> Vec<(String, String, bool)> {
    let mut out = vec![(String::new(), all.to_owned(), chosen.is_empty())];
    out.extend(
        items
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string(), *v == chosen)),
    );
    out
}

fn search_form(q: &FoyerQuery) -> Form {
    let states: Vec<(&str, &str)> = UserState::ALL
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect();
    let sort = if q.tri.is_empty() { "nom" } else { &q.tri };
    let fields = vec![
        Field::text("nom", "Nom ou prénom", &q.nom)
            .optional()
            .hint("Le début du nom ou du prénom suffit."),
        Field::number("foyer", "Numéro de foyer", &q.foyer).optional(),
        Field::checkbox(
            "responsables",
            "Les responsables du foyer seulement",
            q.responsables == "oui",
        ),
        Field::select("etat", "État du foyer", choose("Tous", &q.etat, &states)).optional(),
        Field::select(
            "compte",
            "Compte",
            choose(
                "Tous",
                &q.compte,
                &[("actif", "Actif"), ("desactive", "Désactivé")],
            ),
        )
        .optional(),
        Field::select(
            "tri",
            "Trier par",
            [("nom", "Nom"), ("foyer", "Foyer, le plus récent d’abord")]
                .into_iter()
                .map(|(v, l)| (v.to_owned(), l.to_owned(), v == sort))
                .collect(),
        ),
    ];
    Form::search(
        "/backoffice/foyers",
        "Rechercher",
        vec![Section::plain(fields)],
    )
    .with_id("recherche")
}

pub(crate) async fn search(office: Office, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let pairs: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    let query = FoyerQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let searched = !pairs.is_empty();
    let q = query.clone();
    let (desk, found) = office
        .report(move |t, desk| {
            Ok(if searched {
                Some(casework::search_foyers(t, desk, &q))
            } else {
                None
            })
        })
        .await?;
    let mut form = search_form(&query);
    let (status, found) = match found {
        None => (StatusCode::OK, None),
        Some(Ok(found)) => (StatusCode::OK, Some(found)),
        Some(Err(Error::Refused(m))) => return Err(AppError::Conflict(m)),
        Some(Err(e)) => (form.refused(e.into())?, None),
    };
    let title = &guichet_web::render::title("Rechercher des foyers", status != StatusCode::OK);
    let layout = office.layout(&desk, title, Nav::Foyers)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/foyers",
            &SearchPage {
                layout,
                form: sealed(form),
                found,
            },
        )?))
}

#[derive(Serialize)]
struct FoyerPage {
    layout: Layout,
    f: FoyerView,
    csrf_token: String,
}

pub(crate) async fn page(office: Office, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = *id;
    let (desk, view) = office
        .read(move |t, desk| casework::foyer(t, desk, id))
        .await?;
    let title = format!("Foyer n° {id}");
    let layout = office.layout(&desk, &title, Nav::Foyers)?;
    office.page(
        "backoffice/foyer",
        &FoyerPage {
            layout,
            f: view,
            csrf_token: office.csrf()?,
        },
    )
}

fn back(office: &Office, id: i64) -> Result<HttpResponse, AppError> {
    see_other_with(
        &office.session,
        format!("/backoffice/foyers/{id}"),
        "La modification est enregistrée dans l’historique du foyer.",
    )
}

#[derive(Deserialize)]
pub(crate) struct StateForm {
    #[serde(default)]
    to: String,
}

pub(crate) async fn set_state(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<StateForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    office
        .write(move |t, desk| casework::set_state(t, desk, id, &form.to))
        .await?;
    back(&office, id)
}

#[derive(Deserialize)]
pub(crate) struct AccountForm {
    #[serde(default)]
    compte: String,
}

pub(crate) async fn set_account(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(form): VerifiedForm<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let enabled = match form.compte.as_str() {
        "activer" => true,
        "desactiver" => false,
        _ => {
            return Err(AppError::BadRequest(
                "choisissez d’activer ou de désactiver le compte".into(),
            ))
        }
    };
    office
        .write(move |t, desk| casework::set_enabled(t, desk, id, enabled))
        .await?;
    back(&office, id)
}

// At the counter: the foyer's members and address, kept by agents who serve
// the counter with the forms and checks of the portal, each change in the
// foyer's history under the agent's name.

use guichet_cases::casework::foyers as counter;
use guichet_web::forms::{form_page, Pairs};
use guichet_web::foyer::{
    address_form, address_values, check_member, is_adult, member_form, member_refusal,
    member_values,
};

/// A counter's form page: the layout of the desk, « Erreur : » when refused.
fn counter_form(
    office: &Office,
    desk: &Desk,
    status: StatusCode,
    heading: &str,
    form: Form,
) -> Result<HttpResponse, AppError> {
    let layout = office.layout(desk, heading, Nav::Foyers)?;
    form_page(&office.pages, status, layout, heading, None, form)
}

/// The desk again, for a form's page after a refused change.
async fn desk_again(office: &Office) -> Result<Desk, AppError> {
    let (desk, ()) = office.read(|_, _| Ok(())).await?;
    Ok(desk)
}

fn member_heading(adult: bool) -> &'static str {
    if adult {
        "Ajouter un adulte au foyer"
    } else {
        "Ajouter un enfant au foyer"
    }
}

pub(crate) async fn member_new_page(
    office: Office,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, kind) = path.into_inner();
    let adult = is_adult(&kind)?;
    let (desk, foyer) = office
        .read(move |t, d| counter::foyer_at_counter(t, d, id))
        .await?;
    let last = foyer
        .members
        .iter()
        .find(|m| m.responsible)
        .map(|m| m.last_name.clone())
        .unwrap_or_default();
    let defaults = move |k: &str| {
        if k == "last_name" {
            last.clone()
        } else {
            String::new()
        }
    };
    let form = member_form(
        &format!("/backoffice/foyers/{id}/ajouter/{kind}"),
        &format!("/backoffice/foyers/{id}"),
        office.csrf()?,
        adult,
        &foyer,
        &defaults,
        "Ajouter",
    );
    counter_form(&office, &desk, StatusCode::OK, member_heading(adult), form)
}

pub(crate) async fn member_create(
    office: Office,
    path: web::Path<(i64, String)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, kind) = path.into_inner();
    let adult = is_adult(&kind)?;
    let p = Pairs(pairs);
    let (_, foyer) = office
        .read(move |t, d| counter::foyer_at_counter(t, d, id))
        .await?;
    let outcome = match check_member(&p, adult, &foyer, true) {
        Ok((person, responsibles)) => {
            office
                .write(move |t, d| counter::add_member(t, d, id, &person, &responsibles))
                .await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(_) => back(&office, id),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = member_form(
                &format!("/backoffice/foyers/{id}/ajouter/{kind}"),
                &format!("/backoffice/foyers/{id}"),
                office.csrf()?,
                adult,
                &foyer,
                &|k| p.get(k),
                "Ajouter",
            );
            let status = form.refused(member_refusal(e, &foyer))?;
            let desk = desk_again(&office).await?;
            counter_form(&office, &desk, status, member_heading(adult), form)
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn member_page(
    office: Office,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, member) = path.into_inner();
    let (desk, (foyer, m)) = office
        .read(move |t, d| counter::member_at_counter(t, d, id, member))
        .await?;
    let form = member_form(
        &format!("/backoffice/foyers/{id}/membres/{member}"),
        &format!("/backoffice/foyers/{id}"),
        office.csrf()?,
        m.adult,
        &foyer,
        &member_values(&m),
        "Enregistrer",
    );
    let heading = format!("Modifier : {}", m.name);
    counter_form(&office, &desk, StatusCode::OK, &heading, form)
}

pub(crate) async fn member_update(
    office: Office,
    path: web::Path<(i64, i64)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, member) = path.into_inner();
    let p = Pairs(pairs);
    let (_, (foyer, m)) = office
        .read(move |t, d| counter::member_at_counter(t, d, id, member))
        .await?;
    let outcome = match check_member(&p, m.adult, &foyer, true) {
        Ok((person, responsibles)) => {
            office
                .write(move |t, d| counter::edit_member(t, d, id, member, &person, &responsibles))
                .await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => back(&office, id),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = member_form(
                &format!("/backoffice/foyers/{id}/membres/{member}"),
                &format!("/backoffice/foyers/{id}"),
                office.csrf()?,
                m.adult,
                &foyer,
                &|k| p.get(k),
                "Enregistrer",
            );
            let status = form.refused(member_refusal(e, &foyer))?;
            let heading = format!("Modifier : {}", m.name);
            let desk = desk_again(&office).await?;
            counter_form(&office, &desk, status, &heading, form)
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn member_remove(
    office: Office,
    path: web::Path<(i64, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (id, member) = path.into_inner();
    office
        .write(move |t, d| counter::remove_member(t, d, id, member))
        .await?;
    back(&office, id)
}

pub(crate) async fn address_page(
    office: Office,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (desk, foyer) = office
        .read(move |t, d| counter::foyer_at_counter(t, d, id))
        .await?;
    let form = address_form(
        &format!("/backoffice/foyers/{id}/adresse"),
        office.csrf()?,
        address_values(&foyer),
    )
    .cancel(&format!("/backoffice/foyers/{id}"), "Annuler");
    counter_form(&office, &desk, StatusCode::OK, "Adresse du foyer", form)
}

pub(crate) async fn address_update(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let p = Pairs(pairs);
    // Reached and allowed before the form is even read.
    office
        .read(move |t, d| counter::foyer_at_counter(t, d, id))
        .await?;
    let mut checks = guichet_core::error::Checks::default();
    let address = guichet_core::foyers::check_address(|k| p.get(k), "address.", &mut checks);
    let outcome = match checks.finish() {
        Ok(()) => {
            office
                .write(move |t, d| counter::edit_address(t, d, id, &address))
                .await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => back(&office, id),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = address_form(
                &format!("/backoffice/foyers/{id}/adresse"),
                office.csrf()?,
                |k| p.get(k),
            )
            .cancel(&format!("/backoffice/foyers/{id}"), "Annuler");
            let status = form.refused(e)?;
            let desk = desk_again(&office).await?;
            counter_form(&office, &desk, status, "Adresse du foyer", form)
        }
        Err(e) => Err(e),
    }
}
